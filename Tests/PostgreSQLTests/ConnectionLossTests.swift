import PostgreSQL
import Storage
import Testing

extension ServerTests {
    /// A session the server ends: outside a transaction the next call connects again; inside one it is reported.
    @Suite struct ConnectionLoss {
        /// A connection to a fresh database, and a second one to end its session with.
        private func openPair() throws -> (database: PostgreSQLDatabase, admin: PostgreSQLDatabase) {
            let cluster = try #require(SharedCluster.current)
            let conninfo = try cluster.createDatabase()
            let database = try PostgreSQLDatabase(conninfo: conninfo)
            try database.execute("CREATE TABLE item (name TEXT PRIMARY KEY)")
            return (database, try PostgreSQLDatabase(conninfo: conninfo))
        }

        /// Ends `database`'s session from `admin` and waits until its backend process is gone.
        private func terminate(_ database: PostgreSQLDatabase, from admin: PostgreSQLDatabase) throws -> Int64 {
            let pid = try #require(try database.queryOne("SELECT pg_backend_pid() AS pid")?.int64("pid"))
            let ended = try admin.queryOne(
                "SELECT pg_terminate_backend(CAST(? AS INTEGER), 10000) AS ended", [.integer(pid)])
            try #require(ended?["ended"] == .integer(1))
            return pid
        }

        private func names(_ database: PostgreSQLDatabase) throws -> [String] {
            try database.query("SELECT name FROM item ORDER BY name").compactMap { $0.string("name") }
        }

        @Test func sessionEndedOutsideATransactionIsReconnectedByTheNextCall() throws {
            let (database, admin) = try openPair()
            defer {
                database.close()
                admin.close()
            }
            try database.run("INSERT INTO item VALUES (?)", ["a"])
            let pid = try terminate(database, from: admin)

            // The statement prepared on the old session is prepared again on the new one.
            try database.run("INSERT INTO item VALUES (?)", ["b"])
            #expect(try database.queryOne("SELECT pg_backend_pid() AS pid")?.int64("pid") != pid)
            #expect(try names(database) == ["a", "b"])
        }

        @Test func sessionEndedInsideATransactionIsReportedAndNothingIsStored() throws {
            let (database, admin) = try openPair()
            defer {
                database.close()
                admin.close()
            }
            var ranAfterTheLoss = false
            let error = #expect(throws: PostgreSQLError.self) {
                try database.writeTransaction {
                    try database.run("INSERT INTO item VALUES (?)", ["a"])
                    _ = try terminate(database, from: admin)
                    try database.run("INSERT INTO item VALUES (?)", ["b"])
                    ranAfterTheLoss = true
                }
            }
            #expect(error?.isConnectionLost == true)
            #expect(error?.description.contains("The connection to PostgreSQL failed") == true)
            #expect(!ranAfterTheLoss)
            #expect(!database.isInTransaction)
            // Outside the transaction the next call connects again, and finds nothing of it.
            #expect(try names(database) == [])
        }

        @Test func bodyThatSwallowsTheLossCannotRunOutsideTheTransaction() throws {
            let (database, admin) = try openPair()
            defer {
                database.close()
                admin.close()
            }
            #expect(throws: PostgreSQLError.self) {
                try database.writeTransaction {
                    try database.run("INSERT INTO item VALUES (?)", ["a"])
                    _ = try terminate(database, from: admin)
                    for name in ["b", "c"] {
                        do {
                            try database.run("INSERT INTO item VALUES (?)", [.text(name)])
                        } catch let error as PostgreSQLError {
                            #expect(error.isConnectionLost)
                        }
                    }
                }
            }
            #expect(try names(database) == [])
        }

        @Test func sessionEndedWithWritesDeferredIsReportedByTheFlushAndTheNextTransactionReconnects() throws {
            let (database, admin) = try openPair()
            defer {
                database.close()
                admin.close()
            }
            let pid = try #require(try database.queryOne("SELECT pg_backend_pid() AS pid")?.int64("pid"))
            let error = #expect(throws: PostgreSQLError.self) {
                try database.writeTransaction {
                    try database.run("INSERT INTO item VALUES (?)", ["a"])
                    try database.run("INSERT INTO item VALUES (?)", ["b"])
                    let ended = try admin.queryOne(
                        "SELECT pg_terminate_backend(CAST(? AS INTEGER), 10000) AS ended", [.integer(pid)])
                    try #require(ended?["ended"] == .integer(1))
                    _ = try database.query("SELECT name FROM item")
                }
            }
            #expect(error?.isConnectionLost == true)
            #expect(!database.isInTransaction)
            try database.writeTransaction {
                try database.run("INSERT INTO item VALUES (?)", ["c"])
            }
            #expect(try names(database) == ["c"])
        }

        @Test func sessionEndedInTheMiddleOfAFlushIsReportedAndTheNextTransactionReconnects() throws {
            let (database, admin) = try openPair()
            defer {
                database.close()
                admin.close()
            }
            let error = #expect(throws: PostgreSQLError.self) {
                try database.writeTransaction {
                    try database.run("INSERT INTO item VALUES (?)", ["a"])
                    // Deferred like the writes: the server ends the session while it works through the pipeline.
                    try database.run("SELECT pg_terminate_backend(pg_backend_pid())")
                    try database.run("INSERT INTO item VALUES (?)", ["b"])
                }
            }
            #expect(error?.isConnectionLost == true)
            #expect(!database.isInTransaction)
            try database.writeTransaction {
                try database.run("INSERT INTO item VALUES (?)", ["c"])
            }
            #expect(try names(database) == ["c"])
        }

        @Test func transactionOpenedByHandIsReportedOnceThenReconnected() throws {
            let (database, admin) = try openPair()
            defer {
                database.close()
                admin.close()
            }
            try database.execute("BEGIN")
            try database.run("INSERT INTO item VALUES (?)", ["a"])
            _ = try terminate(database, from: admin)
            let error = #expect(throws: PostgreSQLError.self) {
                try database.run("INSERT INTO item VALUES (?)", ["b"])
            }
            #expect(error?.isConnectionLost == true)
            try database.run("INSERT INTO item VALUES (?)", ["c"])
            #expect(try names(database) == ["c"])
        }
    }
}
