import Foundation
import SchakelProtocol

/// What one need asks of matching: who the citizen is (as far as matching cares) and what the referral already has.
public struct MatchRequest: Sendable {
    public var domain: String
    public var municipality: String
    public var consent: Consent
    public var urgency: Urgency
    /// The citizen's language, when the referral names one.
    public var language: String?
    /// Contacts who had this need before and let it go: it never goes back to them.
    public var excluding: Set<String>
    /// Contacts already chosen for other needs of the same referral.
    public var sameReferral: Set<String>
    /// The domains of the referral's other needs.
    public var otherDomains: [String]
    /// Only contacts on call at the moment of the offer qualify (``ContactPerson/isOnCall(at:)``): for a crisis out
    /// of office hours. Those off duty are counted as ``MatchFilter/notOnCall`` and, like the absent, make the need
    /// wait (until the first of them comes on call) rather than leave it unroutable.
    public var onCallOnly: Bool
    /// Contacts at or over their capacity still qualify, after everyone with room: a crisis goes to somebody, even
    /// somebody busy, rather than wait for room. The need then never waits for capacity.
    public var capacityIsSoft: Bool

    public init(
        domain: String, municipality: String, consent: Consent, urgency: Urgency = .normal, language: String? = nil,
        excluding: Set<String> = [], sameReferral: Set<String> = [], otherDomains: [String] = [],
        onCallOnly: Bool = false, capacityIsSoft: Bool = false
    ) {
        self.domain = domain
        self.municipality = municipality
        self.consent = consent
        self.urgency = urgency
        self.language = language
        self.excluding = excluding
        self.sameReferral = sameReferral
        self.otherDomains = otherDomains
        self.onCallOnly = onCallOnly
        self.capacityIsSoft = capacityIsSoft
    }
}

/// The answer of matching for one need.
public struct MatchResult: Sendable {
    /// The contact to offer the need to; nil when nobody qualifies.
    public var chosen: ContactPerson?
    public var explanation: MatchExplanation
    /// Nobody qualifies only because every remaining candidate is away, off duty (``MatchRequest/onCallOnly``) or
    /// full: the need waits.
    public var isWaiting: Bool
    /// While waiting on an absence or an on-call window: the earliest moment one of the absent candidates is back or
    /// one of those off duty comes on call.
    public var retryAt: Date?
}

/// Picks the contact person for one need, and says why.
///
/// Hard filters, in order (``MatchFilter``): domain, municipality, consent, declined before, urgency, absent at
/// the moment of the offer, not on call then (only for ``MatchRequest/onCallOnly``), at capacity (unless
/// ``MatchRequest/capacityIsSoft``). Ranking among those left, better first: has room (only a soft capacity lets
/// anyone without room through), already chosen for another need of the same referral, covers more of the
/// referral's other needs (so a citizen's needs go to as few people as can serve them), speaks the citizen's
/// language, deputises for an absent candidate, lowest load ratio (open / capacity), longest since the last offer
/// (fair rotation), and id order. Pure: `now` and the load come in as arguments, so the same state gives the same
/// choice.
public struct Matcher: Sendable {
    public let map: SocialMap

    public init(map: SocialMap) {
        self.map = map
    }

