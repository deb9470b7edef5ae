import Foundation
import PostgreSQL
import SchakelProtocol
import Sodium
import Storage
import Testing

@testable import Broker

/// Migration 11 (issue 22): the rows of a referral are found by its sequential key. A database written at version 10
/// keeps every referral whole: the keys are filled in from the random ids, the store finds the handovers, timers,
/// events and outbox messages of each, and new referrals carry on after the largest key. On SQLite always; on
/// PostgreSQL too when `SCHAKEL_TEST_POSTGRESQL` names a server (make test-postgresql).
@Suite struct ReferralKeyMigrationTests {
    /// A database at `version` on each engine of this run, and a way to bring it to the newest version.
    struct Engine: CustomTestStringConvertible, Sendable {
        var name: String
        var testDescription: String { name }

        static var all: [Engine] {
            let postgresql = ProcessInfo.processInfo.environment["SCHAKEL_TEST_POSTGRESQL"] ?? ""
            return [Engine(name: "sqlite")] + (postgresql.isEmpty ? [] : [Engine(name: "postgresql")])
        }

        /// Runs `body` on a new database migrated to `version`, then deletes it; `upgrade` migrates it the rest.
        func withDatabase(
            at version: Int, _ body: (_ db: any SQLDatabase, _ upgrade: () throws -> Void) throws -> Void
        ) throws {
            if name == "postgresql", let base = ProcessInfo.processInfo.environment["SCHAKEL_TEST_POSTGRESQL"] {
                let database = "schakel_keys_\(UUID().uuidString.prefix(8).lowercased())"
                let admin = try PostgreSQLDatabase(conninfo: "\(base) dbname=postgres")
                defer { admin.close() }
                try admin.execute("CREATE DATABASE \(database)")
                defer { try? admin.execute("DROP DATABASE \(database)") }
                let db = try PostgreSQLDatabase(conninfo: "\(base) dbname=\(database)")
                defer { db.close() }
                try Schema.migratePostgreSQL(db, upTo: version)
                try body(db) { try Schema.migratePostgreSQL(db) }
                return
            }
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("keys-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let db = try Database(path: directory.appendingPathComponent("schakel.sqlite").path)
            defer { try? db.close() }
            try db.migrate(Schema.migrations.filter { $0.version <= version })
            try body(db) { try db.migrate(Schema.migrations) }
        }
    }

    /// Two referrals written as version 10 had them (rows by hand: that version's store is gone), then the upgrade.
    @Test(arguments: Engine.all)
    func aVersion10DatabaseKeepsEveryReferralsRows(_ engine: Engine) throws {
        try engine.withDatabase(at: 10) { db, upgrade in
            let at = "2026-11-23T09:00:00Z"
            for (referral, handover) in [("ref-b", "ho-b"), ("ref-a", "ho-a")] {
                try db.run(
                    """
                    INSERT INTO referrals (referral_id, organisation, external_id, urgency, municipality, body, state,
                                           created_at, updated_at)
                    VALUES (?, 'org:huisarts-de-brug', ?, 'urgent', 'GM0344', '', 'open', ?, ?)
                    """, [.text(referral), .text(referral), .text(at), .text(at)])
                try db.run(
                    """
                    INSERT INTO handovers (handover_id, referral_id, need_index, domain, contact, state, created_at,
                                           updated_at)
                    VALUES (?, ?, 0, 'debt', 'contact:schuldhulp-anna', 'offered', ?, ?)
                    """, [.text(handover), .text(referral), .text(at), .text(at)])
                try db.run(
                    """
                    INSERT INTO timers (timer_id, kind, referral_id, handover_id, due_at)
                    VALUES (?, 'ack_expiry', ?, ?, 1)
                    """, [.text("\(handover):ack_expiry"), .text(referral), .text(handover)])
                try db.run(
                    "INSERT INTO events (referral_id, at, event, handover_id) VALUES (?, ?, 'offered', ?)",
                    [.text(referral), .text(at), .text(handover)])
                try db.run(
                    """
                    INSERT INTO outbox (message_id, principal, command, body, referral_id, handover_id, created_at)
                    VALUES (?, 'contact:schuldhulp-anna', 'HANDOVER', '{}', ?, ?, ?)
                    """, [.text("msg-\(handover)"), .text(referral), .text(handover), .text(at)])
            }
            // An admin action about no referral: no key, and still there.
            try db.run("INSERT INTO events (at, event) VALUES (?, 'admin.backup')", [.text(at)])

            try upgrade()

            let store = ReferralStore(db: db, keys: KeyRing(current: try SealingKey.generate(id: "k1")))
            #expect(try store.referralKey("ref-b") == 1, "keys follow the order the referrals were written in")
            #expect(try store.referralKey("ref-a") == 2)
            for (referral, handover) in [("ref-a", "ho-a"), ("ref-b", "ho-b")] {
                let found = try #require(try store.loadCase(referral, referral: false))
                #expect(found.handovers.map(\.id) == [handover])
                #expect(Array(found.timers.keys) == ["\(handover):ack_expiry"])
                #expect(try store.timeline(referral).map(\.handoverID) == [handover])
                let key = try #require(try store.referralKey(referral))
                #expect(
                    try db.query("SELECT message_id FROM outbox WHERE referral_key = ?", [.integer(key)])
                        .compactMap { $0.string("message_id") } == ["msg-\(handover)"])
            }
            #expect(
                try db.queryOne("SELECT referral_key FROM events WHERE event = 'admin.backup'", [])?
                    .int64("referral_key") == nil)
            let indexes =
                db.dialect == .sqlite
                ? "SELECT sql AS definition FROM sqlite_master WHERE type = 'index' AND tbl_name <> 'referrals'"
                : "SELECT indexdef AS definition FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'referrals'"
            let keyedByID = try db.query(indexes, []).compactMap { $0.string("definition") }
                .filter { $0.contains("(referral_id") }
            #expect(keyedByID.isEmpty, "no index but the referrals' own is keyed by the random referral id")
            #expect(throws: (any Error).self, "events are still append-only") {
                try db.writeTransaction { try db.run("UPDATE event_log SET entries = '[]'", []) }
            }
        }
    }
}
