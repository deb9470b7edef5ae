import Foundation
import SchakelProtocol
import Storage
import Testing

/// Migration 8 turns timer ids around (`subject:kind` instead of `kind:subject`, so that one handover's timers share
/// a page of the index). A deadline stored before it must still fire, once, under its new id. A migration of SQLite's
/// own file: on SQLite in the PostgreSQL run too.
@Suite struct TimerIDMigrationTests {
    static let offeredToBram = "ho-00000000-0000-4000-8000-000000000002"

    @Test func aDeadlineStoredUnderTheOldIDFiresAfterTheUpgrade() throws {
        // Friday 27 November 2026: before the fixture's ack_expiry (Monday 30 November, 08:00 UTC).
        let daemon = try Daemon(
            settings: ["clock": ["mode": "manual", "start": "2026-11-27T10:00:00+01:00"]], onSQLite: true)
        try FileManager.default.createDirectory(
            at: daemon.stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let fixture = Paths.packageRoot.appendingPathComponent("Tests/SchakeldTests/Fixtures/schema-v4.sql")
        do {
            let db = try Database(path: daemon.databaseURL.path)
            defer { try? db.close() }
            try db.execute(try String(contentsOf: fixture, encoding: .utf8))
        }
        #expect(
            try PrivacyTests.query(daemon, "SELECT timer_id FROM timers").compactMap { $0.string("timer_id") }
                == ["ack_expiry:\(Self.offeredToBram)"])

        try daemon.start()
        #expect(
            try PrivacyTests.query(daemon, "SELECT timer_id FROM timers").compactMap { $0.string("timer_id") }
                == ["\(Self.offeredToBram):ack_expiry"])
        // Bram receives the offer and confirms it, so that its lapse is told with CANCELLED (one never received
        // would only leave his outbox).
        let bramBefore = try daemon.connect(as: "contact:wonen-bram")
        try bramBefore.confirm(try bramBefore.next(.handover))
        _ = try bramBefore.request(.ping, [:], expect: .pong)

        // Past its due moment the offer to Bram expires: the upgraded timer was found and fired.
        daemon.stop()
        try daemon.reconfigure(["clock": ["mode": "manual", "start": "2026-11-30T10:00:00+01:00"]])
        try daemon.start()
        let bram = try daemon.connect(as: "contact:wonen-bram")
        let cancelled = try bram.next(.cancelled)
        #expect(cancelled.body["handover_id"] == .string(Self.offeredToBram))
        #expect(cancelled.body["reason"] == "expired")
        let left = try PrivacyTests.query(daemon, "SELECT timer_id, kind FROM timers")
        #expect(!left.contains { $0.string("timer_id") == "\(Self.offeredToBram):ack_expiry" }, "fired once, then gone")
        for row in left {
            let id = row.string("timer_id") ?? ""
            #expect(id.hasSuffix(":\(row.string("kind") ?? "?")"), "\(id) is not subject:kind")
        }
    }
}
