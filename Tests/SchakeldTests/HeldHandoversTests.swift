import Foundation
import SchakelProtocol
import Testing

/// A contact's CASES and a coordinator's PENDING list the handovers the contact holds: since migration 18 the broker
/// knows which those are from memory (`OpenHandovers`) and reads their rows by their referrals' keys. The lists must
/// follow every change a contact would see: an offer, an acknowledgement, a second need of another referral, a
/// restart (the memory read again at start), and a withdrawal by the referrer.
@Suite struct HeldHandoversTests {
    static let anna = "contact:schuldhulp-anna"

    /// The handover ids of Anna's CASELIST, in its order.
    static func cases(_ peer: Peer) throws -> [String] {
        let list = try peer.request(.cases, [:], expect: .caseList)
        return (list.body["cases"]?.arrayValue ?? []).compactMap { $0["handover_id"]?.stringValue }
    }

    @Test func casesAndPendingFollowOffersAcknowledgementsARestartAndAWithdrawal() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        // Anna: the only debt contact in Utrecht, and her organisation's coordinator.
        var anna = try daemon.connect(as: Self.anna)
        let first = try gp.submit(try Referrals.make(needs: ["debt"]))
        let firstOffer = try #require(try anna.next(.handover).body["handover_id"]?.stringValue)
        _ = try gp.submit(try Referrals.make(needs: ["housing", "debt"]))
        let secondOffer = try #require(try anna.next(.handover).body["handover_id"]?.stringValue)

        #expect(try Self.cases(anna) == [], "an offer is not a case yet")
        #expect(try Set(PendingOverdueTests.pending(anna)) == ["offered \(firstOffer)", "offered \(secondOffer)"])

        _ = try anna.request(.ack, ["handover_id": .string(firstOffer)], expect: .acked)
        #expect(try Self.cases(anna) == [firstOffer])
        #expect(try Set(PendingOverdueTests.pending(anna)) == ["open \(firstOffer)", "offered \(secondOffer)"])

        // A restart: who holds what is read again.
        #expect(daemon.stop() == 0)
        try daemon.start()
        anna = try daemon.connect(as: Self.anna)
        _ = try anna.next(.handover)  // the second offer, not yet confirmed, comes again
        #expect(try Self.cases(anna) == [firstOffer])
        #expect(try Set(PendingOverdueTests.pending(anna)) == ["open \(firstOffer)", "offered \(secondOffer)"])

        // The referrer withdraws the first referral: Anna's case leaves both lists; the second offer stays.
        let gpAgain = try daemon.connect(as: "org:huisarts-de-brug")
        _ = try gpAgain.request(
            .withdraw, ["referral_id": first.body["referral_id"]!, "reason": "no_longer_needed"], expect: .noted)
        #expect(try Self.cases(anna) == [])
        #expect(try PendingOverdueTests.pending(anna) == ["offered \(secondOffer)"])

        _ = try anna.request(.ack, ["handover_id": .string(secondOffer)], expect: .acked)
        #expect(try Self.cases(anna) == [secondOffer])
        for peer in [gp, gpAgain, anna] { #expect(peer.violations.isEmpty, "\(peer.violations)") }
    }
}
