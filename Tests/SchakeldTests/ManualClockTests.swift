import Foundation
import SchakelProtocol
import Testing

/// The manual clock driven through the admin socket, as tests and demos use it: days of
/// deadlines in milliseconds, with the daemon running throughout.
@Suite struct ManualClockTests {
    @Test func clockAdvanceWalksTheWholeChainWhileTheDaemonRuns() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let bram = try daemon.connect(as: "contact:wonen-bram")
        let carla = try daemon.connect(as: "contact:wonen-carla")
        _ = try gp.submit(try Referrals.make(needs: ["housing"]))
        let offer = try bram.next(.handover)

        // Four working hours: the reminder point.
        let reminded = try daemon.admin("clock.advance", ["duration": "PT4H"])
        #expect(reminded["now"] == "2026-11-23T13:00:00Z")
        #expect(reminded["timers_fired"] == .number(1))
        #expect(try bram.next(.reminder).body["handover_id"] == offer.body["handover_id"])

        // Past the deadline (Tuesday 10:00): withdrawn from Bram, offered to Carla.
        _ = try daemon.admin("clock.advance", ["duration": "PT20H"])
        #expect(try bram.next(.cancelled).body["handover_id"] == offer.body["handover_id"])
        let second = try carla.next(.handover)
        #expect(second.body["ack_by"] == "2026-11-25T09:00:00Z")
        let notices = try gp.drain(timeout: 0.5).filter { $0.command == "NOTICE" }.compactMap {
            $0.body["event"]?.stringValue
        }
        #expect(notices == ["offered", "rerouted"])

        // Carla takes it; eight weeks later nazorg asks both sides.
        _ = try carla.request(.ack, ["handover_id": second.body["handover_id"]!], expect: .acked)
        _ = try carla.request(.contacted, ["handover_id": second.body["handover_id"]!], expect: .noted)
        _ = try daemon.admin("clock.advance", ["duration": "P8W"])
        #expect(try carla.next(.nazorg).body["handover_id"] == second.body["handover_id"])
        #expect(try gp.next(.nazorg).body["handover_id"] == second.body["handover_id"])
        let noted = try gp.request(
            .outcome, ["handover_id": second.body["handover_id"]!, "result": "resolved"], expect: .noted)
        #expect(noted.command == "NOTED")
        let later = try gp.drain(timeout: 0.5).filter { $0.command == "NOTICE" }.compactMap {
            $0.body["event"]?.stringValue
        }
        #expect(later == ["acknowledged", "contacted", "closed"])

        // The CLI drives the same command.
        let cli = try CommandLineTests.run(
            "schakelctl", ["clock", "advance", "P1D", "--state-dir", daemon.stateDirectory.path])
        #expect(cli.status == 0, "\(cli.errors)")
        #expect(cli.output.contains("deadlines fired"))
        for peer in [gp, bram, carla] { #expect(peer.violations.isEmpty, "\(peer.violations)") }
    }

    /// A client showing "nog 2 werkdagen" (the desk) must count from the broker's now, which on the manual clock
    /// is not this machine's: PONG carries it there, and only there.
    @Test func pongCarriesTheBrokersNowOnlyOnTheManualClock() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10)
        try daemon.start()
        let anyone = try daemon.connect(as: "contact:wonen-bram")
        #expect(try anyone.request(.ping, [:], expect: .pong).body["now"] == "2026-11-23T09:00:00Z")
        _ = try daemon.admin("clock.advance", ["duration": "P2D"])
        #expect(try anyone.request(.ping, [:], expect: .pong).body["now"] == "2026-11-25T09:00:00Z")
        #expect(anyone.violations.isEmpty, "\(anyone.violations)")

        let wall = try Daemon()
        try wall.start()
        let other = try wall.connect(as: "contact:wonen-bram")
        #expect(try other.request(.ping, [:], expect: .pong).body == [:])
    }
}

/// The README's manual-clock walkthrough with `kill -9` between two steps: the clock resumes where the database left
/// off instead of going back to `clock.start`.
@Suite struct ManualClockRestartTests {
    @Test func theManualClockResumesFromTheDatabaseAfterKill9() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let bram = try daemon.connect(as: "contact:wonen-bram")
        _ = try gp.submit(try Referrals.make(needs: ["housing"]))
        let offer = try bram.next(.handover)
        let advanced = try daemon.admin("clock.advance", ["duration": "PT20H"])
        #expect(advanced["now"] == "2026-11-24T05:00:00Z")

