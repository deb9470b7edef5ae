import Foundation
import SchakelProtocol

extension Matcher {
    /// What a request asks of a pool member, turned into places and bits once per request.
    struct Criteria {
        /// The consent names everyone or the need's domain: every organisation may have the need.
        let everyone: Bool
        /// Else the organisations it names, as sorted organisation indexes.
        let organizations: [Int32]
        /// The places of the contacts who had this need before, sorted.
        let excluded: [Int32]
        /// The bit of the request's urgency in ``MatchPools/urgencies``.
        let urgency: UInt8
        let language: Language
        /// The bit of each of the referral's other domains (0 for a domain not on the map).
        let otherDomains: [UInt64]
        /// Only those on call qualify (``MatchRequest/onCallOnly``).
        let onCallOnly: Bool
        /// Then, the wall clock in Amsterdam at the moment of the offer (``OnCallWindow/wallClock(_:)``), read once
        /// per request; the walk compares minutes of the week.
        let clock: (weekMinute: Int, local: Int)
        /// The full qualify too, after everyone with room (``MatchRequest/capacityIsSoft``).
        let capacityIsSoft: Bool
        /// ``Ranked/roomBit`` when capacity is soft, else 0: with a hard capacity everyone who qualifies has room.
        let roomBit: Int

        /// How the citizen's language is checked.
        enum Language {
            /// No language named: everyone counts as speaking it.
            case any
            /// A bit in ``MatchPools/languages`` (0 when nobody on the map speaks it).
            case bit(UInt64)
            /// A map of more than 64 languages has no bits: each candidate's list is searched.
            case list(String)
        }

        init(_ request: MatchRequest, index: MatchIndex, now: Date) {
            var everyone = false
            var organizations: Set<Int32> = []
            for scope in request.consent.shareWith {
                switch scope {
                case .everyone: everyone = true
                case .domain(let d): if d == request.domain { everyone = true }
                case .organisation(let o): if let i = index.organizationIndex[o] { organizations.insert(i) }
                }
            }
            self.everyone = everyone
            self.organizations = organizations.sorted()
            excluded = request.excluding.compactMap { index.places[$0] }.sorted()
            urgency = MatchIndex.bit(request.urgency)
            if let language = request.language?.lowercased() {
                // A language nobody on the map speaks has no bit: then nobody speaks it, which a zero bit says.
                self.language = index.languageBits.map { .bit($0[language] ?? 0) } ?? .list(language)
            } else {
                self.language = .any
            }
            otherDomains = request.otherDomains.map { index.domainBits[$0] ?? 0 }
            onCallOnly = request.onCallOnly
            clock = request.onCallOnly ? OnCallWindow.wallClock(now) : (0, 0)
            capacityIsSoft = request.capacityIsSoft
            roomBit = request.capacityIsSoft ? Ranked.roomBit : 0
        }

        /// Whether a pool member passes the filters that do not change with the moment: consent, declined before,
        /// urgency (domain and municipality are the pool's).
        func isCandidate(_ i: Int, in pools: MatchPools) -> Bool {
            permits(pools.organization[i]) && !isExcluded(pools.place[i]) && pools.traits[i].urgencies & urgency != 0
        }

        func permits(_ organization: Int32) -> Bool {
            everyone || Self.contains(organizations, organization)
        }

        func isExcluded(_ place: Int32) -> Bool {
            !excluded.isEmpty && Self.contains(excluded, place)
        }

        /// Binary search in a sorted list.
        static func contains(_ sorted: [Int32], _ value: Int32) -> Bool {
            var (lo, hi) = (0, sorted.count)
            while lo < hi {
                let mid = (lo + hi) / 2
                if sorted[mid] < value { lo = mid + 1 } else { hi = mid }
            }
            return lo < sorted.count && sorted[lo] == value
        }
    }

    /// One request's pass over its pools: the count each filter removed, who is away, and the best two so far.
    struct Walk {
        let pools: MatchPools
        let load: ContactLoad
        let criteria: Criteria
        let index: MatchIndex
        /// The moment of the offer, in seconds since the reference date.
        let now: Double
        var removedByConsent = 0
        var removedAsDeclined = 0
        var removedByUrgency = 0
        var removedOffDuty = 0
        var removedAsFull = 0
        /// How many candidates passed every filter.
        var qualified = 0
        /// The places of the candidates removed as away, in the order found.
        var absent: [Int32] = []
        /// The earliest end of an absence that removed a candidate.
        var retryAt: Double?
        var podium = Podium()

        init(pools: MatchPools, load: ContactLoad, criteria: Criteria, index: MatchIndex, now: Double) {
            self.pools = pools
            self.load = load
            self.criteria = criteria
            self.index = index
            self.now = now
        }

        /// Applies the filters to every member of `pool` and ranks those left.
        mutating func visit(_ pool: MatchPools.Pool) {
            if criteria.onCallOnly { visit(pool, OnCallOnly.self) } else { visit(pool, Anyone.self) }
        }