    /// Matches one need at `now`. `load` must have been built for this matcher's map.
    ///
    /// One walk over the local and the national pool (``MatchPools``) applies the filters and keeps the best two
    /// candidates as it goes. The few members a request singles out are handled around the walk instead of being
    /// looked for in it: those declined before and those away are found first (by binary search and in the pool's
    /// short list of absences) and skipped; those of the same referral and the deputies of the absent are lifted
    /// afterwards, which can only move them up, so the best two stay right.
    public func match(_ request: MatchRequest, load: ContactLoad, now: Date) -> MatchResult {
        precondition(load.identity === map.index.identity, "the ContactLoad was built for another social map")
        let index = map.index
        let inDomain = map.contactCount(in: request.domain)
        let local = map.matchPools.pool(request.domain, request.municipality)
        let national = map.matchPools.pool(request.domain, "*")
        var walk = Walk(
            pools: map.matchPools, load: load, criteria: Criteria(request, index: index, now: now), index: index,
            now: now.timeIntervalSinceReferenceDate)
        walk.visit(local)
        walk.visit(national)
        // Members of the same referral and deputies of the absent, each lifted once with both of its keys.
        let sameReferral = Set(request.sameReferral.compactMap { index.places[$0] })
        let deputies = Set(walk.absent.map { index.entries[Int($0)].deputy }.filter { $0 >= 0 })
        for place in sameReferral.union(deputies).sorted() {
            walk.lift(
                place, in: [local, national], sameReferral: sameReferral.contains(place),
                deputy: deputies.contains(place))
        }
        let removed: [String: Int] = [
            MatchFilter.domain.rawValue: map.contacts.count - inDomain,
            MatchFilter.municipality.rawValue: inDomain - local.members.count - national.members.count,
            MatchFilter.consent.rawValue: walk.removedByConsent,
            MatchFilter.declinedBefore.rawValue: walk.removedAsDeclined,
            MatchFilter.urgency.rawValue: walk.removedByUrgency,
            MatchFilter.absent.rawValue: walk.absent.count,
            MatchFilter.notOnCall.rawValue: walk.removedOffDuty,
            MatchFilter.capacity.rawValue: walk.removedAsFull,
        ]
        let best = walk.qualified > 0 ? walk.podium.best : nil
        let second = walk.qualified > 1 ? walk.podium.second : nil
        let chosen = best.map { map.sortedContacts[Int($0.place)] }
        func keys(_ r: Ranked?) -> RankingKeys? {
            r.map { rankingKeys(place: $0.place, request: request, load: load, absent: walk.absent) }
        }
        let waiting = chosen == nil && walk.absent.count + walk.removedOffDuty + walk.removedAsFull > 0
        var retryAt = waiting ? walk.retryAt.map { Date(timeIntervalSinceReferenceDate: $0) } : nil
        if waiting && walk.removedOffDuty > 0, let onCall = walk.nextOnCall(in: [local, national], after: now) {
            retryAt = min(retryAt ?? onCall, onCall)
        }
        return MatchResult(
            chosen: chosen,
            explanation: MatchExplanation(
                considered: map.contacts.count, removed: removed, chosen: keys(best), runnerUp: keys(second)),
            isWaiting: waiting, retryAt: retryAt)
    }

    /// Every candidate that passes the hard filters, best first.
    public func ranked(_ request: MatchRequest, load: ContactLoad, now: Date) -> [ContactPerson] {
        var remaining = request
        var result: [ContactPerson] = []
        while let next = match(remaining, load: load, now: now).chosen {
            result.append(next)
            remaining.excluding.insert(next.id)
        }
        return result
    }

    func rankingKeys(place: Int32, request: MatchRequest, load: ContactLoad, absent: [Int32]) -> RankingKeys {
        let contact = map.sortedContacts[Int(place)]
        let open = Int(load.open(at: place))
        // Places follow id order, so the first absent place with this deputy is the first absent id.
        let deputyFor = absent.filter { map.index.entries[Int($0)].deputy == place }.min().map {
            map.sortedContacts[Int($0)].id
        }
        return RankingKeys(
            contact: contact.id, sameReferral: request.sameReferral.contains(contact.id),
            otherNeedsCovered: request.otherDomains.filter { contact.domains.contains($0) }.count,
            speaksLanguage: request.language.map { language in
                contact.languages.contains { $0.lowercased() == language.lowercased() }
            } ?? true,
            deputyFor: deputyFor, load: Double(open) / Double(max(contact.capacity, 1)), open: open,
            capacity: contact.capacity, lastOfferedAt: load.lastOffered(at: place).map(RFC3339.format),
            order: Int(place))
    }

    // MARK: The first cut's interface, kept for its tests

    /// The ranked candidates, best first (no urgency, language or absence: see ``match(_:load:now:)``).
    public func candidates(
        domain: String, municipality: String, consent: Consent, excluding: Set<String> = [],
        openHandovers: [String: Int] = [:]
    ) -> [ContactPerson] {
        ranked(
            MatchRequest(domain: domain, municipality: municipality, consent: consent, excluding: excluding),
            load: ContactLoad(map: map, open: openHandovers), now: .distantPast)
    }

    /// The best candidate, or nil when the need is unroutable.
    public func choose(
        domain: String, municipality: String, consent: Consent, excluding: Set<String> = [],
        openHandovers: [String: Int] = [:]
    ) -> ContactPerson? {
        candidates(
            domain: domain, municipality: municipality, consent: consent, excluding: excluding,
            openHandovers: openHandovers
        ).first
    }
}
