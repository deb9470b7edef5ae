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
    /// a backup. The file has mode 0600 from its creation on (umask or not): a backup holds everything the database
    /// does, personal data included.
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
        // Created here, exclusively and with mode 0600 whatever the umask, before SQLite opens it: a file SQLite
        // creates gets the umask's mode, and a chmod once it is written leaves a window in which others may open it
        // (and keep reading through that descriptor).
        let fd = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            throw SQLiteError.failure(String(cString: strerror(errno)), operation: "create \(partial) with mode 0600")
        }
        Glibc.close(fd)
        let target: Connection
        do {
            target = try Connection(path: partial, flags: SQLITE_OPEN_READWRITE)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
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
            try FileManager.default.moveItem(atPath: partial, toPath: path)
        } catch {
            try? target.close()
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
        return pages
    }
}
