import Foundation
import Storage
import Testing

/// The broker's event loop must never copy the write-ahead log itself: these tests show that a connection that
/// counts instead of checkpointing leaves the log alone, and that the checkpointer's thread copies it so the
/// writer can start it over.
@Suite struct WALCheckpointerTests {
    /// About `pages` pages of new rows in one commit (random blobs do not compress into fewer pages).
    private func commitPages(_ db: Database, _ pages: Int) throws {
        try db.transaction {
            for _ in 0..<pages {
                try db.run("INSERT INTO t (payload) VALUES (randomblob(3900))")
            }
        }
    }

    /// Polls with `Thread.sleep`, not `Task.sleep`: a task's sleep is a dispatch timer that never fires under
    /// libfaketime (`make test-dates`), where this test would wait forever.
    private func waitUntil(_ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return condition()
    }

    @Test func aCountingConnectionNeverCheckpointsByItself() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let db = try Database(path: directory.path("count.sqlite"))
        defer { try? db.close() }
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload BLOB)")
        try db.countWALInsteadOfCheckpointing()
        var counts: [Int] = []
        for _ in 0..<6 {
            try commitPages(db, 400)
            counts.append(db.framesInWAL)
        }
        // SQLite's own checkpoint would have copied the log and started it over past 1,000 frames.
        #expect(counts == counts.sorted() && Set(counts).count == counts.count, "\(counts)")
        #expect(counts.last! > 2_400, "\(counts)")
        let wal = try FileManager.default.attributesOfItem(atPath: directory.path("count.sqlite-wal"))
        #expect((wal[.size] as? Int ?? 0) > 2_400 * 4_096)
    }

    @Test func theCheckpointerCopiesTheLogSoTheWriterStartsItOver() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("copy.sqlite")
        let db = try Database(path: path)
        defer { try? db.close() }
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload BLOB)")
        try db.countWALInsteadOfCheckpointing()
        let checkpointer = try WALCheckpointer(path: path, options: Database.Options()) { problem in
            Issue.record("checkpoint failed: \(problem)")
        }
        defer { checkpointer.stop() }
        try commitPages(db, 1_200)
        let longLog = db.framesInWAL
        #expect(longLog > 1_200)

        checkpointer.request()
        #expect(waitUntil { checkpointer.completedCheckpoints >= 1 })
        // The log is fully copied, so the next commit starts it from the first frame.
        try commitPages(db, 10)
        #expect(db.framesInWAL < 100, "the log was not started over: \(db.framesInWAL) frames")
        #expect(try db.queryOne("SELECT count(*) AS n FROM t")?.int("n") == 1_210)
    }

    @Test func stopClosesTheCheckpointersConnectionSoTheLastCloseRemovesTheLog() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("stop.sqlite")
        let db = try Database(path: path)
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload BLOB)")
        try db.countWALInsteadOfCheckpointing()
        let checkpointer = try WALCheckpointer(path: path, options: Database.Options()) { _ in }
        try commitPages(db, 50)
        checkpointer.stop()
        checkpointer.stop()  // idempotent
        try db.close()
        #expect(!FileManager.default.fileExists(atPath: directory.path("stop.sqlite-wal")))
        let reopened = try Database(path: path)
        defer { try? reopened.close() }
        #expect(try reopened.queryOne("SELECT count(*) AS n FROM t")?.int("n") == 50)
    }

    @Test func aConnectionThatCannotOpenIsReportedAtOnce() {
        #expect(throws: SQLiteError.self) {
            _ = try WALCheckpointer(path: "/nonexistent-dir-\(UUID().uuidString)/x.sqlite", options: Database.Options())
            {
                _ in
            }
        }
    }

    @Test func aPassiveCheckpointReportsTheLogAndWhatItCopied() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let db = try Database(path: directory.path("passive.sqlite"))
        defer { try? db.close() }
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload BLOB)")
        try db.countWALInsteadOfCheckpointing()
        try commitPages(db, 30)
        let result = try db.checkpoint(.passive)
        #expect(result.logFrames == db.framesInWAL)
        #expect(result.checkpointedFrames == result.logFrames)
    }
}
