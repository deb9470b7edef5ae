import Foundation

/// Copies a database's write-ahead log into the database file on a thread of its own, with its own connection.
///
/// In WAL mode every commit appends pages to the log, and something must copy them back into the database file
/// (a checkpoint) before the log can start over. SQLite does it by default inside the commit that crosses a
/// thousand pages, on the committing thread; for a broker whose one event loop commits every batch, that is a
/// stall of tens to hundreds of milliseconds in which nobody is answered. The owner of the writing connection
/// calls ``Database/countWALInsteadOfCheckpointing()`` and, after a commit that leaves the log long,
/// ``request()``: this thread then runs a passive checkpoint, which never blocks the writer.
///
/// A passive checkpoint copies what the log holds when it starts; the log starts over only when a writer finds it
/// fully copied. A writer that never pauses can therefore outrun it, which is why the owner keeps a backstop
/// (a checkpoint of its own past a much larger size).
///
/// Threading: the connection is opened, used and closed on the checkpointer's thread only; the other members
/// are guarded by `condition`. Hence `@unchecked Sendable`.
public final class WALCheckpointer: @unchecked Sendable {
    private let condition = NSCondition()
    private var requested = false
    private var stopping = false
    private var stopped = false
    private var completed = 0
    private let report: @Sendable (String) -> Void

    /// Opens a second connection to `path` with `options` on a new thread, and waits until it is open.
    ///
    /// - Parameter report: called on the checkpointer's thread with a description of a failed checkpoint (the
    ///   log is then copied at the next request, or by the owner's backstop).
    public init(path: String, options: Database.Options, report: @escaping @Sendable (String) -> Void) throws {
        self.report = report
        let opened = OpenResult()
        let thread = Thread { [self] in
            let database: Database
            do {
                database = try Database(path: path, options: options)
            } catch {
                self.markStopped()
                opened.finish(error)
                return
            }
            opened.finish(nil)
            self.serve(database)
        }
        thread.name = "wal-checkpointer"
        thread.start()
        if let error = opened.wait() { throw error }
    }

    /// Asks for a checkpoint soon. Cheap and never blocking: requests made while one runs fold into the next.
    public func request() {
        condition.lock()
        requested = true
        condition.signal()
        condition.unlock()
    }

    /// How many checkpoints ran to the end (every frame of the log copied).
    public var completedCheckpoints: Int {
        condition.lock()
        defer { condition.unlock() }
        return completed
    }

    /// Ends the thread after the checkpoint in progress, if any, and closes its connection; idempotent.
    /// Returns when the connection is closed, so the owner can close its own last and let SQLite remove the log.
    public func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !stopped { condition.wait() }
        condition.unlock()
    }

    deinit {
        stop()
    }

    private func serve(_ database: Database) {
        while true {
            condition.lock()
            while !requested && !stopping { condition.wait() }
            if stopping {
                condition.unlock()
                break
            }
            requested = false
            condition.unlock()
            do {
                let result = try database.checkpoint(.passive)
                condition.lock()
                if result.checkpointedFrames == result.logFrames { completed += 1 }
                condition.unlock()
            } catch {
                report("\(error)")
            }
        }
        do {
            try database.close()
        } catch {
            report("closing the checkpointer's connection: \(error)")
        }
        markStopped()
    }

    private func markStopped() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }
}

/// The outcome of opening the checkpointer's connection, handed from its thread to the caller of `init`.
private final class OpenResult: @unchecked Sendable {
    private let condition = NSCondition()
    private var done = false
    private var error: (any Error)?

    func finish(_ error: (any Error)?) {
        condition.lock()
        self.error = error
        done = true
        condition.signal()
        condition.unlock()
    }

    func wait() -> (any Error)? {
        condition.lock()
        defer { condition.unlock() }
        while !done { condition.wait() }
        return error
    }
}
