import Foundation
import SchakelProtocol
import Testing

/// The operator's `stats` names what is overdue and unowned: which handover, which contact, since when; the count
/// beside it agrees, and neither leaves anything about the citizen.
@Suite struct OverdueStatsTests {
    /// A daemon on the manual clock from Monday 23 November 2026, 10:00 (Amsterdam) with two handovers that nobody
    /// acts on: a housing need whose offers to Bram and then Carla lapsed (unowned since Wednesday 10:00, escalated
    /// to Vechtzicht's coordinator Youri), and a debt need Anna acknowledged and has not reached the citizen for by
    /// `contact_by` (overdue since Monday 30 November, 10:00).
    struct Overdue {
        let daemon: Daemon
        let gp: Peer
        let anna: Peer
        let debt: (referral: JSONValue, handover: JSONValue)
        let housing: (referral: JSONValue, handover: JSONValue)
    }

    static func overdue() throws -> Overdue {
        let daemon = try Daemon(settings: [
            "clock": ["mode": "manual", "start": .string(DeadlineRestartTests.monday10)],
            "policy": .string(Paths.policy.path), "metrics": "tcp://127.0.0.1:*",
        ])
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let debt = try gp.submit(try Referrals.make(needs: ["debt"]))
        let anna = try daemon.connect(as: "contact:schuldhulp-anna")
        let offer = try anna.next(.handover)
        let debtHandover = try #require(offer.body["handover_id"])
        _ = try anna.request(.ack, ["handover_id": debtHandover], expect: .acked)

        let housing = try gp.submit(try Referrals.make(needs: ["housing"]))
        let housingReferral = try #require(housing.body["referral_id"])
        _ = try daemon.admin("clock.advance", ["duration": "P1D"])  // Tuesday 10:00: Bram's offer lapses, to Carla
        _ = try daemon.admin("clock.advance", ["duration": "P1D"])  // Wednesday 10:00: Carla's too; nobody left
        let status = try gp.request(.status, ["referral_id": housingReferral], expect: .referral)
        let handovers = try #require(status.body["handovers"]?.arrayValue)
        #expect(handovers.map { $0["state"]?.stringValue ?? "?" } == ["expired", "expired", "unowned"], "\(status)")
        let unowned = try #require(handovers.last?["handover_id"])
        _ = try daemon.admin("clock.advance", ["duration": "P5D"])  // Monday 30 November 10:00: Anna's contact_by
        return Overdue(
            daemon: daemon, gp: gp, anna: anna, debt: (try #require(debt.body["referral_id"]), debtHandover),
            housing: (housingReferral, unowned))
    }

    @Test func statsListsTheUnownedAndTheOverdueOldestFirstWithContactAndSince() throws {
        let setup = try Self.overdue()
        let stats = try setup.daemon.admin("stats")
        #expect(AdminSpec.validate(stats, command: "stats").isEmpty, "\(AdminSpec.validate(stats, command: "stats"))")
        #expect(stats["overdue"] == .number(2), "\(stats)")
        let listed = try #require(stats["overdue_handovers"]?.arrayValue)
        #expect(
            listed == [
                [
                    "handover_id": setup.housing.handover, "referral_id": setup.housing.referral,
                    "need": ["index": .number(0), "domain": "housing"], "state": "unowned",
                    "contact": "contact:wonen-carla", "coordinator": "contact:vechtzicht-youri",
                    "since": "2026-11-25T09:00:00Z",
                ],
                [
                    "handover_id": setup.debt.handover, "referral_id": setup.debt.referral,
                    "need": ["index": .number(0), "domain": "debt"], "state": "accepted",
                    "contact": "contact:schuldhulp-anna", "since": "2026-11-30T09:00:00Z",
                ],
            ], "\(listed)")
        for word in [Referrals.citizenName, Referrals.citizenPhone, "Hulp met"] {
            #expect(!stats.canonicalString().contains(word), "stats carries \(word)")
        }
    }