        /// Whether a walk keeps only those on call, known to the compiler: each kind of walk gets its own copy of the
        /// loop, and the common one carries nothing of the on-call check (which cost it 10% in its registers).
        protocol Shift { static var onCallOnly: Bool { get } }
        enum Anyone: Shift { static var onCallOnly: Bool { false } }
        enum OnCallOnly: Shift { static var onCallOnly: Bool { true } }

        /// The hot loop of matching: it runs for every member of the biggest pools, so it reads columns held in
        /// locals (kept in registers, not reloaded through `self`), reads a member's last offer and place only when
        /// the member could make the podium, and counts in locals written back once.
        mutating func visit<S: Shift>(_ pool: MatchPools.Pool, _: S.Type) {
            let skipped = skippedMembers(of: pool)
            let (organization, lastOffered, place) = (pools.organization, load.poolLastOffered, pools.place)
            let criteria = criteria
            let (everyone, urgency) = (criteria.everyone, criteria.urgency)
            let (soft, roomBit) = (criteria.capacityIsSoft, criteria.roomBit)
            // Those on call, found once in the pool's few on-call records; the walk keeps a finger in the list.
            let onCall = S.onCallOnly ? pools.onCallMembers(of: pool, at: criteria.clock.weekMinute) : []
            // The common language checks as a bit test on the record; other languages and other needs ask `head`.
            var (speaksAll, languageBit, slowHead) = (false, UInt16(0), !criteria.otherDomains.isEmpty)
            switch criteria.language {
            case .any: speaksAll = true
            case .bit(let bit) where bit <= UInt16.max: languageBit = UInt16(bit)
            case .bit, .list: slowHead = true
            }
            var podium = podium
            var (byConsent, byUrgency, offDuty, full, qualified) = (0, 0, 0, 0, 0)
            var nextSkipped = skipped.first ?? Int.max
            var s = 0
            var (nextOnCall, n) = (onCall.first ?? Int.max, 0)
            pools.traits.withUnsafeBufferPointer { traits in
                load.poolOpen.withUnsafeBufferPointer { open in
                    for i in pool.members {
                        if i == nextSkipped {
                            s += 1
                            nextSkipped = s < skipped.count ? skipped[s] : Int.max
                            continue
                        }
                        if !everyone && !criteria.permits(organization[i]) {
                            byConsent += 1
                            continue
                        }
                        let member = traits[i]
                        if member.urgencies & urgency == 0 {
                            byUrgency += 1
                            continue
                        }
                        if S.onCallOnly {
                            while nextOnCall < i {
                                n += 1
                                nextOnCall = n < onCall.count ? onCall[n] : Int.max
                            }
                            if nextOnCall != i {
                                offDuty += 1
                                continue
                            }
                        }
                        let (o, c) = (open[i], member.capacity)
                        var room = roomBit
                        if o >= c {
                            if !soft {
                                full += 1
                                continue
                            }
                            room = 0
                        }
                        qualified += 1
                        // Most candidates lose to the runner-up on the keys before the rotation: decide that first.
                        let head =
                            (slowHead
                                ? head(at: i, sameReferral: false, deputy: false)
                                : (speaksAll || member.languages & languageBit != 0 ? 2 : 0)) | room
                        let second = podium.second
                        if head < second.head { continue }
                        if head == second.head && Int(o) * Int(max(second.capacity, 1)) > Int(second.open) * Int(c) {
                            continue
                        }
                        podium.offer(
                            Ranked(head: head, open: o, capacity: c, lastOffered: lastOffered[i], place: place[i]))
                    }
                }
            }
            self.podium = podium
            removedByConsent += byConsent
            removedByUrgency += byUrgency
            removedOffDuty += offDuty
            removedAsFull += full
            self.qualified += qualified
        }

        /// The positions in `pool` of the members declined before or away, counted here and skipped by the walk,
        /// in ascending order: each only when the filters before its own let it through.
        mutating func skippedMembers(of pool: MatchPools.Pool) -> [Int] {
            var skipped: [Int] = []
            for place in criteria.excluded {
                if let i = pools.position(of: place, in: pool), criteria.permits(pools.organization[i]) {
                    skipped.append(i)
                    removedAsDeclined += 1
                }
            }
            var last = -1
            for r in pool.absences {
                let i = Int(pools.absentee[r])
                // Only the first absence (by start) that covers the moment counts for a member.
                guard i != last, pools.absenceStart[r] <= now, now < pools.absenceEnd[r] else { continue }
                last = i
                let place = pools.place[i]
                guard criteria.permits(pools.organization[i]), !criteria.isExcluded(place),
                    pools.traits[i].urgencies & criteria.urgency != 0
                else { continue }
                skipped.append(i)
                absent.append(place)
                retryAt = min(retryAt ?? pools.absenceEnd[r], pools.absenceEnd[r])
            }
            if !criteria.excluded.isEmpty { skipped.sort() }
            return skipped
        }

