import Foundation

/// Which organisations a need concerns beyond the one contact matching picks: the organisations whose coordinators
/// an escalation alerts when nobody takes the need.
extension Matcher {
    /// The sorted ids of the organisations with at least one contact who could take this need at some moment: in
    /// its domain, serving its municipality (locally or nationally, as matching looks), within the consent, never
    /// having let it go (``MatchRequest/excluding``) and taking its urgency. Whether they are away, on call or full
    /// right now does not count: this is who could take the need, not who can now.
    public func organisations(for request: MatchRequest) -> [String] {
        var request = request
        request.onCallOnly = false
        let criteria = Criteria(request, index: map.index, now: .distantPast)
        var found: Set<Int32> = []
        for pool in candidatePools(request) {
            for i in pool.members where criteria.isCandidate(i, in: map.matchPools) {
                found.insert(map.matchPools.organization[i])
            }
        }
        return found.map { map.index.organizationIDs[Int($0)] }.sorted()
    }

    /// The sorted ids of the organisations a need waits for at `now`: those with a contact who passes every filter
    /// of ``match(_:load:now:)`` except that they are away, off duty (for ``MatchRequest/onCallOnly``) or full (unless
    /// ``MatchRequest/capacityIsSoft``) at this moment. `load` must have been built for this matcher's map.
    public func waitedFor(_ request: MatchRequest, load: ContactLoad, now: Date) -> [String] {
        precondition(load.identity === map.index.identity, "the ContactLoad was built for another social map")
        let pools = map.matchPools
        let criteria = Criteria(request, index: map.index, now: now)
        let moment = now.timeIntervalSinceReferenceDate
        var found: Set<Int32> = []
        for pool in candidatePools(request) {
            var away: Set<Int> = []
            for r in pool.absences where pools.absenceStart[r] <= moment && moment < pools.absenceEnd[r] {
                away.insert(Int(pools.absentee[r]))
            }
            let onCall = request.onCallOnly ? Set(pools.onCallMembers(of: pool, at: criteria.clock.weekMinute)) : []
            for i in pool.members where criteria.isCandidate(i, in: pools) {
                let offDuty = request.onCallOnly && !onCall.contains(i)
                let full = !request.capacityIsSoft && load.poolOpen[i] >= pools.traits[i].capacity
                if away.contains(i) || offDuty || full { found.insert(pools.organization[i]) }
            }
        }
        return found.map { map.index.organizationIDs[Int($0)] }.sorted()
    }

    /// The local and the national pool of a request's domain and municipality.
    private func candidatePools(_ request: MatchRequest) -> [MatchPools.Pool] {
        [map.matchPools.pool(request.domain, request.municipality), map.matchPools.pool(request.domain, "*")]
    }
}
