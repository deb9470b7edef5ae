import Foundation
import SchakelProtocol
import Storage
import Testing

/// Security issue, point 7 ("smaller leaks and floods"): personal data that reached an audit row, an outbox row, a
/// log or a STATUS answer where it did not belong, and requests that each left a row or a line behind.
@Suite struct SmallLeakTests {
    /// What an operator or an adapter might type where an id belongs.
    static let typedName = "Jan de Vries"
    static let typedPhone = "+31 6 5555 1234"

    // MARK: a. Admin audit rows

    @Test func adminAuditRowsKeepValidatedIdsNeverWhatWasTyped() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let referralID = try #require(try gp.submit(try PrivacyTests.example()).body["referral_id"]?.stringValue)
        let offer = try daemon.connect(as: "contact:schuldhulp-anna").next(.handover)
        let handoverID = try #require(offer.body["handover_id"]?.stringValue)

        #expect(
            try daemon.admin(
                "assign",
                ["handover_id": .string(handoverID), "contact": "contact:schuldhulp-anna", "by": "Jan de Vries"]
            )["ok"] == false)
        #expect(try daemon.admin("audit", ["referral_id": .string(Self.typedPhone)])["code"] == "not_found")
        #expect(try daemon.admin("export", ["referral_id": .string(Self.typedName)])["code"] == "not_found")
        #expect(
            try daemon.admin(
                "frobnicate",
                [
                    "referral_id": .string(referralID), "by": .string(Self.typedName),
                    "contact": .string(Self.typedPhone),
                ]
            )["code"] == "unknown_command")
        #expect(try daemon.admin("audit", ["referral_id": .string(referralID)])["ok"] == true)

        let rows = try PrivacyTests.query(
            daemon, "SELECT event, referral_id, detail FROM events WHERE event LIKE 'admin.%' ORDER BY seq")
        #expect(rows.count == 5)
        for row in rows {
            let detail = row.string("detail") ?? ""
            #expect(!detail.contains(Self.typedName) && !detail.contains(Self.typedPhone), "\(detail)")
        }
        let details = try rows.map { try JSONValue.parse(Data(($0.string("detail") ?? "{}").utf8)) }
        // The assign kept its valid ids, not the name typed as `by`.
        #expect(details[0]["handover_id"]?.stringValue == handoverID)
        #expect(details[0]["contact"] == "contact:schuldhulp-anna")
        #expect(details[0]["by"] == nil)
        // An unknown command: that one was refused, nothing of what came with it.
        #expect(rows[3].string("event") == "admin.unknown")
        #expect(rows[3].string("referral_id") == nil)
        #expect(details[3] == ["ok": false, "code": "unknown_command"])
        // A valid referral id is kept, on the referral's own trail.
        #expect(details[4]["referral_id"]?.stringValue == referralID)
        #expect(rows[4].string("referral_id") == referralID)
    }

    // MARK: b. Repeated ACKs

    @Test func aRepeatedAckRecordsTheDisclosureOnlyOnce() throws {
        let (daemon, events) = try EventStreamTests.daemon()
        try daemon.start()
        let listener = try EventListener(events)
        try listener.join(daemon)
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let referralID = try #require(try gp.submit(try PrivacyTests.example()).body["referral_id"]?.stringValue)
        let anna = try daemon.connect(as: "contact:schuldhulp-anna")
        let handoverID = try #require(try anna.next(.handover).body["handover_id"])
        for _ in 0..<50 {
            let acked = try anna.request(.ack, ["handover_id": handoverID], expect: .acked)
            #expect(acked.body["citizen"]?["display_name"]?.stringValue == Referrals.citizenName)
        }
        let disclosed = try PrivacyTests.query(
            daemon, "SELECT detail FROM events WHERE handover_id = ? AND event = 'disclosed' ORDER BY seq",
            [.text(handoverID.stringValue ?? "")])
        // The offer's fields, then the details on the first ACK; the 49 ACKs after it disclosed nothing new.
        #expect(disclosed.count == 2)
        #expect(disclosed.last?.string("detail")?.contains("citizen.phone") == true)
        // A later event proves the stream has caught up with everything before it.
        _ = try anna.request(.contacted, ["handover_id": handoverID, "channel": "phone"], expect: .noted)
        try listener.wait(for: "the contact") { received in
            received.contains { $0.type == EventType.handoverContacted.rawValue }
        }
        let published = listener.allEvents(about: referralID).filter {
            $0.type == EventType.referralDisclosed.rawValue && $0.data["handover_id"] == handoverID
        }
        #expect(published.count == 2)
    }
}
