#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive, advisory `flock(2)` on a file, held until ``release()`` or until the process ends.
///
/// It exists so that two daemons never share one state directory: the second finds the lock held and refuses to
/// start, before it opens the database or binds (and so steals) the first one's `ipc://` endpoints. The kernel drops
/// the lock with the last descriptor, so a daemon killed with SIGKILL leaves nothing stale behind; the file itself
/// stays and is harmless.
///
/// Not thread-safe; one owner (the broker's start-up and its `close()`).
public final class LockFile {
    /// The path of the lock file.
    public let path: String
    private var descriptor: Int32

    /// Opens (creating with mode 0600 when missing) `path` and takes the exclusive lock without waiting.
    ///
    /// - Throws: ``LockFileError`` with ``LockFileError/isHeld`` true when another process holds the lock, or
    ///   the `errno` of the failed `open`/`flock` otherwise.
    public init(path: String) throws {
        self.path = path
        let fd = Self.retryingEINTR { open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600) }
        guard fd >= 0 else { throw LockFileError(errno: errno, path: path, operation: "open") }
        guard Self.retryingEINTR({ flock(fd, LOCK_EX | LOCK_NB) }) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw LockFileError(errno: code, path: path, operation: "flock")
        }
        descriptor = fd
    }

    /// Drops the lock by closing the descriptor. Idempotent.
    public func release() {
        guard descriptor >= 0 else { return }
        Glibc.close(descriptor)
        descriptor = -1
    }

    deinit { release() }

    private static func retryingEINTR(_ call: () -> Int32) -> Int32 {
        while true {
            let result = call()
            if result == -1 && errno == EINTR { continue }
            return result
        }
    }
}

/// Why a ``LockFile`` could not be taken: the `errno`, its message, the file and the call.
public struct LockFileError: Error, Sendable, CustomStringConvertible {
    /// The `errno` of the failed call.
    public let code: Int32
    /// `strerror(code)`.
    public let message: String
    /// The lock file.
    public let path: String
    /// `open` or `flock`.
    public let operation: String

    init(errno code: Int32, path: String, operation: String) {
        self.code = code
        self.message = String(cString: strerror(code))
        self.path = path
        self.operation = operation
    }

    /// Another process holds the lock (`EWOULDBLOCK`).
    public var isHeld: Bool { operation == "flock" && code == EWOULDBLOCK }

    public var description: String { "\(operation) \(path): \(message) (errno \(code))" }
}
