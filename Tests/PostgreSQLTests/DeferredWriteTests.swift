import PostgreSQL
import Storage
import Testing

private struct ItemRejected: Error {}

extension ServerTests {
    /// Inside a transaction `run` is deferred (pipeline mode): its errors still surface where they belong, reads see
    /// the writes, and a batch of writes costs one round trip.
    @Suite struct DeferredWrites {
        private func openDatabase() throws -> PostgreSQLDatabase {
            let database = try SharedCluster.database()
            try database.execute("CREATE TABLE item (name TEXT PRIMARY KEY, seen INTEGER NOT NULL DEFAULT 0)")
            return database
        }

        private func names(_ database: PostgreSQLDatabase) throws -> [String] {
            try database.query("SELECT name FROM item ORDER BY name").compactMap { $0.string("name") }
        }

        @Test func uniqueViolationOfADeferredInsertIsThrownByItsSavepoint() throws {
            let database = try openDatabase()
            defer { database.close() }
            try database.run("INSERT INTO item (name) VALUES (?)", ["taken"])
            var failure: PostgreSQLError?
            try database.writeTransaction {
                try database.run("INSERT INTO item (name) VALUES (?)", ["before"])
                do {
                    try database.savepointInTransaction {
                        try database.run("INSERT INTO item (name) VALUES (?)", ["inside"])
                        try database.run("INSERT INTO item (name) VALUES (?)", ["taken"])
                        try database.run("INSERT INTO item (name) VALUES (?)", ["skipped"])
                    }
                } catch let error as PostgreSQLError {
                    failure = error
                }
                #expect(database.isInTransaction)
                try database.run("INSERT INTO item (name) VALUES (?)", ["after"])
            }
            #expect(failure?.sqlState == "23505")
            #expect(failure?.operation == "INSERT INTO item (name) VALUES (?)")
            #expect(failure?.isConnectionLost == false)
            #expect(try names(database) == ["after", "before", "taken"])
        }

        @Test func uniqueViolationOfADeferredInsertIsThrownAtCommitAndNothingIsStored() throws {
            let database = try openDatabase()
            defer { database.close() }
            try database.run("INSERT INTO item (name) VALUES (?)", ["taken"])
            let error = #expect(throws: PostgreSQLError.self) {
                try database.writeTransaction {
                    try database.run("INSERT INTO item (name) VALUES (?)", ["a"])
                    try database.run("UPDATE item SET seen = ? WHERE name = ?", [1, "taken"])
                    try database.run("INSERT INTO item (name) VALUES (?)", ["taken"])
                    try database.run("INSERT INTO item (name) VALUES (?)", ["b"])
                }
            }
            #expect(error?.sqlState == "23505")
            #expect(error?.operation == "INSERT INTO item (name) VALUES (?)")
            #expect(!database.isInTransaction)
            #expect(try names(database) == ["taken"])
            #expect(try database.queryOne("SELECT seen FROM item WHERE name = ?", ["taken"])?.int("seen") == 0)
            // The connection is usable, and the statements prepared in the failed pipeline run again.
            try database.writeTransaction {
                try database.run("INSERT INTO item (name) VALUES (?)", ["c"])
            }
            #expect(try names(database) == ["c", "taken"])
        }

