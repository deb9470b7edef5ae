import Foundation
import SchakelProtocol
import Storage
import Testing

/// The outbox: what the broker owes a peer comes again until the peer confirms it.
@Suite struct RedeliveryTests {
    @Test func unconfirmedOfferComesAgainOnReconnectUntilAcknowledged() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        _ = try gp.submit(try Referrals.make(needs: ["debt"]))

        // Anna's client gets the offer and drops the connection without a word.
        var anna: Peer? = try daemon.connect(as: "contact:schuldhulp-anna")
        let first = try anna!.next(.handover)
        anna = nil

        let annaAgain = try daemon.connect(as: "contact:schuldhulp-anna")
        let second = try annaAgain.next(.handover)
        #expect(second.body["message_id"] == first.body["message_id"])  // same message: the peer can de-duplicate
        #expect(second.body["handover_id"] == first.body["handover_id"])
        _ = try annaAgain.request(.ack, ["handover_id": second.body["handover_id"]!], expect: .acked)

        // Once acknowledged, never again.
        let third = try daemon.peer()
        let welcome = try third.hello(as: "contact:schuldhulp-anna")
        #expect(welcome.body["pending"] == .number(0))
        #expect(try third.drain(timeout: 0.5).filter { $0.command == "HANDOVER" }.isEmpty)
    }

    /// The outbox keeps only an offer's changeable fields (issue 22): sent again, after a restart, the offer is
    /// worded from its case and those fields, and it is the first copy byte for byte (bodies are canonical JSON),
    /// even when the lead it named has since given the lead need back.
    @Test func anOfferSentAgainAfterARestartIsTheFirstByteForByte() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        _ = try gp.submit(try Referrals.make(needs: ["housing", "debt"]))
        let bram = try daemon.connect(as: "contact:wonen-bram")
        var anna: Peer? = try daemon.connect(as: "contact:schuldhulp-anna")
        let first = try anna!.next(.handover)
        #expect(first.body["lead_contact"]?["id"] == "contact:wonen-bram")
        #expect(first.body["need"]?["summary"] != nil && first.body["citizen"] != nil)
        anna = nil  // gone without confirming it

        // Kept in the handovers' rows (migration 16), not in the outbox.
        let stored = try PrivacyTests.query(
            daemon, "SELECT offer_body FROM handovers WHERE offer_seq IS NOT NULL ORDER BY offer_seq")
        #expect(stored.count == 2)
        #expect(try PrivacyTests.query(daemon, "SELECT seq FROM outbox WHERE command = 'HANDOVER'").isEmpty)
        for body in stored.compactMap({ $0.string("offer_body") }) {
            #expect(body.hasPrefix("{\"ack_by\":"), "kept in part: \(body)")
            #expect(!body.contains("summary") && !body.contains("citizen"), "no personal data kept twice: \(body)")
        }

        // Bram gives the lead need back: Carla leads now, and Anna's offer, sent again, still says what it said.
        let bramOffer = try bram.next(.handover)
        _ = try bram.request(
            .decline, ["handover_id": bramOffer.body["handover_id"]!, "reason": "capacity"], expect: .declined)
        let carla = try daemon.connect(as: "contact:wonen-carla")
        #expect(try carla.next(.handover).body["lead"] == true)
        try daemon.restart()
        let annaAgain = try daemon.connect(as: "contact:schuldhulp-anna")
        let again = try annaAgain.next(.handover)
        #expect(again.body.canonicalString() == first.body.canonicalString())
        #expect(annaAgain.violations.isEmpty)
        #expect(!daemon.log().contains("outbox.unreadable"))
    }

    /// A notice its case words exactly is kept as a reference into the case (issue 22): sent again after a restart,
    /// the referrer's notices are the first copies byte for byte, Anna's direct line in the acknowledged one included.
    @Test func noticesSentAgainAfterARestartAreTheFirstByteForByte() throws {
        let daemon = try Daemon()
        try daemon.start()
        var gp: Peer? = try daemon.connect(as: "org:huisarts-de-brug")
        _ = try gp!.submit(try Referrals.make(needs: ["debt", "housing"]))
        let anna = try daemon.connect(as: "contact:schuldhulp-anna")
        let offer = try anna.next(.handover)
        _ = try anna.request(.ack, ["handover_id": offer.body["handover_id"]!], expect: .acked)
        let first = [try gp!.next(.notice), try gp!.next(.notice), try gp!.next(.notice)]
        #expect(first.map { $0.body["event"] } == ["offered", "offered", "acknowledged"])
        #expect(first[2].body["contact"]?["phone"] != nil, "the warm handover: Anna's direct line")
        gp = nil  // gone without confirming them

        let stored = try PrivacyTests.query(daemon, "SELECT body FROM outbox WHERE command = 'NOTICE' ORDER BY seq")
        #expect(stored.count == 3)
        for body in stored.compactMap({ $0.string("body") }) {
            #expect(body.hasPrefix("case:[") && !body.contains("Anna"), "kept as a reference: \(body)")
        }
        try daemon.restart()
        let again = try daemon.connect(as: "org:huisarts-de-brug").drain(timeout: 1).filter { $0.command == "NOTICE" }
        #expect(again.map { $0.body.canonicalString() } == first.map { $0.body.canonicalString() })
        #expect(!daemon.log().contains("outbox.unreadable"))
    }

    /// A daemon whose one referral's offer Anna received and acknowledged: its HANDOVER settled in the outbox.
    static func daemonWithAnAcknowledgedOffer(onSQLite: Bool = false) throws -> Daemon {
        let daemon = try Daemon(onSQLite: onSQLite)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        _ = try gp.submit(try Referrals.make(needs: ["debt"]))
        let anna = try daemon.connect(as: "contact:schuldhulp-anna")
        let offer = try anna.next(.handover)
        _ = try anna.request(.ack, ["handover_id": offer.body["handover_id"]!], expect: .acked)
        return daemon
    }

    /// Migration 7 dropped the outbox's handover index (two random pages of log per referral); confirming an offer
    /// must still find its row through an index, never by scanning every message ever sent. Since migration 16 an
    /// offer is kept in its handover's row, and settled with it; RECEIVED, a session's pending offers and the memory
    /// of delivered offers find it through the index of offers waiting for a confirmation, not by scanning every
    /// handover. SQLite's query plan, on SQLite in both runs.
    @Test func anAcknowledgedOfferIsConfirmedThroughAnIndex() throws {
        let daemon = try Self.daemonWithAnAcknowledgedOffer(onSQLite: true)

        // The offer is kept in its handover's row, its id made from the seq it holds (migration 12) and not stored.
        let rows = try PrivacyTests.query(
            daemon, "SELECT offer_seq, offer_confirmed_at FROM handovers WHERE contact = ?",
            [.text("contact:schuldhulp-anna")])
        #expect(rows.count == 1 && rows.first?.int64("offer_seq") != nil)
        #expect(rows.first?.string("offer_confirmed_at") != nil, "settled by the ACK")
        #expect(try PrivacyTests.query(daemon, "SELECT seq FROM outbox WHERE command = 'HANDOVER'").isEmpty)
        #expect(
            try PrivacyTests.query(daemon, "SELECT name FROM sqlite_master WHERE name = 'outbox_by_handover'").isEmpty)
        // Each with the index that finds its rows: an offer from before migration 16 settled through its
        // referral's outbox rows; RECEIVED and a session's pending messages by their seqs (the broker knows whose
        // they are, ``PendingMessages``); the start reading every waiting message through
        // the indexes of those waiting (keyed by seq, migration 17).
        let statements: [(index: String, sql: String, arguments: [SQLValue])] = [
            (
                "outbox USING INDEX outbox_by_referral",
                """
                SELECT seq FROM outbox
                WHERE referral_key = ? AND handover_id = ? AND command = 'HANDOVER' AND confirmed_at IS NULL
                """, [.integer(1), .text("h")]
            ),
            (
                "handovers USING INDEX handovers_offers_pending (offer_seq=?)",
                "UPDATE handovers SET offer_confirmed_at = ? WHERE offer_seq = ? AND offer_confirmed_at IS NULL",
                [.text("x"), .integer(1)]
            ),
            (
                "outbox USING INTEGER PRIMARY KEY (rowid=?)",
                "UPDATE outbox SET confirmed_at = ? WHERE seq = ? AND confirmed_at IS NULL", [.text("x"), .integer(1)]
            ),
            (
                "handovers USING INDEX handovers_offers_pending (offer_seq=?)",
                """
                SELECT offer_seq, offer_body, handover_id FROM handovers
                WHERE offer_seq IN (SELECT value FROM json_each(?)) AND offer_confirmed_at IS NULL
                """, [.text("[1,2]")]
            ),
            (
                "outbox USING INTEGER PRIMARY KEY (rowid=?)",
                """
                SELECT seq, message_id, command, body, handover_id FROM outbox
                WHERE seq IN (SELECT value FROM json_each(?)) AND confirmed_at IS NULL
                """, [.text("[1,2]")]
            ),
            (
                "SCAN outbox USING INDEX outbox_pending",
                "SELECT seq, principal FROM outbox WHERE confirmed_at IS NULL", []
            ),
            (
                "handovers USING INDEX handovers_offers_pending (offer_seq>?)",
                """
                SELECT offer_seq, contact FROM handovers WHERE offer_seq IS NOT NULL AND offer_confirmed_at IS NULL
                """, []
            ),
        ]
        for (index, sql, arguments) in statements {
            let plan = try PrivacyTests.query(daemon, "EXPLAIN QUERY PLAN " + sql, arguments)
                .compactMap { $0.string("detail") }
            #expect(plan.contains { $0.contains(index) }, "\(sql)\n\(plan)")
            #expect(!plan.contains { $0.hasPrefix("SCAN handovers") && !$0.contains("INDEX") }, "\(sql)\n\(plan)")
            #expect(!plan.contains { $0.hasPrefix("SCAN outbox") && !$0.contains("INDEX") }, "\(sql)\n\(plan)")
        }
    }

    /// The same promise on PostgreSQL, for each way the daemon finds outbox rows: settling an offer (through the
    /// referral's rows), RECEIVED (by the `seq` an id is made from) and a session's pending messages, in the outbox
    /// and among the offers kept in handovers' rows (migration 16). On an outbox of
    /// months (20,000 messages of 50 principals, most confirmed, analyzed), the plan of each must use the index made
    /// for it: without it PostgreSQL scans every message ever sent, or every pending one (`outbox_pending` serves any
    /// `confirmed_at IS NULL`).
    @Test(.enabled(if: TestDatabase.isPostgreSQL, "PostgreSQL's query plan"))
    func outboxRowsAreFoundThroughAnIndexOnPostgreSQL() throws {
        let daemon = try Self.daemonWithAnAcknowledgedOffer()

        let db = try daemon.openDatabase()
        defer { try? db.close() }
        try db.run(
            """
            INSERT INTO outbox (principal, command, body, referral_key, created_at, confirmed_at)
            SELECT 'contact:filler-' || (g % 50), 'NOTICE', '{}', g + 1000000, '2026-11-01T09:00:00Z',
                   CASE WHEN g % 20 = 0 THEN NULL ELSE '2026-11-01T10:00:00Z' END
            FROM generate_series(1, 20000) AS g
            """)
        try db.run("ANALYZE outbox")
        // And handovers of months, each with its offer (migration 16), most of them confirmed.
        try db.run(
            """
            INSERT INTO handovers (handover_id, referral_id, referral_key, need_index, domain, contact, state,
                                   created_at, updated_at, offer_seq, offer_body, offer_confirmed_at)
            SELECT 'ho-filler-' || g, 'ref-filler-' || g, g + 1000000, 0, 'debt', 'contact:filler-' || (g % 50),
                   'completed', '2026-11-01T09:00:00Z', '2026-11-01T09:00:00Z', g + 2000000, '{}',
                   CASE WHEN g % 20 = 0 THEN NULL ELSE '2026-11-01T10:00:00Z' END
            FROM generate_series(1, 20000) AS g
            """)
        try db.run("ANALYZE handovers")
        // Each with the indexes that find its rows directly: by the referral, or by the seqs the broker knows are
        // waiting (``PendingMessages``).
        let statements: [(indexes: [String], sql: String, arguments: [SQLValue])] = [
            (
                ["outbox_by_referral"],
                """
                SELECT seq FROM outbox
                WHERE referral_key = ? AND handover_id = ? AND command = 'HANDOVER' AND confirmed_at IS NULL
                """, [.integer(1), .text("h")]
            ),
            (
                ["outbox_pkey", "outbox_pending"],
                "UPDATE outbox SET confirmed_at = ? WHERE seq = ? AND confirmed_at IS NULL", [.text("x"), .integer(1)]
            ),
            (
                ["outbox_pkey", "outbox_pending"],
                """
                SELECT seq, message_id, command, body, handover_id FROM outbox
                WHERE seq IN (SELECT CAST(jsonb_array_elements_text(CAST(? AS jsonb)) AS BIGINT))
                  AND confirmed_at IS NULL
                """, [.text("[1,2]")]
            ),
            (
                ["handovers_offers_pending"],
                "UPDATE handovers SET offer_confirmed_at = ? WHERE offer_seq = ? AND offer_confirmed_at IS NULL",
                [.text("x"), .integer(1)]
            ),
            (
                ["handovers_offers_pending"],
                """
                SELECT offer_seq, offer_body, handover_id FROM handovers
                WHERE offer_seq IN (SELECT CAST(jsonb_array_elements_text(CAST(? AS jsonb)) AS BIGINT))
                  AND offer_confirmed_at IS NULL
                """, [.text("[1,2]")]
            ),
        ]
        for (indexes, sql, arguments) in statements {
            let plan = try db.query("EXPLAIN " + sql, arguments).compactMap { $0.string("QUERY PLAN") }
            #expect(
                plan.contains { line in line.contains("Index") && indexes.contains { line.contains(" \($0) ") } },
                "\(sql)\n\(plan)")
            #expect(!plan.contains { $0.contains("Seq Scan on outbox") }, "\(sql)\n\(plan)")
            #expect(!plan.contains { $0.contains("Seq Scan on handovers") }, "\(sql)\n\(plan)")
        }
    }

    @Test func receivedConfirmsANoticeForGood() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        _ = try gp.submit(try Referrals.make(needs: ["education"]))
        let notice = try gp.next(.notice)
        try gp.confirm(notice)
        // A PING round trip guarantees the RECEIVED was handled before we reconnect.
        _ = try gp.request(.ping, [:], expect: .pong)
        let again = try daemon.peer()
        #expect(try again.hello(as: "org:huisarts-de-brug").body["pending"] == .number(0))
        #expect(try again.drain(timeout: 0.3).isEmpty)
    }

    @Test func unconfirmedMessagesAreResentOnTheRetryInterval() throws {
        let daemon = try Daemon(settings: ["outbox": ["retry_interval": "PT0.5S"]])
        try daemon.start()
        let anna = try daemon.connect(as: "contact:schuldhulp-anna")
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        _ = try gp.submit(try Referrals.make(needs: ["debt"]))
        let first = try anna.next(.handover)
        let again = try anna.next(.handover, timeout: 3)
        #expect(again.body["message_id"] == first.body["message_id"])
    }

    @Test func reqPeerGetsItsDelimiterEchoed() throws {
        let daemon = try Daemon()
        try daemon.start()
        let req = try Peer(daemon.endpoint, type: .req)
        // REQ adds the empty delimiter itself; the reply must carry it back or REQ drops it.
        let pong = try req.request(.ping, [:], expect: .pong)
        #expect(pong.command == "PONG")
        let welcome = try req.request(.hello, ["as": "org:huisarts-de-brug"], expect: .welcome)
        #expect(welcome.command == "WELCOME")
        let accepted = try req.request(.submit, ["referral": try Referrals.make(needs: ["debt"])], expect: .accepted)
        #expect(accepted.command == "ACCEPTED")
    }
}
