import Foundation
import SchakelProtocol
import Storage
import Testing

/// A request or a timer that schedules or cancels timers and then fails inside its savepoint: the database rolls
/// back, and the daemon's in-memory timer queue must roll back with it, or a deadline is lost (a rolled-back cancel)
/// or a phantom one kept (a rolled-back schedule) until the next restart.
///
/// The failure is real: a trigger in the daemon's own database refuses one kind of event-log row, so the work fails at
/// that row, after its timer writes, exactly as a full disk or an I/O error would.
/// The triggers are SQLite's: these daemons keep their state in SQLite in the PostgreSQL run too.
@Suite struct TurnRollbackTests {
    @Test func aFailedAcknowledgementKeepsTheOfferDeadline() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10, onSQLite: true)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let bram = try daemon.connect(as: "contact:wonen-bram")
        _ = try gp.submit(try Referrals.make(needs: ["housing"]))
        let offer = try bram.next(.handover)
        let handoverID = try #require(offer.body["handover_id"])

        // ACK cancels the offer's reminder and expiry and schedules the first-contact deadline, then records the
        // disclosure of the citizen's data: that row fails, so the whole ACK rolls back.
        try Self.refuseEvents("disclosed", in: daemon)
        let refused = try bram.request(.ack, ["handover_id": handoverID], expect: .acked)
        #expect(refused.command == "REJECTED")
        #expect(refused.body["code"] == "unavailable")
        #expect(try Self.queuedTimers(daemon) == Self.storedTimers(daemon))
        // The ACK had settled the offer in the broker's memory of waiting messages too: that came back with the row,
        // so Bram, reconnecting, is owed the offer and gets it again.
        let again = try Self.reconnect(as: "contact:wonen-bram", to: daemon)
        #expect(try again.next(.handover).body["handover_id"] == handoverID)

        // The offer is still open, so its deadline still runs: Bram is reminded, then the offer is withdrawn.
        try Self.stopRefusing(in: daemon)
        _ = try daemon.admin("clock.advance", ["duration": "P2D"])
        #expect(try again.next(.reminder).body["handover_id"] == handoverID)
        #expect(try again.next(.cancelled).body["handover_id"] == handoverID)
        #expect(try Self.queuedTimers(daemon) == Self.storedTimers(daemon))
        for peer in [gp, bram, again] { #expect(peer.violations.isEmpty, "\(peer.violations)") }
    }

    @Test func aFailedReRouteLeavesNoPhantomDeadline() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10, onSQLite: true)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let bram = try daemon.connect(as: "contact:wonen-bram")
        let carla = try daemon.connect(as: "contact:wonen-carla")
        _ = try gp.submit(try Referrals.make(needs: ["housing"]))
        let first = try #require(try bram.next(.handover).body["handover_id"]?.stringValue)

        // At Bram's deadline the offer expires and goes to Carla: her offer gets its reminder and expiry, then its
        // disclosure row fails, so the timer's whole turn rolls back (and is tried again a minute later).
        try Self.refuseEvents("disclosed", in: daemon)
        _ = try daemon.admin("clock.advance", ["duration": "P2D"])
        #expect(try carla.drain(timeout: 0.3).filter { $0.command == "HANDOVER" }.isEmpty)
        #expect(try Self.queuedTimers(daemon) == Self.storedTimers(daemon))
        // Bram's coordinator still sees the offer with Bram, Carla's sees none.
        let sandra = try daemon.connect(as: "contact:domstad-sandra")
        let youri = try daemon.connect(as: "contact:vechtzicht-youri")
        #expect(try PendingOverdueTests.pending(sandra) == ["offered \(first)"])
        #expect(try PendingOverdueTests.pending(youri) == [])
        // Bram's offer was withdrawn and Carla's made in the broker's memory of waiting messages too: both came back.
        _ = try Self.reconnect(as: "contact:wonen-bram", to: daemon)
        let carlaAgain = try Self.reconnect(as: "contact:wonen-carla", to: daemon)

        // Once the row is accepted again, the retry offers it to Carla, with a deadline that fires.
        try Self.stopRefusing(in: daemon)
        _ = try daemon.admin("clock.advance", ["duration": "PT2M"])
        let second = try carlaAgain.next(.handover)
        #expect(try Self.queuedTimers(daemon) == Self.storedTimers(daemon))
        _ = try daemon.admin("clock.advance", ["duration": "P3D"])
        #expect(try carlaAgain.next(.cancelled).body["handover_id"] == second.body["handover_id"])
        #expect(try Self.queuedTimers(daemon) == Self.storedTimers(daemon))
        for peer in [gp, bram, carla, carlaAgain, sandra, youri] {
            #expect(peer.violations.isEmpty, "\(peer.violations)")
        }
    }

    /// An expiry that fails at the row of the new handover, after the broker noted who holds what
    /// (``OpenHandovers``): the turn's rollback takes that back with the rows, so the coordinators' lists still show
    /// the offer with Bram and none with Carla, until the retry moves it for good.
    @Test func aFailedExpiryLeavesTheOfferWithItsContact() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10, onSQLite: true)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let bram = try daemon.connect(as: "contact:wonen-bram")
        let carla = try daemon.connect(as: "contact:wonen-carla")
        let sandra = try daemon.connect(as: "contact:domstad-sandra")
        let youri = try daemon.connect(as: "contact:vechtzicht-youri")
        _ = try gp.submit(try Referrals.make(needs: ["housing"]))
        let first = try #require(try bram.next(.handover).body["handover_id"]?.stringValue)
        #expect(try PendingOverdueTests.pending(sandra) == ["offered \(first)"])

        try Self.withDatabase(daemon, readOnly: false) { db in
            try db.run(
                """
                CREATE TRIGGER test_refuse_row BEFORE INSERT ON handovers
                BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
                """)
        }
        _ = try daemon.admin("clock.advance", ["duration": "P2D"])
        #expect(try carla.drain(timeout: 0.3).filter { $0.command == "HANDOVER" }.isEmpty)
        #expect(try PendingOverdueTests.pending(sandra) == ["offered \(first)"], "the offer is still Bram's")
        #expect(try PendingOverdueTests.pending(youri) == [], "and not Carla's")

        try Self.withDatabase(daemon, readOnly: false) { db in try db.run("DROP TRIGGER test_refuse_row") }
        _ = try daemon.admin("clock.advance", ["duration": "PT2M"])
        let second = try #require(try carla.next(.handover).body["handover_id"]?.stringValue)
        #expect(try PendingOverdueTests.pending(sandra) == [])
        #expect(try PendingOverdueTests.pending(youri) == ["offered \(second)"])
        for peer in [gp, bram, carla, sandra, youri] { #expect(peer.violations.isEmpty, "\(peer.violations)") }
    }

    /// The machine writes each event's effects in one go, so a failure inside one event leaves no effect behind by
    /// itself; what the savepoint must take back is an earlier event of the same request. A DECLINE frees room, and
    /// the waiting need the room goes to fails to be offered: the whole DECLINE rolls back, so the declined offer is
    /// still open and its deadline must still run.
    @Test func aFailedReleaseOfAWaitingNeedKeepsTheDeclinedOfferAndItsDeadline() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10, onSQLite: true)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let anna = try daemon.connect(as: "contact:schuldhulp-anna")
        // Anna, the only debt contact in Utrecht, has room for twelve: the thirteenth need waits.
        for _ in 0..<12 { _ = try gp.submit(try Referrals.make(needs: ["debt"])) }
        let first = try anna.next(.handover)
        _ = try gp.submit(try Referrals.make(needs: ["debt"]))
        let waiting = try #require(
            try gp.drain(timeout: 1).first { $0.command == "NOTICE" && $0.body["event"] == "waiting" })
        let waitingID = try #require(waiting.body["handover_id"]?.stringValue)

        try Self.refuseEvents("offered", in: daemon, handover: waitingID)
        let refused = try anna.request(
            .decline, ["handover_id": first.body["handover_id"]!, "reason": "capacity"], expect: .declined)
        #expect(refused.body["code"] == "unavailable")
        #expect(try Self.queuedTimers(daemon) == Self.storedTimers(daemon))

        try Self.stopRefusing(in: daemon)
        // The room the DECLINE freed came back with it: Anna still holds twelve, so a new debt need waits too.
        let another = try gp.submit(try Referrals.make(needs: ["debt"]))
        let notices = try gp.drain(timeout: 1).filter { $0.command == "NOTICE" }
        #expect(
            notices.contains { $0.body["event"] == "waiting" && $0.body["referral_id"] == another.body["referral_id"] })
        #expect(
            try !anna.drain(timeout: 0.3).contains {
                $0.command == "HANDOVER" && $0.body["referral_id"] == another.body["referral_id"]
            }, "nothing past her capacity")
        _ = try daemon.admin("clock.advance", ["duration": "P2D"])
        let reminded = try anna.drain(timeout: 1).filter { $0.command == "REMINDER" }.compactMap {
            $0.body["handover_id"]
        }
        #expect(reminded.contains(first.body["handover_id"]!))
        #expect(try Self.queuedTimers(daemon) == Self.storedTimers(daemon))
    }

    /// The requests of a batch run without savepoints of their own until one fails after it has written (issue 22):
    /// then the whole batch is rolled back and run again, each request in its own savepoint. What a peer sees must be
    /// what it saw when every request had one: the failing SUBMIT alone is `unavailable` and absent, the others of
    /// its batch are ACCEPTED once each, stored, offered, with the ids their answers name.
    ///
    /// The referral's row is written first; then the row of `table` fails. A handover's row is written after the
    /// broker noted the referral's messages as waiting (``PendingMessages``), which moves the turn's mark; the
    /// referrer's first outbox message fails before anything in memory changed, so only SQLite's count of the rows
    /// the request changed says that it wrote (`Database.withoutSavepoint`).
    @Test(arguments: ["handovers", "outbox"])
    func aSubmitThatFailsAfterWritingCostsOnlyItselfInItsBatch(_ table: String) throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10, onSQLite: true)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let anna = try daemon.connect(as: "contact:schuldhulp-anna")
        try Self.withDatabase(daemon, readOnly: false) { db in
            try db.run(
                """
                CREATE TRIGGER test_refuse_row BEFORE INSERT ON \(table)
                WHEN (SELECT external_id FROM referrals WHERE referral_id = NEW.referral_id) = 'POISONED'
                BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
                """)
        }
        let externalIDs = ["BATCH-0", "BATCH-1", "POISONED", "BATCH-3", "BATCH-4"]
        // Stopped while the five are sent, so that it reads them in one batch (see OutboxOrderTests).
        daemon.send(signal: SIGSTOP)
        for id in externalIDs {
            try gp.send(.submit, ["referral": try Referrals.make(externalID: id, needs: ["debt"])])
        }
        usleep(200_000)
        daemon.send(signal: SIGCONT)

        var answers: [WireMessage] = []
        while answers.count < externalIDs.count { answers.append(try gp.reply(.accepted)) }
        answers += try gp.drain(timeout: 0.5).filter { $0.command == "ACCEPTED" || $0.command == "REJECTED" }
        #expect(answers.map { $0.body["external_id"]?.stringValue ?? "-" } == externalIDs, "one answer each, in order")
        #expect(answers.map(\.command) == ["ACCEPTED", "ACCEPTED", "REJECTED", "ACCEPTED", "ACCEPTED"])
        #expect(answers[2].body["code"] == "unavailable")
        #expect(
            daemon.log().contains("event=batch.replayed"),
            "the five were read in one batch, which ran again after the failure")

        // Stored: exactly the four accepted, under the referral ids their answers gave, each with its offer.
        let accepted = answers.filter { $0.command == "ACCEPTED" }.compactMap { $0.body["referral_id"]?.stringValue }
        let stored = try PrivacyTests.query(daemon, "SELECT referral_id, external_id FROM referrals")
        #expect(Set(stored.compactMap { $0.string("referral_id") }) == Set(accepted))
        #expect(!stored.contains { $0.string("external_id") == "POISONED" })
        let offered = try (0..<4).map { _ in try anna.next(.handover).body["referral_id"]?.stringValue ?? "-" }
        #expect(Set(offered) == Set(accepted))
        #expect(try Self.queuedTimers(daemon) == Self.storedTimers(daemon))
        // What the failed SUBMIT wrote to outboxes before its failure is owed to nobody.
        let peers = [gp, anna] + [try Self.reconnect(as: "org:huisarts-de-brug", to: daemon)]
        for peer in peers { #expect(peer.violations.isEmpty, "\(peer.violations)") }
    }

    // MARK: Helpers

    /// Says HELLO as `principal` on a new connection, which takes over the principal's session, and expects WELCOME
    /// to count exactly the messages that wait for it in the database (the broker counts them in memory, which a
    /// rolled-back turn must leave as the database is). The new peer gets what the principal is owed.
    static func reconnect(
        as principal: String, to daemon: Daemon, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Peer {
        let peer = try Peer(daemon.endpoint)
        let welcome = try peer.hello(as: principal)
        let stored = try withDatabase(daemon, readOnly: true) { db in
            try db.queryOne(
                """
                SELECT (SELECT COUNT(*) FROM outbox WHERE principal = ? AND confirmed_at IS NULL)
                     + (SELECT COUNT(*) FROM handovers
                        WHERE contact = ? AND offer_seq IS NOT NULL AND offer_confirmed_at IS NULL) AS n
                """, [.text(principal), .text(principal)])?.int("n") ?? -1
        }
        #expect(
            welcome.body["pending"]?.numberValue == Double(stored), "\(principal) is owed what the database holds",
            sourceLocation: sourceLocation)
        return peer
    }

    /// The timers the daemon's in-memory queue holds, as `stats` reports them.
    static func queuedTimers(_ daemon: Daemon) throws -> Int {
        Int(try daemon.admin("stats")["timers_pending"]?.numberValue ?? -1)
    }

    /// The timer rows in the database, read beside the running daemon (WAL lets it).
    static func storedTimers(_ daemon: Daemon) throws -> Int {
        try withDatabase(daemon, readOnly: true) { db in
            try db.queryOne("SELECT COUNT(*) AS n FROM timers")?.int("n") ?? -1
        }
    }

    /// Makes every insert of an event-log row that holds an event named `event` (about `handover`, when given) fail,
    /// as a full disk would.
    static func refuseEvents(_ event: String, in daemon: Daemon, handover: String? = nil) throws {
        let about = handover.map { " AND e.value ->> 2 = '\($0)'" } ?? ""
        try withDatabase(daemon, readOnly: false) { db in
            try db.run(
                """
                CREATE TRIGGER test_refuse_event BEFORE INSERT ON event_log
                WHEN EXISTS (SELECT 1 FROM json_each(NEW.entries) e WHERE e.value ->> 1 = '\(event)'\(about))
                BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
                """)
        }
    }

    static func stopRefusing(in daemon: Daemon) throws {
        try withDatabase(daemon, readOnly: false) { db in try db.run("DROP TRIGGER test_refuse_event") }
    }

    private static func withDatabase<T>(_ daemon: Daemon, readOnly: Bool, _ body: (Database) throws -> T) throws -> T {
        let db = try Database(path: daemon.databaseURL.path, options: Database.Options(readOnly: readOnly))
        defer { try? db.close() }
        return try body(db)
    }
}
