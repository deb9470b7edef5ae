import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One run of the sendmail program: the message on its stdin, its stderr kept for the log, reaped by polling.
///
/// `posix_spawn` rather than Foundation's `Process`, and `waitpid(WNOHANG)` with short `poll` sleeps rather than
/// `waitUntilExit`: Foundation's run loop never wakes under libfaketime (`make test-dates`), and a poll loop also
/// lets one thread feed stdin, read stderr and watch the timeout without helpers. The child leads a process group
/// of its own, so a timeout kills what it started too (a shell script's `sleep`, a stuck DNS helper).
enum MailerChild {
    enum Outcome: Equatable {
        case exited(status: Int32, detail: String)
        case signaled(signal: Int32, detail: String)
        /// Still running at the timeout: killed.
        case timedOut(detail: String)
        /// The program could not be started (errno), or its pipes not made.
        case notStarted(errno: Int32)

        /// The log fields of a failure (`exit=75 detail="…"`), with `recipient` blanked out of the program's own
        /// words; nil for a delivery.
        func failure(redacting recipient: String) -> [(String, String)]? {
            func cleaned(_ detail: String) -> [(String, String)] {
                let text = recipient.isEmpty ? detail : detail.replacingOccurrences(of: recipient, with: "<to>")
                return text.isEmpty ? [] : [("detail", text)]
            }
            switch self {
            case .exited(0, _): return nil
            case .exited(let status, let detail): return [("exit", "\(status)")] + cleaned(detail)
            case .signaled(let signal, let detail): return [("signal", "\(signal)")] + cleaned(detail)
            case .timedOut(let detail): return [("reason", "timeout")] + cleaned(detail)
            case .notStarted(let code): return [("reason", "not_started"), ("error", String(cString: strerror(code)))]
            }
        }
    }

    /// How much of the program's stderr is kept: its last line is what the log shows.
    private static let stderrLimit = 4_096

    static func run(
        _ argv: [String], input: [UInt8], timeout: Duration, now: () -> ContinuousClock.Instant
    ) -> Outcome {
        guard let program = argv.first else { return .notStarted(errno: ENOENT) }
        var stdinPipe: [Int32] = [-1, -1]
        var stderrPipe: [Int32] = [-1, -1]
        guard MailerPipe.make(&stdinPipe) else { return .notStarted(errno: errno) }
        guard MailerPipe.make(&stderrPipe) else {
            let code = errno
            close(stdinPipe[0])
            close(stdinPipe[1])
            return .notStarted(errno: code)
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A group of its own (to kill it whole), no blocked signals (the worker blocks SIGPIPE), and the signals a
        // daemon ignores back to their defaults: an ignored signal stays ignored across exec.
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, program, &actions, &attributes, &cArguments, environ)
        close(stdinPipe[0])
        close(stderrPipe[1])
        guard spawned == 0 else {
            close(stdinPipe[1])
            close(stderrPipe[0])
            return .notStarted(errno: spawned)
        }
        _ = fcntl(stdinPipe[1], F_SETFL, fcntl(stdinPipe[1], F_GETFL) | O_NONBLOCK)
        _ = fcntl(stderrPipe[0], F_SETFL, fcntl(stderrPipe[0], F_GETFL) | O_NONBLOCK)

        var feeder = Feeder(fd: stdinPipe[1], bytes: input)
        var reader = Reader(fd: stderrPipe[0])
        defer {
            feeder.close()
            reader.close()
        }
        let deadline = now() + timeout
        var killed = false
        while true {
            var status: Int32 = 0
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid {
                reader.drain()
                let detail = reader.lastLine
                if killed { return .timedOut(detail: detail) }
                let signal = status & 0x7f
                return signal == 0
                    ? .exited(status: (status >> 8) & 0xff, detail: detail) : .signaled(signal: signal, detail: detail)
            }
            if reaped < 0, errno != EINTR {
                // ECHILD: someone else reaped it. Nothing says whether the message went out; count it as failed.
                return .notStarted(errno: errno)
            }
            if !killed, now() >= deadline {
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
                killed = true
            }
            var descriptors: [pollfd] = []
            if feeder.isOpen { descriptors.append(pollfd(fd: feeder.fd, events: Int16(POLLOUT), revents: 0)) }
            if reader.isOpen { descriptors.append(pollfd(fd: reader.fd, events: Int16(POLLIN), revents: 0)) }
            // Also the reaping interval: 10 ms is nothing next to an SMTP exchange.
            _ = poll(&descriptors, nfds_t(descriptors.count), 10)
            for descriptor in descriptors where descriptor.revents != 0 {
                if descriptor.fd == feeder.fd { feeder.feed() } else { reader.drain() }
            }
        }
    }