        daemon.kill9()
        try daemon.start()  // the same config: clock.start is still Monday 10:00
        let resumed = try daemon.admin("clock.advance", ["duration": "PT0S"])
        #expect(resumed["now"] == "2026-11-24T05:00:00Z", "\(resumed)")
        #expect(daemon.log().contains("clock.resumed"))

        // The chain goes on from there: four more hours pass ack_by (Tuesday 10:00 in Amsterdam), once.
        let bramAgain = try daemon.connect(as: "contact:wonen-bram")
        _ = try daemon.admin("clock.advance", ["duration": "PT4H"])
        #expect(try bramAgain.next(.cancelled).body["handover_id"] == offer.body["handover_id"])
    }
}

/// What issue 4 asks to see against the running daemon beyond the chain itself: business
/// deadlines that skip Dutch holidays, and a coordinator assigning a need nobody owns.
@Suite struct CalendarAndAssignmentTests {
    @Test(arguments: [
        // Thursday before Easter 2026, normal urgency (P3D business): Good Friday works, Easter Monday is closed.
        ("2026-04-02T10:00:00+02:00", "2026-04-08T08:00:00Z"),
        // Friday before King's Day (Monday 27 April 2026).
        ("2026-04-24T10:00:00+02:00", "2026-04-30T08:00:00Z"),
    ])
    func businessDeadlinesSkipEasterAndKingsDay(start: String, ackBy: String) throws {
        let daemon = try DeadlineRestartTests.daemon(at: start)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let bram = try daemon.connect(as: "contact:wonen-bram")
        _ = try gp.submit(Referrals.setting("urgency", to: "normal", in: try Referrals.make(needs: ["housing"])))
        let offer = try bram.next(.handover)
        #expect(offer.body["ack_by"]?.stringValue == ackBy)
        // One minute before the deadline nothing is withdrawn; one minute after, it is.
        let deadline = try #require(RFC3339.parse(ackBy))
        let before = Int(deadline.timeIntervalSince(RFC3339.parse(start)!)) - 60
        _ = try daemon.admin("clock.advance", ["duration": .string("PT\(before)S")])
        #expect(try bram.drain(timeout: 0.3).filter { $0.command == "CANCELLED" }.isEmpty)
        _ = try daemon.admin("clock.advance", ["duration": "PT2M"])
        #expect(try bram.next(.cancelled).body["handover_id"] == offer.body["handover_id"])
    }

    @Test func aCoordinatorAssignsANeedNobodyOwns() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        // Only Vechtzicht is within the consent: after Carla lets it expire nobody is left.
        let accepted = try gp.submit(try Referrals.make(needs: ["housing"], shareWith: ["org:vechtzicht-wonen"]))
        _ = try daemon.admin("clock.advance", ["duration": "P1D"])
        let status = try gp.request(.status, ["referral_id": accepted.body["referral_id"]!], expect: .referral)
        let unowned = try #require(status.body["handovers"]?.arrayValue?.last)
        #expect(unowned["state"] == "unowned")
        let unownedID = try #require(unowned["handover_id"]?.stringValue)

        // Consent first: Bram's organisation is not covered.
        let refused = try daemon.admin(
            "assign",
            ["handover_id": .string(unownedID), "contact": "contact:wonen-bram", "by": "contact:vechtzicht-youri"])
        #expect(refused["code"] == "forbidden")

        // Youri, Vechtzicht's coordinator, gives it back to Carla through schakelctl.
        let cli = try CommandLineTests.run(
            "schakelctl",
            [
                "assign", unownedID, "contact:wonen-carla", "--by", "contact:vechtzicht-youri", "--state-dir",
                daemon.stateDirectory.path,
            ])
        #expect(cli.status == 0, "\(cli.errors)")
        #expect(cli.output.contains("offered to contact:wonen-carla"))
        let carla = try daemon.connect(as: "contact:wonen-carla")
        let offer = try carla.next(.handover)
        #expect(offer.body["ack_by"] != nil)
        let after = try gp.request(.status, ["referral_id": accepted.body["referral_id"]!], expect: .referral)
        #expect(after.body["handovers"]?.arrayValue?.map { $0["state"] } == ["expired", "unowned", "offered"])
        let timeline = after.body["timeline"]?.arrayValue?.compactMap { $0["event"]?.stringValue } ?? []
        #expect(timeline.suffix(2) == ["assigned", "offered"])

        // A need someone holds is not assigned again.
        let again = try daemon.admin(
            "assign",
            ["handover_id": .string(unownedID), "contact": "contact:wonen-carla", "by": "contact:vechtzicht-youri"])
        #expect(again["code"] == "conflict")
        #expect(gp.violations.isEmpty && carla.violations.isEmpty, "\(gp.violations) \(carla.violations)")
    }
}
