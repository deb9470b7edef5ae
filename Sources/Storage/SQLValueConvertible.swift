import Foundation

/// A Swift value that can be stored in SQLite, so callers write `[name.sqlValue, age.sqlValue]` instead of
/// spelling out the storage class.
public protocol SQLValueConvertible {
    /// The value as SQLite should store it.
    var sqlValue: SQLValue { get }
}

extension SQLValue: SQLValueConvertible {
    /// Itself, so `SQLValue`s and convertible values mix in generic code.
    public var sqlValue: SQLValue { self }
}

extension String: SQLValueConvertible {
    /// Stored as text.
    public var sqlValue: SQLValue { .text(self) }
}

extension Int: SQLValueConvertible {
    /// Stored as a 64-bit integer.
    public var sqlValue: SQLValue { .integer(Int64(self)) }
}

extension Int64: SQLValueConvertible {
    /// Stored as a 64-bit integer.
    public var sqlValue: SQLValue { .integer(self) }
}

extension Double: SQLValueConvertible {
    /// Stored as a real.
    public var sqlValue: SQLValue { .real(self) }
}

extension Bool: SQLValueConvertible {
    /// Stored as 1 or 0, SQLite's booleans.
    public var sqlValue: SQLValue { .integer(self ? 1 : 0) }
}

extension Data: SQLValueConvertible {
    /// Stored as a blob.
    public var sqlValue: SQLValue { .blob(self) }
}

extension Optional: SQLValueConvertible where Wrapped: SQLValueConvertible {
    /// `nil` is stored as `NULL`, anything else as the wrapped value.
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}
