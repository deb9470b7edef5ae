import Foundation
import PostgreSQL
import SchakelProtocol
import Storage
import Testing

@testable import Broker

/// The active daemon's lease on PostgreSQL (issue 21), at the level of the row: the fencing check tells a lost lease
/// from a lost connection. Runs when `SCHAKEL_TEST_POSTGRESQL` names a server (make test-postgresql).
@Suite(
    .enabled(
        if: !(ProcessInfo.processInfo.environment["SCHAKEL_TEST_POSTGRESQL"] ?? "").isEmpty,
        "needs PostgreSQL: make test-postgresql"))
struct StateLeaseTests {
    /// Runs `body` on a new, migrated database with a lease taken by `holder`, then deletes the database.
    private func withLease(
        _ body: (_ db: PostgreSQLDatabase, _ lease: StateLease, _ conninfo: String) throws -> Void
    ) throws {
        let base = ProcessInfo.processInfo.environment["SCHAKEL_TEST_POSTGRESQL"] ?? ""
        let name = "schakel_lease_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try PostgreSQLDatabase(conninfo: "\(base) dbname=postgres")
        defer { admin.close() }
        try admin.execute("CREATE DATABASE \(name)")
        defer { try? admin.execute("DROP DATABASE \(name) WITH (FORCE)") }
        let conninfo = "\(base) dbname=\(name)"
        let db = try PostgreSQLDatabase(conninfo: conninfo)
        defer { db.close() }
        try Schema.migratePostgreSQL(db)
        var lease = StateLease(
            duration: try #require(ISODuration("PT30S")), stateDirectory: URL(fileURLWithPath: "/var/lib/schakel-a"))
        try #require(try lease.tryAcquire(db))
        try body(db, lease, conninfo)
    }

    /// The session ends while the fencing update runs, as when the primary crashes at the start of a transaction:
    /// that is a lost connection, which the loop answers `unavailable` and mends by connecting again. Before, it was
    /// read as "no row changed", a lost lease, and the daemon exited although nobody had taken over.
    @Test func aSessionThatEndsDuringTheFenceIsALostConnectionNotALostLease() throws {
        try withLease { db, lease, _ in
            var thrown: (any Error)?
            do {
                try db.writeTransaction {
                    // Deferred like the fence's update: the server ends the session just before it runs.
                    try db.run("SELECT pg_terminate_backend(pg_backend_pid())")
                    try lease.fence(db)
                }
            } catch {
                thrown = error
            }
            let lost = thrown as? PostgreSQLError
            #expect(lost?.isConnectionLost == true, "not a lost connection: \(String(describing: thrown))")
            // The next transaction connects again and still holds the lease.
            try db.writeTransaction { try lease.fence(db) }
        }
    }

    /// Another daemon took over: the fence throws ``LeaseLost`` naming it, and the transaction stores nothing.
    @Test func aTakenLeaseIsLostAndNamesItsHolder() throws {
        try withLease { db, lease, conninfo in
            let other = try PostgreSQLDatabase(conninfo: conninfo)
            defer { other.close() }
            try other.execute("UPDATE schakel_lease SET holder = 'host-b:/var/lib/schakel', token = token + 1")
            try db.execute("CREATE TABLE written (n INTEGER)")
            let thrown = #expect(throws: LeaseLost.self) {
                try db.writeTransaction {
                    try lease.fence(db)
                    try db.run("INSERT INTO written VALUES (1)")
                }
            }
            #expect(thrown?.holder == "host-b:/var/lib/schakel")
            #expect(try db.query("SELECT n FROM written").isEmpty)
        }
    }
}
