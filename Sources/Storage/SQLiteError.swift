internal import CSQLite

/// An error reported by SQLite, or by this wrapper when it is misused (for example a closed database).
///
/// It carries everything needed to understand a failure from a log line alone: the primary and extended
/// result codes, SQLite's own message, and the SQL or call that was being attempted.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    /// The primary result code (`extendedCode & 0xff`), e.g. 19 for `SQLITE_CONSTRAINT`.
    public let code: Int
    /// The extended result code, e.g. 2067 for `SQLITE_CONSTRAINT_UNIQUE`; equal to `code` when SQLite has none.
    public let extendedCode: Int
    /// SQLite's message (`sqlite3_errmsg`), or the wrapper's explanation.
    public let message: String
    /// The SQL statement or the call that failed, so the failure can be traced to its origin.
    public let operation: String

    /// Creates an error from an extended (or primary) result code.
    ///
    /// Public so that callers can build errors for tests and fakes; the wrapper itself builds them from return codes.
    public init(extendedCode: Int, message: String, operation: String) {
        self.code = extendedCode & 0xff
        self.extendedCode = extendedCode
        self.message = message
        self.operation = operation
    }

    /// A `UNIQUE`, `NOT NULL`, `CHECK`, `FOREIGN KEY` or primary key constraint rejected the change.
    public var isConstraintViolation: Bool { code == Int(SQLITE_CONSTRAINT) }

    /// Another connection holds a conflicting lock (`SQLITE_BUSY`/`SQLITE_LOCKED`); retrying later may succeed.
    public var isBusy: Bool { code == Int(SQLITE_BUSY) || code == Int(SQLITE_LOCKED) }

    /// The disk (or the database's size limit) is full; the change was not stored.
    public var isDiskFull: Bool { code == Int(SQLITE_FULL) }

    /// One line for logs: codes, message and the operation.
    public var description: String {
        "SQLite error \(code) (extended \(extendedCode)): \(message) — while: \(operation)"
    }
}

extension SQLiteError {
    /// Builds the error for `resultCode`, taking the message from the connection when it describes this failure.
    init(resultCode: Int32, connection: OpaquePointer?, operation: String) {
        if let connection, sqlite3_extended_errcode(connection) & 0xff == resultCode & 0xff {
            // The connection's record of its latest error matches: it has the detailed message and may have
            // a more precise extended code than the one returned.
            let connectionCode = sqlite3_extended_errcode(connection)
            self.init(
                extendedCode: Int(resultCode > 0xff ? resultCode : connectionCode),
                message: String(cString: sqlite3_errmsg(connection)),
                operation: operation
            )
        } else {
            self.init(
                extendedCode: Int(resultCode),
                message: String(cString: sqlite3_errstr(resultCode)),
                operation: operation
            )
        }
    }

    /// The wrapper was asked to do something it cannot (closed database, wrong number of arguments, ...).
    static func misuse(_ message: String, operation: String) -> SQLiteError {
        SQLiteError(extendedCode: Int(SQLITE_MISUSE), message: message, operation: operation)
    }

    /// The transaction this work belonged to was already rolled back (see ``Database/savepointInTransaction(_:)``).
    static func transactionLost(operation: String) -> SQLiteError {
        SQLiteError(extendedCode: Int(SQLITE_ABORT), message: Self.transactionLostMessage, operation: operation)
    }

    static let transactionLostMessage = "the enclosing transaction was already rolled back; nothing was run"

    /// True for ``transactionLost(operation:)``: the work was not run because its batch was already lost.
    public var isTransactionLost: Bool { extendedCode == Int(SQLITE_ABORT) && message == Self.transactionLostMessage }

    /// A generic failure detected by the wrapper rather than by SQLite (e.g. a pragma that did not take effect).
    static func failure(_ message: String, operation: String) -> SQLiteError {
        SQLiteError(extendedCode: Int(SQLITE_ERROR), message: message, operation: operation)
    }
}

/// The one place where SQLite return codes are judged.
///
/// `SQLITE_OK`, `SQLITE_ROW` and `SQLITE_DONE` (and their extended forms) pass; every other code becomes
/// a ``SQLiteError`` naming `operation`.
func check(_ resultCode: Int32, _ connection: OpaquePointer?, _ operation: @autoclosure () -> String) throws {
    switch resultCode & 0xff {
    case SQLITE_OK, SQLITE_ROW, SQLITE_DONE:
        return
    default:
        throw SQLiteError(resultCode: resultCode, connection: connection, operation: operation())
    }
}
