internal import CSQLite
import Foundation

/// One compiled SQL statement, for callers that step through large results row by row or run the same
/// statement many times without going through the database's cache.
///
/// Obtained from ``Database/prepare(_:)``. The statement is finalized when the last reference goes away.
/// Like its ``Database``, it belongs to one thread. Once the database is closed, every call throws.
public final class Statement {
    /// The SQL this statement was compiled from, as given to ``Database/prepare(_:)``.
    public let sql: String
    private let connection: Connection
    private var handle: OpaquePointer?
    private var columnNames: [String]?

    /// Compiles exactly one statement; trailing SQL other than whitespace and comments is refused, because
    /// SQLite would silently ignore it (use ``Database/execute(_:)`` for scripts).
    init(connection: Connection, sql: String) throws {
        self.sql = sql
        self.connection = connection
        self.handle = try connection.withUnsafeHandle(sql) { database in
            try sql.withCString { text in
                var compiled: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                try check(sqlite3_prepare_v2(database, text, -1, &compiled, &tail), database, sql)
                guard let compiled else {
                    throw SQLiteError.misuse("no SQL statement to prepare", operation: sql)
                }
                if let tail, tail.pointee != 0 {
                    var next: OpaquePointer?
                    let resultCode = sqlite3_prepare_v2(database, tail, -1, &next, nil)
                    // sqlite3_finalize repeats the last step's error; these statements never ran.
                    _ = sqlite3_finalize(next)
                    if resultCode != SQLITE_OK || next != nil {
                        _ = sqlite3_finalize(compiled)
                        throw SQLiteError.misuse(
                            "more than one statement; use Database.execute for scripts",
                            operation: sql
                        )
                    }
                }
                return compiled
            }
        }
    }

    deinit {
        finalize()
    }

    /// Binds `arguments` to the `?` placeholders, first to `?1`, after resetting the statement and clearing
    /// any earlier bindings, so a reused statement never runs with stale values.
    ///
    /// Throws when the number of arguments differs from the number of placeholders.
    public func bind(_ arguments: [SQLValue]) throws {
        try withUnsafeHandles { statement, database in
            rewind(statement)
            let expected = Int(sqlite3_bind_parameter_count(statement))
            guard arguments.count == expected else {
                throw SQLiteError.misuse("expected \(expected) arguments, got \(arguments.count)", operation: sql)
            }
            for (offset, argument) in arguments.enumerated() {
                try check(Self.bind(argument, at: Int32(offset + 1), to: statement), database, sql)
            }
        }
    }

    /// Runs the statement to its next row: `true` when a row is ready for ``row()``, `false` when done.
    public func step() throws -> Bool {
        try withUnsafeHandles { statement, database in
            let resultCode = sqlite3_step(statement)
            switch resultCode {
            case SQLITE_ROW:
                return true
            case SQLITE_DONE:
                return false
            default:
                throw SQLiteError(resultCode: resultCode, connection: database, operation: sql)
            }
        }
    }

    /// The current row as a value that stays valid after the statement moves on.
    ///
    /// Only meaningful after ``step()`` returned `true`; otherwise every value is `.null`
    /// (and a closed database yields an empty row).
    public func row() -> Row {
        guard connection.isOpen, let statement = handle else { return Row(columns: [], values: []) }
        let names = columns(of: statement)
        var values: [SQLValue] = []
        values.reserveCapacity(names.count)
        for index in 0..<Int32(names.count) {
            values.append(Self.value(at: index, of: statement))
        }
        return Row(columns: names, values: values)
    }

    /// Rewinds the statement so it can run again; the bindings are kept.
    ///
    /// `sqlite3_reset` returns the error of the last failed step, which ``step()`` already threw, so that
    /// code is not thrown a second time. Throws only when the database was closed.
    public func reset() throws {
        try withUnsafeHandles { statement, _ in
            // Deliberately not thrown: the code repeats the error the last step() already reported.
            _ = sqlite3_reset(statement)
            columnNames = nil
        }
    }

    /// Rewinds and drops the bound values (releasing copies of large texts and blobs) after the database's
    /// cache used the statement. Never throws, so it can run in a `defer`.
    func resetAfterUse() {
        guard connection.isOpen, let statement = handle else { return }
        rewind(statement)
    }

    /// Releases the compiled statement now; used when the database closes its cache.
    func finalize() {
        guard let statement = handle else { return }
        // sqlite3_finalize returns the error of the last step, already reported by step(); finalizing itself
        // cannot fail.
        _ = sqlite3_finalize(statement)
        handle = nil
    }

    private func rewind(_ statement: OpaquePointer) {
        // sqlite3_reset repeats the last step's error (already thrown by step());
        // sqlite3_clear_bindings always returns SQLITE_OK.
        _ = sqlite3_reset(statement)
        _ = sqlite3_clear_bindings(statement)
        columnNames = nil
    }

    private func withUnsafeHandles<T>(_ body: (OpaquePointer, OpaquePointer) throws -> T) throws -> T {
        try connection.withUnsafeHandle(sql) { database in
            guard let statement = handle else { throw SQLiteError.misuse("statement was finalized", operation: sql) }
            return try body(statement, database)
        }
    }

    private func columns(of statement: OpaquePointer) -> [String] {
        if let columnNames { return columnNames }
        let count = sqlite3_column_count(statement)
        let names = (0..<count).map { index in
            // NULL only when SQLite is out of memory; an empty name keeps the row's shape.
            sqlite3_column_name(statement, index).map { String(cString: $0) } ?? ""
        }
        columnNames = names
        return names
    }

    private static func bind(_ value: SQLValue, at index: Int32, to statement: OpaquePointer) -> Int32 {
        switch value {
        case .null:
            return sqlite3_bind_null(statement, index)
        case .integer(let integer):
            return sqlite3_bind_int64(statement, index, integer)
        case .real(let real):
            return sqlite3_bind_double(statement, index, real)
        case .text(var text):
            return text.withUTF8 { bytes in
                guard let base = bytes.baseAddress, bytes.count > 0 else {
                    // A NULL pointer would bind SQL NULL; an empty text needs a valid pointer.
                    return sqlite3_bind_text(statement, index, "", 0, csqlite_transient())
                }
                return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { characters in
                    sqlite3_bind_text64(
                        statement, index, characters, UInt64(bytes.count), csqlite_transient(), UInt8(SQLITE_UTF8))
                }
            }
        case .blob(let data):
            return data.withUnsafeBytes { bytes in
                guard let base = bytes.baseAddress, bytes.count > 0 else {
                    // A NULL pointer would bind SQL NULL; this binds an empty blob.
                    return sqlite3_bind_zeroblob(statement, index, 0)
                }
                return sqlite3_bind_blob64(statement, index, base, UInt64(bytes.count), csqlite_transient())
            }
        }
    }

    private static func value(at index: Int32, of statement: OpaquePointer) -> SQLValue {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(statement, index))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(statement, index))
        case SQLITE_TEXT:
            // Read by byte length, not as a C string: the pointer must be fetched before the length.
            let characters = sqlite3_column_text(statement, index)
            let count = Int(sqlite3_column_bytes(statement, index))
            guard let characters else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: characters, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let bytes = sqlite3_column_blob(statement, index)
            let count = Int(sqlite3_column_bytes(statement, index))
            guard let bytes else { return .blob(Data()) }
            return .blob(Data(bytes: bytes, count: count))
        default:
            return .null
        }
    }
}

@available(*, unavailable, message: "A Statement belongs to the thread that owns its Database")
extension Statement: Sendable {}
