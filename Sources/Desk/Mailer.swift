import Foundation

/// Sends ``MailNotice``s through the system's sendmail interface, in the background, with retries.
///
/// The desk must never wait for mail: a relay that is slow, down or misconfigured costs a log line, not a page that
/// hangs. So ``send(_:)`` only renders the message and queues it; one thread of the Mailer's own runs `sendmail`
/// for one message at a time (a region sends a handful a minute, and one at a time keeps the relay's view simple).
/// A failed attempt (a non-zero exit, a signal, no exit within the send timeout, or no program to start) is logged
/// as one line on stderr and tried again after the next delay of ``Configuration/retryDelays``; after the last,
/// the notice is given up with an error line. The queue is bounded: past ``Configuration/queueLimit`` the oldest
/// notice is dropped, since a mail system down for hours should not grow the desk without end.
///
/// The child is started with `posix_spawn` and reaped by polling `waitpid(WNOHANG)`, not with Foundation's
/// `Process`: its `waitUntilExit` turns a run loop that never wakes under libfaketime, which `make test-dates` uses.
public final class Mailer: Sendable {
    /// How the Mailer reaches the mail system and how hard it tries.
    public struct Configuration: Sendable {
        /// The program and its arguments; it reads one message on stdin and takes the recipients from its headers.
        /// postfix, exim and msmtp all install `/usr/sbin/sendmail` with this interface.
        public var sendmail: [String]
        /// The sender address, a bare `local@domain`: it shows as `Schakel <from>` and names the Message-ID's
        /// domain.
        public var from: String
        /// The wait before each retry; after the last one fails the notice is given up. Empty: no retries.
        public var retryDelays: [Duration]
        /// At most this many notices wait (new and to be retried); the oldest goes when one more comes.
        public var queueLimit: Int
        /// How long one run of `sendmail` may take before it (and its process group) is killed and the attempt
        /// counts as failed.
        public var sendTimeout: Duration

        public init(
            sendmail: [String] = ["/usr/sbin/sendmail", "-t", "-i"], from: String,
            retryDelays: [Duration] = [.seconds(30), .seconds(120), .seconds(600), .seconds(1_800)],
            queueLimit: Int = 1_000, sendTimeout: Duration = .seconds(30)
        ) {
            self.sendmail = sendmail
            self.from = from
            self.retryDelays = retryDelays
            self.queueLimit = max(1, queueLimit)
            self.sendTimeout = sendTimeout
        }
    }

    /// What the Mailer has done since it started, for tests and the desk's health page.
    public struct Counters: Sendable, Equatable {
        /// Notices the mail system accepted (sendmail exited 0).
        public var sent = 0
        /// Attempts that failed, the retried ones included.
        public var failed = 0
        /// Failed attempts that were scheduled to be tried again.
        public var retried = 0
        /// Notices given up after the last retry failed.
        public var gaveUp = 0
        /// Notices dropped unsent: the oldest when the queue was full, and those still waiting at ``stop()``.
        public var dropped = 0
        /// Notices refused by ``send(_:)`` because they would not render safely (``MailNoticeError``).
        public var refused = 0
        /// Notices waiting now, for their first attempt or a retry (the one being sent not included).
        public var queued = 0

        public init() {}
    }

    private let configuration: Configuration
    private let state: MailerState
    private let wallClock: @Sendable () -> Date

    /// Starts the Mailer's thread.
    ///
    /// - Parameters:
    ///   - now: the clock the retry delays and the send timeout are measured on.
    ///   - wallClock: the time written in the `Date:` header.
    ///   - log: receives each log line (logfmt with a journald `<N>` prefix, newline included); stderr by default.
    public init(
        configuration: Configuration,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now },
        wallClock: @escaping @Sendable () -> Date = { Date() },
        log: @escaping @Sendable (String) -> Void = MailerLog.standardError
    ) {
        self.configuration = configuration
        self.wallClock = wallClock
        state = MailerState(queueLimit: configuration.queueLimit, log: log)
        let worker = MailerWorker(configuration: configuration, state: state, now: now)
        let thread = Thread { worker.run() }
        thread.name = "schakel.mail"
        thread.start()
    }

    deinit {
        state.stop()
    }

    /// Queues `notice` and returns at once; the Mailer's thread sends it.
    ///
    /// The message is rendered here, so a notice that would not render safely (``MailNoticeError``: an address with
    /// a line break, say) is refused now, logged and counted, and nothing of it is sent.
    /// - Returns: false when the notice was refused or the Mailer is stopped.
    @discardableResult
    public func send(_ notice: MailNotice) -> Bool {
        let domain = configuration.from.split(separator: "@").last.map(String.init) ?? "localhost"
        let messageID = "<\(UUID().uuidString.lowercased())@\(domain)>"
        let message: String
        do {
            message = try notice.render(from: configuration.from, now: wallClock(), messageID: messageID)
        } catch {
            state.refuse(notice, because: error)
            return false
        }
        return state.enqueue(notice, message: Array(message.utf8))
    }

    /// A snapshot of the counters.
    public var counters: Counters { state.counters }

    /// Waits until no notice is queued or being sent, polling; for tests and for a clean shutdown before
    /// ``stop()``.
    /// - Returns: false when notices were still waiting after `timeout` (a retry scheduled later counts as waiting).
    @discardableResult
    public func waitUntilIdle(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !state.isIdle {
            if ContinuousClock.now >= deadline { return false }
            usleep(2_000)
        }
        return true
    }

    /// Stops taking notices and ends the thread: the send in flight finishes (within the send timeout), what still
    /// waits is logged as unsent and dropped. Idempotent; `deinit` calls it too.
    public func stop() {
        state.stop()
    }
}
