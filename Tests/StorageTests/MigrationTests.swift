import Foundation
import Storage
import Testing

@Suite struct MigrationTests {
    private let migrations = [
        Migration(version: 2, sql: "ALTER TABLE person ADD COLUMN email TEXT; INSERT INTO log VALUES ('v2');"),
        Migration(
            version: 1,
            sql: "CREATE TABLE person (name TEXT); CREATE TABLE log (entry TEXT); INSERT INTO log VALUES ('v1');"),
    ]

    @Test func migrationsApplyInVersionOrderAndSetUserVersion() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try Database(path: directory.path("migrate.sqlite"))
        defer { try? database.close() }
        #expect(try database.userVersion() == 0)

        try database.migrate(migrations)

        #expect(try database.userVersion() == 2)
        #expect(try database.query("SELECT entry FROM log ORDER BY rowid").map { $0.string("entry") } == ["v1", "v2"])
        try database.run("INSERT INTO person (name, email) VALUES (?, ?)", ["ann", "ann@example.org"])
    }

    @Test func appliedMigrationsAreSkippedOnTheNextRun() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("again.sqlite")
        do {
            let database = try Database(path: path)
            try database.migrate(Array(migrations.suffix(1)))
            #expect(try database.userVersion() == 1)
            try database.close()
        }
        let database = try Database(path: path)
        defer { try? database.close() }

        try database.migrate(migrations)
        try database.migrate(migrations)

        #expect(try database.userVersion() == 2)
        #expect(try database.query("SELECT entry FROM log ORDER BY rowid").map { $0.string("entry") } == ["v1", "v2"])
    }

    @Test func failingMigrationLeavesTheEarlierVersionIntact() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try Database(path: directory.path("failing.sqlite"))
        defer { try? database.close() }
        let broken =
            migrations + [Migration(version: 3, sql: "CREATE TABLE extra (x); INSERT INTO nowhere VALUES (1);")]

        #expect(throws: SQLiteError.self) { try database.migrate(broken) }

        #expect(try database.userVersion() == 2)
        #expect(try database.queryOne("SELECT name FROM sqlite_master WHERE name = 'extra'") == nil)
    }

    @Test func databaseWithNewerSchemaIsRefusedUntouched() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try Database(path: directory.path("newer.sqlite"))
        defer { try? database.close() }
        try database.setUserVersion(5)

        let error = #expect(throws: SQLiteError.self) { try database.migrate(migrations) }
        #expect(error?.message.contains("newer") == true)
        #expect(try database.userVersion() == 5)
        #expect(try database.query("SELECT name FROM sqlite_master").isEmpty)
    }

    @Test func duplicateMigrationVersionsAreRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try Database(path: directory.path("duplicate.sqlite"))
        defer { try? database.close() }

        #expect(throws: SQLiteError.self) {
            try database.migrate(migrations + [Migration(version: 1, sql: "CREATE TABLE other (x)")])
        }
        #expect(try database.userVersion() == 0)
    }
}
