/// An error reported by PostgreSQL or libpq, or by this wrapper when it is misused (a closed connection, say).
///
/// It says what a caller has to decide on: whether the connection is gone (``isConnectionLost``: nothing of an open
/// transaction was stored, and the next call outside a transaction connects again), whether the server is a standby
/// that cannot write (``isReadOnly``), whether trying the transaction again may succeed (``isSerialization``), and
/// otherwise PostgreSQL's SQLSTATE and message with the SQL that failed.
///
/// Neither libpq's DETAIL nor the arguments are kept: they can hold the values of a row (`Key (name)=(...)`), and
/// this error ends up in logs, which never say who a citizen is.
public struct PostgreSQLError: Error, CustomStringConvertible, Sendable {
    /// The five-character SQLSTATE (`23505` for a unique violation), or `nil` when the server sent none: the
    /// connection failed, or the wrapper found the problem itself.
    public let sqlState: String?
    /// PostgreSQL's primary message, libpq's message, or the wrapper's explanation, on one line.
    public let message: String
    /// The SQL statement or the call that failed, so the failure can be traced to its origin.
    public let operation: String
    /// libpq reported the connection broken after the call, or there was no result at all.
    let connectionBroken: Bool
    /// The wrapper's own verdict, when the error did not come from the server.
    let kind: Kind

    enum Kind: Sendable {
        case server
        /// The enclosing transaction was already rolled back, so nothing was run or stored.
        case transactionLost
        /// The wrapper was asked for something it cannot do.
        case misuse
    }

    /// Creates an error as the server would report it; public so that tests and fakes can build one.
    public init(sqlState: String?, message: String, operation: String, connectionLost: Bool = false) {
        self.init(sqlState: sqlState, message: message, operation: operation, connectionBroken: connectionLost)
    }

    init(sqlState: String?, message: String, operation: String, connectionBroken: Bool, kind: Kind = .server) {
        self.sqlState = sqlState
        self.message = message.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        self.operation = operation
        self.connectionBroken = connectionBroken
        self.kind = kind
    }

    /// The connection is gone (the server shut down or ended the session, or the network failed). An open
    /// transaction was rolled back with it; the next call outside a transaction connects again.
    public var isConnectionLost: Bool {
        connectionBroken || sqlState?.hasPrefix("08") == true || ["57P01", "57P02", "57P03"].contains(sqlState)
    }

    /// The server is a read-only standby (`25006`): it was not promoted, or the conninfo reached the wrong host.
    public var isReadOnly: Bool { sqlState == "25006" }

    /// A serialization failure or deadlock (`40001`, `40P01`): the transaction was rolled back and may succeed
    /// when run again.
    public var isSerialization: Bool { sqlState == "40001" || sqlState == "40P01" }

    /// A `UNIQUE`, `NOT NULL`, `CHECK`, foreign key or exclusion constraint rejected the change (class `23`).
    public var isConstraintViolation: Bool { sqlState?.hasPrefix("23") == true }

    /// The work was not run, or not stored, because its transaction had already failed: a savepoint asked for
    /// outside a transaction, or a `COMMIT` that PostgreSQL answered with a rollback.
    public var isTransactionLost: Bool { kind == .transactionLost }

    /// One sentence for the person reading the log: what went wrong while doing what, and where it applies, what to
    /// do about it.
    public var description: String {
        if isConnectionLost {
            return "The connection to PostgreSQL failed (\(message)) while running: \(operation); check that the "
                + "server is up and that the conninfo reaches it (the next call outside a transaction connects again)."
        }
        if isReadOnly {
            return "PostgreSQL refused to write because this server is a read-only standby (\(message)) while "
                + "running: \(operation); point the conninfo at the primary, or list every host with "
                + "target_session_attrs=read-write."
        }
        let code = sqlState.map { "PostgreSQL error \($0)" } ?? "PostgreSQL error"
        return "\(code): \(message) — while running: \(operation)"
    }
}

extension PostgreSQLError {
    /// The wrapper was asked to do something it cannot: a closed connection, the wrong number of arguments.
    static func misuse(_ message: String, operation: String) -> PostgreSQLError {
        PostgreSQLError(sqlState: nil, message: message, operation: operation, connectionBroken: false, kind: .misuse)
    }

    /// The transaction this work belonged to had already failed, so nothing was run or stored.
    static func transactionLost(_ message: String, operation: String) -> PostgreSQLError {
        PostgreSQLError(
            sqlState: nil, message: message, operation: operation, connectionBroken: false, kind: .transactionLost)
    }

    /// The connection was broken before anything was sent; reconnecting was not allowed or did not work.
    static func connectionLost(_ message: String, operation: String) -> PostgreSQLError {
        PostgreSQLError(sqlState: nil, message: message, operation: operation, connectionBroken: true)
    }
}
