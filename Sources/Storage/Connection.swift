internal import CSQLite

/// The sole owner of one `sqlite3*` handle.
///
/// Kept apart from ``Database`` so that statements can hold on to the connection (to report errors, and to
/// notice that it was closed) without a reference cycle through the database's statement cache.
/// Not thread-safe: it is confined to the thread that owns its ``Database``.
final class Connection {
    private var handle: OpaquePointer?

    /// Opens the database file; on failure the half-opened handle is released here.
    ///
    /// `SQLITE_OPEN_NOMUTEX` is added to `flags`: a connection is confined to one thread at a time (``Database`` is
    /// not `Sendable`), so SQLite's own mutex on the connection and its b-trees guards nothing, and a referral took
    /// it about 160 times (issue 22).
    init(path: String, flags: Int32) throws {
        Self.configureLibrary()
        var opened: OpaquePointer?
        let resultCode = sqlite3_open_v2(path, &opened, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard resultCode == SQLITE_OK, let opened else {
            let error = SQLiteError(resultCode: resultCode, connection: opened, operation: "open \(path)")
            // sqlite3_open_v2 allocates a handle even when it fails. With no statements prepared yet,
            // sqlite3_close_v2 can only return SQLITE_OK; the open error is what the caller needs.
            _ = sqlite3_close_v2(opened)
            throw error
        }
        handle = opened
        do {
            // Report SQLITE_CONSTRAINT_UNIQUE rather than just SQLITE_CONSTRAINT, and so on.
            try check(sqlite3_extended_result_codes(opened, 1), opened, "sqlite3_extended_result_codes")
        } catch {
            _ = sqlite3_close_v2(opened)
            handle = nil
            throw error
        }
    }

    var isOpen: Bool { handle != nil }

    /// Configures the library once, before any connection is opened: this process never asks SQLite how much memory
    /// it uses, and keeping that count took a global mutex on every allocation, about 330 per referral (issue 22).
    /// `sqlite3_config` must not run beside any other SQLite call; a Swift global is initialized once, under a lock,
    /// and every connection is opened here. If SQLite was already initialized (it never is by this process's other
    /// code), the call is refused and the count stays on, which is only slower.
    private static func configureLibrary() { _ = libraryConfigured }
    private static let libraryConfigured: Bool = {
        let disabled = csqlite_disable_memory_statistics() == SQLITE_OK
        return sqlite3_initialize() == SQLITE_OK && disabled
    }()

    /// Gives `body` the raw handle; throws instead when the connection was closed.
    func withUnsafeHandle<T>(
        _ operation: @autoclosure () -> String,
        _ body: (OpaquePointer) throws -> T
    ) throws -> T {
        guard let handle else { throw SQLiteError.misuse("database is closed", operation: operation()) }
        return try body(handle)
    }

    /// Closes the handle; idempotent. With `sqlite3_close_v2`, statements still alive elsewhere keep the
    /// connection as a zombie until they are finalized, so this never fails because of them.
    func close() throws {
        guard let handle else { return }
        try check(sqlite3_close_v2(handle), handle, "close")
        self.handle = nil
    }

    deinit {
        do {
            try close()
        } catch {
            assertionFailure("closing the SQLite connection failed: \(error)")
        }
    }
}
