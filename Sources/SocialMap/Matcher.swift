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

    public init(
        domain: String, municipality: String, consent: Consent, urgency: Urgency = .normal, language: String? = nil,
        excluding: Set<String> = [], sameReferral: Set<String> = [], otherDomains: [String] = []
    ) {
        self.domain = domain
        self.municipality = municipality
        self.consent = consent
        self.urgency = urgency
        self.language = language
        self.excluding = excluding
        self.sameReferral = sameReferral
        self.otherDomains = otherDomains
    }
}

/// The broker's memory of each contact's work: open handovers (against capacity) and the last offer (rotation).
public struct ContactLoad: Sendable {
    public var open: [String: Int]
    public var lastOffered: [String: Date]

    public init(open: [String: Int] = [:], lastOffered: [String: Date] = [:]) {
        self.open = open
        self.lastOffered = lastOffered
    }
}

/// The answer of matching for one need.
public struct MatchResult: Sendable {
    /// The contact to offer the need to; nil when nobody qualifies.
    public var chosen: ContactPerson?
    public var explanation: MatchExplanation
    /// Nobody qualifies only because every remaining candidate is away or full: the need waits.
    public var isWaiting: Bool
    /// While waiting on an absence: the earliest moment one of the absent candidates is back.
    public var retryAt: Date?
}

/// Picks the contact person for one need, and says why.
///
/// Hard filters, in order (``MatchFilter``): domain, municipality, consent, declined before, urgency, absent at
/// the moment of the offer, at capacity. Ranking among those left, better first: already chosen for another need
/// of the same referral, covers more of the referral's other needs (so a citizen's needs go to as few people as
/// can serve them), speaks the citizen's language, deputises for an absent candidate, lowest load ratio
/// (open / capacity), longest since the last offer (fair rotation), and id order. Pure: `now` and the load come in
/// as arguments, so the same state gives the same choice.
public struct Matcher: Sendable {
    public let map: SocialMap

    public init(map: SocialMap) {
        self.map = map
    }

