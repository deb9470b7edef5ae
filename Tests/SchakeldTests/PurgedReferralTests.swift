import Foundation
import SchakelProtocol
import Testing

/// Once a referral's personal data is purged, by the retention period, WITHDRAW or the operator's `erase`, nothing
/// personal may enter it again: an OUTCOME with a note is a `conflict`, while the bare outcome code, which purging
/// keeps anyway, is still recorded where the handover's life cycle allows it.
@Suite struct PurgedReferralTests {
    /// Free text of the kind a note carries: who the citizen is.
    static let note = "Mevrouw Jansen belde terug op 06-12345678."

    /// A one-need referral whose handover Anna acknowledged and completed with her outcome, so the referral is
    /// closed and the referrer's own answer to nazorg may still come.
    struct Completed {
        let daemon: Daemon
        let gp: Peer
        let anna: Peer
        let referralID: JSONValue
        let handoverID: JSONValue
    }

    static func completed(retention: String = "P90D") throws -> Completed {
        let daemon = try DeadlineRestartTests.daemon(at: NazorgTests.monday10)
        try daemon.reconfigure(["retention": .string(retention)])
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let accepted = try gp.submit(try Referrals.make(needs: ["debt"]))
        let anna = try daemon.connect(as: "contact:schuldhulp-anna")
        let handoverID = try #require(try anna.next(.handover).body["handover_id"])
        _ = try anna.request(.ack, ["handover_id": handoverID], expect: .acked)
        let done = try anna.request(.outcome, ["handover_id": handoverID, "result": "resolved"], expect: .noted)
        #expect(done.command == "NOTED", "\(done.body)")
        let referralID = try #require(accepted.body["referral_id"])
        #expect(try gp.request(.status, ["referral_id": referralID], expect: .referral).body["state"] == "closed")
        return Completed(daemon: daemon, gp: gp, anna: anna, referralID: referralID, handoverID: handoverID)
    }

    /// The outcome columns of the referral's handover, read beside the daemon.
    static func outcomes(_ setup: Completed) throws -> (referrer: String?, contact: String?, note: String?) {
        let row = try #require(
            try PrivacyTests.query(
                setup.daemon,
                "SELECT outcome_referrer, outcome_contact, outcome_note FROM handovers WHERE handover_id = ?",
                [.text(setup.handoverID.stringValue!)]
            ).first)
        return (row.string("outcome_referrer"), row.string("outcome_contact"), row.string("outcome_note"))
    }

    /// What must hold after every way of purging: `from`'s OUTCOME with a note is refused with `conflict` on
    /// `note`, saying to send it without one, and stores nothing; the same OUTCOME without the note is recorded.
    static func expectTheNoteRefused(_ setup: Completed, from peer: Peer, result: String = "resolved") throws {
        let purged = try #require(
            try PrivacyTests.query(
                setup.daemon, "SELECT purged_at FROM referrals WHERE referral_id = ?",
                [.text(setup.referralID.stringValue!)]
            ).first?.string("purged_at"))
        #expect(!purged.isEmpty)

        let refused = try peer.request(
            .outcome, ["handover_id": setup.handoverID, "result": .string(result), "note": .string(note)],
            expect: .noted)
        #expect(refused.command == "REJECTED", "a note after the purge was accepted: \(refused.body)")
        #expect(refused.body["code"] == "conflict" && refused.body["field"] == "note", "\(refused.body)")
        let message = refused.body["message"]?.stringValue ?? ""
        #expect(message.contains("purged") && message.contains("without \"note\""), "\(message)")
        #expect(try outcomes(setup).note == nil)
        let export = try setup.daemon.admin("export", ["referral_id": setup.referralID])
        #expect(export["ok"] == true && !export.canonicalString().contains(note), "the note is in the export")

        // The outcome code alone is no personal data, and the handover still takes its second answer.
        let bare = try peer.request(
            .outcome, ["handover_id": setup.handoverID, "result": .string(result)], expect: .noted)
        #expect(bare.command == "NOTED", "\(bare.body)")
        #expect(try outcomes(setup).note == nil)
        for principal in [setup.gp, setup.anna] { #expect(principal.violations.isEmpty, "\(principal.violations)") }
    }

    @Test func aNoteIsRefusedAfterTheRetentionPeriodPurgedTheReferral() throws {
        let setup = try Self.completed(retention: "P30D")
        _ = try setup.daemon.admin("clock.advance", ["duration": "P31D"])
        try Self.expectTheNoteRefused(setup, from: setup.gp)
        #expect(try Self.outcomes(setup).referrer == "resolved")
    }

    @Test func aNoteIsRefusedAfterWithdrawAndSoIsReopeningIt() throws {
        let setup = try Self.completed()
        let withdrawn = try setup.gp.request(
            .withdraw, ["referral_id": setup.referralID, "reason": "consent_withdrawn"], expect: .noted)
        #expect(withdrawn.command == "NOTED")
        try Self.expectTheNoteRefused(setup, from: setup.gp, result: "not_resolved")
        #expect(try Self.outcomes(setup).referrer == "not_resolved")

        // The unresolved need cannot be routed again: its summary is gone; the referrer is told to submit anew.
        let reopen = try setup.gp.request(
            .reopen, ["referral_id": setup.referralID, "reason": "De burger wil het opnieuw proberen."],
            expect: .noted)
        #expect(reopen.command == "REJECTED" && reopen.body["code"] == "conflict", "\(reopen.body)")
        #expect(reopen.body["message"]?.stringValue?.contains("submit it again") == true, "\(reopen.body)")
    }

    @Test func aNoteIsRefusedAfterTheOperatorErasedTheReferral() throws {
        let setup = try Self.completed()
        #expect(try setup.daemon.admin("erase", ["referral_id": setup.referralID])["ok"] == true)
        try Self.expectTheNoteRefused(setup, from: setup.anna)
        #expect(try Self.outcomes(setup).contact == "resolved")
    }
}