        /// The keys before the load of the member at position `i` (``Ranked/head``).
        @inline(__always)
        func head(at i: Int, sameReferral: Bool, deputy: Bool) -> Int {
            var covered = 0
            if !criteria.otherDomains.isEmpty {
                let domains = pools.domains[i]
                for bit in criteria.otherDomains where domains & bit != 0 { covered += 1 }
            }
            let speaks: Bool
            switch criteria.language {
            case .any: speaks = true
            case .bit(let bit): speaks = pools.languages[i] & bit != 0
            case .list(let language): speaks = index.languageLists[Int(pools.place[i])].contains(language)
            }
            return Ranked.head(sameReferral: sameReferral, covered: covered, speaks: speaks, deputy: deputy)
        }

        /// The ranking fields of the member at position `i`.
        func ranked(at i: Int, sameReferral: Bool, deputy: Bool) -> Ranked {
            let (open, capacity) = (load.poolOpen[i], pools.traits[i].capacity)
            return Ranked(
                head: head(at: i, sameReferral: sameReferral, deputy: deputy)
                    | (open < capacity ? criteria.roomBit : 0),
                open: open, capacity: capacity, lastOffered: load.poolLastOffered[i], place: pools.place[i])
        }

        /// Ranks `place` again with the keys the walk left out (same referral, deputy), when it qualified.
        mutating func lift(_ place: Int32, in candidatePools: [MatchPools.Pool], sameReferral: Bool, deputy: Bool) {
            for pool in candidatePools {
                guard let i = pools.position(of: place, in: pool) else { continue }
                guard criteria.isCandidate(i, in: pools), !absent.contains(place),
                    !criteria.onCallOnly || pools.isOnCall(i, in: pool, at: criteria.clock.weekMinute),
                    criteria.capacityIsSoft || load.poolOpen[i] < pools.traits[i].capacity
                else { return }
                podium.lift(ranked(at: i, sameReferral: sameReferral, deputy: deputy))
                return
            }
        }

        /// The first moment after `now` at which a candidate the walk found off duty comes on call; nil when none of
        /// them has a window (nor, then, ever will).
        func nextOnCall(in candidatePools: [MatchPools.Pool], after now: Date) -> Date? {
            // Off duty: a candidate with windows, none of which covers the moment, and not removed before as away.
            var spans: Set<OnCallWindow.Span> = []
            for pool in candidatePools {
                for r in pool.onCall {
                    let i = Int(pools.onCallMember[r])
                    guard criteria.isCandidate(i, in: pools), !absent.contains(pools.place[i]),
                        !pools.isOnCall(i, in: pool, at: criteria.clock.weekMinute)
                    else { continue }
                    spans.insert(pools.onCallSpan[r])
                }
            }
            // Windows share their hours: a handful of distinct spans, each turned into a moment once.
            return spans.map { OnCallWindow.nextStart(of: $0, after: now, clock: criteria.clock) }.min()
        }
    }

    /// What ranking compares, without the strings of ``RankingKeys``: cheap to build for every candidate.
    struct Ranked {
        /// The keys before the load, packed so that a higher number ranks first: has room (``roomBit``), same
        /// referral, other needs covered, speaks the language, deputises.
        var head: Int
        var open: Int32
        var capacity: Int32
        /// Seconds since the reference date, `-infinity` for never (which ranks first).
        var lastOffered: Double
        var place: Int32

        /// Ranks after every candidate: the empty places of a ``Podium``.
        static let nobody = Ranked(head: .min, open: 0, capacity: 1, lastOffered: 0, place: -1)

        /// Above every other key of ``head``: set, when capacity is soft, for those with room, so that they all rank
        /// before anyone full.
        static let roomBit = 1 << 41

        static func head(sameReferral: Bool, covered: Int, speaks: Bool, deputy: Bool) -> Int {
            (sameReferral ? 1 << 40 : 0) | min(covered, 1 << 36) << 2 | (speaks ? 2 : 0) | (deputy ? 1 : 0)
        }

        /// Whether this one ranks strictly before `other` (the order of ``RankingKeys``).
        @inline(__always)
        func ranksBefore(_ other: Ranked) -> Bool {
            if head != other.head { return head > other.head }
            // Cross-multiplied, so that 1/3 and 2/6 tie exactly.
            let (la, lb) = (Int(open) * Int(max(other.capacity, 1)), Int(other.open) * Int(max(capacity, 1)))
            if la != lb { return la < lb }
            if lastOffered != other.lastOffered { return lastOffered < other.lastOffered }
            return place < other.place
        }
    }

    /// The best two candidates seen so far.
    struct Podium {
        var best = Ranked.nobody
        var second = Ranked.nobody

        @inline(__always)
        mutating func offer(_ candidate: Ranked) {
            guard candidate.ranksBefore(second) else { return }
            if candidate.ranksBefore(best) {
                second = best
                best = candidate
            } else {
                second = candidate
            }
        }

        /// Offers a candidate seen before with keys that rank it no lower than then: it may already stand here.
        mutating func lift(_ candidate: Ranked) {
            if candidate.place == best.place {
                best = candidate
            } else if candidate.place == second.place {
                if candidate.ranksBefore(best) {
                    second = best
                    best = candidate
                } else {
                    second = candidate
                }
            } else {
                offer(candidate)
            }
        }
    }
}
