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
/// Deferred writes: inside a transaction, ``run(_:_:)`` does not wait for the server. It sends the statement in
/// libpq's pipeline mode (preparing it first, in the same pipeline, when needed) and returns; every call that needs
/// an answer (``query(_:_:)``, ``queryOne(_:_:)``, ``execute(_:)``, a savepoint, the `COMMIT`, reading ``changes``
/// or ``isInTransaction``) ends the pipeline with a sync (a read or a transaction command goes last in it) and reads
/// the deferred statements' results in order. So a batch of writes and the read after them cost one round trip
/// instead of one each, and the first deferred statement that failed is thrown then, naming its SQL, inside the
/// savepoint or transaction it belonged to, whose rollback undoes it.
/// Outside a transaction ``run(_:_:)`` waits as before.
///
/// Threading: like ``Database``, a `PostgreSQLDatabase` is owned by one thread and used only there; another thread
/// opens its own connection.
public final class PostgreSQLDatabase {
    /// The libpq connection; `nil` once closed.
    var handle: OpaquePointer?
    /// Prepared statements by SQL text and argument types; the server forgets them when the session ends.
    var preparedStatements: [PreparedKey: String] = [:]
    /// Numbers the prepared statements' names, which must be unique within the session.
    private var preparedCount = 0
    var lastChanges = 0
    /// What each deferred statement sent in pipeline mode was, in order; its result is not read yet.
    var deferred: [DeferredStatement] = []
    /// The error of a deferred statement found while reading ``changes`` or ``isInTransaction``, which cannot throw;
    /// the next call (or the rollback of the transaction) throws it.
    var unreportedError: PostgreSQLError?
    /// How many times this connection waited for the server; see ``roundTrips``.
    var roundTripCount = 0
    /// Gives each open savepoint a distinct name.
    var savepointDepth = 0
    /// Whether a ``writeTransaction(_:)`` body is running: a broken connection then never reconnects.
    var writeTransactionDepth = 0
    /// Whether a transaction was open after the last call that reached the server, e.g. one opened with
    /// `execute("BEGIN")`; a connection that broke then is reported once instead of reconnected.
    var transactionWasOpen = false
    /// How long a statement of a ``writeTransaction(_:)`` waits for a lock another session holds before it fails
    /// (`SET LOCAL lock_timeout`, sent with the `BEGIN`, so a reconnect keeps it); nil waits as long as it takes.
    public var writeLockTimeoutMilliseconds: Int?

    struct PreparedKey: Hashable {
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
    ///
    /// Deferred statements are not waited for: they belong to a transaction that was not committed, which the
    /// server rolls back when the session ends.
    public func close() {
        guard let handle else { return }
        PQfinish(handle)
        self.handle = nil
        preparedStatements.removeAll()
        deferred.removeAll()
        unreportedError = nil
    }

    /// How many times this connection sent something and waited for the answer: one per statement run outside a
    /// transaction or read, one per `execute`, one per flush of deferred writes however many it held. A diagnostic
    /// for tests and benchmarks, which shows what pipelining saves; it only grows.
    public var roundTrips: Int { roundTripCount }

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

