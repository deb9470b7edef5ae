import Foundation
import PostgreSQL
import SchakelProtocol
import Storage

/// Which store the daemons of this run use: SQLite in each state directory (the default), or PostgreSQL when
/// `SCHAKEL_TEST_POSTGRESQL` holds the base conninfo of a server (`make test-postgresql` starts one with
/// Tests/PostgreSQL/cluster). On PostgreSQL every daemon gets a database of its own, so tests stay independent.
enum TestDatabase {
    /// The base conninfo (`host=127.0.0.1 port=P user=postgres`), nil on SQLite.
    static let postgresqlBase: String? = {
        let value = ProcessInfo.processInfo.environment["SCHAKEL_TEST_POSTGRESQL"] ?? ""
        return value.isEmpty ? nil : value
    }()

    static var isPostgreSQL: Bool { postgresqlBase != nil }

    /// A new, empty database on the test server, and its conninfo.
    static func createPostgreSQLDatabase(base: String) throws -> String {
        let name = "schakel_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        let admin = try PostgreSQLDatabase(conninfo: "\(base) dbname=postgres")
        defer { admin.close() }
        try admin.execute("CREATE DATABASE \(name)")
        return "\(base) dbname=\(name)"
    }

    /// The config's `database` section for a fresh database of this run; nil on SQLite.
    static func freshSetting() throws -> JSONValue? {
        guard let base = postgresqlBase else { return nil }
        return ["postgresql": ["conninfo": .string(try createPostgreSQLDatabase(base: base))]]
    }
}
