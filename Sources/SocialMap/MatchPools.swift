import Foundation

/// The candidate pools laid out for matching's walk: every (domain, municipality) pool one after the other in flat
/// columns, one value per member, so that matching reads a pool front to back.
///
/// On the national map the biggest pools hold three thousand members and matching looks at every one of them.
/// Jumping from each member into arrays indexed by place (the entry, the load slot) cost a cache miss per member
/// and made the biggest pools the slow tail; here a member costs a few bytes read in order, and a column is read
/// only when the request needs it (the organisation only for a consent that names organisations, the languages
/// only for a request with a language). The load has a matching column per member, kept in step by
/// ``ContactLoad``, which finds a contact's members through ``memberStart`` and ``members``. Built once per map.
struct MatchPools: Sendable {
    /// Where one pool sits in the columns.
    struct Pool {
        /// Its members' positions, in place (id) order.
        var members: Range<Int> = 0..<0
        /// Its absence records (``absentee``, ``absenceStart``, ``absenceEnd``).
        var absences: Range<Int> = 0..<0
        /// Its on-call records (``onCallMember``, ``onCallSpan``).
        var onCall: Range<Int> = 0..<0
    }

    /// Each pool by its key, `"domain GM0344"`, national contacts under `"domain *"`.
    let pools: [String: Pool]
    /// Per position, what the walk reads for every member, in one record (one stream of memory, not three).
    let traits: [Traits]
    /// Per position, what is read for some members or some requests only: the place (for those that could rank
    /// first), the organisation index (for a consent that names organisations), the domains (for a referral with
    /// other needs), all language bits (for a language beyond the first 16).
    let place: [Int32]
    let organization: [Int32]
    let domains: [UInt64]
    let languages: [UInt64]

    /// A member as the walk's filters and first ranking keys see it (see ``MatchIndex/Entry``), in 8 bytes: the
    /// walk's time on a pool not in cache goes by the bytes it reads.
    struct Traits {
        var capacity: Int32
        /// The first 16 language bits (``MatchIndex/languageBits``): a map seldom has more languages.
        var languages: UInt16
        var urgencies: UInt8
    }
    /// The absence periods of the members who have any, pool by pool, by position and then start: few enough that
    /// matching checks them before the walk instead of testing every member for an absence.
    let absentee: [Int32]
    /// Seconds since the reference date, start inclusive, end exclusive.
    let absenceStart: [Double]
    let absenceEnd: [Double]
    /// The on-call spans of the members who have any, pool by pool, by position and then start: like absences, few
    /// enough that a request for those on call finds them before the walk, which then only compares positions.
    let onCallMember: [Int32]
    let onCallSpan: [OnCallWindow.Span]
    /// The positions of the contact at place `p` are `members[memberStart[p]..<memberStart[p + 1]]`: one per pool the
    /// contact is in (a handful), for keeping the load's columns in step.
    let memberStart: [Int32]
    let members: [Int32]

    /// Lays out `pools` (places by key, each ascending) with what `index` says about each place.
    init(pools: [String: [Int32]], index: MatchIndex) {
        let total = pools.values.reduce(0) { $0 + $1.count }
        var layout: [String: Pool] = [:]
        var place: [Int32] = []
        var organization: [Int32] = []
        var traits: [Traits] = []
        var languages: [UInt64] = []
        var domains: [UInt64] = []
        var absentee: [Int32] = []
        var absenceStart: [Double] = []
        var absenceEnd: [Double] = []
        var onCallMember: [Int32] = []
        var onCallSpan: [OnCallWindow.Span] = []
        place.reserveCapacity(total)
        organization.reserveCapacity(total)
        traits.reserveCapacity(total)
        languages.reserveCapacity(total)
        domains.reserveCapacity(total)
        for key in pools.keys.sorted() {
            let first = place.count
            let firstAbsence = absentee.count
            let firstOnCall = onCallMember.count
            for p in pools[key] ?? [] {
                let entry = index.entries[Int(p)]
                if entry.absenceSlot >= 0 {
                    for period in index.absences[Int(entry.absenceSlot)] {
                        absentee.append(Int32(place.count))
                        absenceStart.append(period.start.timeIntervalSinceReferenceDate)
                        absenceEnd.append(period.end.timeIntervalSinceReferenceDate)
                    }
                }
                if entry.onCallSlot >= 0 {
                    for span in index.onCall[Int(entry.onCallSlot)] {
                        onCallMember.append(Int32(place.count))
                        onCallSpan.append(span)
                    }
                }
                place.append(p)
                organization.append(entry.organization)
                traits.append(
                    Traits(
                        capacity: entry.capacity, languages: UInt16(truncatingIfNeeded: entry.languages),
                        urgencies: entry.urgencies))
                languages.append(entry.languages)
                domains.append(entry.domains)
            }
            layout[key] = Pool(
                members: first..<place.count, absences: firstAbsence..<absentee.count,
                onCall: firstOnCall..<onCallMember.count)
        }
        self.pools = layout
        self.place = place
        self.organization = organization
        self.traits = traits
        self.languages = languages
        self.domains = domains
        self.absentee = absentee
        self.absenceStart = absenceStart
        self.absenceEnd = absenceEnd
        self.onCallMember = onCallMember
        self.onCallSpan = onCallSpan
        var memberStart = [Int32](repeating: 0, count: index.entries.count + 1)
        for p in place { memberStart[Int(p) + 1] += 1 }
        for p in index.entries.indices { memberStart[p + 1] += memberStart[p] }
        var next = memberStart
        var members = [Int32](repeating: 0, count: place.count)
        for (position, p) in place.enumerated() {
            members[Int(next[Int(p)])] = Int32(position)
            next[Int(p)] += 1
        }
        self.memberStart = memberStart
        self.members = members
    }

    /// The pool of `domain` in `municipality` (`"*"` for the national one); empty when there is none.
    func pool(_ domain: String, _ municipality: String) -> Pool {
        pools["\(domain) \(municipality)"] ?? Pool()
    }

    /// The position of `place` in `pool`, if it is a member: pools are in place order.
    func position(of place: Int32, in pool: Pool) -> Int? {
        var (lo, hi) = (pool.members.lowerBound, pool.members.upperBound)
        while lo < hi {
            let mid = (lo + hi) / 2
            if self.place[mid] < place { lo = mid + 1 } else { hi = mid }
        }
        return lo < pool.members.upperBound && self.place[lo] == place ? lo : nil
    }

    /// The positions in `pool` of the members on call at minute `weekMinute` of the week, ascending.
    func onCallMembers(of pool: Pool, at weekMinute: Int) -> [Int] {
        var found: [Int] = []
        for r in pool.onCall where onCallSpan[r].covers(weekMinute) {
            let i = Int(onCallMember[r])
            if found.last != i { found.append(i) }
        }
        return found
    }

    /// Whether the member at position `i` of `pool` is on call at minute `weekMinute` of the week.
    func isOnCall(_ i: Int, in pool: Pool, at weekMinute: Int) -> Bool {
        // Records are in position order: the member's are together, found by binary search.
        var (lo, hi) = (pool.onCall.lowerBound, pool.onCall.upperBound)
        while lo < hi {
            let mid = (lo + hi) / 2
            if onCallMember[mid] < Int32(i) { lo = mid + 1 } else { hi = mid }
        }
        while lo < pool.onCall.upperBound && onCallMember[lo] == Int32(i) {
            if onCallSpan[lo].covers(weekMinute) { return true }
            lo += 1
        }
        return false
    }

    /// How many members all pools hold together (a contact counts once per pool).
    var memberCount: Int { place.count }
}