    /// Runs one statement with `arguments` bound to its `?` placeholders; rows are discarded.
    ///
    /// Inside a transaction the statement is deferred: sent, but not waited for; its error, if any, is thrown by
    /// the next call that reads from the server (see the type's documentation). Outside one it runs to completion.
    public func run(_ sql: String, _ arguments: [SQLValue] = []) throws {
        if !deferred.isEmpty || transactionStatus == PQTRANS_INTRANS {
            try sendDeferred(sql, arguments)
        } else {
            _ = try preparedQuery(sql, arguments)
        }
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
    ///
    /// Deferred statements are flushed first. If one of them failed, its count is 0 (it changed nothing) and its
    /// error is thrown by the next call.
    public var changes: Int {
        flushReportingLater()
        return lastChanges
    }

    /// Whether a transaction is open on this connection, a failed one (awaiting `ROLLBACK`) included.
    ///
    /// Deferred statements are flushed first, like ``changes``.
    public var isInTransaction: Bool {
        flushReportingLater()
        return transactionWasOpenNow
    }

    /// ``isInTransaction`` without flushing: deferred statements are only ever sent inside a transaction.
    var transactionWasOpenNow: Bool {
        let status = transactionStatus
        return !deferred.isEmpty || status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    /// libpq's view of the transaction; `PQTRANS_UNKNOWN` when the connection is broken or closed, and
    /// `PQTRANS_ACTIVE` while deferred statements await their results.
    var transactionStatus: PGTransactionStatusType {
        handle.map { PQtransactionStatus($0) } ?? PQTRANS_UNKNOWN
    }

    /// Runs `sql` as a simple query (several statements allowed) and returns the last statement's result. Deferred
    /// statements are flushed first.
    func simpleQuery(_ sql: String) throws -> PostgreSQLResult {
        try withConnection(sql) { connection in
            try flushDeferred(connection)
            roundTripCount += 1
            return try checked(PQexec(connection, sql), connection, sql)
        }
    }

    private func preparedQuery(_ sql: String, _ arguments: [SQLValue]) throws -> PostgreSQLResult {
        if !deferred.isEmpty {
            // Read after the deferred writes in the same round trip; an error of theirs is thrown instead.
            try sendDeferred(sql, arguments, kind: .answer)
            return try withConnection(sql) { connection in
                guard let result = try flushDeferred(connection) else {
                    throw PostgreSQLError.misuse("the server sent no result", operation: sql)
                }
                return result
            }
        }
        let parameters = Parameters(arguments)
        return try withConnection(sql) { connection in
            let name = try prepared(sql, parameters, connection)
            return try parameters.withUnsafeArrays { values, lengths, formats in
                roundTripCount += 1
                let result = PQexecPrepared(connection, name, parameters.count, values, lengths, formats, 0)
                return try checked(result, connection, sql)
            }
        }
    }

    /// The name of `sql` prepared for arguments of these types, preparing it on first use.
    private func prepared(_ sql: String, _ parameters: Parameters, _ connection: OpaquePointer) throws -> String {
        let key = PreparedKey(sql: sql, types: parameters.types)
        if let name = preparedStatements[key] { return name }
        let (name, numbered) = try newPreparedName(sql, parameters)
        roundTripCount += 1
        _ = try checked(PQprepare(connection, name, numbered, parameters.count, parameters.types), connection, sql)
        preparedStatements[key] = name
        return name
    }

    /// A fresh name for `sql` and its text with numbered placeholders; throws when the arguments do not fit it.
    func newPreparedName(_ sql: String, _ parameters: Parameters) throws -> (name: String, numbered: String) {
        let numbered = Placeholders.numbered(sql)
        guard numbered.count == parameters.types.count else {
            throw PostgreSQLError.misuse(
                "the statement has \(numbered.count) placeholders but \(parameters.types.count) arguments were given",
                operation: sql)
        }
        preparedCount += 1
        return ("schakel_\(preparedCount)", numbered.sql)
    }

    /// Gives `body` a live connection, connecting again first when the session is gone and no transaction was open.
    ///
    /// An error of a deferred statement that ``changes`` or ``isInTransaction`` found is thrown here first.
    func withConnection<T>(_ operation: String, _ body: (OpaquePointer) throws -> T) throws -> T {
        guard let connection = handle else {
            throw PostgreSQLError.misuse("the connection is closed", operation: operation)
        }
        if let error = unreportedError {
            unreportedError = nil
            throw error
        }
        noticeEndedSession(connection)
        if PQstatus(connection) != CONNECTION_OK {
            try reconnect(connection, operation)
        }
        defer {
            if PQstatus(connection) == CONNECTION_OK {
                transactionWasOpen = transactionWasOpenNow
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
    func noticeEndedSession(_ connection: OpaquePointer) {
        var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
        // A few rounds: the message and the end of the stream may arrive in separate reads.
        for _ in 0..<4 where PQstatus(connection) == CONNECTION_OK {
            var ready: Int32
            repeat {
                ready = poll(&descriptor, 1, 0)
            } while ready < 0 && errno == EINTR
            guard ready > 0, PQconsumeInput(connection) == 1 else { return }
            // Parses what arrived: with no command running, at most a message for the notice receiver; with deferred
            // statements in flight, their results too, which stay queued for the flush.
            _ = PQisBusy(connection)
        }
    }

    /// Connects again with the same conninfo, unless the broken session held a transaction: then its work is lost,
    /// and the caller must hear that rather than have the rest of it run outside the transaction.
    private func reconnect(_ connection: OpaquePointer, _ operation: String) throws {
        // The old session's pipeline went with it (PQreset leaves pipeline mode).
        deferred.removeAll()
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
    func checked(
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
