import Foundation
import Storage
import Testing

@Suite struct BackupTests {
    @Test func backupIsACompleteCopyThatOpensOnItsOwn() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try Database(path: directory.path("live.sqlite"))
        defer { try? database.close() }
        try database.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        try database.transaction {
            for i in 0..<500 { try database.run("INSERT INTO items (name) VALUES (?)", [.text("item \(i)")]) }
        }
        let copyPath = directory.path("copy.sqlite")
        let pages = try database.backup(to: copyPath)
        #expect(pages > 0)

        // The live database keeps working, and later changes do not reach the copy.
        try database.run("INSERT INTO items (name) VALUES ('after')")
        let copy = try Database(path: copyPath)
        defer { try? copy.close() }
        #expect(try copy.queryOne("SELECT COUNT(*) FROM items")?[0] == 500)
        #expect(try copy.queryOne("PRAGMA integrity_check")?[0] == "ok")
        let mode = try FileManager.default.attributesOfItem(atPath: copyPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(!FileManager.default.fileExists(atPath: copyPath + ".partial"))
    }

    @Test func backupRefusesToOverwriteAFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try Database(path: directory.path("live.sqlite"))
        defer { try? database.close() }
        let existing = directory.path("keep.sqlite")
        try Data("precious".utf8).write(to: URL(fileURLWithPath: existing))
        #expect(throws: SQLiteError.self) { try database.backup(to: existing) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: existing)) == Data("precious".utf8))
    }

    @Test func backupIntoAMissingDirectoryFailsWithTheReason() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try Database(path: directory.path("live.sqlite"))
        defer { try? database.close() }
        let error = #expect(throws: SQLiteError.self) { try database.backup(to: directory.path("no/such/dir.sqlite")) }
        #expect(error?.operation.contains("no/such/dir.sqlite") == true)
    }
}
