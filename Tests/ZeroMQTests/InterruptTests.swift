#if os(Linux)
    import Foundation
    import Glibc
    import Testing
    import ZeroMQ

    /// Signals interrupt system calls with `EINTR`; the wrapper must retry, not fail or return early.
    @Suite struct InterruptTests {
        @Test func pollRetriesAfterASignalAndStillWaitsOutItsTimeout() throws {
            let outcome = try Self.runWhileSignalled {
                let context = try ZMQContext()
                let socket = try context.socket(.pull)
                var poller = ZMQPoller()
                poller.add(socket)
                return try poller.poll(timeoutMilliseconds: 300) == [[]]
            }
            #expect(outcome.error == nil)
            #expect(outcome.result == true)
            #expect(outcome.elapsed >= .milliseconds(290))
        }

        @Test func receiveRetriesAfterASignalAndReturnsNilOnItsTimeout() throws {
            let outcome = try Self.runWhileSignalled {
                let context = try ZMQContext()
                let socket = try context.socket(.pull)
                try socket.setReceiveTimeout(milliseconds: 300)
                return try socket.receive() == nil
            }
            #expect(outcome.error == nil)
            #expect(outcome.result == true)
            #expect(outcome.elapsed >= .milliseconds(290))
        }

        /// What the worker thread hands back; guarded by `lock`.
        private final class Outcome: @unchecked Sendable {
            let lock = NSLock()
            var thread: pthread_t = 0
            var elapsed: Duration = .zero
            var result: Bool?
            var error: (any Error)?
        }

        /// Runs `body` on a fresh thread (it owns any sockets it makes) and sends that thread `SIGUSR2` five times
        /// while it blocks; a handler without `SA_RESTART` makes the blocking system call fail with `EINTR`.
        private static func runWhileSignalled(
            _ body: @escaping @Sendable () throws -> Bool
        ) throws -> (result: Bool?, error: (any Error)?, elapsed: Duration) {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { _ in }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            #expect(sigaction(SIGUSR2, &action, nil) == 0)

            let outcome = Outcome()
            let started = DispatchSemaphore(value: 0)
            let finished = DispatchSemaphore(value: 0)
            let thread = Thread {
                // The test runner's threads may inherit a mask that blocks SIGUSR2; this one must feel it.
                var unblock = sigset_t()
                sigemptyset(&unblock)
                sigaddset(&unblock, SIGUSR2)
                pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
                outcome.lock.withLock { outcome.thread = pthread_self() }
                started.signal()
                let start = ContinuousClock.now
                do {
                    let result = try body()
                    outcome.lock.withLock { outcome.result = result }
                } catch {
                    outcome.lock.withLock { outcome.error = error }
                }
                let elapsed = ContinuousClock.now - start
                outcome.lock.withLock { outcome.elapsed = elapsed }
                finished.signal()
            }
            thread.start()
            started.wait()
            let target = outcome.lock.withLock { outcome.thread }
            for _ in 0..<5 {
                usleep(30_000)
                pthread_kill(target, SIGUSR2)
            }
            #expect(finished.wait(timeout: .now() + 5) == .success)
            return outcome.lock.withLock { (outcome.result, outcome.error, outcome.elapsed) }
        }
    }
#endif
