import Foundation
import Synchronization

/// Log lines held while the event loop works through one batch, then written to stderr with one system call.
///
/// A batch of 500 referrals logged about 1,500 lines, each its own `write(2)` (issue 22). Held lines are written when
/// the batch ends, whether it committed or not, so the journal still has every line, in order; what a crash in the
/// middle of a batch loses is the lines of work that was not committed either. Shared by every copy of a `Logger`,
/// like ``LogThrottle``, and a mutex because a logger may be used from any thread: a line from another thread while
/// the loop holds is queued behind the batch's lines.
final class LogBuffer: Sendable {
    private struct State {
        var holding = 0
        var lines = Data()
    }

    private let state = Mutex(State())
    /// Held lines beyond this many bytes are written at once, so a huge batch cannot hold an unbounded amount.
    private let limit: Int
    private let sink: @Sendable (Data) -> Void

    /// `sink` receives each write; stderr unless a test looks.
    init(limit: Int = 1 << 20, sink: @escaping @Sendable (Data) -> Void = { FileHandle.standardError.write($0) }) {
        self.limit = limit
        self.sink = sink
    }

    /// Writes `line`, or keeps it while a batch holds the lines.
    func write(_ line: String) {
        write(Array(line.utf8))
    }

    /// Writes the line's bytes (UTF-8, ending in a newline), or keeps them while a batch holds the lines.
    func write(_ line: [UInt8]) {
        let ready: Data? = state.withLock { state in
            guard state.holding > 0 else { return Data(line) }
            state.lines.append(contentsOf: line)
            guard state.lines.count >= limit else { return nil }
            defer { state.lines = Data() }
            return state.lines
        }
        if let ready { sink(ready) }
    }

    /// Runs `body` with the lines held; they are written when the outermost hold ends.
    func holding<T>(_ body: () throws -> T) rethrows -> T {
        state.withLock { $0.holding += 1 }
        defer {
            let ready: Data? = state.withLock { state in
                state.holding -= 1
                guard state.holding == 0, !state.lines.isEmpty else { return nil }
                defer { state.lines = Data() }
                return state.lines
            }
            if let ready { self.sink(ready) }
        }
        return try body()
    }
}
