internal import CPostgreSQL
import Storage

/// Deferred writes: inside a transaction, statements whose results nobody reads are sent in libpq's pipeline mode
/// and their results read together at the next flush, so a batch of writes costs one round trip.
///
/// The pipeline is entered when the first statement is deferred and left at the flush, so outside a flush libpq is
/// in its ordinary mode whenever nothing is deferred (`PQexec` refuses to run in pipeline mode).
extension PostgreSQLDatabase {
    /// One thing sent in the pipeline whose result is not read yet.
    struct DeferredStatement {
        /// The SQL as the caller wrote it, which an error names.
        let operation: String
        let kind: Kind

        enum Kind {
            /// Preparing the statement under a name already recorded for `key`; forgotten again if it fails.
            case prepare(PreparedKey)
            /// Running a prepared statement.
            case execute
            /// A read or a transaction command (`SAVEPOINT`, `RELEASE`, `COMMIT`) sent last before the sync, whose
            /// result the flush returns.
            case answer
        }
    }

    /// Sends `sql` with `arguments` in the pipeline, preparing it first (in the same pipeline) when this session has
    /// not yet, and returns without waiting for the server. `kind` is `.answer` for a read that the caller flushes
    /// right away.
    func sendDeferred(_ sql: String, _ arguments: [SQLValue], kind: DeferredStatement.Kind = .execute) throws {
        let parameters = Parameters(arguments)
        try withConnection(sql) { connection in
            let key = PreparedKey(sql: sql, types: parameters.types)
            let known = preparedStatements[key]
            // Checked before entering pipeline mode, so a misuse leaves the connection as it was.
            let fresh = known == nil ? try newPreparedName(sql, parameters) : nil
            if deferred.isEmpty {
                guard PQenterPipelineMode(connection) == 1 else { throw sendFailure(connection, sql) }
            }
            if let fresh {
                guard PQsendPrepare(connection, fresh.name, fresh.numbered, parameters.count, parameters.types) == 1
                else { throw sendFailure(connection, sql) }
                preparedStatements[key] = fresh.name
                deferred.append(DeferredStatement(operation: sql, kind: .prepare(key)))
            }
            let name = known ?? fresh?.name ?? ""
            try parameters.withUnsafeArrays { values, lengths, formats in
                guard PQsendQueryPrepared(connection, name, parameters.count, values, lengths, formats, 0) == 1 else {
                    throw sendFailure(connection, sql)
                }
            }
            deferred.append(DeferredStatement(operation: sql, kind: kind))
        }
    }

    /// Sends a transaction command without arguments (`SAVEPOINT x`) in the pipeline without waiting; the caller has
    /// flushed what came before it. The command's own error, if any, is thrown by the next flush.
    func deferCommand(_ sql: String) throws {
        try withConnection(sql) { connection in
            guard PQenterPipelineMode(connection) == 1 else { throw sendFailure(connection, sql) }
            guard PQsendQueryParams(connection, sql, 0, nil, nil, nil, nil, 0) == 1 else {
                throw sendFailure(connection, sql)
            }
            deferred.append(DeferredStatement(operation: sql, kind: .answer))
        }
    }

    /// Runs one transaction command without arguments (`SAVEPOINT x`, `RELEASE SAVEPOINT x`, `COMMIT`) after the
    /// deferred statements, in the same round trip, and returns its result. A deferred statement's error is thrown
    /// instead, and the command, which the server then skipped, did not run.
    func transactionCommand(_ sql: String) throws -> PostgreSQLResult {
        guard !deferred.isEmpty else { return try simpleQuery(sql) }
        return try withConnection(sql) { connection in
            guard PQsendQueryParams(connection, sql, 0, nil, nil, nil, nil, 0) == 1 else {
                throw sendFailure(connection, sql)
            }
            deferred.append(DeferredStatement(operation: sql, kind: .answer))
            guard let result = try flushDeferred(connection) else {
                throw PostgreSQLError.misuse("the server sent no result", operation: sql)
            }
            return result
        }
    }

    /// Ends the pipeline with a sync, reads every deferred statement's result in order and leaves pipeline mode;
    /// throws the first failure, naming its statement. Returns the result of the statement sent last as `.answer`
    /// (a read, or a ``transactionCommand(_:)``).
    ///
    /// After a failure the server skips the rest up to the sync (`PGRES_PIPELINE_ABORTED` each); those are read too,
    /// so the connection is usable again, with its transaction failed until the caller rolls it back.
    @discardableResult
    func flushDeferred(_ connection: OpaquePointer) throws(PostgreSQLError) -> PostgreSQLResult? {
        guard !deferred.isEmpty else { return nil }
        let statements = deferred
        deferred.removeAll()
        roundTripCount += 1
        guard PQpipelineSync(connection) == 1 else {
            throw sendFailure(connection, statements[statements.count - 1].operation)
        }
        var failure: PostgreSQLError?
        var answer: PostgreSQLResult?
        for statement in statements {
            guard let raw = PQgetResult(connection) else {
                // Each statement yields a result before its end marker; none means the connection failed.
                failure = failure ?? sendFailure(connection, statement.operation)
                break
            }
            let result = PostgreSQLResult(raw)
            // The end marker (NULL) of this statement's results.
            while let extra = PQgetResult(connection) { PQclear(extra) }
            if result.succeeded {
                if let changed = result.changedRows { lastChanges = changed }
                if case .answer = statement.kind { answer = result }
                continue
            }
            switch statement.kind {
            case .prepare(let key): preparedStatements[key] = nil
            case .execute: lastChanges = 0
            case .answer: break
            }
            if failure == nil, !result.isPipelineAborted {
                failure = result.error(
                    operation: statement.operation, connectionBroken: PQstatus(connection) == CONNECTION_BAD)
            }
            if PQstatus(connection) == CONNECTION_BAD { break }
        }
        if PQstatus(connection) == CONNECTION_OK {
            let sync = PQgetResult(connection).map(PostgreSQLResult.init)
            if sync?.isPipelineSync != true || PQexitPipelineMode(connection) != 1 {
                failure = failure ?? sendFailure(connection, "the end of a pipeline")
            }
        }
        if let failure {
            // A statement error seen just before the connection broke is still a lost connection to the caller.
            guard PQstatus(connection) == CONNECTION_BAD, !failure.isConnectionLost else { throw failure }
            throw PostgreSQLError(
                sqlState: failure.sqlState, message: failure.message, operation: failure.operation,
                connectionBroken: true)
        }
        return answer
    }

    /// Flushes the deferred statements for a property that cannot throw (``changes``, ``isInTransaction``); an error
    /// waits in ``unreportedError`` for the next call, or for the rollback that ``takeDeferredError()`` prepares.
    func flushReportingLater() {
        guard !deferred.isEmpty, let handle else { return }
        do throws(PostgreSQLError) {
            try flushDeferred(handle)
        } catch {
            unreportedError = unreportedError ?? error
        }
    }

    /// Before a rollback: reads the deferred statements' results and returns the first error among them (or one
    /// found earlier by ``flushReportingLater()``), which happened before whatever made the caller roll back.
    func takeDeferredError() -> PostgreSQLError? {
        flushReportingLater()
        defer { unreportedError = nil }
        return unreportedError
    }

    /// libpq could not send (or read the end of) the pipeline: the connection failed, or the wrapper misused libpq.
    private func sendFailure(_ connection: OpaquePointer, _ operation: String) -> PostgreSQLError {
        PostgreSQLError(
            sqlState: nil, message: String(cString: PQerrorMessage(connection)), operation: operation,
            connectionBroken: PQstatus(connection) == CONNECTION_BAD)
    }
}
