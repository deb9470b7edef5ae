import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension Process {
    /// `waitUntilExit()`, without turning the run loop while the child runs.
    ///
    /// Foundation's run loop on Linux never wakes from its 50 ms wait under libfaketime, so a plain
    /// `waitUntilExit()` on a running child waits forever in `make test-dates`. The process's own monitor thread
    /// still sees the child exit, so polling `isRunning` works under a fake clock too; the final
    /// `waitUntilExit()` then returns at once and lets Foundation release the process (see `startExpectingExit`).
    func waitUntilExitPolling() {
        while isRunning { usleep(2_000) }
        waitUntilExit()
    }
}

extension Process {
    /// `run()`, but never while a test holds a flood of descriptors (``SpawnGate``).
    func runGated() throws {
        SpawnGate.lock.lock()
        defer { SpawnGate.lock.unlock() }
        try run()
    }
}

/// Foundation's `Process.run` reads `/proc/self/fd` into a fixed buffer to close inherited descriptors, and overflows
/// it (AddressSanitizer reports a heap-buffer-overflow in `findMaximumOpenFromProcSelfFD`) when the test process
/// holds more than a few thousand: the connection-limit test's flood of idle TCP connections. Tests run in
/// parallel, so every spawn goes through this lock, and the flood holds it while its descriptors are open.
enum SpawnGate {
    static let lock = NSLock()
}
