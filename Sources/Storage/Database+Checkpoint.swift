internal import CSQLite

extension Database {
    /// The modes of `sqlite3_wal_checkpoint_v2`; see <https://sqlite.org/c3ref/wal_checkpoint_v2.html>.
    public enum CheckpointMode: Sendable {
        /// Copies what it can without waiting for readers or the writer: never blocks anyone.
        case passive
        /// Waits (with the busy timeout) until it can copy everything.
        case full
        /// Like ``full``, then waits until the next writer can start the log from the beginning.
        case restart
        /// Like ``restart``, and truncates the log file to zero bytes.
        case truncate

        var code: Int32 {
            switch self {
            case .passive: SQLITE_CHECKPOINT_PASSIVE
            case .full: SQLITE_CHECKPOINT_FULL
            case .restart: SQLITE_CHECKPOINT_RESTART
            case .truncate: SQLITE_CHECKPOINT_TRUNCATE
            }
        }
    }

    /// What a checkpoint found and did, in WAL frames (pages).
    public struct CheckpointResult: Sendable, Equatable {
        /// Frames in the log.
        public var logFrames: Int
        /// Frames of the log that are now copied into the database file.
        public var checkpointedFrames: Int
    }

    /// Copies the write-ahead log into the database file.
    ///
    /// A busy checkpoint (another connection is checkpointing) is not an error for ``CheckpointMode/passive``: it
    /// returns what the log holds, and the next checkpoint catches up.
    @discardableResult
    public func checkpoint(_ mode: CheckpointMode) throws -> CheckpointResult {
        try connection.withUnsafeHandle("sqlite3_wal_checkpoint_v2") { database in
            var log: Int32 = 0
            var checkpointed: Int32 = 0
            let code = sqlite3_wal_checkpoint_v2(database, nil, mode.code, &log, &checkpointed)
            if code != SQLITE_OK && !(code == SQLITE_BUSY && mode == .passive) {
                try check(code, database, "sqlite3_wal_checkpoint_v2")
            }
            return CheckpointResult(logFrames: Int(max(log, 0)), checkpointedFrames: Int(max(checkpointed, 0)))
        }
    }

    /// Turns off SQLite's automatic checkpoint on this connection and counts the log instead
    /// (``framesInWAL``), so the owner decides when and on which thread the log is copied.
    ///
    /// The automatic checkpoint runs inside `COMMIT` on the committing thread: on a broker's event loop that is a
    /// stall of tens to hundreds of milliseconds every thousand pages, while every peer waits. With this, a
    /// ``WALCheckpointer`` on its own thread does the copying, and the loop only looks at the count.
    public func countWALInsteadOfCheckpointing() throws {
        try connection.withUnsafeHandle("sqlite3_wal_hook") { database in
            // The hook replaces sqlite3_wal_autocheckpoint (which is itself a WAL hook). It runs on this
            // connection's thread, inside the commit, and only records the count.
            let counter = Unmanaged.passUnretained(walCounter).toOpaque()
            _ = sqlite3_wal_hook(
                database,
                { context, _, _, frames in
                    guard let context else { return SQLITE_OK }
                    Unmanaged<WALCounter>.fromOpaque(context).takeUnretainedValue().frames = Int(frames)
                    return SQLITE_OK
                }, counter)
        }
    }

    /// The frames in the write-ahead log after this connection's latest commit (0 before the first, or when
    /// ``countWALInsteadOfCheckpointing()`` was not called). It drops when a writer starts the log over after a
    /// complete checkpoint.
    public var framesInWAL: Int { walCounter.frames }
}

/// Where the WAL hook of a ``Database`` writes the log's size; owned by the database, so it outlives the hook.
final class WALCounter {
    var frames = 0
}
