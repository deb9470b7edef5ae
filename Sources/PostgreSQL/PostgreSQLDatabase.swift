internal import CPostgreSQL
import Foundation
import Storage

/// A connection to a PostgreSQL server behind ``SQLDatabase``, so the broker's store runs on a server that outlives
/// one machine, with the same SQL it runs on SQLite.
///
/// Statements are written with `?` placeholders (numbered to `$1`, `$2`, ... here), prepared once per SQL text and
/// argument types, and run with binary arguments; results come back as ``Row``s with SQLite's value classes
/// (booleans and whole numbers as integers, `bytea` as blobs).
///
/// Connection loss: a session the server ended while idle is noticed before the next statement is sent, and a call
/// made outside a transaction then connects again once (with several hosts and `target_session_attrs=read-write`
/// in the conninfo, that finds the new primary after a failover). Inside a transaction nothing is retried: the call
/// throws a ``PostgreSQLError`` whose ``PostgreSQLError/isConnectionLost`` is true, because the transaction was
/// rolled back with the session.
///
/// Threading: like ``Database``, a `PostgreSQLDatabase` is owned by one thread and used only there; another thread
/// opens its own connection.
public final class PostgreSQLDatabase {
    /// The libpq connection; `nil` once closed.
    private var handle: OpaquePointer?
    /// Prepared statements by SQL text and argument types; the server forgets them when the session ends.
    private var preparedStatements: [PreparedKey: String] = [:]
    /// Numbers the prepared statements' names, which must be unique within the session.
    private var preparedCount = 0
    private var lastChanges = 0
    /// Gives each open savepoint a distinct name.
    var savepointDepth = 0
    /// Whether a ``writeTransaction(_:)`` body is running: a broken connection then never reconnects.
    var writeTransactionDepth = 0
    /// Whether a transaction was open after the last call that reached the server, e.g. one opened with
    /// `execute("BEGIN")`; a connection that broke then is reported once instead of reconnected.
    var transactionWasOpen = false

    private struct PreparedKey: Hashable {
        let sql: String
        let types: [Oid]
    }

