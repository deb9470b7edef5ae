import Foundation
import SchakelProtocol
import Testing

/// Issue 22: the daemon's referral and handover ids begin with the millisecond they were made, so that a new
/// referral's entries in the primary-key indexes land on the last pages instead of a random page each. What an
/// integrator sees: a later referral's id, and its handovers' ids, sort after those of an earlier one.
@Suite struct IdentifierOrderTests {
    @Test func aLaterReferralAndItsHandoversSortAfterAnEarlierOne() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        var referralIDs: [String] = []
        var handoverIDs: [[String]] = []
        for round in 0..<3 {
            // A later millisecond of the wall clock (the ids' time is the wall clock's, never the manual one).
            Thread.sleep(forTimeInterval: 0.002)
            let accepted = try gp.submit(
                Referrals.setting("external_id", to: .string("ORDER-\(round)"), in: try Referrals.example()))
            let referralID = try #require(accepted.body["referral_id"]?.stringValue)
            let status = try gp.request(.status, ["referral_id": .string(referralID)], expect: .referral)
            let handovers = status.body["handovers"]?.arrayValue?.compactMap { $0["handover_id"]?.stringValue } ?? []
            #expect(handovers.count == 2, "\(status.body)")
            referralIDs.append(referralID)
            handoverIDs.append(handovers)
        }
        #expect(referralIDs == referralIDs.sorted(), "\(referralIDs)")
        for (earlier, later) in zip(handoverIDs, handoverIDs.dropFirst()) {
            #expect((earlier.max() ?? "") < (later.min() ?? ""), "\(earlier) then \(later)")
        }
    }
}
