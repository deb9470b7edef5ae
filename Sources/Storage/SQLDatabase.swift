/// What the broker's store asks of a database, so one store runs on SQLite (``Database``, the embedded default) and
/// on PostgreSQL (the `PostgreSQL` module's `PostgreSQLDatabase`, for more than one machine).
///
/// SQL is written once with `?` placeholders; a PostgreSQL connection numbers them (`$1`, `$2`, ...) itself. Where
/// the two engines spell a thing differently (JSON, upserts of old SQLite), the store asks ``dialect``.
///
/// Like ``Database``, a conforming connection is owned by one thread.
public protocol SQLDatabase: AnyObject {
    /// Which engine this is, for the few statements the two spell differently.
    var dialect: SQLDialect { get }

    /// Runs one or more statements without arguments: schema scripts, `BEGIN`/`COMMIT`.
    func execute(_ sql: String) throws

    /// Runs one statement with `arguments` bound to its `?` placeholders, to completion.
    func run(_ sql: String, _ arguments: [SQLValue]) throws

    /// Runs one statement and returns all its rows.
    func query(_ sql: String, _ arguments: [SQLValue]) throws -> [Row]

    /// Runs one statement and returns its first row, or `nil` when there is none.
    func queryOne(_ sql: String, _ arguments: [SQLValue]) throws -> Row?

    /// The number of rows inserted, updated or deleted by the most recent such statement.
    var changes: Int { get }

    /// Whether a transaction is open on this connection.
    var isInTransaction: Bool { get }

    /// Runs `body` in one write transaction: all of its changes are stored, or (when it or the commit throws)
    /// none, and the error is rethrown.
    func writeTransaction<T>(_ body: () throws -> T) throws -> T

    /// Runs `body` in a savepoint of the open transaction, so one failing item of a batch is dropped without the
    /// others; throws without running `body` when the enclosing transaction is gone.
    func savepointInTransaction<T>(_ body: () throws -> T) throws -> T

    /// Runs `body` in the open transaction without a savepoint, for an item of a batch that will most likely
    /// succeed: a savepoint makes SQLite copy every page the item changes a second time (issue 22). When `body`
    /// throws having changed nothing, its error is rethrown and the transaction is as it was; when it throws after
    /// changing something, or the transaction is gone, ``SavepointNeeded`` is thrown instead. An engine that cannot
    /// tell runs `body` in a savepoint (the default), and never throws that.
    func withoutSavepoint<T>(_ body: () throws -> T) throws -> T

    /// Closes the connection; calling it again does nothing.
    func close() throws
}

/// The SQL engine behind an ``SQLDatabase``.
public enum SQLDialect: String, Sendable {
    case sqlite
    case postgresql

    /// The text of `key` in the JSON object held (as text) by the column or expression `json`.
    public func jsonText(_ json: String, _ key: String) -> String {
        switch self {
        case .sqlite: return "json_extract(\(json), '$.\(key)')"
        case .postgresql: return "((\(json))::jsonb ->> '\(key)')"
        }
    }

    /// A subquery of one text column holding the elements of the JSON array of strings bound to its one `?`.
    public var jsonArrayElements: String {
        switch self {
        case .sqlite: return "SELECT value FROM json_each(?)"
        case .postgresql: return "SELECT jsonb_array_elements_text(CAST(? AS jsonb))"
        }
    }

    /// A subquery of one integer column holding the elements of the JSON array of integers bound to its one `?`:
    /// `column IN (…)` with it can use an index on an integer column, which a text comparison cannot.
    public var jsonArrayIntegers: String {
        switch self {
        case .sqlite: return "SELECT value FROM json_each(?)"
        case .postgresql: return "SELECT CAST(jsonb_array_elements_text(CAST(? AS jsonb)) AS BIGINT)"
        }
    }
}

extension SQLDatabase {
    /// ``withoutSavepoint(_:)`` for an engine that cannot count what a failed `body` changed: in a savepoint.
    public func withoutSavepoint<T>(_ body: () throws -> T) throws -> T {
        try savepointInTransaction(body)
    }

    /// ``run(_:_:)`` without arguments.
    public func run(_ sql: String) throws { try run(sql, []) }

    /// ``query(_:_:)`` without arguments.
    public func query(_ sql: String) throws -> [Row] { try query(sql, []) }

    /// ``queryOne(_:_:)`` without arguments.
    public func queryOne(_ sql: String) throws -> Row? { try queryOne(sql, []) }
}

extension SQLDialect {
    /// The smaller of two values (SQLite's two-argument `MIN`, PostgreSQL's `LEAST`).
    public func least(_ a: String, _ b: String) -> String {
        switch self {
        case .sqlite: return "MIN(\(a), \(b))"
        case .postgresql: return "LEAST(\(a), \(b))"
        }
    }
}
