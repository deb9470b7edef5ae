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
