import Foundation
import Testing

/// The storage layout can change in one place: SQL that reads or writes the broker's tables lives only in the store
/// (`Sources/Broker/ReferralStore*.swift`) and the schema (`Sources/Broker/Schema.swift`), never in a decision.
@Suite struct SQLPlacementTests {
    static let sources = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources")

    /// Where SQL may be, and why.
    static let allowed: [(prefix: String, why: String)] = [
        ("Broker/ReferralStore", "the store"),
        ("Broker/Schema.swift", "the schema and its migrations"),
        ("Broker/Schema+PostgreSQL.swift", "the same schema for PostgreSQL"),
        ("Broker/StateLease.swift", "the active daemon's lease on a shared PostgreSQL database"),
        ("PostgreSQL/", "the libpq wrapper itself"),
        ("Storage/", "the SQLite wrapper itself"),
        ("schakel-bench/Ceilings.swift", "measures raw SQLite, the ceiling the daemon is compared with"),
        ("schakel-bench/Preload.swift", "writes a full state directory for the bench faster than a daemon could"),
        ("schakel-bench/Ceilings+PostgreSQL.swift", "measures raw PostgreSQL, the ceiling the daemon is compared with"),
        ("schakel-bench/BareBroker.swift", "a broker of one table, the ceiling any store is compared with"),
        ("schakel-bench/Ceilings+BareBroker.swift", "fills and checks the bare broker's table"),
        ("schakel-bench/BenchPostgreSQL.swift", "makes the bench's database and finds the server's processes"),
    ]

    /// A statement's first word, at the start of a string literal or of a line inside a multi-line one.
    static func statement() throws -> Regex<AnyRegexOutput> {
        try Regex(#"(^\s*|")(SELECT|INSERT|UPDATE|DELETE|REPLACE)\s"#)
    }

    @Test func noSQLOutsideTheStoreAndTheSchema() throws {
        let statement = try Self.statement()
        var offenders: [String] = []
        let files = FileManager.default.enumerator(at: Self.sources, includingPropertiesForKeys: nil)!
        for case let url as URL in files where url.pathExtension == "swift" {
            let path = String(url.path.dropFirst(Self.sources.path.count + 1))
            if Self.allowed.contains(where: { path.hasPrefix($0.prefix) }) { continue }
            let text = try String(contentsOf: url, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where !line.trimmingCharacters(in: .whitespaces).hasPrefix("//")
                && line.contains(statement)
            {
                offenders.append("\(path):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(offenders.isEmpty, "SQL outside the store:\n\(offenders.joined(separator: "\n"))")
    }

    @Test func theCheckFindsSQLWhereItIsNotAllowed() throws {
        let statement = try Self.statement()
        #expect("        try db.run(\"UPDATE handovers SET state = ?\")".contains(statement))
        #expect("            SELECT contact FROM handovers".contains(statement))
        #expect(!"    /// Selects the contact: UPDATEs nothing".contains(statement))
    }
}
