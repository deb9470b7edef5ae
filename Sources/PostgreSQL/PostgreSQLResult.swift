internal import CPostgreSQL
import Storage

/// The sole owner of one `PGresult`, freed when it goes away; rows are copied out as ``Row`` values.
final class PostgreSQLResult {
    private let handle: OpaquePointer

    init(_ handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        PQclear(handle)
    }

    /// The command succeeded: it returned rows, or none, or the query text was empty.
    var succeeded: Bool {
        switch PQresultStatus(handle) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY: return true
        default: return false
        }
    }

    /// The server skipped the statement because an earlier one in the same pipeline failed.
    var isPipelineAborted: Bool { PQresultStatus(handle) == PGRES_PIPELINE_ABORTED }

    /// The result that marks a pipeline's sync point: everything sent before it has been answered.
    var isPipelineSync: Bool { PQresultStatus(handle) == PGRES_PIPELINE_SYNC }

    /// The command tag: `INSERT 0 1`, `UPDATE 3`, `COMMIT`, and `ROLLBACK` for a `COMMIT` of a failed transaction.
    var commandStatus: String {
        String(cString: PQcmdStatus(handle))
    }

    /// The rows an `INSERT`, `UPDATE`, `DELETE` or `MERGE` touched, or `nil` for any other command.
    ///
    /// `PQcmdTuples` counts the rows of a `SELECT` (and `MOVE`, `FETCH`, `COPY`) too; those are not changes, and
    /// SQLite's count, which ``SQLDatabase/changes`` mirrors, leaves them out.
    var changedRows: Int? {
        let verb = commandStatus.prefix { $0 != " " }
        guard ["INSERT", "UPDATE", "DELETE", "MERGE"].contains(verb) else { return nil }
        return Int(String(cString: PQcmdTuples(handle))) ?? 0
    }

    /// The error this result reports, with the SQLSTATE and primary message the server sent.
    func error(operation: String, connectionBroken: Bool) -> PostgreSQLError {
        let primary = field(cpostgresql_diag_message_primary()) ?? String(cString: PQresultErrorMessage(handle))
        return PostgreSQLError(
            sqlState: field(cpostgresql_diag_sqlstate()),
            message: primary.isEmpty ? String(cString: PQresStatus(PQresultStatus(handle))) : primary,
            operation: operation,
            connectionBroken: connectionBroken
        )
    }

    private func field(_ code: Int32) -> String? {
        PQresultErrorField(handle, code).map { String(cString: $0) }
    }

    /// Every row, each value converted by its column's type (``SQLValue/init(postgreSQLText:type:)``).
    func rows() -> [Row] {
        let columnCount = PQnfields(handle)
        let columns = (0..<columnCount).map { String(cString: PQfname(handle, $0)) }
        let types = (0..<columnCount).map { PQftype(handle, $0) }
        return (0..<PQntuples(handle)).map { row in
            let values = (0..<columnCount).map { column -> SQLValue in
                guard PQgetisnull(handle, row, column) == 0, let text = PQgetvalue(handle, row, column) else {
                    return .null
                }
                return SQLValue(postgreSQLText: text, type: types[Int(column)])
            }
            return Row(columns: columns, values: values)
        }
    }
}
