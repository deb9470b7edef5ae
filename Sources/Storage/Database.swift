internal import CSQLite
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A connection to one SQLite database file, with the durability settings the broker relies on.
///
/// Threading: a `Database` is not thread-safe and not `Sendable`. It is owned by one thread (the broker's
/// event loop, say) and used only there; another thread that needs the file opens its own `Database`.
/// WAL mode lets such connections read while one of them writes.
///
/// Life cycle: ``close()`` releases the file explicitly and reports failure; if the last reference goes
/// away first, `deinit` closes it anyway.
public final class Database {
    /// The path the database was opened with.
    public let path: String
    let connection: Connection
    /// Compiled statements for ``run(_:_:)``, ``query(_:_:)`` and ``queryOne(_:_:)``, keyed by SQL.
    private var statementCache: [StatementKey: Statement] = [:]
    /// Gives each open savepoint a distinct name.
    var savepointDepth = 0
    /// The log's size as the WAL hook reports it (``countWALInsteadOfCheckpointing()``).
    let walCounter = WALCounter()

    /// Opens (and unless read-only, creates) the database at `path` and applies `options`.
    ///
    /// When WAL is requested, opening fails unless the file really is in WAL mode afterwards: WAL is what
    /// lets readers and the writer proceed together, so silently running without it would hide a problem.
    public init(path: String, options: Options = Options()) throws {
        self.path = path
        let flags = options.readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        if !options.readOnly { Self.createPrivately(path) }
        connection = try Connection(path: path, flags: flags)
        do {
            try configure(options)
        } catch let configurationError {
            do {
                try connection.close()
            } catch {
                // Only a misuse can make sqlite3_close_v2 fail; the configuration error is the one to report.
                assertionFailure("closing \(path) after a failed open failed: \(error)")
            }
            throw configurationError
        }
    }

