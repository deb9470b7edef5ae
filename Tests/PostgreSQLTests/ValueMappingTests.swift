import Foundation
import PostgreSQL
import Storage
import Testing

extension ServerTests {
    /// Every SQLValue goes to the server with its type and comes back as what the SQLite side would return.
    @Suite struct ValueMapping {
        @Test func everyValueRoundTripsThroughItsColumnType() throws {
            let database = try SharedCluster.database()
            defer { database.close() }
            try database.execute(
                "CREATE TABLE item (i BIGINT, r DOUBLE PRECISION, t TEXT, b BYTEA, n TEXT)")
            let blob = Data([0x00, 0xff, 0x5c, 0x78, 0x27, 0x00])
            let text = "it's ? café 🚲 \\x00"
            try database.run(
                "INSERT INTO item VALUES (?, ?, ?, ?, ?)",
                [.integer(.min), .real(0.1 + 0.2), .text(text), .blob(blob), .null])
            try database.run(
                "INSERT INTO item VALUES (?, ?, ?, ?, ?)", [.integer(.max), .real(-.infinity), "", .blob(Data()), nil])

            let rows = try database.query("SELECT i, r, t, b, n FROM item ORDER BY i")
            #expect(rows.count == 2)
            #expect(rows.first?.columns == ["i", "r", "t", "b", "n"])
            #expect(rows.first?.values == [.integer(.min), .real(0.1 + 0.2), .text(text), .blob(blob), .null])
            #expect(rows.last?.values == [.integer(.max), .real(-.infinity), .text(""), .blob(Data()), .null])
        }

        @Test func argumentsArriveWithTheirTypes() throws {
            let database = try SharedCluster.database()
            defer { database.close() }
            let row = try database.queryOne(
                "SELECT pg_typeof(?)::text AS i, pg_typeof(?)::text AS r, pg_typeof(?)::text AS t, "
                    + "pg_typeof(?)::text AS b, CAST(? AS TEXT) IS NULL AS n",
                [1, 1.5, "x", .blob(Data([1])), nil])
            #expect(row?.string("i") == "bigint")
            #expect(row?.string("r") == "double precision")
            #expect(row?.string("t") == "text")
            #expect(row?.string("b") == "bytea")
            #expect(row?["n"] == .integer(1))
        }

        @Test func aggregatesReadLikeSQLitesNumbers() throws {
            let database = try SharedCluster.database()
            defer { database.close() }
            try database.execute("CREATE TABLE score (points INTEGER, weight NUMERIC(6,2))")
            for (points, weight) in [(Int64(1), "1.50"), (2, "2.00"), (4, "0.25")] {
                try database.run("INSERT INTO score VALUES (?, CAST(? AS NUMERIC))", [.integer(points), .text(weight)])
            }
            let row = try database.queryOne(
                """
                SELECT COUNT(*) AS count, SUM(points) AS sum, AVG(points) AS average, MAX(points) > 3 AS big,
                       SUM(weight) AS total_weight, MAX(weight) AS max_weight, MIN(points)::smallint AS small,
                       CAST(NULL AS INTEGER) AS nothing, 1.5::real AS single, 'pg_class'::regclass::oid AS oid,
                       now() AS at
                FROM score
                """)
            let value = try #require(row)
            #expect(value["count"] == .integer(3))
            #expect(value["sum"] == .integer(7))
            #expect(value["average"] == .real(7.0 / 3.0))
            #expect(value["big"] == .integer(1))
            #expect(value["total_weight"] == .real(3.75))
            #expect(value["max_weight"] == .integer(2))
            #expect(value["small"] == .integer(1))
            #expect(value["nothing"] == .null)
            #expect(value["single"] == .real(1.5))
            #expect(value["oid"] == .integer(1259))
            #expect(value["at"].string?.isEmpty == false)
        }

        @Test func booleanColumnsAreZeroAndOne() throws {
            let database = try SharedCluster.database()
            defer { database.close() }
            try database.execute("CREATE TABLE flag (name TEXT, on_ BOOLEAN)")
            try database.run("INSERT INTO flag VALUES ('yes', true), ('no', false), ('unknown', NULL)")
            let rows = try database.query("SELECT name, on_ FROM flag ORDER BY name")
            #expect(rows.map { $0["on_"] } == [.integer(0), .null, .integer(1)])
            #expect(rows.first?.bool("on_") == false)
        }

        @Test func jsonTextAndArrayElementsWorkInThePostgreSQLDialect() throws {
            let database = try SharedCluster.database()
            defer { database.close() }
            let dialect = database.dialect
            #expect(dialect == .postgresql)
            let name = try database.queryOne("SELECT \(dialect.jsonText("?", "name")) AS name", [#"{"name":"Ada"}"#])
            #expect(name?.string("name") == "Ada")
            let elements = try database.query(dialect.jsonArrayElements, [#"["a","b"]"#])
            #expect(elements.map { $0[0] } == ["a", "b"])
        }

        @Test func textWithANulCharacterIsRefusedNotCut() throws {
            let database = try SharedCluster.database()
            defer { database.close() }
            let error = #expect(throws: PostgreSQLError.self) {
                try database.queryOne("SELECT ? AS t", ["before\u{0}after"])
            }
            #expect(error?.sqlState == "22021")
        }

        @Test func wrongNumberOfArgumentsIsReportedBeforeAnythingRuns() throws {
            let database = try SharedCluster.database()
            defer { database.close() }
            let error = #expect(throws: PostgreSQLError.self) {
                try database.run("SELECT ?, ?", [1])
            }
            #expect(error?.message == "the statement has 2 placeholders but 1 arguments were given")
        }

        @Test func preparedStatementTakesOtherArgumentTypesToo() throws {
            let database = try SharedCluster.database()
            defer { database.close() }
            // The same SQL with an integer, then text, then NULL: each gets its own prepared statement.
            #expect(try database.queryOne("SELECT ? AS v", [42])?["v"] == .integer(42))
            #expect(try database.queryOne("SELECT ? AS v", ["42"])?["v"] == .text("42"))
            #expect(try database.queryOne("SELECT ? AS v", [nil])?["v"] == .null)
            #expect(try database.queryOne("SELECT ? AS v", [43])?["v"] == .integer(43))
        }

        @Test func serverVersionIsFifteen() throws {
            let database = try SharedCluster.database()
            defer { database.close() }
            #expect(database.serverVersion / 10000 == 15)
            database.close()
            #expect(database.serverVersion == 0)
            #expect(throws: PostgreSQLError.self) { try database.execute("SELECT 1") }
        }
    }
}
