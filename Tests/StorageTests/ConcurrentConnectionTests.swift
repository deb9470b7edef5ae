import Foundation
import Storage
import Testing

@Suite struct ConcurrentConnectionTests {
    @Test func secondConnectionWritesAndSeesCommittedDataWhileTheFirstHoldsARead() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("wal.sqlite")
        let first = try Database(path: path)
        defer { try? first.close() }
        try first.execute("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);")
        let second = try Database(path: path, options: Database.Options(busyTimeoutMilliseconds: 100))
        defer { try? second.close() }

        // The first connection opens a read and keeps it: a statement stepped to its first row.
        let reading = try first.prepare("SELECT x FROM t ORDER BY x")
        #expect(try reading.step())
        #expect(first.isInTransaction == false)  // an implicit read, not a BEGIN

        // In WAL mode the writer is not blocked by the reader.
        try second.run("INSERT INTO t VALUES (?)", [2])
        #expect(try second.query("SELECT x FROM t ORDER BY x").map { $0.int("x") } == [1, 2])

        // The open read keeps its snapshot until it ends.
        #expect(try reading.step() == false)
        try reading.reset()
        #expect(try first.query("SELECT x FROM t ORDER BY x").map { $0.int("x") } == [1, 2])
    }

    @Test func readTransactionKeepsItsSnapshotWhileAnotherConnectionCommits() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("snapshot.sqlite")
        let first = try Database(path: path)
        defer { try? first.close() }
        try first.execute("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);")
        let second = try Database(path: path, options: Database.Options(busyTimeoutMilliseconds: 100))
        defer { try? second.close() }

        try first.transaction(.deferred) {
            #expect(try first.queryOne("SELECT count(*) AS n FROM t")?.int("n") == 1)
            try second.transaction { try second.run("INSERT INTO t VALUES (?)", [2]) }
            #expect(try second.queryOne("SELECT count(*) AS n FROM t")?.int("n") == 2)
            #expect(try first.queryOne("SELECT count(*) AS n FROM t")?.int("n") == 1)
        }
        #expect(try first.queryOne("SELECT count(*) AS n FROM t")?.int("n") == 2)
    }
}
