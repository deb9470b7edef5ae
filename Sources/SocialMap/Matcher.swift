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

    /// Matches one need at `now`. `load` must have been built for this matcher's map.
    public func match(_ request: MatchRequest, load: ContactLoad, now: Date) -> MatchResult {
        precondition(load.identity === map.index.identity, "the ContactLoad was built for another social map")
        let index = map.index
        var removed = Dictionary(uniqueKeysWithValues: MatchFilter.allCases.map { ($0.rawValue, 0) })
        let inDomain = map.contactCount(in: request.domain)
        let (local, national) = map.candidates(serving: request.domain, in: request.municipality)
        removed[MatchFilter.domain.rawValue] = map.contacts.count - inDomain
        removed[MatchFilter.municipality.rawValue] = inDomain - local.count - national.count
        // Everything the filters compare, turned into places and bits once per request.
        let consented = Consented(request.consent, domain: request.domain, index: index)
        let excluded = Set(request.excluding.compactMap { index.places[$0] })
        let urgency = MatchIndex.bit(request.urgency)
        var (consent, declined, urgencyRemoved, absentCount, full) = (0, 0, 0, 0, 0)
        var qualified: [Int32] = []
        qualified.reserveCapacity(local.count + national.count)
        var absent: [Int32] = []
        var retryAt: Date?
        for pool in [local, national] {
            pool.withUnsafeBufferPointer { members in
                for member in members {
                    let (place, entry) = (member.place, member.entry)
                    if !consented.permits(entry.organization) {
                        consent += 1
                    } else if !excluded.isEmpty && excluded.contains(place) {
                        declined += 1
                    } else if entry.urgencies & urgency == 0 {
                        urgencyRemoved += 1
                    } else if entry.absenceSlot >= 0, let absence = index.absence(slot: entry.absenceSlot, now) {
                        absentCount += 1
                        absent.append(place)
                        retryAt = min(retryAt ?? absence.end, absence.end)
                    } else if load.open(at: place) >= entry.capacity {
                        full += 1
                    } else {
                        qualified.append(place)
                    }
                }
            }
        }
        removed[MatchFilter.consent.rawValue] = consent
        removed[MatchFilter.declinedBefore.rawValue] = declined
        removed[MatchFilter.urgency.rawValue] = urgencyRemoved
        removed[MatchFilter.absent.rawValue] = absentCount
        removed[MatchFilter.capacity.rawValue] = full
        // Only the comparison fields per candidate; the full ranking keys (with formatted times) are built for
        // the chosen one and the runner-up alone.
        let deputies = Set(absent.map { index.entries[Int($0)].deputy }.filter { $0 >= 0 })
        let sameReferral = Set(request.sameReferral.compactMap { index.places[$0] })
        let otherDomains = request.otherDomains.map { index.domainBits[$0] ?? 0 }
        let language = request.language?.lowercased()
        // A language nobody on the map speaks has no bit: then nobody speaks it, which is what a zero bit says.
        let languageBit = language.flatMap { l in index.languageBits.map { $0[l] ?? 0 } }
        var best: Ranked?
        var second: Ranked?
        for place in qualified {
            let entry = index.entries[Int(place)]
            let slot = load.slot(at: place)
            let candidate = Ranked(
                place: place, sameReferral: !sameReferral.isEmpty && sameReferral.contains(place),
                otherNeedsCovered: otherDomains.isEmpty
                    ? 0 : otherDomains.reduce(0) { $0 + (entry.domains & $1 != 0 ? 1 : 0) },
                speaksLanguage: language.map { index.speaks(place, $0, bit: languageBit) } ?? true,
                isDeputy: !deputies.isEmpty && deputies.contains(place), open: slot.open, capacity: entry.capacity,
                lastOffered: slot.lastOffered)
            if let b = best, !candidate.ranksBefore(b) {
                if second.map({ candidate.ranksBefore($0) }) ?? true { second = candidate }
            } else {
                second = best
                best = candidate
            }
        }
        let chosen = best.map { map.sortedContacts[Int($0.place)] }
        func keys(_ r: Ranked?) -> RankingKeys? {
            r.map { rankingKeys(place: $0.place, request: request, load: load, absent: absent) }
        }
        let waiting = chosen == nil && absentCount + full > 0
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

    /// Which organisations a consent lets this need go to, as organisation indexes: all of them when it names
    /// everyone or the need's domain, else the organisations it names.
    struct Consented {
        let everyone: Bool
        let organizations: Set<Int32>

        init(_ consent: Consent, domain: String, index: MatchIndex) {
            var everyone = false
            var organizations: Set<Int32> = []
            for scope in consent.shareWith {
                switch scope {
                case .everyone: everyone = true
                case .domain(let d): if d == domain { everyone = true }
                case .organisation(let o): if let i = index.organizationIndex[o] { organizations.insert(i) }
                }
            }
            self.everyone = everyone
            self.organizations = organizations
        }

        func permits(_ organization: Int32) -> Bool {
            everyone || organizations.contains(organization)
        }
    }

    /// What ranking compares, without the strings of ``RankingKeys``: cheap to build for every candidate.
    struct Ranked {
        var place: Int32
        var sameReferral: Bool
        var otherNeedsCovered: Int
        var speaksLanguage: Bool
        var isDeputy: Bool
        var open: Int32
        var capacity: Int32
        /// Seconds since the reference date, `-infinity` for never (which ranks first).
        var lastOffered: Double

        /// Whether this one ranks strictly before `other` (the order of ``RankingKeys``).
        func ranksBefore(_ other: Ranked) -> Bool {
            let (a, b) = (self, other)
            if a.sameReferral != b.sameReferral { return a.sameReferral }
            if a.otherNeedsCovered != b.otherNeedsCovered { return a.otherNeedsCovered > b.otherNeedsCovered }
            if a.speaksLanguage != b.speaksLanguage { return a.speaksLanguage }
            if a.isDeputy != b.isDeputy { return a.isDeputy }
            // Cross-multiplied, so that 1/3 and 2/6 tie exactly.
            let (la, lb) = (Int(a.open) * Int(max(b.capacity, 1)), Int(b.open) * Int(max(a.capacity, 1)))
            if la != lb { return la < lb }
            if a.lastOffered != b.lastOffered { return a.lastOffered < b.lastOffered }
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
