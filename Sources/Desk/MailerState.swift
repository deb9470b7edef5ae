import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One notice on its way: the rendered message and where it stands.
struct MailerItem: Sendable {
    /// Enqueue order: the oldest has the smallest, and is the one dropped when the queue is full.
    let serial: UInt64
    let kind: MailNotice.Kind
    let contactID: String?
    /// Redacted from the sendmail's error text before it is logged.
    let recipient: String
    let message: [UInt8]
    /// 1 for the first attempt.
    var attempt: Int
    /// Not to be tried before this instant (nil: at once).
    var due: ContinuousClock.Instant?
}

/// What the worker should do next.
enum MailerStep {
    case send(MailerItem)
    /// Sleep until woken or for this many milliseconds (-1: until woken).
    case wait(milliseconds: Int32)
    case stop
}

/// The Mailer's queue and counters, shared between the callers of `send` and the worker thread.
///
/// `@unchecked Sendable`: every mutable property is read and written only with `lock` held, and no method calls
/// out (to the log sink, or to the wake-up pipe) while holding it. The worker thread is the only one that takes
/// items off the queue and starts `sendmail`; the callers only add items and read counters. The wake-up pipe's
/// descriptors are created in `init` and closed in `deinit`, which runs after the worker has stopped (the worker
/// holds a reference).
final class MailerState: @unchecked Sendable {
    private let lock = NSLock()
    private var queue: [MailerItem] = []
    private var nextSerial: UInt64 = 0
    private var sending = false
    private var stopping = false
    private var stopped = false
    private var counts = Mailer.Counters()
    private let queueLimit: Int
    private let finished = DispatchSemaphore(value: 0)
    private let wakeRead: Int32
    private let wakeWrite: Int32
    let log: @Sendable (String) -> Void

