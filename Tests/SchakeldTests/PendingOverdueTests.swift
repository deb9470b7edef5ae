import Foundation
import SchakelProtocol
import Testing

/// A coordinator's PENDING and the operator's `stats` read one definition of what is overdue and unowned
/// (`ReferralStore.missedFirstContact`, `ReferralStore.unownedNeed`), so they name the same handovers.
@Suite struct PendingOverdueTests {
    /// The coordinator's PENDINGLIST as "kind handover_id" lines.
    static func pending(_ coordinator: Peer) throws -> [String] {
        let list = try coordinator.request(.pending, [:], expect: .pendingList)
        return (list.body["handovers"]?.arrayValue ?? []).map {
            "\($0["kind"]?.stringValue ?? "?") \($0["handover_id"]?.stringValue ?? "?")"
        }
    }

    @Test func pendingAndStatsNameTheSameOverdueAndUnownedHandovers() throws {
        let setup = try OverdueStatsTests.overdue()
        let debt = try #require(setup.debt.handover.stringValue)
        let housing = try #require(setup.housing.handover.stringValue)
        let listed = try setup.daemon.admin("stats")["overdue_handovers"]?.arrayValue?.compactMap {
            $0["handover_id"]?.stringValue
        }
        #expect(listed == [housing, debt])

        // Anna coordinates her own organisation: her missed first contact is overdue. Youri coordinates Vechtzicht,
        // whose Carla let the housing need lapse last: it is unowned on his list.
        #expect(try Self.pending(setup.anna) == ["overdue \(debt)"])
        let youri = try setup.daemon.connect(as: "contact:vechtzicht-youri")
        #expect(try Self.pending(youri) == ["unowned \(housing)"])

        // Youri gives the need to Carla by hand: the need moved on to a new handover, and the old one, still in
        // the state `unowned`, is on neither list any more.
        let noted = try youri.request(
            .assign, ["handover_id": setup.housing.handover, "contact": "contact:wonen-carla"], expect: .noted)
        let offered = try #require(noted.body["handover_id"]?.stringValue)
        #expect(try Self.pending(youri) == ["offered \(offered)"])
        let after = try setup.daemon.admin("stats")
        #expect(after["overdue_handovers"]?.arrayValue?.compactMap { $0["handover_id"]?.stringValue } == [debt])
        for peer in [setup.anna, youri] { #expect(peer.violations.isEmpty, "\(peer.violations)") }
    }
}
