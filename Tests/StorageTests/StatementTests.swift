import Foundation
import Storage
import Testing

@Suite struct StatementTests {
    @Test func cachedStatementsRunAgainWithNewArguments() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try Database(path: directory.path("cache.sqlite"))
        defer { try? database.close() }
        try database.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)")
        let insert = "INSERT INTO t (k, v) VALUES (?, ?)"
        let select = "SELECT v FROM t WHERE k = ?"

        for (key, value) in [("a", 1), ("b", 2), ("c", 3)] {
            try database.run(insert, [key.sqlValue, value.sqlValue])
        }
        // A failed run must leave the cached statement usable.
        #expect(throws: SQLiteError.self) { try database.run(insert, ["a", 9]) }
        try database.run(insert, ["d", 4])

        #expect(try database.queryOne(select, ["a"])?.int("v") == 1)
        #expect(try database.queryOne(select, ["c"])?.int("v") == 3)
        #expect(try database.queryOne(select, ["missing"]) == nil)
        #expect(try database.queryOne(select, ["d"])?.int("v") == 4)
    }

    @Test func queryOneDoesNotLeaveTheNextQueryHalfway() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try Database(path: directory.path("half.sqlite"))
        defer { try? database.close() }
        try database.execute("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2), (3);")
        let select = "SELECT x FROM t ORDER BY x"

        #expect(try database.queryOne(select)?.int("x") == 1)
        #expect(try database.query(select).map { $0.int("x") } == [1, 2, 3])
        #expect(try database.queryOne(select)?.int("x") == 1)
        // The read ended: another write in a transaction is possible without conflicts.
        try database.transaction { try database.run("DELETE FROM t") }
        #expect(try database.query(select).isEmpty)
    }

    @Test func preparedStatementStepsRowByRowAndCanBeReboundAndReset() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try Database(path: directory.path("prepared.sqlite"))
        defer { try? database.close() }
        try database.execute(
            "CREATE TABLE t (x INTEGER, label TEXT); INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three');")

        let statement = try database.prepare("SELECT x, label FROM t WHERE x >= ? ORDER BY x")
        #expect(statement.sql == "SELECT x, label FROM t WHERE x >= ? ORDER BY x")
        try statement.bind([2])
        #expect(try statement.step())
        #expect(statement.row() == Row(columns: ["x", "label"], values: [2, "two"]))
        #expect(try statement.step())
        #expect(statement.row()["label"] == "three")
        #expect(try statement.step() == false)

        try statement.reset()
        #expect(try statement.step())
        #expect(statement.row().int("x") == 2)

        try statement.bind([3])
        #expect(try statement.step())
        #expect(statement.row().int("x") == 3)
        #expect(try statement.step() == false)
    }

    @Test func wrongNumberOfArgumentsIsRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try Database(path: directory.path("arity.sqlite"))
        defer { try? database.close() }
        try database.execute("CREATE TABLE t (a, b)")

        let error = #expect(throws: SQLiteError.self) { try database.run("INSERT INTO t VALUES (?, ?)", [1]) }
        #expect(error?.message == "expected 2 arguments, got 1")
        #expect(try database.query("SELECT * FROM t").isEmpty)
    }

    @Test func preparingMoreThanOneStatementIsRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try Database(path: directory.path("multi.sqlite"))
        defer { try? database.close() }

        #expect(throws: SQLiteError.self) { _ = try database.prepare("SELECT 1; SELECT 2") }
        #expect(throws: SQLiteError.self) { _ = try database.prepare("  ") }
        #expect(try database.queryOne("SELECT 1 AS one; -- a comment")?.int("one") == 1)
    }

    @Test func runDrainsStatementsThatReturnRows() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try Database(path: directory.path("returning.sqlite"))
        defer { try? database.close() }
        try database.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, x)")

        try database.run("INSERT INTO t (x) VALUES (?), (?) RETURNING id", [1, 2])
        #expect(try database.query("SELECT x FROM t ORDER BY id").map { $0.int("x") } == [1, 2])
    }
}
