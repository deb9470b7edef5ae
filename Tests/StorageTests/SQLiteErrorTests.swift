import Foundation
import Storage
import Testing

@Suite struct SQLiteErrorTests {
    @Test func constraintViolationThrowsWithCodeAndMessage() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try Database(path: directory.path("unique.sqlite"))
        defer { try? database.close() }
        try database.execute("CREATE TABLE person (name TEXT NOT NULL UNIQUE)")
        let insert = "INSERT INTO person (name) VALUES (?)"
        try database.run(insert, ["ann"])

        let error = #expect(throws: SQLiteError.self) { try database.run(insert, ["ann"]) }
        #expect(error?.isConstraintViolation == true)
        #expect(error?.isBusy == false)
        #expect(error?.isDiskFull == false)
        #expect(error?.code == 19)
        #expect(error?.extendedCode == 2067)  // SQLITE_CONSTRAINT_UNIQUE
        #expect(error?.message == "UNIQUE constraint failed: person.name")
        #expect(error?.operation == insert)
        #expect(error?.description.contains("UNIQUE constraint failed") == true)
    }

    @Test func syntaxErrorThrowsWithTheSQLAsOperation() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try Database(path: directory.path("syntax.sqlite"))
        defer { try? database.close() }
        let broken = "SELEC name FROM nowhere"

        let fromQuery = #expect(throws: SQLiteError.self) { try database.query(broken) }
        #expect(fromQuery?.operation == broken)
        #expect(fromQuery?.code == 1)
        #expect(fromQuery?.message.contains("syntax error") == true)

        let fromExecute = #expect(throws: SQLiteError.self) { try database.execute(broken) }
        #expect(fromExecute?.operation == broken)
        #expect(fromExecute?.message.contains("syntax error") == true)
    }

    @Test func notNullViolationIsAConstraintViolation() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try Database(path: directory.path("notnull.sqlite"))
        defer { try? database.close() }
        try database.execute("CREATE TABLE t (x TEXT NOT NULL)")

        let error = #expect(throws: SQLiteError.self) { try database.run("INSERT INTO t VALUES (?)", [nil]) }
        #expect(error?.isConstraintViolation == true)
        #expect(error?.message == "NOT NULL constraint failed: t.x")
    }
}
