internal import CPostgreSQL
import Foundation
import Storage

/// The type OIDs the wrapper sends and reads (`pg_type.oid`, fixed in every PostgreSQL since 7.x).
enum TypeOID {
    static let unknown: Oid = 0
    static let bool: Oid = 16
    static let bytea: Oid = 17
    static let int8: Oid = 20
    static let int2: Oid = 21
    static let int4: Oid = 23
    static let text: Oid = 25
    static let oid: Oid = 26
    static let float4: Oid = 700
    static let float8: Oid = 701
    static let numeric: Oid = 1700
}

extension SQLValue {
    /// A column value from PostgreSQL's text format, as the SQLite side would have returned it: booleans and whole
    /// numbers as integers, other numbers as reals, `bytea` as a blob, anything else (dates, JSON, UUIDs, ...) as
    /// its text.
    init(postgreSQLText text: UnsafePointer<CChar>, type: Oid) {
        switch type {
        case TypeOID.bool:
            self = .integer(text.pointee == CChar(UInt8(ascii: "t")) ? 1 : 0)
        case TypeOID.int2, TypeOID.int4, TypeOID.int8, TypeOID.oid:
            self = Int64(String(cString: text)).map { .integer($0) } ?? .text(String(cString: text))
        case TypeOID.float4, TypeOID.float8:
            self = Double(String(cString: text)).map { .real($0) } ?? .text(String(cString: text))
        case TypeOID.numeric:
            self = Self.numeric(String(cString: text))
        case TypeOID.bytea:
            self = Self.bytea(text)
        default:
            self = .text(String(cString: text))
        }
    }

    /// A `numeric` (what `SUM` of integers and `NUMERIC` columns return) as an integer when it is whole and fits in
    /// 64 bits, so a count or a total reads like SQLite's; otherwise as the nearest double (`NaN` and `Infinity`
    /// included).
    static func numeric(_ text: String) -> SQLValue {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let fractionIsZero = parts.count == 1 || parts[1].allSatisfy { $0 == "0" }
        if fractionIsZero, let integer = Int64(parts[0]) {
            return .integer(integer)
        }
        return Double(text).map { .real($0) } ?? .text(text)
    }

    /// `bytea` in either of PostgreSQL's text forms (`\x` hex, the default, or the old escape form), decoded by
    /// libpq itself.
    static func bytea(_ text: UnsafePointer<CChar>) -> SQLValue {
        var length = 0
        guard let bytes = text.withMemoryRebound(to: UInt8.self, capacity: 1, { PQunescapeBytea($0, &length) }) else {
            // Only an allocation failure makes PQunescapeBytea return NULL.
            return .text(String(cString: text))
        }
        defer { PQfreemem(bytes) }
        return .blob(Data(bytes: bytes, count: length))
    }
}
