import Foundation
import Storage
import Testing

private struct ItemRejected: Error {}

@Suite struct TransactionTests {
    private func openDatabase(_ directory: TemporaryDirectory) throws -> Database {
        let database = try Database(path: directory.path("tx.sqlite"))
        try database.execute("CREATE TABLE item (name TEXT PRIMARY KEY)")
        return database
    }

    private func names(_ database: Database) throws -> [String] {
        try database.query("SELECT name FROM item ORDER BY name").compactMap { $0.string("name") }
    }

    @Test func committedTransactionKeepsEverythingAndReturnsTheBodysResult() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try openDatabase(directory)
        defer { try? database.close() }

        let count = try database.transaction {
            #expect(database.isInTransaction)
            try database.run("INSERT INTO item VALUES (?)", ["a"])
            try database.run("INSERT INTO item VALUES (?)", ["b"])
            return try database.queryOne("SELECT count(*) FROM item")?[0].int
        }
        #expect(count == 2)
        #expect(!database.isInTransaction)
        #expect(try names(database) == ["a", "b"])
    }

    @Test func failedTransactionLeavesNothingBehind() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try openDatabase(directory)
        defer { try? database.close() }
        try database.run("INSERT INTO item VALUES (?)", ["before"])

        #expect(throws: ItemRejected.self) {
            try database.transaction(.deferred) {
                try database.run("INSERT INTO item VALUES (?)", ["a"])
                try database.run("DELETE FROM item WHERE name = ?", ["before"])
                throw ItemRejected()
            }
        }
        #expect(!database.isInTransaction)
        #expect(try names(database) == ["before"])
    }

    @Test func sqlErrorInsideTransactionRollsBackEarlierChanges() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try openDatabase(directory)
        defer { try? database.close() }

        let error = #expect(throws: SQLiteError.self) {
            try database.transaction(.exclusive) {
                try database.run("INSERT INTO item VALUES (?)", ["a"])
                try database.run("INSERT INTO item VALUES (?)", ["a"])
            }
        }
        #expect(error?.isConstraintViolation == true)
        #expect(!database.isInTransaction)
        #expect(try names(database).isEmpty)
    }

    @Test func failingSavepointUndoesOnlyItsOwnPart() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try openDatabase(directory)
        defer { try? database.close() }

        var rejected: [String] = []
        try database.transaction {
            for name in ["a", "b", "bad", "c"] {
                do {
                    try database.savepoint {
                        try database.run("INSERT INTO item VALUES (?)", [.text(name + "-first")])
                        if name == "bad" { throw ItemRejected() }
                        try database.run("INSERT INTO item VALUES (?)", [.text(name)])
                    }
                } catch is ItemRejected {
                    rejected.append(name)
                }
                #expect(database.isInTransaction)
            }
        }
        #expect(rejected == ["bad"])
        #expect(try names(database) == ["a", "a-first", "b", "b-first", "c", "c-first"])
    }

    @Test func nestedSavepointsUndoOnlyTheInnerOne() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try openDatabase(directory)
        defer { try? database.close() }

        try database.transaction {
            try database.savepoint {
                try database.run("INSERT INTO item VALUES (?)", ["outer"])
                _ = try? database.savepoint {
                    try database.run("INSERT INTO item VALUES (?)", ["inner"])
                    throw ItemRejected()
                }
            }
        }
        #expect(try names(database) == ["outer"])
    }

    @Test func savepointOutsideATransactionCommitsOnSuccess() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try openDatabase(directory)
        defer { try? database.close() }

        try database.savepoint { try database.run("INSERT INTO item VALUES (?)", ["kept"]) }
        #expect(throws: ItemRejected.self) {
            try database.savepoint {
                try database.run("INSERT INTO item VALUES (?)", ["dropped"])
                throw ItemRejected()
            }
        }
        #expect(!database.isInTransaction)
        #expect(try names(database) == ["kept"])
    }

    @Test func transactionsDoNotNest() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try openDatabase(directory)
        defer { try? database.close() }

        #expect(throws: SQLiteError.self) {
            try database.transaction {
                try database.run("INSERT INTO item VALUES (?)", ["a"])
                try database.transaction {}
            }
        }
        #expect(!database.isInTransaction)
        #expect(try names(database).isEmpty)
    }
}
