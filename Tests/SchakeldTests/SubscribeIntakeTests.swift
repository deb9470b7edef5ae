import Foundation
import SchakelProtocol
import Storage
import Testing

/// Publish-only adapters (Protocols/SRP1.md): the daemon's SUB socket takes their SUBMITs with the same validation
/// and idempotency as the ROUTER, and answers each with a receipt in the organisation's outbox and on the event
/// stream, so a publisher that republishes until it sees its receipt gets every referral in exactly once, even
/// though PUB/SUB itself loses messages.
@Suite struct SubscribeIntakeTests {
    static let organisation = "org:huisarts-de-brug"

    /// A daemon subscribed to `publisher` for the GP practice, with its event stream on `ipc://`.
    static func daemon(subscribingTo publisher: Publisher, settings: [String: JSONValue] = [:]) throws -> (
        Daemon, String
    ) {
        let (daemon, events) = try EventStreamTests.daemon(
            settings: [
                "subscribe": [["endpoint": .string(publisher.endpoint), "organisation": .string(organisation)]]
            ].merging(settings) { $1 })
        return (daemon, events)
    }

    /// The receipts a session of the organisation got from its outbox within `timeout`: each is confirmed with
    /// RECEIVED (as an adapter would) and kept.
    final class Receipts {
        let session: Peer
        private(set) var all: [WireMessage] = []

        init(_ session: Peer) { self.session = session }

        func collect(_ timeout: TimeInterval) throws -> Set<String> {
            var answered: Set<String> = []
            for message in try session.drain(timeout: timeout)
            where message.command == "ACCEPTED" || message.command == "REJECTED" {
                all.append(message)
                if message.body["message_id"] != nil { try session.confirm(message) }
                if let id = message.body["external_id"]?.stringValue { answered.insert(id) }
            }
            return answered
        }
    }

    /// Counts the referrals per external id of the organisation, read-only from the daemon's database.
    static func referralCounts(_ daemon: Daemon) throws -> [String: Int] {
        let db = try daemon.openDatabase()
        defer { try? db.close() }
        var counts: [String: Int] = [:]
        for row in try db.query(
            "SELECT external_id, COUNT(*) AS n FROM referrals WHERE organisation = ? GROUP BY external_id",
            [.text(organisation)])
        {
            counts[row.string("external_id") ?? ""] = row.int("n")
        }
        return counts
    }