    /// Matches one need at `now`.
    public func match(_ request: MatchRequest, load: ContactLoad, now: Date) -> MatchResult {
        var removed = Dictionary(uniqueKeysWithValues: MatchFilter.allCases.map { ($0.rawValue, 0) })
        let inDomain = map.contactCount(in: request.domain)
        let places = map.places(serving: request.domain, in: request.municipality)
        removed[MatchFilter.domain.rawValue] = map.contacts.count - inDomain
        removed[MatchFilter.municipality.rawValue] = inDomain - places.count
        var qualified: [(place: Int32, contact: ContactPerson)] = []
        var absentIDs: Set<String> = []
        var retryAt: Date?
        for place in places {
            let contact = map.sortedContacts[Int(place)]
            let filter: MatchFilter?
            if !request.consent.permits(organisation: contact.organization, domain: request.domain) {
                filter = .consent
            } else if request.excluding.contains(contact.id) {
                filter = .declinedBefore
            } else if !contact.accepts(urgency: request.urgency.rawValue) {
                filter = .urgency
            } else if let absence = map.absence(of: contact.id, at: now) {
                filter = .absent
                absentIDs.insert(contact.id)
                retryAt = min(retryAt ?? absence.end, absence.end)
            } else if load.open[contact.id, default: 0] >= contact.capacity {
                filter = .capacity
            } else {
                filter = nil
            }
            if let filter {
                removed[filter.rawValue, default: 0] += 1
            } else {
                qualified.append((place, contact))
            }
        }
        // Only the comparison fields per candidate; the full ranking keys (with formatted times) are built for
        // the chosen one and the runner-up alone.
        let deputies = Set(absentIDs.compactMap { map.contacts[$0]?.deputy })
        let language = request.language?.lowercased()
        var best: Ranked?
        var second: Ranked?
        for (place, contact) in qualified {
            let candidate = Ranked(
                place: place, contact: contact, sameReferral: request.sameReferral.contains(contact.id),
                otherNeedsCovered: request.otherDomains.isEmpty
                    ? 0 : request.otherDomains.filter { contact.domains.contains($0) }.count,
                speaksLanguage: language.map { l in contact.languages.contains { $0 == l || $0.lowercased() == l } }
                    ?? true,
                isDeputy: !deputies.isEmpty && deputies.contains(contact.id), open: load.open[contact.id, default: 0],
                lastOffered: load.lastOffered[contact.id])
            if let b = best, !candidate.ranksBefore(b) {
                if second.map({ candidate.ranksBefore($0) }) ?? true { second = candidate }
            } else {
                second = best
                best = candidate
            }
        }
        let chosen = best?.contact
        func keys(_ r: Ranked?) -> RankingKeys? {
            r.map { rankingKeys($0.contact, place: $0.place, request: request, load: load, absent: absentIDs) }
        }
        let temporary =
            removed[MatchFilter.absent.rawValue, default: 0] + removed[MatchFilter.capacity.rawValue, default: 0]
        let waiting = chosen == nil && temporary > 0
        return MatchResult(
            chosen: chosen,
            explanation: MatchExplanation(
                considered: map.contacts.count, removed: removed, chosen: keys(best), runnerUp: keys(second)),
            isWaiting: waiting, retryAt: waiting ? retryAt : nil)
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

    func rankingKeys(
        _ contact: ContactPerson, place: Int32, request: MatchRequest, load: ContactLoad, absent: Set<String>
    ) -> RankingKeys {
        let open = load.open[contact.id, default: 0]
        let deputyFor = absent.isEmpty ? nil : absent.sorted().first { map.contacts[$0]?.deputy == contact.id }
        return RankingKeys(
            contact: contact.id, sameReferral: request.sameReferral.contains(contact.id),
            otherNeedsCovered: request.otherDomains.filter { contact.domains.contains($0) }.count,
            speaksLanguage: request.language.map { language in
                contact.languages.contains { $0.lowercased() == language.lowercased() }
            } ?? true,
            deputyFor: deputyFor, load: Double(open) / Double(max(contact.capacity, 1)), open: open,
            capacity: contact.capacity, lastOfferedAt: load.lastOffered[contact.id].map(RFC3339.format),
            order: Int(place))
    }

    /// What ranking compares, without the strings of ``RankingKeys``: cheap to build for every candidate.
    struct Ranked {
        var place: Int32
        var contact: ContactPerson
        var sameReferral: Bool
        var otherNeedsCovered: Int
        var speaksLanguage: Bool
        var isDeputy: Bool
        var open: Int
        var lastOffered: Date?

        /// Whether this one ranks strictly before `other` (the order of ``RankingKeys``).
        func ranksBefore(_ other: Ranked) -> Bool {
            let (a, b) = (self, other)
            if a.sameReferral != b.sameReferral { return a.sameReferral }
            if a.otherNeedsCovered != b.otherNeedsCovered { return a.otherNeedsCovered > b.otherNeedsCovered }
            if a.speaksLanguage != b.speaksLanguage { return a.speaksLanguage }
            if a.isDeputy != b.isDeputy { return a.isDeputy }
            // Cross-multiplied, so that 1/3 and 2/6 tie exactly.
            let (la, lb) = (a.open * max(b.contact.capacity, 1), b.open * max(a.contact.capacity, 1))
            if la != lb { return la < lb }
            if a.lastOffered != b.lastOffered {
                guard let ta = a.lastOffered else { return true }
                guard let tb = b.lastOffered else { return false }
                return ta < tb
            }
            return a.place < b.place
        }
    }

    // MARK: The first cut's interface, kept for its tests

    /// The ranked candidates, best first (no urgency, language or absence: see ``match(_:load:now:)``).
    public func candidates(
        domain: String, municipality: String, consent: Consent, excluding: Set<String> = [],
        openHandovers: [String: Int] = [:]
    ) -> [ContactPerson] {
        ranked(
            MatchRequest(domain: domain, municipality: municipality, consent: consent, excluding: excluding),
            load: ContactLoad(open: openHandovers), now: .distantPast)
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