    init(queueLimit: Int, log: @escaping @Sendable (String) -> Void) {
        self.queueLimit = max(1, queueLimit)
        self.log = log
        var fds: [Int32] = [-1, -1]
        if !MailerPipe.make(&fds, nonBlocking: true) {
            // Without the pipe the worker still runs: it then wakes every few milliseconds instead of on a signal.
            fds = [-1, -1]
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    deinit {
        if wakeRead >= 0 { close(wakeRead) }
        if wakeWrite >= 0 { close(wakeWrite) }
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    var counters: Mailer.Counters {
        locked {
            var snapshot = counts
            snapshot.queued = queue.count
            return snapshot
        }
    }

    var isIdle: Bool { locked { queue.isEmpty && !sending } }

    func refuse(_ notice: MailNotice, because error: any Error) {
        locked { counts.refused += 1 }
        log(
            MailerLog.line(
                .error, "mail.refused",
                MailerLog.notice(kind: notice.kind, contactID: notice.contactID) + [("error", "\(error)")]))
    }

    /// Adds a new notice; drops the oldest when the queue is full. False when stopped.
    func enqueue(_ notice: MailNotice, message: [UInt8]) -> Bool {
        let (accepted, dropped): (Bool, MailerItem?) = locked {
            guard !stopping else { return (false, nil) }
            nextSerial += 1
            queue.append(
                MailerItem(
                    serial: nextSerial, kind: notice.kind, contactID: notice.contactID, recipient: notice.to,
                    message: message, attempt: 1, due: nil))
            return (true, trimToLimit())
        }
        if let dropped { logDropped(dropped) }
        if accepted { wake() }
        return accepted
    }

    /// With the lock held: removes and returns the oldest item when the queue is over its limit.
    private func trimToLimit() -> MailerItem? {
        guard queue.count > queueLimit, let oldest = queue.indices.min(by: { queue[$0].serial < queue[$1].serial })
        else { return nil }
        counts.dropped += 1
        return queue.remove(at: oldest)
    }

    private func logDropped(_ item: MailerItem) {
        log(
            MailerLog.line(
                .warning, "mail.dropped",
                MailerLog.notice(kind: item.kind, contactID: item.contactID) + [
                    ("attempt", "\(item.attempt)"), ("reason", "queue_full"), ("limit", "\(queueLimit)"),
                ]))
    }

    /// The worker's next step at `now`: the oldest item that is due, else a wait until the earliest one is.
    func next(now: ContinuousClock.Instant) -> MailerStep {
        locked {
            if stopping { return .stop }
            var best: Int?
            var earliest: ContinuousClock.Instant?
            for index in queue.indices {
                guard let due = queue[index].due, due > now else {
                    if best.map({ queue[index].serial < queue[$0].serial }) ?? true { best = index }
                    continue
                }
                earliest = min(earliest ?? due, due)
            }
            if let best {
                sending = true
                return .send(queue.remove(at: best))
            }
            guard let earliest else { return .wait(milliseconds: -1) }
            // Wake at least every 100 ms: the clock may be a test's, which moves without waking anyone.
            return .wait(milliseconds: Int32(min(100, max(1, MailerLog.milliseconds(earliest - now)))))
        }
    }

    /// Records a delivery. The line is logged before the item stops counting as in flight, so that a caller of
    /// ``isIdle`` (a clean shutdown, a test) never finds the work done and its line not yet written.
    func delivered(_ item: MailerItem) {
        locked { counts.sent += 1 }
        log(
            MailerLog.line(
                .info, "mail.sent",
                MailerLog.notice(kind: item.kind, contactID: item.contactID) + [("attempt", "\(item.attempt)")]))
        locked { sending = false }
    }

    /// Records a failed attempt: queues the item again, due after `delay`, or gives it up when `delay` is nil.
    func failed(
        _ item: MailerItem, _ failure: [(String, String)], retryAfter delay: Duration?, now: ContinuousClock.Instant
    ) {
        let (gaveUp, dropped): (Bool, MailerItem?) = locked {
            counts.failed += 1
            guard let delay else {
                counts.gaveUp += 1
                return (true, nil)
            }
            counts.retried += 1
            var again = item
            again.attempt += 1
            again.due = now + delay
            queue.append(again)
            return (false, trimToLimit())
        }
        let fields = MailerLog.notice(kind: item.kind, contactID: item.contactID) + [("attempt", "\(item.attempt)")]
        if gaveUp {
            log(MailerLog.line(.error, "mail.gave_up", fields + failure))
        } else if let delay {
            log(MailerLog.line(.warning, "mail.failed", fields + failure + [("retry_in", MailerLog.text(delay))]))
        }
        if let dropped { logDropped(dropped) }
        locked { sending = false }  // after the lines, as in delivered(_:)
    }

    /// The worker calls this as it ends: what still waits is counted as dropped and logged in one line.
    func finish() {
        let unsent: Int = locked {
            let count = queue.count
            counts.dropped += count
            queue.removeAll()
            stopped = true
            return count
        }
        if unsent > 0 { log(MailerLog.line(.warning, "mail.stopped", [("unsent", "\(unsent)")])) }
        finished.signal()
    }

    /// Asks the worker to end and waits until it has.
    func stop() {
        let alreadyAsked: Bool = locked {
            defer { stopping = true }
            return stopping
        }
        if !alreadyAsked { wake() }
        // Every caller waits for the worker; each passes the signal on to the next.
        finished.wait()
        finished.signal()
    }

    /// Wakes the worker from `sleep`.
    func wake() {
        guard wakeWrite >= 0 else { return }
        var byte: UInt8 = 1
        // A full pipe (EAGAIN) already holds a wake-up.
        _ = write(wakeWrite, &byte, 1)
    }

    /// The worker sleeps here until woken or `milliseconds` passed.
    func sleep(milliseconds: Int32) {
        guard wakeRead >= 0 else {
            usleep(5_000)
            return
        }
        var descriptor = pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)
        _ = poll(&descriptor, 1, milliseconds)
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(wakeRead, &buffer, buffer.count) > 0 {}
    }
}