    @Test func aPublisherThatStartsFirstLosesItsFirstMessagesAndStillGetsEveryReferralInExactlyOnce() throws {
        let publisher = try Publisher()
        let referrals = try (1...5).map { try Referrals.make(externalID: "PUB-\($0)-\(UUID())", needs: ["debt"]) }
        let ids = Set(referrals.compactMap { $0["external_id"]?.stringValue })
        // The adapter is up before the daemon: what it publishes now has no subscriber and is gone.
        for referral in referrals { try publisher.submit(referral) }
        let (daemon, events) = try Self.daemon(subscribingTo: publisher)
        try daemon.start(waitUntilReady: false)
        // It keeps publishing while the daemon starts and its SUB socket connects and subscribes.
        let probe = try daemon.peer()
        try probe.send(.ping)
        let deadline = Date().addingTimeInterval(Peer.patience * Sanitizer.slowdown)
        while (try? probe.next(.pong, timeout: 0.05)) == nil {
            guard Date() < deadline else { throw TestError("schakeld did not start:\n\(daemon.log())") }
            for referral in referrals { try publisher.submit(referral) }
        }
        let listener = try EventListener(events)
        let receipts = Receipts(try daemon.connect(as: Self.organisation))

        try publisher.republishUntilReceipted(referrals) { interval in
            try listener.collect(timeout: 0)
            return try receipts.collect(interval)
        }

        // Every referral was published more than once: its first copy went out before the daemon existed.
        #expect(Set(publisher.publishes.keys) == ids)
        #expect(publisher.publishes.values.allSatisfy { $0 >= 2 }, "\(publisher.publishes)")
        // The daemon saw fewer messages than were published: PUB/SUB lost some, at least the first round.
        let intake = try #require(try daemon.admin("stats")["intake"])
        let received = try #require(intake["received"]?.numberValue.map(Int.init))
        #expect(received >= ids.count && received <= publisher.totalPublishes - ids.count, "\(intake)")
        #expect(intake["accepted"] == .number(Double(ids.count)))
        #expect(intake["rejected"] == .number(0))
        let report = try CommandLineTests.run("schakelctl", ["stats", "--state-dir", daemon.stateDirectory.path])
        #expect(report.output.contains("publish-only     \(received) received: 5 accepted"), "\(report.output)")
        // Exactly one referral per external id, however often it was published.
        try receipts.session.send(.ping)  // let the last RECEIVED land before reading
        _ = try receipts.session.next(.pong)
        #expect(try Self.referralCounts(daemon) == Dictionary(uniqueKeysWithValues: ids.map { ($0, 1) }))
        let accepted = receipts.all.filter { $0.command == "ACCEPTED" }
        #expect(accepted.allSatisfy { $0.body["message_id"] != nil })
        #expect(
            accepted.filter { $0.body["duplicate"] == false }.compactMap { $0.body["external_id"]?.stringValue }
                .sorted()
                == ids.sorted(), "one first receipt per referral")
        // STATUS by the organisation's own id finds each.
        for id in ids {
            let status = try receipts.session.request(.status, ["external_id": .string(id)], expect: .referral)
            #expect(status.command == "REFERRAL")
        }
        #expect(receipts.session.violations.isEmpty, "\(receipts.session.violations)")
        #expect(listener.violations.isEmpty, "\(listener.violations)")
    }

    @Test func aRepublishedDuplicateGetsItsReceiptAgainAndNoSecondReferral() throws {
        let publisher = try Publisher()
        let (daemon, events) = try Self.daemon(subscribingTo: publisher)
        try daemon.start()
        let listener = try EventListener(events)
        try listener.join(daemon)
        let receipts = Receipts(try daemon.connect(as: Self.organisation))
        let referral = try Referrals.make(needs: ["debt"])
        let externalID = try #require(referral["external_id"]?.stringValue)
        try publisher.republishUntilReceipted([referral]) { try receipts.collect($0) }
        let first = try #require(receipts.all.first { $0.command == "ACCEPTED" })
        #expect(first.body["duplicate"] == false)

        // Its receipt was confirmed; the adapter, not knowing, publishes it again and is answered again.
        try publisher.republishUntilReceipted([referral]) { try receipts.collect($0) }
        let again = try #require(receipts.all.last)
        #expect(again.command == "ACCEPTED")
        #expect(again.body["duplicate"] == true)
        #expect(again.body["referral_id"] == first.body["referral_id"])
        #expect(again.body["message_id"] != first.body["message_id"])
        try listener.wait(for: "the repeated receipt") { received in
            received.contains { $0.type == EventType.referralAccepted.rawValue && $0.data["duplicate"] == true }
        }
        let onStream = listener.received.filter {
            $0.type == EventType.referralAccepted.rawValue && $0.data["external_id"]?.stringValue == externalID
        }
        #expect(onStream.first?.data["duplicate"] == false)
        #expect(onStream.allSatisfy { $0.event["subject"] == first.body["referral_id"] })
        #expect(try Self.referralCounts(daemon)[externalID] == 1)
        #expect(receipts.session.violations.isEmpty, "\(receipts.session.violations)")
        #expect(listener.violations.isEmpty, "\(listener.violations)")
    }

    /// An adapter that reads its receipts from the stream and opens a session only now and then still finds
    /// each receipt in its outbox, once, even after a restart of the daemon.
    @Test func receiptsWaitInTheOutboxOncePerExternalIDAcrossARestart() throws {
        let publisher = try Publisher()
        let (daemon, events) = try Self.daemon(subscribingTo: publisher)
        try daemon.start()
        let listener = try EventListener(events)
        try listener.join(daemon)
        let referral = try Referrals.make(needs: ["debt"])
        let externalID = try #require(referral["external_id"]?.stringValue)
        // No session: the adapter waits for its receipt on the stream, republishing meanwhile.
        try publisher.republishUntilReceipted([referral]) { interval in
            try listener.collect(timeout: interval)
            return Set(
                listener.received.filter { $0.type == EventType.referralAccepted.rawValue }.compactMap {
                    $0.data["external_id"]?.stringValue
                })
        }
        // A few more republishes, as an adapter that missed the event would make.
        for _ in 1...3 { try publisher.submit(referral) }
        try listener.wait(for: "three repeated receipts") { received in
            received.filter { $0.data["external_id"]?.stringValue == externalID && $0.data["duplicate"] == true }
                .count >= 3
        }
        daemon.stop()
        try daemon.start()
        let session = try daemon.connect(as: Self.organisation)
        let receipts = try session.drain(timeout: 0.8).filter { $0.command == "ACCEPTED" }
        #expect(receipts.count == 1, "\(receipts.map(\.body))")
        #expect(receipts.first?.body["external_id"]?.stringValue == externalID)
        #expect(receipts.first?.body["duplicate"] == false)
        #expect(receipts.first?.body["message_id"] != nil)
        #expect(try Self.referralCounts(daemon)[externalID] == 1)
        #expect(session.violations.isEmpty, "\(session.violations)")
    }

    @Test func anInvalidPublishedSubmissionGetsARejectedReceiptWithItsExternalIDAndCode() throws {
        let publisher = try Publisher()
        let (daemon, events) = try Self.daemon(
            subscribingTo: publisher,
            settings: ["limits": ["max_body_bytes": .number(8_192), "max_message_bytes": .number(16_384)]])
        try daemon.start()
        let listener = try EventListener(events)
        try listener.join(daemon)
        let receipts = Receipts(try daemon.connect(as: Self.organisation))
        // A receipt proves the daemon's SUB connection is up, so what follows on it arrives in order.
        try publisher.republishUntilReceipted([try Referrals.make(needs: ["debt"])]) { try receipts.collect($0) }
        let bad = Referrals.setting("urgency", to: "asap", in: try Referrals.make(externalID: "BAD-\(UUID())"))
        let badID = try #require(bad["external_id"]?.stringValue)

        // Garbage first: none of it may crash or stall the intake.
        try publisher.publish([Data("SRP1".utf8), Data("SUBMIT".utf8)], key: "two frames")
        try publisher.publish([Data("SRP1".utf8), Data("SUBMIT".utf8), Data("{{".utf8)], key: "not json")
        try publisher.publish(
            [Data("SRP1".utf8), Data("SUBMIT".utf8), Data(repeating: UInt8(ascii: " "), count: 10_000)],
            key: "too large")
        try publisher.publish(WireMessage(.status, ["external_id": "X"]).frames(), key: "not a submit")
        try publisher.republishUntilReceipted([bad]) { try receipts.collect($0) }

        let rejected = try #require(receipts.all.first { $0.command == "REJECTED" })
        #expect(rejected.body["external_id"]?.stringValue == badID)
        #expect(rejected.body["code"] == "invalid")
        #expect(rejected.body["field"] == "referral.urgency")
        #expect(rejected.body["command"] == "SUBMIT")
        #expect(rejected.body["message_id"] != nil)
        #expect(receipts.all.filter { $0.command == "REJECTED" }.count == 1, "garbage without an id has no receipt")
        try listener.wait(for: "the rejection") { received in
            received.contains {
                $0.type == EventType.submissionRejected.rawValue && $0.data["external_id"]?.stringValue == badID
            }
        }
        let rejections = listener.received.filter { $0.type == EventType.submissionRejected.rawValue }
        #expect(
            rejections.map { $0.data["code"]?.stringValue } == [
                "malformed", "malformed", "too_large", "forbidden", "invalid",
            ])
        #expect(rejections.allSatisfy { $0.data["organisation"] == .string(Self.organisation) })
        #expect(try Self.referralCounts(daemon)[badID] == nil)

        // Beyond max_message_bytes libzmq drops the connection; it comes back, and republishing gets through.
        try publisher.publish(
            [Data("SRP1".utf8), Data("SUBMIT".utf8), Data(repeating: UInt8(ascii: " "), count: 20_000)],
            key: "beyond the message limit")
        let good = try Referrals.make(needs: ["debt"])
        try publisher.republishUntilReceipted([good]) { try receipts.collect($0) }
        #expect(receipts.all.last?.command == "ACCEPTED")
        #expect(receipts.all.last?.body["external_id"] == good["external_id"])
        try receipts.session.send(.ping)
        #expect(try receipts.session.next(.pong).command == "PONG")
        #expect(receipts.session.violations.isEmpty, "\(receipts.session.violations)")
        #expect(listener.violations.isEmpty, "\(listener.violations)")
    }

    @Test func aSubscribedOrganisationMustBeOnTheSocialMap() throws {
        let daemon = try Daemon(settings: [
            "subscribe": [["endpoint": "tcp://127.0.0.1:5799", "organisation": "org:nobody-here"]]
        ])
        let check = try CommandLineTests.run("schakeld", ["--config", daemon.configURL.path, "--check-config"])
        #expect(check.status != 0)
        #expect(
            check.errors.contains(
                "subscribe[0].organisation: org:nobody-here is not an organisation on the social map"))
        #expect(try daemon.startExpectingExit() != 0)
    }

    @Test func aSubscribeEntryIsCheckedFieldByField() throws {
        let daemon = try Daemon(settings: [
            "subscribe": [
                ["endpoint": "tcp://127.0.0.1:5799", "organisation": "org:huisarts-de-brug", "server_key": "short"],
                ["endpoint": "udp://x", "organisation": "contact:wonen-bram", "colour": "blue"],
            ]
        ])
        let check = try CommandLineTests.run("schakeld", ["--config", daemon.configURL.path, "--check-config"])
        #expect(check.status != 0)
        for problem in [
            "subscribe[0].server_key must be the adapter's CURVE public key: 40 characters of Z85",
            "unknown setting \"subscribe[1].colour\"", "subscribe[1].endpoint must be the adapter's tcp:// or ipc://",
            "subscribe[1].organisation must be an organisation principal",
        ] {
            #expect(check.errors.contains(problem), "missing: \(problem)\n\(check.errors)")
        }
        let fine = try Daemon(settings: [
            "subscribe": [
                [
                    "endpoint": "tcp://127.0.0.1:5799", "organisation": "org:huisarts-de-brug",
                    "server_key": "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
                ]
            ]
        ])
        let ok = try CommandLineTests.run("schakeld", ["--config", fine.configURL.path, "--check-config"])
        #expect(ok.status == 0, "\(ok.errors)")
    }
}