    /// Connects with a libpq connection string (`host=db1,db2 port=5432,5432 dbname=schakel user=schakel
    /// target_session_attrs=read-write`) or URI; libpq reads passwords from `~/.pgpass` and does TLS as the
    /// conninfo asks. Throws a ``PostgreSQLError`` whose ``PostgreSQLError/isConnectionLost`` is true when no server
    /// could be reached.
    public init(conninfo: String) throws {
        // client_encoding after the expanded conninfo wins over it: rows are decoded as UTF-8, whatever the
        // database's encoding or PGCLIENTENCODING say.
        let keywords = ["dbname", "client_encoding"]
        let values = [conninfo, "UTF8"]
        let connection = withCStrings(keywords) { keywords in
            withCStrings(values) { values in PQconnectdbParams(keywords, values, 1) }
        }
        guard let connection else {
            throw PostgreSQLError.connectionLost("libpq could not allocate a connection", operation: "connect")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection))
            PQfinish(connection)
            throw PostgreSQLError.connectionLost(message, operation: "connect")
        }
        // By default libpq prints the server's notices (`NOTICE: ... does not exist, skipping`) on stderr, which
        // is the daemon's log; they are not errors, so they are dropped. The receiver survives PQreset.
        PQsetNoticeReceiver(connection, { _, _ in }, nil)
        handle = connection
    }

    deinit {
        close()
    }

    /// Ends the session; calling it again does nothing. Afterwards every call throws.
    public func close() {
        guard let handle else { return }
        PQfinish(handle)
        self.handle = nil
        preparedStatements.removeAll()
    }

    /// The server's version as PostgreSQL numbers it: 150008 for 15.8, 0 when closed.
    public var serverVersion: Int {
        handle.map { Int(PQserverVersion($0)) } ?? 0
    }

    /// Runs one or more statements without arguments (schema scripts, `BEGIN`/`COMMIT`) as one simple query.
    ///
    /// A `?` here is not a placeholder: the text goes to the server as it is.
    public func execute(_ sql: String) throws {
        _ = try simpleQuery(sql)
    }

    /// Runs one statement with `arguments` bound to its `?` placeholders, to completion; rows are discarded.
    public func run(_ sql: String, _ arguments: [SQLValue] = []) throws {
        _ = try preparedQuery(sql, arguments)
    }

    /// Runs one statement and returns all its rows.
    public func query(_ sql: String, _ arguments: [SQLValue] = []) throws -> [Row] {
        try preparedQuery(sql, arguments).rows()
    }

    /// Runs one statement and returns its first row, or `nil` when there is none. The server sends every row, so a
    /// query that can match many should say `LIMIT 1`.
    public func queryOne(_ sql: String, _ arguments: [SQLValue] = []) throws -> Row? {
        try preparedQuery(sql, arguments).rows().first
    }

    /// The rows inserted, updated or deleted by the most recent such statement, as ``Database/changes`` counts:
    /// a `SELECT`, `BEGIN` or `COMMIT` since then leaves it as it was.
    public var changes: Int { lastChanges }

    /// Whether a transaction is open on this connection, a failed one (awaiting `ROLLBACK`) included.
    public var isInTransaction: Bool {
        let status = transactionStatus
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    /// libpq's view of the transaction; `PQTRANS_UNKNOWN` when the connection is broken or closed.
    var transactionStatus: PGTransactionStatusType {
        handle.map { PQtransactionStatus($0) } ?? PQTRANS_UNKNOWN
    }

    /// Runs `sql` as a simple query (several statements allowed) and returns the last statement's result.
    func simpleQuery(_ sql: String) throws -> PostgreSQLResult {
        try withConnection(sql) { connection in
            try checked(PQexec(connection, sql), connection, sql)
        }
    }

    private func preparedQuery(_ sql: String, _ arguments: [SQLValue]) throws -> PostgreSQLResult {
        let parameters = Parameters(arguments)
        return try withConnection(sql) { connection in
            let name = try prepared(sql, parameters, connection)
            return try parameters.withUnsafeArrays { values, lengths, formats in
                let result = PQexecPrepared(connection, name, parameters.count, values, lengths, formats, 0)
                return try checked(result, connection, sql)
            }
        }
    }

    /// The name of `sql` prepared for arguments of these types, preparing it on first use.
    private func prepared(_ sql: String, _ parameters: Parameters, _ connection: OpaquePointer) throws -> String {
        let key = PreparedKey(sql: sql, types: parameters.types)
        if let name = preparedStatements[key] { return name }
        let numbered = Placeholders.numbered(sql)
        guard numbered.count == parameters.types.count else {
            throw PostgreSQLError.misuse(
                "the statement has \(numbered.count) placeholders but \(parameters.types.count) arguments were given",
                operation: sql)
        }
        preparedCount += 1
        let name = "schakel_\(preparedCount)"
        _ = try checked(PQprepare(connection, name, numbered.sql, parameters.count, parameters.types), connection, sql)
        preparedStatements[key] = name
        return name
    }

    /// Gives `body` a live connection, connecting again first when the session is gone and no transaction was open.
    private func withConnection<T>(_ operation: String, _ body: (OpaquePointer) throws -> T) throws -> T {
        guard let connection = handle else {
            throw PostgreSQLError.misuse("the connection is closed", operation: operation)
        }
        noticeEndedSession(connection)
        if PQstatus(connection) != CONNECTION_OK {
            try reconnect(connection, operation)
        }
        defer {
            if PQstatus(connection) == CONNECTION_OK {
                transactionWasOpen = isInTransaction
            } else if writeTransactionDepth == 0 {
                // The connection broke during this call, whose error tells the caller; the next call may reconnect.
                transactionWasOpen = false
            }
        }
        return try body(connection)
    }

    /// Reads, without waiting, what the server sent while the connection sat idle. A session the server ended
    /// (pg_terminate_backend, a shutdown) sends its FATAL message and closes; reading both marks the connection
    /// broken now, so the next statement goes to a new session instead of failing on the dead one. Nothing that was
    /// sent is ever sent again. The message itself goes to the notice receiver.
    private func noticeEndedSession(_ connection: OpaquePointer) {
        var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
        // A few rounds: the message and the end of the stream may arrive in separate reads.
        for _ in 0..<4 where PQstatus(connection) == CONNECTION_OK {
            var ready: Int32
            repeat {
                ready = poll(&descriptor, 1, 0)
            } while ready < 0 && errno == EINTR
            guard ready > 0, PQconsumeInput(connection) == 1 else { return }
            // Parses what arrived; with no command running, that is at most a message for the notice receiver.
            _ = PQisBusy(connection)
        }
    }

    /// Connects again with the same conninfo, unless the broken session held a transaction: then its work is lost,
    /// and the caller must hear that rather than have the rest of it run outside the transaction.
    private func reconnect(_ connection: OpaquePointer, _ operation: String) throws {
        guard writeTransactionDepth == 0, !transactionWasOpen else {
            if writeTransactionDepth == 0 { transactionWasOpen = false }
            throw PostgreSQLError.connectionLost(
                "the connection broke inside a transaction, which was rolled back; nothing was run",
                operation: operation)
        }
        preparedStatements.removeAll()
        PQreset(connection)
        guard PQstatus(connection) == CONNECTION_OK else {
            throw PostgreSQLError.connectionLost(String(cString: PQerrorMessage(connection)), operation: operation)
        }
    }

    /// The one place where libpq results are judged: a successful one is returned (and counted for ``changes``),
    /// anything else becomes a ``PostgreSQLError`` naming `operation`.
    private func checked(
        _ result: OpaquePointer?,
        _ connection: OpaquePointer,
        _ operation: String
    ) throws -> PostgreSQLResult {
        guard let result else {
            // libpq returns no result only when it could not send the command or allocate one.
            let message = String(cString: PQerrorMessage(connection))
            throw PostgreSQLError(sqlState: nil, message: message, operation: operation, connectionBroken: true)
        }
        let owned = PostgreSQLResult(result)
        guard owned.succeeded else {
            throw owned.error(operation: operation, connectionBroken: PQstatus(connection) == CONNECTION_BAD)
        }
        if let changed = owned.changedRows { lastChanges = changed }
        return owned
    }
}

@available(*, unavailable, message: "A PostgreSQLDatabase is owned by one thread; open another connection for another")
extension PostgreSQLDatabase: Sendable {}

/// Calls `body` with `strings` as an array of C strings, valid only for the duration of the call.
private func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { UnsafePointer($0) } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
