import Foundation
import SchakelClient
import SchakelProtocol

/// One principal's line to the broker: a thread of its own that owns a ``SchakelClient`` session as that
/// contact, receives their outbox (offers, reminders, escalations) and runs the requests the desk's pages make
/// for them. The citizen's page uses one too, as the desk's portal (`portal:<id>`), which has no outbox.
///
/// A session per contact, because SRP/1 binds a session to one principal and delivers a contact's outbox only on
/// it; a thread per line, because a `SchakelClient` must stay on the thread that made it and blocks while it
/// (re)connects. A region's desk serves tens of contacts, so tens of mostly sleeping threads.
///
/// `@unchecked Sendable`: the client is touched only on the line's own thread; `jobs` and `running` only under `lock`.
final class ContactLine: @unchecked Sendable {
    let contactID: String
    private let configuration: SchakelClient.Configuration
    private let onIncoming: @Sendable (String, Incoming) -> Void
    private let lock = NSLock()
    private var jobs: [@Sendable (SchakelClient) -> Void] = []
    private var running = true
    private var finished = false
    /// Whether the line proves now and then that it still holds the session (see ``sessionCheckInterval``): a
    /// contact's line must, to keep receiving the outbox; a portal's has no outbox, and a request that finds the
    /// session gone says HELLO again by itself.
    private let checksSession: Bool
    /// How long the line waits for outbox messages before it looks at its jobs again: the most a page waits
    /// before its request leaves.
    static let pollInterval: Duration = .milliseconds(25)
    /// How often the line proves it still holds the session. Another client of the same contact (schakelctl, say)
    /// moves the session away by saying HELLO, and the broker tells the old connection nothing; PING cannot tell,
    /// so the line asks CASES (read-only), whose `hello_required` makes the client say HELLO again.
    static let sessionCheckInterval: Duration = .seconds(10)

    init(
        contactID: String, configuration: SchakelClient.Configuration, checksSession: Bool = true,
        onIncoming: @escaping @Sendable (String, Incoming) -> Void
    ) {
        self.contactID = contactID
        self.checksSession = checksSession
        self.configuration = configuration
        self.onIncoming = onIncoming
    }

    /// Starts the thread; it opens the session at once, so the contact's outbox arrives before anyone asks.
    func start() {
        // Not kept: a line holding its Thread, whose block holds the line, would never be freed (LeakSanitizer).
        let thread = Thread { [self] in run() }
        thread.name = "desk \(contactID)"
        thread.start()
    }

    /// Runs `work` with the client on the line's thread and waits for it at most `timeout`; nil when the broker
    /// did not answer in time (the work may still finish later, and its answer is then dropped).
    func perform<T: Sendable>(
        timeout: Duration, _ work: @escaping @Sendable (SchakelClient) throws -> T
    ) -> Result<T, any Error>? {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        lock.withLock {
            jobs.append { client in
                box.set(Result { try work(client) })
                done.signal()
            }
        }
        let milliseconds = Int(
            timeout.components.seconds * 1_000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        guard done.wait(timeout: .now() + .milliseconds(milliseconds)) == .success else { return nil }
        return box.get()
    }

    /// Confirms outbox messages the person has seen (RECEIVED), without waiting.
    func confirm(_ messageIDs: [String]) {
        guard !messageIDs.isEmpty else { return }
        lock.withLock { jobs.append { $0.confirm(messageIDs: messageIDs) } }
    }

    /// Asks the thread to end after its current step (a reconnect to a broker that is gone may take seconds).
    func requestStop() {
        lock.withLock { running = false }
    }

    /// Whether the thread has ended and closed its session.
    var isFinished: Bool { lock.withLock { finished } }

    private func run() {
        let client: SchakelClient
        do {
            client = try SchakelClient(configuration)
        } catch {
            DeskLog.line("error", "desk.line_failed", ["contact": contactID, "reason": "\(error)"])
            lock.withLock { finished = true }
            return
        }
        var lastCheck = ContinuousClock.now
        while lock.withLock({ running }) {
            if checksSession, ContinuousClock.now - lastCheck >= Self.sessionCheckInterval {
                lastCheck = .now
                _ = try? client.cases()
            }
            let pending = lock.withLock {
                let all = jobs
                jobs = []
                return all
            }
            for job in pending { job(client) }
            do {
                if let incoming = try client.next(timeout: Self.pollInterval) { onIncoming(contactID, incoming) }
            } catch {
                // The broker refused the session (the map no longer lets the desk act for this contact): stay quiet
                // for a while instead of hammering it, and try again.
                DeskLog.line("warning", "desk.session_refused", ["contact": contactID, "reason": "\(error)"])
                for _ in 0..<100 where lock.withLock({ running && jobs.isEmpty }) { usleep(100_000) }
            }
        }
        client.close()
        lock.withLock { finished = true }
    }
}

/// Hands a result from the line's thread to the waiting page. `@unchecked Sendable`: `value` only under `lock`.
private final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<T, any Error>?
    func set(_ result: Result<T, any Error>) { lock.withLock { value = result } }
    func get() -> Result<T, any Error>? { lock.withLock { value } }
}
