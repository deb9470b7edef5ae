import PostgreSQL
import Storage
import Testing

private struct ItemRejected: Error {}

extension ServerTests {
    /// writeTransaction stores all or nothing; savepoints drop one item of a batch.
    @Suite struct Transactions {
        private func openDatabase() throws -> PostgreSQLDatabase {
            let database = try SharedCluster.database()
            try database.execute("CREATE TABLE item (name TEXT PRIMARY KEY)")
            return database
        }

        private func names(_ database: PostgreSQLDatabase) throws -> [String] {
            try database.query("SELECT name FROM item ORDER BY name").compactMap { $0.string("name") }
        }

        @Test func committedTransactionKeepsEverythingAndReturnsTheBodysResult() throws {
            let database = try openDatabase()
            defer { database.close() }
            let count = try database.writeTransaction {
                #expect(database.isInTransaction)
                try database.run("INSERT INTO item VALUES (?)", ["a"])
                try database.run("INSERT INTO item VALUES (?)", ["b"])
                return try database.queryOne("SELECT count(*) FROM item")?[0].int
            }
            #expect(count == 2)
            #expect(!database.isInTransaction)
            #expect(try names(database) == ["a", "b"])
        }

        @Test func uniqueViolationRollsBackTheWholeTransaction() throws {
            let database = try openDatabase()
            defer { database.close() }
            let error = #expect(throws: PostgreSQLError.self) {
                try database.writeTransaction {
                    try database.run("INSERT INTO item VALUES (?)", ["a"])
                    try database.run("INSERT INTO item VALUES (?)", ["a"])
                }
            }
            #expect(error?.sqlState == "23505")
            #expect(error?.isConstraintViolation == true)
            #expect(error?.isConnectionLost == false)
            #expect(error?.operation == "INSERT INTO item VALUES (?)")
            // The row's values stay out of the message, which ends up in logs.
            #expect(error?.description.contains("(a)") == false)
            #expect(!database.isInTransaction)
            #expect(try names(database) == [])
        }

        @Test func errorThrownByTheBodyRollsBackAndIsRethrown() throws {
            let database = try openDatabase()
            defer { database.close() }
            try database.run("INSERT INTO item VALUES (?)", ["before"])
            #expect(throws: ItemRejected.self) {
                try database.writeTransaction {
                    try database.run("INSERT INTO item VALUES (?)", ["a"])
                    try database.run("DELETE FROM item WHERE name = ?", ["before"])
                    throw ItemRejected()
                }
            }
            #expect(!database.isInTransaction)
            #expect(try names(database) == ["before"])
        }

        @Test func savepointDropsTheFailingItemAndKeepsTheOthers() throws {
            let database = try openDatabase()
            defer { database.close() }
            var failures: [String] = []
            try database.writeTransaction {
                for name in ["a", "b", "a", "c"] {
                    do {
                        try database.savepointInTransaction {
                            try database.run("INSERT INTO item VALUES (?)", [.text(name)])
                            if name == "c" { throw ItemRejected() }
                        }
                    } catch {
                        failures.append(name)
                    }
                }
            }
            #expect(failures == ["a", "c"])
            #expect(try names(database) == ["a", "b"])
        }

        @Test func savepointOutsideATransactionThrowsWithoutRunningTheBody() throws {
            let database = try openDatabase()
            defer { database.close() }
            var ran = false
            let error = #expect(throws: PostgreSQLError.self) {
                try database.savepointInTransaction { ran = true }
            }
            #expect(error?.isTransactionLost == true)
            #expect(!ran)
            #expect(!database.isInTransaction)
        }

        @Test func failedDeferredConstraintAtCommitStoresNothing() throws {
            let database = try SharedCluster.database()
            defer { database.close() }
            try database.execute(
                """
                CREATE TABLE parent (id INTEGER PRIMARY KEY);
                CREATE TABLE child (id INTEGER PRIMARY KEY,
                    parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
                """)
            let error = #expect(throws: PostgreSQLError.self) {
                try database.writeTransaction {
                    try database.run("INSERT INTO parent VALUES (?)", [1])
                    try database.run("INSERT INTO child VALUES (?, ?)", [1, 1])
                    // Accepted for now: the foreign key is only checked at COMMIT.
                    try database.run("INSERT INTO child VALUES (?, ?)", [2, 99])
                }
            }
            #expect(error?.sqlState == "23503")
            #expect(error?.operation == "COMMIT")
            #expect(!database.isInTransaction)
            #expect(
                try database.queryOne("SELECT (SELECT count(*) FROM parent) + (SELECT count(*) FROM child)")?[0] == 0)
        }

        @Test func commitOfATransactionWhoseStatementFailedThrows() throws {
            let database = try openDatabase()
            defer { database.close() }
            let error = #expect(throws: PostgreSQLError.self) {
                try database.writeTransaction {
                    try database.run("INSERT INTO item VALUES (?)", ["a"])
                    // A failure the body swallows still dooms the transaction: PostgreSQL turns COMMIT into ROLLBACK.
                    // (A query, because a failed `run` would be deferred and thrown by the COMMIT itself.)
                    _ = try? database.queryOne("INSERT INTO item VALUES (?) RETURNING name", ["a"])
                }
            }
            #expect(error?.isTransactionLost == true)
            #expect(!database.isInTransaction)
            #expect(try names(database) == [])
        }

        @Test func transactionsDoNotNest() throws {
            let database = try openDatabase()
            defer { database.close() }
            #expect(throws: PostgreSQLError.self) {
                try database.writeTransaction {
                    try database.run("INSERT INTO item VALUES (?)", ["a"])
                    try database.writeTransaction { try database.run("INSERT INTO item VALUES (?)", ["b"]) }
                }
            }
            #expect(try names(database) == [])
        }
    }
}