    @Test func schakelctlStatsShowsTheListingInAmsterdamTimeAndInJSON() throws {
        let setup = try Self.overdue()
        let state = ["--state-dir", setup.daemon.stateDirectory.path]
        let text = try CommandLineTests.run("schakelctl", ["stats"] + state)
        #expect(text.status == 0, "\(text.errors)")
        #expect(text.output.contains("overdue          2 "), "\(text.output)")
        let lines = text.output.split(separator: "\n").map(String.init)
        let header = try #require(lines.firstIndex { $0.contains("SINCE") }, "\(text.output)")
        #expect(lines[header - 1] == "overdue and unowned", "\(text.output)")
        #expect(
            lines[header].split(separator: " ", omittingEmptySubsequences: true)
                == ["SINCE", "STATE", "HANDOVER", "REFERRAL", "NEED", "CONTACT", "ESCALATED", "TO"])
        let rows = Array(lines[(header + 1)...])
        #expect(rows.count == 2, "\(text.output)")
        let unowned = try #require(rows.first)
        let overdue = try #require(rows.last)
        for part in [
            "2026-11-25 10:00 +01:00", "unowned", setup.housing.handover.stringValue ?? "?",
            setup.housing.referral.stringValue ?? "?", "0 housing", "contact:wonen-carla", "contact:vechtzicht-youri",
        ] {
            #expect(unowned.contains(part), "no \(part) in \(unowned)")
        }
        for part in [
            "2026-11-30 10:00 +01:00", "accepted, overdue", setup.debt.handover.stringValue ?? "?",
            setup.debt.referral.stringValue ?? "?", "0 debt", "contact:schuldhulp-anna",
        ] {
            #expect(overdue.contains(part), "no \(part) in \(overdue)")
        }
        // The columns line up: each starts where its heading does.
        let column = try #require(lines[header].range(of: "CONTACT")).lowerBound.utf16Offset(in: lines[header])
        for row in rows {
            let contact = try #require(row.range(of: "contact:")).lowerBound.utf16Offset(in: row)
            #expect(contact == column, "\(text.output)")
        }
        #expect(!text.output.contains(Referrals.citizenName))

        let json = try CommandLineTests.run("schakelctl", ["stats", "--json"] + state)
        #expect(json.status == 0, "\(json.errors)")
        let reply = try JSONValue.parse(Data(json.output.utf8))
        #expect(reply["overdue_handovers"]?[0]?["since"] == "2026-11-25T09:00:00Z", "UTC in JSON: \(json.output)")
        #expect(reply["overdue_handovers"]?[1]?["contact"] == "contact:schuldhulp-anna", "\(json.output)")
    }

    @Test func aNeedAssignedOrAContactReachedIsNoLongerOverdue() throws {
        let setup = try Self.overdue()
        let assigned = try setup.daemon.admin(
            "assign",
            ["handover_id": setup.housing.handover, "contact": "contact:wonen-carla", "by": "contact:vechtzicht-youri"])
        #expect(assigned["ok"] == true, "\(assigned)")
        // The unowned handover stays `unowned` in the store, but its need has moved on to a new offer.
        let afterAssign = try setup.daemon.admin("stats")
        #expect(afterAssign["overdue"] == .number(1), "\(afterAssign)")
        #expect(afterAssign["overdue_handovers"]?.arrayValue?.map { $0["handover_id"] } == [setup.debt.handover])

        _ = try setup.anna.request(.contacted, ["handover_id": setup.debt.handover], expect: .noted)
        let afterContact = try setup.daemon.admin("stats")
        #expect(afterContact["overdue"] == .number(0), "\(afterContact)")
        #expect(afterContact["overdue_handovers"] == [], "\(afterContact)")
        #expect(AdminSpec.validate(afterContact, command: "stats").isEmpty)
        let text = try CommandLineTests.run("schakelctl", ["stats", "--state-dir", setup.daemon.stateDirectory.path])
        #expect(!text.output.contains("SINCE"), "no table when nothing is overdue: \(text.output)")
    }

    @Test func metricsCountTheOverdueWithoutNamingThem() throws {
        let setup = try Self.overdue()
        let endpoint = try #require(try setup.daemon.admin("stats")["endpoints"]?["metrics"]?.stringValue)
        let base = endpoint.replacingOccurrences(of: "tcp://", with: "http://")
        let metrics = try CommandLineTests.run(
            "/usr/bin/curl", ["-sS", "--fail", "--max-time", "5", "\(base)/metrics"])
        #expect(metrics.status == 0, "\(metrics.errors)")
        #expect(metrics.output.contains("\nschakel_overdue_handovers 2\n"), "\(metrics.output)")
        // The unowned housing need escalated on Wednesday (level 1) and again when the clock next ran (level 2); an
        // alert rule on level 3 has its series, at zero, before anything reaches it.
        #expect(
            metrics.output.contains("\nschakel_needs_unheld{state=\"unowned\",level=\"2\"} 1\n"), "\(metrics.output)")
        #expect(metrics.output.contains("\nschakel_needs_unheld{state=\"unowned\",level=\"3\"} 0\n"))
        let stats = try setup.daemon.admin("stats")
        #expect(stats["needs_unheld"] == [["count": .number(1), "level": .number(2), "state": "unowned"]])
        // One series per count: no handover, referral or contact becomes a label.
        for id in [setup.housing.handover, setup.housing.referral, setup.debt.handover, setup.debt.referral] {
            #expect(!metrics.output.contains(id.stringValue ?? "?"), "\(metrics.output)")
        }
        #expect(!metrics.output.contains("contact:"), "\(metrics.output)")
    }
}