    /// Creates a missing database file with mode 0600 before SQLite opens it: SQLite would create it 0644 minus the
    /// umask (0640 under a systemd unit's `UMask=0007`), and it gives the `-wal` and `-shm` files the database
    /// file's mode, so this keeps all three readable by their owner only, whatever the umask. An existing file is
    /// left as it is; a file that cannot be created is left to `sqlite3_open_v2`, which reports why.
    private static func createPrivately(_ path: String) {
        guard !path.isEmpty, path != ":memory:", !path.hasPrefix("file:") else { return }
        var descriptor: Int32
        repeat {
            descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        } while descriptor < 0 && errno == EINTR
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    deinit {
        do {
            try close()
        } catch {
            assertionFailure("closing \(path) failed: \(error)")
        }
    }

    /// Runs one or more SQL statements without arguments: schema scripts, pragmas, `BEGIN`/`COMMIT`.
    public func execute(_ sql: String) throws {
        try connection.withUnsafeHandle(sql) { database in
            try check(sqlite3_exec(database, sql, nil, nil, nil), database, sql)
        }
    }

    /// Runs one statement with `arguments` bound to its `?` placeholders, to completion.
    ///
    /// The compiled statement is cached by its SQL text, so a statement that runs often is parsed once.
    /// Rows it produces (e.g. from `RETURNING`) are discarded; use ``query(_:_:)`` to read them.
    public func run(_ sql: String, _ arguments: [SQLValue] = []) throws {
        try withCachedStatement(sql, arguments) { statement in
            while try statement.step() {}
        }
    }

    /// Runs one statement and returns all its rows, copied out as values.
    public func query(_ sql: String, _ arguments: [SQLValue] = []) throws -> [Row] {
        try withCachedStatement(sql, arguments) { statement in
            var rows: [Row] = []
            while try statement.step() {
                rows.append(statement.row())
            }
            return rows
        }
    }

    /// Runs one statement and returns its first row, or `nil` when there is none; the rest are not computed.
    public func queryOne(_ sql: String, _ arguments: [SQLValue] = []) throws -> Row? {
        try withCachedStatement(sql, arguments) { statement in
            try statement.step() ? statement.row() : nil
        }
    }

    /// Compiles a statement owned by the caller, for stepping through large results row by row.
    ///
    /// Unlike ``query(_:_:)``, nothing is cached; the statement lives as long as the caller keeps it.
    public func prepare(_ sql: String) throws -> Statement {
        try Statement(connection: connection, sql: sql)
    }

    /// The rowid of the most recent successful `INSERT` on this connection (0 if none, or when closed).
    public var lastInsertRowID: Int64 {
        (try? connection.withUnsafeHandle("lastInsertRowID") { sqlite3_last_insert_rowid($0) }) ?? 0
    }

    /// The number of rows inserted, updated or deleted by the most recent such statement (0 when closed).
    public var changes: Int {
        (try? connection.withUnsafeHandle("changes") { Int(sqlite3_changes($0)) }) ?? 0
    }

    /// The rows inserted, updated or deleted on this connection since it was opened (`sqlite3_total_changes64`).
    var totalChanges: Int64 {
        (try? connection.withUnsafeHandle("totalChanges") { sqlite3_total_changes64($0) }) ?? -1
    }

    /// Whether a transaction is open on this connection, i.e. SQLite is not in autocommit mode.
    public var isInTransaction: Bool {
        (try? connection.withUnsafeHandle("isInTransaction") { sqlite3_get_autocommit($0) == 0 }) ?? false
    }

    /// Closes the connection, finalizing the cached statements first. Calling it again does nothing.
    ///
    /// Statements obtained from ``prepare(_:)`` that are still alive throw from then on.
    public func close() throws {
        for statement in statementCache.values {
            statement.finalize()
        }
        statementCache.removeAll()
        try connection.close()
    }

    /// Binds, runs `body`, and always leaves the cached statement reset (so it holds no read lock), even on error.
    private func withCachedStatement<T>(
        _ sql: String,
        _ arguments: [SQLValue],
        _ body: (Statement) throws -> T
    ) throws -> T {
        let statement: Statement
        let key = StatementKey(sql)
        if let cached = statementCache[key] {
            statement = cached
        } else {
            statement = try Statement(connection: connection, sql: sql)
            statementCache[key] = statement
        }
        defer { statement.resetAfterUse() }
        try statement.bind(arguments)
        return try body(statement)
    }

    private func configure(_ options: Options) throws {
        try connection.withUnsafeHandle("sqlite3_busy_timeout") { database in
            let milliseconds = Int32(clamping: options.busyTimeoutMilliseconds)
            try check(sqlite3_busy_timeout(database, milliseconds), database, "sqlite3_busy_timeout")
        }
        if !options.readOnly {
            // The journal mode is stored in the file; a read-only connection uses whatever the file has.
            let pragma = "PRAGMA journal_mode = \(options.journalMode.rawValue)"
            let mode = try queryOne(pragma)?[0].string ?? ""
            if options.journalMode == .wal && mode.uppercased() != JournalMode.wal.rawValue {
                throw SQLiteError.failure("journal_mode is '\(mode)', not WAL", operation: pragma)
            }
        }
        try execute("PRAGMA synchronous = \(options.synchronous.rawValue)")
        try execute("PRAGMA foreign_keys = \(options.foreignKeys ? "ON" : "OFF")")
        if options.secureDelete {
            try execute("PRAGMA secure_delete = ON")
        }
    }
}

@available(*, unavailable, message: "A Database is owned by one thread; open another connection for another thread")
extension Database: Sendable {}

extension Database: SQLDatabase {
    public var dialect: SQLDialect { .sqlite }

    /// A write transaction takes SQLite's write lock at `BEGIN` (``TransactionKind/immediate``), so a database
    /// that another process holds is reported before any work is done.
    public func writeTransaction<T>(_ body: () throws -> T) throws -> T {
        try transaction(.immediate, body)
    }
}
