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
}
