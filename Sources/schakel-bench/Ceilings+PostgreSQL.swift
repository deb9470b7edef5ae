import Foundation
import PostgreSQL
import Storage

extension Ceilings {
    /// Durable PostgreSQL commits per second (rows per second when `rowsPerCommit` > 1) through the same
    /// `PostgreSQLDatabase` wrapper the daemon uses, in the database `conninfo` names: the SQLite ceiling's table
    /// (text key, a unique index, a referral-sized text body), one prepared `INSERT` per row, so each row is a round
    /// trip to the server and each commit one WAL flush. Durable as far as the server's `fsync` and
    /// `synchronous_commit` make it (``BenchPostgreSQL/settings`` says which).
    static func postgresqlRowsPerSecond(conninfo: String, rowsPerCommit: Int, row: String, seconds: Double) throws
        -> Double
    {
        let db = try PostgreSQLDatabase(conninfo: conninfo)
        defer { db.close() }
        let table = "ceiling_\(rowsPerCommit)"
        try db.execute(
            """
            CREATE TABLE \(table) (referral_id TEXT PRIMARY KEY, organisation TEXT NOT NULL,
              external_id TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL,
              UNIQUE (organisation, external_id))
            """)
        let insert = "INSERT INTO \(table) VALUES (?, ?, ?, ?, ?)"
        var rows = 0
        let start = Clock.nanoseconds()
        let end = start + UInt64(seconds * 1e9)
        while Clock.nanoseconds() < end {
            try db.writeTransaction {
                for _ in 0..<rowsPerCommit {
                    rows += 1
                    try db.run(
                        insert,
                        [
                            .text("ref-\(UUID().uuidString.lowercased())"), .text("org:bench"), .text("C-\(rows)"),
                            .text(row), .text("2026-11-23T09:30:00Z"),
                        ])
                }
            }
        }
        let elapsed = Double(Clock.nanoseconds() - start) / 1e9
        try db.execute("DROP TABLE \(table)")
        return Double(rows) / elapsed
    }
}