        @Test func failedPrepareInThePipelineIsThrownAndForgotten() throws {
            let database = try openDatabase()
            defer { database.close() }
            #expect(throws: PostgreSQLError.self) {
                try database.writeTransaction {
                    try database.run("INSERT INTO nosuchtable VALUES (?)", ["a"])
                }
            }
            try database.execute("CREATE TABLE nosuchtable (name TEXT)")
            try database.writeTransaction {
                try database.run("INSERT INTO nosuchtable VALUES (?)", ["a"])
            }
            #expect(try database.queryOne("SELECT count(*) AS n FROM nosuchtable")?.int("n") == 1)
        }

        @Test func changesAndReadsSeeTheDeferredWrites() throws {
            let database = try openDatabase()
            defer { database.close() }
            try database.writeTransaction {
                try database.run("INSERT INTO item (name) VALUES (?)", ["a"])
                try database.run("INSERT INTO item (name) VALUES (?)", ["b"])
                try database.run("INSERT INTO item (name) VALUES (?)", ["c"])
                let before = database.roundTrips
                #expect(try database.queryOne("SELECT count(*) AS n FROM item")?.int("n") == 3)
                #expect(database.roundTrips - before == 1)
                try database.run("UPDATE item SET seen = 1 WHERE name <> ?", ["a"])
                #expect(database.changes == 2)
                try database.run("UPDATE item SET seen = 2 WHERE name = ?", ["nobody"])
                #expect(database.changes == 0)
                try database.run("DELETE FROM item WHERE seen = ?", [1])
                #expect(try names(database) == ["a"])
                #expect(database.changes == 2)
            }
            #expect(try names(database) == ["a"])
        }

        @Test func readAfterAFailedDeferredWriteThrowsTheWritesError() throws {
            let database = try openDatabase()
            defer { database.close() }
            try database.run("INSERT INTO item (name) VALUES (?)", ["taken"])
            var readError: PostgreSQLError?
            #expect(throws: PostgreSQLError.self) {
                try database.writeTransaction {
                    try database.run("INSERT INTO item (name) VALUES (?)", ["taken"])
                    do {
                        _ = try database.query("SELECT name FROM item")
                    } catch let error as PostgreSQLError {
                        readError = error
                        throw error
                    }
                }
            }
            #expect(readError?.sqlState == "23505")
            #expect(readError?.operation == "INSERT INTO item (name) VALUES (?)")
            #expect(!database.isInTransaction)
        }

        @Test func errorFoundByChangesIsThrownByTheTransaction() throws {
            let database = try openDatabase()
            defer { database.close() }
            try database.run("INSERT INTO item (name) VALUES (?)", ["taken"])
            var counted: Int?
            let error = #expect(throws: PostgreSQLError.self) {
                try database.writeTransaction {
                    try database.run("INSERT INTO item (name) VALUES (?)", ["taken"])
                    counted = database.changes
                    throw ItemRejected()
                }
            }
            #expect(counted == 0)
            #expect(error?.sqlState == "23505")
            #expect(!database.isInTransaction)
            #expect(try names(database) == ["taken"])
        }

        @Test func thousandDeferredInsertsCommitInAFewRoundTrips() throws {
            let database = try openDatabase()
            defer { database.close() }
            let before = database.roundTrips
            try database.writeTransaction {
                for index in 0..<1000 {
                    try database.run("INSERT INTO item (name) VALUES (?)", [.text("item \(index)")])
                }
            }
            // BEGIN, then the inserts (and their one PREPARE) with the COMMIT in one pipeline.
            #expect(database.roundTrips - before == 2)
            #expect(try database.queryOne("SELECT count(*) AS n FROM item")?.int("n") == 1000)

            // Outside a transaction every statement still waits for its answer.
            let outside = database.roundTrips
            try database.run("INSERT INTO item (name) VALUES (?)", ["outside 1"])
            try database.run("INSERT INTO item (name) VALUES (?)", ["outside 2"])
            #expect(database.roundTrips - outside == 2)
        }

        @Test func savepointsOfABatchCostOneRoundTripEach() throws {
            let database = try openDatabase()
            defer { database.close() }
            try database.writeTransaction {
                try database.run("INSERT INTO item (name) VALUES (?)", ["warm"])
                try database.run("UPDATE item SET seen = ? WHERE name = ?", [1, "warm"])
            }
            let before = database.roundTrips
            try database.writeTransaction {
                for index in 0..<10 {
                    try database.savepointInTransaction {
                        // Like the broker's idempotency check: sent with the SAVEPOINT.
                        #expect(try database.queryOne("SELECT name FROM item WHERE name = ?", ["warm"]) != nil)
                        try database.run("INSERT INTO item (name) VALUES (?)", [.text("item \(index)")])
                        try database.run("UPDATE item SET seen = ? WHERE name = ?", [1, .text("item \(index)")])
                    }
                }
            }
            // BEGIN; each SAVEPOINT with its read, then its writes with the RELEASE; COMMIT.
            #expect(database.roundTrips - before == 1 + 10 * 2 + 1)
            #expect(try database.queryOne("SELECT count(*) AS n FROM item WHERE seen = 1")?.int("n") == 11)
        }
    }
}
