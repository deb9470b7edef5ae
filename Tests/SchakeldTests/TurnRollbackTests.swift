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

        // The offer is still open, so its deadline still runs: Bram is reminded, then the offer is withdrawn.
        try Self.stopRefusing(in: daemon)
        _ = try daemon.admin("clock.advance", ["duration": "P2D"])
        #expect(try bram.next(.reminder).body["handover_id"] == handoverID)
        #expect(try bram.next(.cancelled).body["handover_id"] == handoverID)
        #expect(try Self.queuedTimers(daemon) == Self.storedTimers(daemon))
        for peer in [gp, bram] { #expect(peer.violations.isEmpty, "\(peer.violations)") }
    }

    @Test func aFailedReRouteLeavesNoPhantomDeadline() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10, onSQLite: true)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let bram = try daemon.connect(as: "contact:wonen-bram")
        let carla = try daemon.connect(as: "contact:wonen-carla")
        _ = try gp.submit(try Referrals.make(needs: ["housing"]))
        _ = try bram.next(.handover)

        // At Bram's deadline the offer expires and goes to Carla: her offer gets its reminder and expiry, then its
        // disclosure row fails, so the timer's whole turn rolls back (and is tried again a minute later).
        try Self.refuseEvents("disclosed", in: daemon)
        _ = try daemon.admin("clock.advance", ["duration": "P2D"])
        #expect(try carla.drain(timeout: 0.3).filter { $0.command == "HANDOVER" }.isEmpty)
        #expect(try Self.queuedTimers(daemon) == Self.storedTimers(daemon))

        // Once the row is accepted again, the retry offers it to Carla, with a deadline that fires.
        try Self.stopRefusing(in: daemon)
        _ = try daemon.admin("clock.advance", ["duration": "PT2M"])
        let second = try carla.next(.handover)
        #expect(try Self.queuedTimers(daemon) == Self.storedTimers(daemon))
        _ = try daemon.admin("clock.advance", ["duration": "P3D"])
        #expect(try carla.next(.cancelled).body["handover_id"] == second.body["handover_id"])
        #expect(try Self.queuedTimers(daemon) == Self.storedTimers(daemon))
        for peer in [gp, bram, carla] { #expect(peer.violations.isEmpty, "\(peer.violations)") }
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
        _ = try daemon.admin("clock.advance", ["duration": "P2D"])
        let reminded = try anna.drain(timeout: 1).filter { $0.command == "REMINDER" }.compactMap {
            $0.body["handover_id"]
        }
        #expect(reminded.contains(first.body["handover_id"]!))
        #expect(try Self.queuedTimers(daemon) == Self.storedTimers(daemon))
    }

    // MARK: Helpers

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
