internal import CPostgreSQL
import Storage

extension PostgreSQLDatabase: SQLDatabase {
    public var dialect: SQLDialect { .postgresql }

    /// Runs `body` in one `READ COMMITTED` transaction: all of its changes are stored, or (when it or the `COMMIT`
    /// throws) none, and the error is rethrown.
    ///
    /// A `COMMIT` that PostgreSQL turns into a rollback (the body swallowed a failed statement) throws too, with
    /// ``PostgreSQLError/isTransactionLost`` true. If the connection breaks inside, nothing is retried: the error says
    /// ``PostgreSQLError/isConnectionLost``, and the next call outside the transaction connects again. If the
    /// rollback itself fails, that failure is thrown instead, with the original error in its message. Transactions do
    /// not nest; use ``savepointInTransaction(_:)`` inside one.
    public func writeTransaction<T>(_ body: () throws -> T) throws -> T {
        guard !isInTransaction else {
            throw PostgreSQLError.misuse(
                "a transaction is open already; use savepointInTransaction inside it", operation: "BEGIN")
        }
        if let milliseconds = writeLockTimeoutMilliseconds {
            try execute("BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL lock_timeout = \(max(1, milliseconds))")
        } else {
            try execute("BEGIN ISOLATION LEVEL READ COMMITTED")
        }
        writeTransactionDepth += 1
        defer {
            writeTransactionDepth -= 1
            // A broken connection reports no transaction: the caller heard about it from the error, so the next
            // call may connect again.
            transactionWasOpen = isInTransaction
        }
        do {
            let result = try body()
            let commit = try transactionCommand("COMMIT")
            guard commit.commandStatus != "ROLLBACK" else {
                throw PostgreSQLError.transactionLost(
                    "a statement of the transaction had failed, so PostgreSQL rolled it back at COMMIT; nothing was "
                        + "stored", operation: "COMMIT")
            }
            return result
        } catch {
            // A deferred statement that failed did so before whatever the body threw.
            let cause = takeDeferredError() ?? error
            if isInTransaction {
                try undo("ROLLBACK", after: cause)
            }
            throw cause
        }
    }

    /// Runs `body` in a savepoint of the open transaction: on success its changes join the transaction; on error
    /// they alone are undone (`ROLLBACK TO` + `RELEASE`) and the error is rethrown, so one failing item of a batch is
    /// dropped without the others.
    ///
    /// Throws without running `body` (``PostgreSQLError/isTransactionLost`` true) when no transaction is open or the
    /// open one has failed: a savepoint would then start work its caller still counts as part of the batch.
    public func savepointInTransaction<T>(_ body: () throws -> T) throws -> T {
        // What was deferred before the savepoint is settled first: its errors belong to the caller, not the body.
        if !deferred.isEmpty {
            _ = try withConnection("SAVEPOINT") { connection in try flushDeferred(connection) }
        }
        guard transactionStatus == PQTRANS_INTRANS else {
            throw PostgreSQLError.transactionLost(
                "no transaction is open, or it has failed; nothing was run", operation: "SAVEPOINT")
        }
        savepointDepth += 1
        defer { savepointDepth -= 1 }
        let name = "schakel_savepoint_\(savepointDepth)"
        // Sent with the body's writes and the RELEASE: one round trip for a savepoint that only writes.
        try deferCommand("SAVEPOINT \(name)")
        do {
            let result = try body()
            _ = try transactionCommand("RELEASE SAVEPOINT \(name)")
            return result
        } catch {
            // A deferred statement that failed did so before whatever the body threw.
            let cause = takeDeferredError() ?? error
            if isInTransaction {
                try undo("ROLLBACK TO SAVEPOINT \(name); RELEASE SAVEPOINT \(name)", after: cause)
            }
            throw cause
        }
    }

    /// Runs the rollback `sql`; if that fails too, throws its error annotated with the one that caused it.
    private func undo(_ sql: String, after cause: any Error) throws {
        do {
            try execute(sql)
        } catch let failure as PostgreSQLError {
            throw PostgreSQLError(
                sqlState: failure.sqlState,
                message: "\(failure.message) (while undoing after: \(cause))",
                operation: failure.operation,
                connectionBroken: failure.connectionBroken,
                kind: failure.kind
            )
        }
    }
}
