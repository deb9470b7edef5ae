import Foundation
import Referrals
import SchakelProtocol
import Sodium
import Storage
import Testing

@testable import Broker

/// Migration 14 (issue 22): the events of one turn for one referral are one row of `event_log`, and the view `events`
/// shows them one per row as the table did. The events from before the upgrade keep their numbers and read back as
/// they were; a turn's events are numbered on from the last; the stream's and the signals' readers page through a
/// row that holds several. On SQLite always; on PostgreSQL too when `SCHAKEL_TEST_POSTGRESQL` names a server.
@Suite struct EventLogTests {
    static let at = "2026-11-23T09:00:00Z"
    static let later = "2026-11-23T09:05:00Z"
    static let anna = "contact:schuldhulp-anna"

    /// A detail a user's input could shape: quotes, a backslash, non-ASCII, a control character.
    static let awkward: [String: JSONValue] = ["fields": .array([.string("naam \"x\" \\ é\n")]), "count": .number(2)]

    /// Every column of the view, in order, as text.
    static func log(_ db: any SQLDatabase) throws -> [[String?]] {
        try db.query(
            "SELECT seq, referral_id, referral_key, at, event, handover_id, contact, detail FROM events ORDER BY seq",
            []
        ).map { row in
            [
                row.int64("seq").map(String.init), row.string("referral_id"),
                row.int64("referral_key").map(String.init),
                row.string("at"), row.string("event"), row.string("handover_id"), row.string("contact"),
                row.string("detail"),
            ]
        }
    }

    @Test(arguments: ReferralKeyMigrationTests.Engine.all)
    func eventsFromBeforeTheUpgradeKeepTheirNumbersAndATurnIsOneRow(_ engine: ReferralKeyMigrationTests.Engine)
        throws
    {
        try engine.withDatabase(at: 13) { db, upgrade in
            try db.run(
                """
                INSERT INTO referrals (referral_id, referral_key, organisation, external_id, urgency, municipality,
                                       body, state, created_at, updated_at)
                VALUES ('ref-a', 1, 'org:huisarts-de-brug', 'ext-a', 'urgent', 'GM0344', '', 'open', ?, ?)
                """, [.text(Self.at), .text(Self.at)])
            let old: [(String?, Int64?, String, String?, String?, String?)] = [
                ("ref-a", 1, "submitted", nil, nil, nil),
                ("ref-a", 1, "offered", "ho-a", Self.anna, nil),
                (nil, nil, "admin.backup", nil, nil, JSONValue.object(Self.awkward).canonicalString()),
                ("ref-a", 1, "disclosed", "ho-a", Self.anna, "{\"fields\":[\"name\"]}"),
            ]
            for (referral, key, event, handover, contact, detail) in old {
                try db.run(
                    """
                    INSERT INTO events (referral_id, referral_key, at, event, handover_id, contact, detail)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        referral.map { .text($0) } ?? .null, key.map { .integer($0) } ?? .null, .text(Self.at),
                        .text(event), handover.map { .text($0) } ?? .null, contact.map { .text($0) } ?? .null,
                        detail.map { .text($0) } ?? .null,
                    ])
            }
            let before = try Self.log(db)
            #expect(before.count == 4)

            try upgrade()

            #expect(try Self.log(db) == before, "the view shows the old events as the table held them")
            #expect(try db.query("SELECT seq FROM event_log", []).count == 4, "each old event a row of one")
            let store = ReferralStore(db: db, keys: KeyRing(current: try SealingKey.generate(id: "k1")))
            #expect(try store.lastEventSeq() == 4)

            // A turn's three events: one row, numbered on from the last, in order, the detail byte for byte.
            try store.insertEvents(
                [
                    AuditEntry("acknowledged", at: Self.later, handoverID: "ho-a", contact: Self.anna),
                    AuditEntry(
                        "disclosed", at: Self.later, handoverID: "ho-a", contact: Self.anna, detail: Self.awkward),
                    AuditEntry("contacted", at: Self.later, handoverID: "ho-a", contact: Self.anna),
                ], referralID: "ref-a", key: 1)
            try store.appendEvent(nil, AuditEntry("admin.reload", at: Self.later))
            #expect(try db.query("SELECT seq FROM event_log", []).count == 6)
            let after = try Self.log(db)
            #expect(after.dropLast(4) == before[...])
            #expect(after.suffix(4).map { $0[0] } == ["5", "6", "7", "8"])
            #expect(after.suffix(4).map { $0[4] } == ["acknowledged", "disclosed", "contacted", "admin.reload"])
            #expect(
                after[5] == [
                    "6", "ref-a", "1", Self.later, "disclosed", "ho-a", Self.anna,
                    JSONValue.object(Self.awkward).canonicalString(),
                ])
            #expect(after[7][1] == nil && after[7][2] == nil && after[7][7] == nil, "an event of no referral")
            #expect(try store.lastEventSeq() == 8)

            // The stream pages through the row that holds 5 to 7, from inside it.
            #expect(try store.events(after: 5, limit: 2).compactMap { $0.int64("seq") } == [6, 7])
            #expect(try store.events(after: 7, limit: 10).compactMap { $0.string("event") } == ["admin.reload"])
            #expect(
                try store.timeline("ref-a").map(\.event) == ["submitted", "offered", "acknowledged", "contacted"])

            for statement in ["UPDATE event_log SET entries = '[]'", "DELETE FROM event_log"] {
                #expect(throws: (any Error).self, "\(statement): events are append-only") {
                    try db.writeTransaction { try db.run(statement, []) }
                }
            }
            #expect(try Self.log(db) == after)
        }
    }

    /// The view is read by a referral's key and from a row on without unfolding the whole log: every reader relies
    /// on SQLite pushing those terms into `event_log`'s indexes.
    @Test func theViewIsReadThroughTheLogsIndexes() throws {
        try ReferralKeyMigrationTests.Engine.all[0].withDatabase(at: 14) { db, _ in
            func plan(_ sql: String) throws -> String {
                try db.query("EXPLAIN QUERY PLAN " + sql, [.integer(1)]).compactMap { $0.string("detail") }
                    .joined(separator: "; ")
            }
            let byReferral = try plan("SELECT at FROM events WHERE referral_key = ? AND event = 'x'")
            #expect(byReferral.contains("USING INDEX event_log_by_referral (referral_key=?)"), "\(byReferral)")
            let fromRow = try plan("SELECT seq FROM events WHERE row_seq > ? ORDER BY seq")
            #expect(fromRow.contains("USING INTEGER PRIMARY KEY (rowid>?)"), "\(fromRow)")
        }
    }
}
