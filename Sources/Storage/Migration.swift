/// One step of the schema's history: the SQL that brings a database from `version - 1` to `version`.
///
/// Migrations are applied by ``Database/migrate(_:)``, which records progress in SQLite's `user_version`,
/// so each step runs exactly once per database file.
public struct Migration: Sendable {
    /// The schema version this migration produces; positive and unique within a list.
    public let version: Int
    /// One or more SQL statements, run as a script.
    public let sql: String

    /// Declares the migration to `version`.
    public init(version: Int, sql: String) {
        self.version = version
        self.sql = sql
    }
}
