import Foundation
import Storage
import Testing

@Suite struct DatabaseTests {
    @Test func openingCreatesTheFileInWALWithSynchronousFull() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("new.sqlite")
        #expect(!FileManager.default.fileExists(atPath: path))

        let database = try Database(path: path)
        defer { try? database.close() }

        #expect(FileManager.default.fileExists(atPath: path))
        #expect(database.path == path)
        #expect(try database.queryOne("PRAGMA journal_mode")?[0] == "wal")
        #expect(try database.queryOne("PRAGMA synchronous")?[0] == 2)  // FULL
        #expect(try database.queryOne("PRAGMA foreign_keys")?[0] == 1)
        #expect(try database.queryOne("PRAGMA busy_timeout")?[0] == 5000)
    }

    @Test func theDatabaseAndItsLogAreReadableByTheOwnerOnly() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("private.sqlite")
        let database = try Database(path: path)
        defer { try? database.close() }
        try database.execute("CREATE TABLE t (x); INSERT INTO t VALUES (1)")

        // SQLite alone would make them 0644 minus the umask; its -wal and -shm copy the database file's mode.
        for file in [path, path + "-wal", path + "-shm"] {
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file)")
        }
    }

    @Test func optionsAreAppliedToTheConnection() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let options = Database.Options(
            journalMode: .delete, synchronous: .normal, busyTimeoutMilliseconds: 250, foreignKeys: false)
        let database = try Database(path: directory.path("options.sqlite"), options: options)
        defer { try? database.close() }

        #expect(try database.queryOne("PRAGMA journal_mode")?[0] == "delete")
        #expect(try database.queryOne("PRAGMA synchronous")?[0] == 1)  // NORMAL
        #expect(try database.queryOne("PRAGMA foreign_keys")?[0] == 0)
        #expect(try database.queryOne("PRAGMA busy_timeout")?[0] == 250)
    }

    @Test func foreignKeysAreEnforcedByDefault() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try Database(path: directory.path("fk.sqlite"))
        defer { try? database.close() }
        try database.execute(
            """
            CREATE TABLE parent (id INTEGER PRIMARY KEY);
            CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER NOT NULL REFERENCES parent(id));
            """)

        let error = #expect(throws: SQLiteError.self) {
            try database.run("INSERT INTO child (parent) VALUES (?)", [42])
        }
        #expect(error?.isConstraintViolation == true)
        #expect(error?.extendedCode == 787)  // SQLITE_CONSTRAINT_FOREIGNKEY
    }

    @Test func openingAMissingDirectoryThrows() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let error = #expect(throws: SQLiteError.self) {
            _ = try Database(path: directory.path("missing/dir/db.sqlite"))
        }
        #expect(error?.code == 14)  // SQLITE_CANTOPEN
        #expect(error?.operation.contains("missing/dir/db.sqlite") == true)
    }

    @Test func dataSurvivesCloseAndReopen() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("durable.sqlite")
        do {
            let database = try Database(path: path)
            try database.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
            try database.run("INSERT INTO note (body) VALUES (?)", ["kept"])
            try database.close()
        }
        let reopened = try Database(path: path)
        defer { try? reopened.close() }
        #expect(try reopened.query("SELECT body FROM note").map { $0.string("body") } == ["kept"])
    }

    @Test func readOnlyOpenRefusesWrites() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("readonly.sqlite")
        let writer = try Database(path: path)
        try writer.execute("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);")
        try writer.close()

        var options = Database.Options()
        options.readOnly = true
        let reader = try Database(path: path, options: options)
        defer { try? reader.close() }

        #expect(try reader.queryOne("SELECT x FROM t")?.int("x") == 1)
        let error = #expect(throws: SQLiteError.self) {
            try reader.run("INSERT INTO t VALUES (?)", [2])
        }
        #expect(error?.code == 8)  // SQLITE_READONLY
        #expect(try reader.query("SELECT x FROM t").count == 1)
    }

    @Test func readOnlyOpenDoesNotCreateTheFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("absent.sqlite")
        #expect(throws: SQLiteError.self) {
            _ = try Database(path: path, options: Database.Options(readOnly: true))
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func closeIsIdempotentAndLaterUseThrows() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try Database(path: directory.path("close.sqlite"))
        try database.run("CREATE TABLE t (x)")
        let statement = try database.prepare("SELECT x FROM t")

        try database.close()
        try database.close()

        let error = #expect(throws: SQLiteError.self) { try database.run("SELECT 1") }
        #expect(error?.message == "database is closed")
        #expect(throws: SQLiteError.self) { try database.execute("SELECT 1") }
        #expect(throws: SQLiteError.self) { _ = try statement.step() }
        #expect(database.isInTransaction == false)
        #expect(database.lastInsertRowID == 0)
    }

    @Test func lastInsertRowIDAndChangesReportTheLastStatement() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try Database(path: directory.path("rowid.sqlite"))
        defer { try? database.close() }
        try database.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER)")

        try database.run("INSERT INTO t (id, x) VALUES (?, ?)", [41, 1])
        try database.run("INSERT INTO t (x) VALUES (?)", [1])
        #expect(database.lastInsertRowID == 42)
        try database.run("UPDATE t SET x = 2 WHERE x = ?", [1])
        #expect(database.changes == 2)
    }
}

@Suite struct JournalModeVerificationTests {
    @Test func openingFailsWhenWALCannotBeEnabled() throws {
        // An in-memory database can only journal in memory, so WAL never takes effect.
        let error = #expect(throws: SQLiteError.self) { _ = try Database(path: ":memory:") }
        #expect(error?.message.contains("not WAL") == true)

        let memory = try Database(path: ":memory:", options: Database.Options(journalMode: .memory))
        defer { try? memory.close() }
        #expect(try memory.queryOne("SELECT 1 AS one")?.int("one") == 1)
    }
}
