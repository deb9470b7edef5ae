import Foundation
import Sodium
import Storage

/// The re-seal pass of a key rotation: every sealed column, batch by batch, under the current key.
extension ReferralStore {
    /// The columns that hold sealed values, and which of their rows do.
    /// `key` is the column that orders the table's rows for the pass: `rowid` (SQLite's own, an identity column in
    /// the PostgreSQL schema) or the outbox's `seq`, which in SQLite is its `rowid`.
    static let sealedColumns: [(table: String, column: String, filter: String, key: String)] = [
        ("referrals", "body", "body != ''", "rowid"),
        ("handovers", "outcome_note", "outcome_note IS NOT NULL", "rowid"),
        ("outbox", "body", "command = 'HANDOVER' AND body NOT LIKE 'case:%'", "seq"),
    ]

    /// How many sealed values (or values from before encryption at rest) are not under the current key.
    func unsealedUnderCurrentKey() throws -> Int {
        let prefix = "\(KeyRing.prefix)\(keys.current.id):"
        var total = 0
        for (table, column, filter, _) in Self.sealedColumns {
            total +=
                try db.queryOne(
                    "SELECT COUNT(*) AS n FROM \(table) WHERE \(filter) AND substr(\(column), 1, CAST(? AS INTEGER)) != ?",
                    [.integer(Int64(prefix.utf8.count)), .text(prefix)])?.int("n") ?? 0
        }
        return total
    }

    /// The key every sealed value was under when the last re-seal pass completed (setting `sealed_under`).
    func sealedUnder() throws -> String? {
        try db.queryOne("SELECT value FROM settings WHERE name = 'sealed_under'")?.string("value")
    }

    /// Records that a pass completed under `keyID`, or with nil that one is under way.
    func setSealedUnder(_ keyID: String?) throws {
        if let keyID {
            try db.run(
                """
                INSERT INTO settings (name, value) VALUES ('sealed_under', ?)
                ON CONFLICT (name) DO UPDATE SET value = excluded.value
                """, [.text(keyID)])
        } else {
            try db.run("DELETE FROM settings WHERE name = 'sealed_under'")
        }
    }

    /// Re-seals up to `limit` values of column `index` (of ``sealedColumns``) after rowid `cursor` under the current
    /// key. Returns the last rowid looked at (nil when the column is done), how many rows were looked at and how many
    /// values were re-sealed.
    func reseal(column index: Int, after cursor: Int64, limit: Int) throws -> (
        cursor: Int64?, scanned: Int, resealed: Int
    ) {
        let (table, column, filter, key) = Self.sealedColumns[index]
        let current = keys.current.id
        let rows = try db.query(
            """
            SELECT \(key) AS id, \(column) AS value FROM \(table) WHERE \(key) > ? AND \(filter)
            ORDER BY \(key) LIMIT ?
            """,
            [.integer(cursor), .integer(Int64(limit))])
        var last = cursor
        var resealed = 0
        for row in rows {
            guard let value = row.string("value"), let id = row.int64("id") else { continue }
            if KeyRing.keyID(of: value) != current {
                let resealedValue = try seal(try unseal(value))
                try db.run("UPDATE \(table) SET \(column) = ? WHERE \(key) = ?", [.text(resealedValue), .integer(id)])
                resealed += 1
            }
            last = id
        }
        return (rows.count < limit ? nil : last, rows.count, resealed)
    }
}
