import Foundation
import Storage
import Testing

@Suite struct SQLValueTests {
    @Test func everyStorageClassRoundTrips() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try Database(path: directory.path("values.sqlite"))
        defer { try? database.close() }
        try database.execute("CREATE TABLE v (id INTEGER PRIMARY KEY, value)")

        let values: [SQLValue] = [
            .null,
            .integer(0),
            .integer(Int64.max),
            .integer(Int64.min),
            .real(3.25),
            .real(-0.000_001),
            .text(""),
            .text("plain ascii"),
            .text("Grüße, 日本語, emoji 👩‍👩‍👧 and accents: é ñ ø"),
            .blob(Data()),
            .blob(Data([0, 0, 0])),
            .blob(Data([0xff, 0x00, 0x7f, 0x00, 0x01])),
        ]
        for value in values {
            try database.run("INSERT INTO v (value) VALUES (?)", [value])
        }

        let stored = try database.query("SELECT value FROM v ORDER BY id").map { $0["value"] }
        #expect(stored == values)
        #expect(try database.queryOne("SELECT typeof(value) AS t FROM v WHERE id = 10")?.string("t") == "blob")
    }

    @Test func textIsReadByByteLengthNotUpToTheFirstNul() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try Database(path: directory.path("nul.sqlite"))
        defer { try? database.close() }

        let row = try database.queryOne("SELECT CAST(x'61006200' AS TEXT) AS t")
        #expect(row?["t"] == .text("a\u{0}b\u{0}"))
    }

    @Test func literalsAndConvertiblesProduceTheExpectedStorageClass() {
        let literals: [SQLValue] = ["text", 7, 1.5, true, false, nil]
        #expect(literals == [.text("text"), .integer(7), .real(1.5), .integer(1), .integer(0), .null])

        let missing: String? = nil
        let present: Int? = 3
        let converted: [SQLValue] = [
            "s".sqlValue, 5.sqlValue, Int64(6).sqlValue, 2.5.sqlValue, true.sqlValue,
            Data([1]).sqlValue, missing.sqlValue, present.sqlValue,
        ]
        #expect(
            converted == [
                .text("s"), .integer(5), .integer(6), .real(2.5), .integer(1), .blob(Data([1])), .null, .integer(3),
            ])
    }

    @Test func typedAccessorsReturnNilForOtherStorageClassesAndMissingColumns() throws {
        let row = Row(
            columns: ["name", "age", "score", "flag", "photo", "nothing"],
            values: ["ann", 41, 2.5, 1, .blob(Data([9])), nil]
        )
        #expect(row.string("name") == "ann")
        #expect(row.int("age") == 41)
        #expect(row.int64("age") == 41)
        #expect(row.double("score") == 2.5)
        #expect(row.double("age") == 41)
        #expect(row.bool("flag") == true)
        #expect(row.data("photo") == Data([9]))

        #expect(row.int("name") == nil)
        #expect(row.string("age") == nil)
        #expect(row.string("nothing") == nil)
        #expect(row["no such column"] == .null)
        #expect(row.int("no such column") == nil)
        #expect(row[99] == .null)
        #expect(row["NAME"] == "ann")
        #expect(row[1] == 41)
    }
}
