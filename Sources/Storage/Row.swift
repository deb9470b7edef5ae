import Foundation

/// One result row, copied out of SQLite so it stays valid after the statement moves on and can cross threads.
///
/// Lookups are forgiving by design: a missing column reads as `.null` and the typed accessors return `nil`,
/// so optional columns and schema additions don't need special cases at the call site.
public struct Row: Sendable, Equatable {
    /// Column names in result order, as SQLite reports them (the `AS` alias when there is one).
    public let columns: [String]
    /// Values in the same order as ``columns``.
    public let values: [SQLValue]

    /// Builds a row; `columns` and `values` must have the same length. Mainly for tests and fakes.
    public init(columns: [String], values: [SQLValue]) {
        precondition(columns.count == values.count, "a row needs one value per column")
        self.columns = columns
        self.values = values
    }

    /// The value of the named column (exact match first, then case-insensitive like SQL), `.null` if absent.
    public subscript(_ column: String) -> SQLValue {
        if let index = columns.firstIndex(of: column) { return values[index] }
        let lowercased = column.lowercased()
        if let index = columns.firstIndex(where: { $0.lowercased() == lowercased }) { return values[index] }
        return .null
    }

    /// The value at a 0-based position, `.null` if out of range.
    public subscript(_ index: Int) -> SQLValue {
        values.indices.contains(index) ? values[index] : .null
    }

    /// The column's text, or `nil` when it is absent, `NULL` or not text.
    public func string(_ column: String) -> String? { self[column].string }

    /// The column's integer, or `nil` when it is absent, `NULL` or not an integer.
    public func int(_ column: String) -> Int? { self[column].int }

    /// The column's integer, or `nil` when it is absent, `NULL` or not an integer.
    public func int64(_ column: String) -> Int64? { self[column].int64 }

    /// The column's number (real, or integer converted), or `nil` when absent, `NULL` or not a number.
    public func double(_ column: String) -> Double? { self[column].double }

    /// The column's integer as a boolean (0 is `false`), or `nil` when absent, `NULL` or not an integer.
    public func bool(_ column: String) -> Bool? { self[column].bool }

    /// The column's bytes, or `nil` when it is absent, `NULL` or not a blob.
    public func data(_ column: String) -> Data? { self[column].data }
}
