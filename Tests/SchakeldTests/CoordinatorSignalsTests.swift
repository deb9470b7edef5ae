import Foundation
import SchakelProtocol
import Testing

/// SIGNALS (SRP1.md): an organisation's coordinator gets the signals of the needs the organisation referred, was
/// offered, held or declined, with rows under five referrals hidden; nobody else gets them. What the desk's page for
/// coordinators shows.
@Suite struct CoordinatorSignalsTests {
    @Test func aCoordinatorSeesTheSignalsOfTheOrganisationsOwnNeedsOnly() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let bram = try daemon.connect(as: "contact:wonen-bram")
        let carla = try daemon.connect(as: "contact:wonen-carla")
        for n in 0..<6 {
            _ = try gp.submit(try Referrals.make(externalID: "CS-\(n)", needs: ["housing", "debt"]))
        }
        // Bram declines as not his service whatever reaches him; Carla takes what comes to her.
        for peer in [bram, carla] {
            for message in try peer.drain(timeout: 0.5) where message.command == "HANDOVER" {
                let id = message.body["handover_id"] ?? .null
                if peer === bram {
                    _ = try bram.request(.decline, ["handover_id": id, "reason": "not_our_service"], expect: .declined)
                } else {
                    _ = try carla.request(.ack, ["handover_id": id], expect: .acked)
                }
            }
        }
        for message in try carla.drain(timeout: 0.5) where message.command == "HANDOVER" {
            _ = try carla.request(.ack, ["handover_id": message.body["handover_id"] ?? .null], expect: .acked)
        }
        let span: JSONValue = ["from": "2026-11-01", "to": "2026-11-30"]
        // Domstad Wonen's coordinator (Bram's organisation): its housing needs, its own declines.
        let sandra = try daemon.connect(as: "contact:domstad-sandra")
        let report = try sandra.request(.signals, span, expect: .signalReport)
        #expect(report.body["organisation"] == "org:domstad-wonen")
        let domains = report.body["tables"]?["needs_by_domain"]?["rows"]?.arrayValue?.compactMap { $0["domain"] }
        #expect(domains == ["housing"], "another organisation's needs are in the report: \(domains ?? [])")
        let declines = report.body["tables"]?["declines_by_organisation"]?["rows"]?.arrayValue ?? []
        #expect(declines.allSatisfy { $0["organisation"] == "org:domstad-wonen" }, "\(declines)")
        // The referrer's own coordinator sees both domains of its referrals.
        let pieter = try daemon.connect(as: "contact:huisarts-pieter")
        let own = try pieter.request(.signals, span, expect: .signalReport)
        let rows = own.body["tables"]?["needs_by_domain"]?["rows"]?.arrayValue ?? []
        #expect(Set(rows.compactMap { $0["domain"] }) == ["debt", "housing"], "\(rows)")
        #expect(rows.first { $0["domain"] == "housing" }?["referrals"] == .number(6), "\(rows)")
        // A contact who coordinates nothing is refused; so is a wrong day.
        let refused = try bram.request(.signals, span, expect: .signalReport)
        #expect(refused.command == "REJECTED" && refused.body["code"] == "forbidden", "\(refused.body)")
        let wrong = try sandra.request(.signals, ["from": "2026-02-30", "to": "2026-11-30"], expect: .signalReport)
        #expect(wrong.command == "REJECTED" && wrong.body["code"] == "invalid", "\(wrong.body)")
        for peer in [gp, bram, carla, sandra, pieter] { #expect(peer.violations.isEmpty, "\(peer.violations)") }
    }
}
