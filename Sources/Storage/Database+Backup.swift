internal import CSQLite
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension Database {
    /// Writes a consistent copy of the whole database to a new file at `path`, through SQLite's online backup API
    /// (`sqlite3_backup_*`), while this connection stays usable.
    ///
    /// The copy is made in one step, so it is a snapshot of one moment even while other connections write; it is
    /// written to `path` plus `.partial` first and renamed into place only when complete, so `path` never holds half
    /// a backup. The file gets mode 0600: a backup holds everything the database does, personal data included.
    /// Throws when `path` exists already, rather than overwrite something an operator meant to keep.
    /// Returns the number of pages copied.
    @discardableResult
    public func backup(to path: String) throws -> Int {
        let operation = "backup to \(path)"
        guard !FileManager.default.fileExists(atPath: path) else {
            throw SQLiteError.failure("the file exists already", operation: operation)
        }
        let partial = path + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        let target = try Connection(path: partial, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        var pages = 0
        do {
            try target.withUnsafeHandle(operation) { destination in
                try connection.withUnsafeHandle(operation) { source in
                    guard let backup = sqlite3_backup_init(destination, "main", source, "main") else {
                        try check(sqlite3_errcode(destination), destination, "sqlite3_backup_init: \(operation)")
                        throw SQLiteError.failure("sqlite3_backup_init failed", operation: operation)
                    }
                    let stepResult = sqlite3_backup_step(backup, -1)
                    pages = Int(sqlite3_backup_pagecount(backup))
                    // finish releases the backup object whatever the step said; its code repeats the step's error.
                    let finishResult = sqlite3_backup_finish(backup)
                    guard stepResult == SQLITE_DONE else {
                        throw SQLiteError(resultCode: stepResult, connection: destination, operation: operation)
                    }
                    try check(finishResult, destination, "sqlite3_backup_finish: \(operation)")
                }
            }
            try target.close()
            guard chmod(partial, 0o600) == 0 else {
                throw SQLiteError.failure(String(cString: strerror(errno)), operation: "chmod 0600 \(partial)")
            }
            try FileManager.default.moveItem(atPath: partial, toPath: path)
        } catch {
            try? target.close()
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
        return pages
    }
}
