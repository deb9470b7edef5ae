import PostgreSQL
import Storage
import Testing

extension ServerTests {
    /// `changes` counts what the last INSERT, UPDATE or DELETE touched, as SQLite's does.
    @Suite struct Changes {
        @Test func changesCountsTheRowsOfTheLastWrite() throws {
            let database = try SharedCluster.database()
            defer { database.close() }
            try database.execute("CREATE TABLE item (name TEXT PRIMARY KEY, seen INTEGER NOT NULL DEFAULT 0)")
            #expect(database.changes == 0)

            try database.run("INSERT INTO item (name) VALUES (?), (?), (?)", ["a", "b", "c"])
            #expect(database.changes == 3)
            try database.run("UPDATE item SET seen = 1 WHERE name <> ?", ["a"])
            #expect(database.changes == 2)
            try database.run("UPDATE item SET seen = 2 WHERE name = ?", ["nobody"])
            #expect(database.changes == 0)
            try database.run("DELETE FROM item WHERE seen = ?", [1])
            #expect(database.changes == 2)
            try database.execute("INSERT INTO item (name) VALUES ('d'); INSERT INTO item (name) VALUES ('e'), ('f')")
            #expect(database.changes == 2)
        }

        @Test func readsAndTransactionCommandsLeaveTheCountAlone() throws {
            let database = try SharedCluster.database()
            defer { database.close() }
            try database.execute("CREATE TABLE item (name TEXT PRIMARY KEY)")
            try database.writeTransaction {
                try database.run("INSERT INTO item VALUES (?), (?)", ["a", "b"])
            }
            #expect(database.changes == 2)
            #expect(try database.query("SELECT name FROM item WHERE name = ?", ["a"]).count == 1)
            #expect(database.changes == 2)
        }

        @Test func upsertThatChangesNothingCountsZero() throws {
            let database = try SharedCluster.database()
            defer { database.close() }
            try database.execute("CREATE TABLE item (name TEXT PRIMARY KEY)")
            try database.run("INSERT INTO item VALUES (?) ON CONFLICT DO NOTHING", ["a"])
            #expect(database.changes == 1)
            try database.run("INSERT INTO item VALUES (?) ON CONFLICT DO NOTHING", ["a"])
            #expect(database.changes == 0)
        }
    }
}
