extension Database {
    /// When a transaction takes its locks; see <https://sqlite.org/lang_transaction.html>.
    public enum TransactionKind: String, Sendable {
        /// Locks are taken on first read or write; a later write can then fail with `SQLITE_BUSY`.
        case deferred = "DEFERRED"
        /// The write lock is taken at `BEGIN`, so a busy database is reported before any work is done.
        case immediate = "IMMEDIATE"
        /// Like immediate; in WAL mode the two are the same.
        case exclusive = "EXCLUSIVE"
    }

    /// Runs `body` in a transaction: `BEGIN kind`, `body`, `COMMIT`.
    ///
    /// Any error thrown by `body` or by `COMMIT` rolls everything back and is rethrown, so either all of
    /// `body`'s changes are stored or none. If the rollback itself fails, that failure is thrown instead
    /// (the connection's state is then in doubt), with the original error in its message.
    /// Transactions do not nest; use ``savepoint(_:)`` inside one.
    public func transaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
        try execute("BEGIN \(kind.rawValue) TRANSACTION")
        do {
            let result = try body()
            try execute("COMMIT TRANSACTION")
            return result
        } catch {
            if isInTransaction {
                // SQLite may already have rolled back by itself (e.g. on SQLITE_FULL); only roll back what is open.
                try undo("ROLLBACK TRANSACTION", after: error)
            }
            throw error
        }
    }

    /// Runs `body` inside a savepoint: on success its changes join the enclosing transaction; on error
    /// they alone are undone (`ROLLBACK TO` + `RELEASE`) and the error is rethrown.
    ///
    /// This lets one failing item of a batch be dropped without losing the others. Outside a transaction,
    /// the savepoint behaves as a deferred transaction of its own.
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        savepointDepth += 1
        defer { savepointDepth -= 1 }
        let sql = Self.savepointSQL(depth: savepointDepth)
        try run(sql.begin)
        do {
            let result = try body()
            try run(sql.release)
            return result
        } catch {
            if isInTransaction {
                try undo(sql.undo, after: error)
            }
            throw error
        }
    }

    /// The statements of a savepoint at `depth`, as text that stays the same, so that ``run(_:_:)`` prepares
    /// them once and keeps them: a batch opens and releases a savepoint for every item, and `sqlite3_exec` parsed
    /// both every time (some 4% of a referral's instructions, issue 22). Made once for the depths a batch uses.
    private static func savepointSQL(depth: Int) -> (begin: String, release: String, undo: String) {
        depth < savepointSQLByDepth.count ? savepointSQLByDepth[depth] : makeSavepointSQL(depth: depth)
    }

    private static let savepointSQLByDepth = (0..<4).map { makeSavepointSQL(depth: $0) }

    private static func makeSavepointSQL(depth: Int) -> (begin: String, release: String, undo: String) {
        let name = "storage_savepoint_\(depth)"
        return (
            "SAVEPOINT \(name)", "RELEASE SAVEPOINT \(name)", "ROLLBACK TO SAVEPOINT \(name); RELEASE SAVEPOINT \(name)"
        )
    }

    /// ``savepoint(_:)`` for one item of a batch, refused when the enclosing transaction is gone.
    ///
    /// On some errors (`SQLITE_FULL`, `SQLITE_IOERR`, `SQLITE_NOMEM`) SQLite rolls the whole transaction back by
    /// itself. A plain savepoint after that would start a transaction of its own and commit at its `RELEASE`:
    /// work its caller still counts as part of the batch, whose `COMMIT` then fails. So this one throws (a
    /// `SQLiteError` whose ``SQLiteError/isTransactionLost`` is true) without running `body`: the caller answers
    /// that nothing was recorded, which is now the truth.
    public func savepointInTransaction<T>(_ body: () throws -> T) throws -> T {
        try requireTransaction()
        return try savepoint(body)
    }

    /// Throws ``SQLiteError/transactionLost(operation:)`` when the batch's transaction is gone, so that no item of
    /// it runs (and commits) on its own.
    private func requireTransaction() throws {
        guard isInTransaction else {
            throw SQLiteError.transactionLost(operation: "SAVEPOINT")
        }
    }

    /// ``SQLDatabase/withoutSavepoint(_:)``: whether a failed `body` changed anything is told by SQLite's count of
    /// the rows changed on this connection, which a statement that fails adds nothing to (SQLite undoes a failed
    /// statement's own changes), and by whether the transaction is still open (`SQLITE_FULL` and I/O errors may end
    /// it). The count includes what trigger programs (an `INSTEAD OF` trigger's too) and foreign key actions write;
    /// it leaves out only the rows a `REPLACE` deletes to make room, never the row it writes, so every statement that
    /// wrote anything is counted (SQLite's documentation of `sqlite3_total_changes`).
    public func withoutSavepoint<T>(_ body: () throws -> T) throws -> T {
        try requireTransaction()
        let changed = totalChanges
        do {
            return try body()
        } catch {
            guard isInTransaction, totalChanges == changed else { throw SavepointNeeded(cause: error) }
            throw error
        }
    }

    /// Runs the rollback `sql`; if that fails too, throws its error annotated with the one that caused it.
    private func undo(_ sql: String, after cause: any Error) throws {
        do {
            try execute(sql)
        } catch let failure as SQLiteError {
            throw SQLiteError(
                extendedCode: failure.extendedCode,
                message: "\(failure.message) (while undoing after: \(cause))",
                operation: failure.operation
            )
        }
    }
}