    /// The write end of the child's stdin: written as far as the pipe takes, closed when all is written (the
    /// child's end of file) or the child stopped reading.
    private struct Feeder {
        private(set) var fd: Int32
        let bytes: [UInt8]
        var offset = 0

        init(fd: Int32, bytes: [UInt8]) {
            self.fd = fd
            self.bytes = bytes
            if bytes.isEmpty { close() }
        }

        var isOpen: Bool { fd >= 0 }

        mutating func feed() {
            while fd >= 0, offset < bytes.count {
                let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
                if written > 0 {
                    offset += written
                } else if written < 0, errno == EINTR {
                    continue
                } else if written < 0, errno == EAGAIN {
                    return
                } else {
                    // EPIPE: the child closed its stdin. Take the SIGPIPE that came with it off this thread, where
                    // it is blocked, so it does not stay pending.
                    if errno == EPIPE { Self.consumePipeSignal() }
                    close()
                    return
                }
            }
            if offset >= bytes.count { close() }
        }

        mutating func close() {
            if fd >= 0 { Glibc.close(fd) }
            fd = -1
        }

        private static func consumePipeSignal() {
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, SIGPIPE)
            var zero = timespec(tv_sec: 0, tv_nsec: 0)
            _ = sigtimedwait(&set, nil, &zero)
        }
    }

    /// The read end of the child's stderr, keeping the last few kilobytes.
    private struct Reader {
        private(set) var fd: Int32
        var kept: [UInt8] = []

        init(fd: Int32) { self.fd = fd }

        var isOpen: Bool { fd >= 0 }

        mutating func drain() {
            var buffer = [UInt8](repeating: 0, count: 1_024)
            while fd >= 0 {
                let count = read(fd, &buffer, buffer.count)
                if count > 0 {
                    kept += buffer[..<count]
                    if kept.count > MailerChild.stderrLimit { kept.removeFirst(kept.count - MailerChild.stderrLimit) }
                } else if count < 0, errno == EINTR {
                    continue
                } else if count < 0, errno == EAGAIN {
                    return
                } else {
                    close()
                }
            }
        }

        mutating func close() {
            if fd >= 0 { Glibc.close(fd) }
            fd = -1
        }

        /// The last line with text in it, at most 200 characters.
        var lastLine: String {
            let text = String(decoding: kept, as: UTF8.self)
            let line = text.split(whereSeparator: \.isNewline).last { !$0.allSatisfy(\.isWhitespace) } ?? ""
            return String(line.trimmingCharacters(in: .whitespaces).prefix(200))
        }
    }
}

/// `pipe` with both ends close-on-exec. Glibc's `pipe2` is not visible to Swift (a GNU extension), so the flag is
/// set just after: another thread that spawns in between could pass the ends on, but only the Mailer's thread
/// spawns without closing inherited descriptors (Foundation's `Process` closes them in the child).
enum MailerPipe {
    static func make(_ fds: inout [Int32], nonBlocking: Bool = false) -> Bool {
        guard pipe(&fds) == 0 else { return false }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            if nonBlocking { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        }
        return true
    }
}
