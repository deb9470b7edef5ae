import Foundation
import SchakelProtocol
import Testing

/// Coordinators against the real daemon on the demo map: an escalation reaches someone who can act, and they act
/// over SRP/1 (PENDING, ASSIGN, STATUS) and through schakelctl.
@Suite struct CoordinatorFlowTests {
    @Test func anEscalationAboutAnnaGoesToTheReferrersCoordinatorWhoAssignsIt() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let anna = try daemon.connect(as: "contact:schuldhulp-anna")
        let pieter = try daemon.connect(as: "contact:huisarts-pieter")
        _ = try gp.submit(try Referrals.make(needs: ["debt"]))
        let offer = try anna.next(.handover)

        // Anna is the only debt contact in Utrecht and her own organisation's coordinator: when her offer lapses,
        // the alert must not go back to her, but to the referring practice's coordinator.
        _ = try daemon.admin("clock.advance", ["duration": "P2D"])
        let escalation = try pieter.next(.escalation)
        #expect(escalation.body["reason"] == "unowned")
        #expect(escalation.body["handover_id"] == offer.body["handover_id"])
        let unowned = try #require(escalation.body["need_handover_id"]?.stringValue)
        #expect(unowned != offer.body["handover_id"]?.stringValue)
        #expect(try anna.drain(timeout: 0.5).filter { $0.command == "ESCALATION" }.isEmpty)

        // Pieter may see the referral and acts on it: the need goes back to Anna by hand.
        let referralID = try #require(escalation.body["referral_id"])
        let status = try pieter.request(.status, ["referral_id": referralID], expect: .referral)
        #expect(status.body["handovers"]?[1]?["state"] == "unowned")
        let noted = try pieter.request(
            .assign, ["handover_id": .string(unowned), "contact": "contact:schuldhulp-anna"], expect: .noted)
        #expect(noted.body["event"] == "assigned")
        let again = try anna.next(.handover)
        #expect(again.body["handover_id"] == noted.body["handover_id"])
        let notices = try gp.drain(timeout: 0.5).filter { $0.command == "NOTICE" }.compactMap {
            $0.body["event"]?.stringValue
        }
        #expect(notices.suffix(3) == ["unowned", "escalated", "offered"])
        // A repeat is refused: the need has moved on.
        let repeated = try pieter.request(
            .assign, ["handover_id": .string(unowned), "contact": "contact:schuldhulp-anna"], expect: .noted)
        #expect(repeated.body["code"] == "conflict")
        for peer in [gp, anna, pieter] { #expect(peer.violations.isEmpty, "\(peer.violations)") }
    }

    @Test func aCoordinatorListsWhatIsPendingAndReOffersFromTheCommandLine() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let bram = try daemon.connect(as: "contact:wonen-bram")
        _ = try gp.submit(try Referrals.make(needs: ["housing"]))
        let offer = try bram.next(.handover)
        let handoverID = try #require(offer.body["handover_id"]?.stringValue)

        // Sandra coordinates Domstad Wonen: Bram's unanswered offer is on her list.
        let pending = try CommandLineTests.run(
            "schakelctl", ["pending", "--as", "contact:domstad-sandra", "--broker", daemon.endpoint, "--json"])
        #expect(pending.status == 0, "\(pending.errors)")
        let list = try JSONValue.parse(Data(pending.output.utf8))
        #expect(list["organisation"] == "org:domstad-wonen")
        #expect(list["handovers"]?[0]?["kind"] == "offered")
        #expect(list["handovers"]?[0]?["handover_id"] == .string(handoverID))
        #expect(list["handovers"]?[0]?["contact"] == "contact:wonen-bram")
        let table = try CommandLineTests.run(
            "schakelctl", ["pending", "--as", "contact:domstad-sandra", "--broker", daemon.endpoint])
        #expect(table.output.contains("OFFERED"), "\(table.output)")

        // Someone who coordinates nothing is refused, with the exit code of a refusal.
        let bramTries = try CommandLineTests.run(
            "schakelctl", ["pending", "--as", "contact:wonen-carla", "--broker", daemon.endpoint])
        #expect(bramTries.status == 1)
        #expect(bramTries.errors.contains("forbidden"), "\(bramTries.errors)")

        // Sandra takes it over herself: Bram's offer is withdrawn, hers arrives.
        let assigned = try CommandLineTests.run(
            "schakelctl",
            [
                "assign", handoverID, "contact:domstad-sandra", "--as", "contact:domstad-sandra", "--broker",
                daemon.endpoint,
            ])
        #expect(assigned.status == 0, "\(assigned.output) \(assigned.errors)")
        let cancelled = try bram.next(.cancelled)
        #expect(cancelled.body["reason"] == "reassigned")
        #expect(cancelled.body["handover_id"] == .string(handoverID))
        let sandra = try daemon.connect(as: "contact:domstad-sandra")
        let reoffer = try sandra.next(.handover)
        #expect(reoffer.body["lead"] == true)
        #expect(try daemon.admin("stats")["handovers"]?["cancelled"] == .number(1))
        for peer in [gp, bram, sandra] { #expect(peer.violations.isEmpty, "\(peer.violations)") }
    }
}
