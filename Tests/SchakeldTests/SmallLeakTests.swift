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

    // MARK: c. Refused values are not echoed

    @Test func aRefusalNamesTheFieldAndTheAllowedValuesNeverTheValueSent() throws {
        let publisher = try Publisher()
        let (daemon, _) = try SubscribeIntakeTests.daemon(subscribingTo: publisher)
        try daemon.start()
        let gp = try daemon.connect(as: SubscribeIntakeTests.organisation)

        // Over a session: an enumeration, a domain and a consent scope, each with a phone number in it.
        let cases: [(path: String, value: JSONValue, field: String)] = [
            ("urgency", .string(Self.typedPhone), "referral.urgency"),
            ("needs", [["domain": .string(Self.typedPhone), "summary": "Hulp."]], "referral.needs[0].domain"),
            ("consent.share_with", [.string("domain:\(Self.typedPhone)")], "referral.consent.share_with[0]"),
            ("citizen.preferred_channel", .string(Self.typedName), "referral.citizen.preferred_channel"),
        ]
        for (path, value, field) in cases {
            let bad = Referrals.setting(path, to: value, in: try PrivacyTests.example())
            let answer = try gp.request(.submit, ["referral": bad], expect: .accepted)
            #expect(answer.command == "REJECTED")
            #expect(answer.body["field"]?.stringValue == field)
            let text = answer.body.canonicalString()
            #expect(!text.contains(Self.typedPhone) && !text.contains(Self.typedName), "\(text)")
        }
        let urgency = try gp.request(
            .submit, ["referral": Referrals.setting("urgency", to: "asap", in: try PrivacyTests.example())],
            expect: .accepted)
        #expect(urgency.body["message"]?.stringValue?.contains("normal") == true, "the message names what is allowed")

        // Published: the REJECTED receipt waits in the outbox, so it must not hold the value either.
        let receipts = SubscribeIntakeTests.Receipts(gp)
        let bad = Referrals.setting(
            "urgency", to: .string(Self.typedPhone), in: try Referrals.make(externalID: "BAD-\(UUID())"))
        try publisher.republishUntilReceipted([bad]) { try receipts.collect($0) }
        #expect(receipts.all.contains { $0.command == "REJECTED" && $0.body["field"] == "referral.urgency" })
        let outbox = try PrivacyTests.query(daemon, "SELECT body FROM outbox")
        #expect(outbox.allSatisfy { !($0.string("body") ?? "").contains(Self.typedPhone) })
        #expect(try PrivacyTests.rawContains(daemon, Self.typedPhone).isEmpty)
    }

    // MARK: d. Log floods

    @Test func manyHellosGiveABoundedNumberOfLogLines() throws {
        let daemon = try Daemon()
        try daemon.start()
        let started = Date()
        let peer = try daemon.peer()
        let hellos = 2_000
        for _ in 0..<hellos {
            try peer.send(.hello, ["as": "org:huisarts-de-brug"])
        }
        for _ in 0..<hellos {
            #expect(try peer.reply(.welcome).command == "WELCOME")
        }
        let elapsed = Date().timeIntervalSince(started)
        let lines = daemon.log().components(separatedBy: "\n").filter { $0.contains("event=peer.hello") }
        // One line per principal and interval (5 s), whatever the number of HELLOs.
        #expect(lines.count <= 2 + Int(elapsed / 5), "\(lines.count) peer.hello lines for \(hellos) HELLOs")

        // The next line after the interval says how many were left out.
        let deadline = Date().addingTimeInterval(20 * Sanitizer.slowdown)
        var summary: String?
        while summary == nil, Date() < deadline {
            _ = try peer.request(.hello, ["as": "org:huisarts-de-brug"], expect: .welcome)
            summary = daemon.log().components(separatedBy: "\n").first {
                $0.contains("event=peer.hello") && $0.contains("suppressed=")
            }
            if summary == nil { _ = try peer.drain(timeout: 0.25) }
        }
        let count = summary?.components(separatedBy: " ").first { $0.hasPrefix("suppressed=") }?
            .dropFirst("suppressed=".count)
        #expect(count.flatMap { Int($0) }.map { $0 >= hellos - lines.count } == true, "\(summary ?? "no summary")")
    }

    // MARK: e. Lengths in bytes

    @Test func aStringOfCombiningMarksIsBoundedInBytesNotOnlyInCharacters() throws {
        let publisher = try Publisher()
        let (daemon, events) = try SubscribeIntakeTests.daemon(subscribingTo: publisher)
        try daemon.start()
        let listener = try EventListener(events)
        try listener.join(daemon)
        let gp = try daemon.connect(as: SubscribeIntakeTests.organisation)
        // One character by Swift's count, 20,001 bytes of UTF-8.
        let zalgo = "Z" + String(repeating: "\u{0301}", count: 10_000)
        #expect(zalgo.count == 1)

        let answer = try gp.request(
            .submit, ["referral": Referrals.setting("external_id", to: .string(zalgo), in: try Referrals.make())],
            expect: .accepted)
        #expect(answer.command == "REJECTED")
        #expect(answer.body["field"] == "referral.external_id")
        #expect(answer.body["external_id"] == nil, "the receipt does not carry it back either")
        let named = try gp.request(
            .submit,
            ["referral": Referrals.setting("citizen.display_name", to: .string(zalgo), in: try Referrals.make())],
            expect: .accepted)
        #expect(named.command == "REJECTED" && named.body["field"] == "referral.citizen.display_name")
        let status = try gp.request(.status, ["external_id": .string(zalgo)], expect: .referral)
        #expect(status.command == "REJECTED" && status.body["field"] == "external_id")

        // Published (after a receipt proves the daemon's SUB connection is up), it is neither stored nor put in a
        // receipt: the refusal is an event without an external id.
        let receipts = SubscribeIntakeTests.Receipts(gp)
        try publisher.republishUntilReceipted([try Referrals.make(needs: ["debt"])]) { try receipts.collect($0) }
        try publisher.submit(Referrals.setting("external_id", to: .string(zalgo), in: try Referrals.make()))
        try publisher.republishUntilReceipted([try Referrals.make(needs: ["debt"])]) { try receipts.collect($0) }
        try listener.wait(for: "the refusal") { received in
            received.contains {
                $0.type == EventType.submissionRejected.rawValue && $0.data["field"] == "referral.external_id"
                    && $0.data["external_id"] == nil
            }
        }
        #expect(receipts.all.allSatisfy { $0.command == "ACCEPTED" })
        let marks = String(repeating: "\u{0301}", count: 100)
        #expect(
            try PrivacyTests.query(daemon, "SELECT external_id FROM referrals").allSatisfy {
                !($0.string("external_id") ?? "").contains(marks)
            })
        #expect(
            try PrivacyTests.query(daemon, "SELECT body FROM outbox").allSatisfy {
                !($0.string("body") ?? "").contains(marks)
            })
    }

    // MARK: f. STATUS to a contact

    @Test func aContactsStatusLeavesOutTheExternalID() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let referral = try PrivacyTests.example()
        let referralID = try #require(try gp.submit(referral).body["referral_id"])
        let anna = try daemon.connect(as: "contact:schuldhulp-anna")
        _ = try anna.next(.handover)

        let toAnna = try anna.request(.status, ["referral_id": referralID], expect: .referral)
        #expect(toAnna.command == "REFERRAL")
        #expect(toAnna.body["referral_id"] == referralID)
        #expect(toAnna.body["external_id"] == nil)
        let toReferrer = try gp.request(.status, ["referral_id": referralID], expect: .referral)
        #expect(toReferrer.body["external_id"] == referral["external_id"])
        #expect(anna.violations.isEmpty, "\(anna.violations)")
        #expect(gp.violations.isEmpty, "\(gp.violations)")
    }
}
