import Foundation

/// A value as SQLite stores it: one of its five storage classes.
///
/// Arguments are passed and results returned as `SQLValue`s so that nothing C-shaped leaves the wrapper and
/// rows can be handed between threads. Literals convert directly: `["alice", 42, 1.5, true, nil]`.
public enum SQLValue: Sendable, Equatable, Hashable {
    /// SQL `NULL`.
    case null
    /// A 64-bit signed integer (booleans are stored as 0 and 1).
    case integer(Int64)
    /// An IEEE 754 double.
    case real(Double)
    /// UTF-8 text.
    case text(String)
    /// Raw bytes, stored exactly as given.
    case blob(Data)
}

extension SQLValue {
    /// Whether this is SQL `NULL`.
    public var isNull: Bool { self == .null }

    /// The text, or `nil` for any other storage class (no implicit conversion, so type mistakes show up).
    public var string: String? {
        if case .text(let text) = self { return text }
        return nil
    }

    /// The integer, or `nil` for any other storage class.
    public var int64: Int64? {
        if case .integer(let integer) = self { return integer }
        return nil
    }

    /// The integer as `Int`, or `nil` for any other storage class or when it does not fit.
    public var int: Int? { int64.flatMap { Int(exactly: $0) } }

    /// The number as `Double`: reals as they are, integers converted (SQLite may store a whole REAL as an integer).
    public var double: Double? {
        switch self {
        case .real(let real): return real
        case .integer(let integer): return Double(integer)
        default: return nil
        }
    }

    /// An integer read as a boolean (0 is `false`, anything else `true`), or `nil` for other storage classes.
    public var bool: Bool? { int64.map { $0 != 0 } }

    /// The bytes of a blob, or `nil` for any other storage class.
    public var data: Data? {
        if case .blob(let data) = self { return data }
        return nil
    }
}

extension SQLValue: ExpressibleByStringLiteral {
    /// `"text"` in an argument list binds text.
    public init(stringLiteral value: String) { self = .text(value) }
}

extension SQLValue: ExpressibleByIntegerLiteral {
    /// `42` in an argument list binds an integer.
    public init(integerLiteral value: Int64) { self = .integer(value) }
}

extension SQLValue: ExpressibleByFloatLiteral {
    /// `1.5` in an argument list binds a real.
    public init(floatLiteral value: Double) { self = .real(value) }
}

extension SQLValue: ExpressibleByBooleanLiteral {
    /// `true`/`false` bind 1/0, SQLite's booleans.
    public init(booleanLiteral value: Bool) { self = .integer(value ? 1 : 0) }
}

extension SQLValue: ExpressibleByNilLiteral {
    /// `nil` in an argument list binds `NULL`.
    public init(nilLiteral: ()) { self = .null }
}

extension SQLValue: CustomStringConvertible {
    /// A short rendering for logs and test failures; blobs show their size, not their bytes.
    public var description: String {
        switch self {
        case .null: return "NULL"
        case .integer(let integer): return String(integer)
        case .real(let real): return String(real)
        case .text(let text): return "'\(text)'"
        case .blob(let data): return "<\(data.count) bytes>"
        }
    }
}
