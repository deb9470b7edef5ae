import Synchronization

/// Which log lines repeat too often to write: at most one line per event and key (a principal, an organisation)
/// per interval, the next one written carrying how many were left out.
///
/// A peer can make the daemon log as fast as it can send: 100,000 HELLOs in 20 seconds were 100,000 lines, enough to
/// fill a journal and push out what an operator needs. The throttle bounds that by the number of keys, not of
/// requests. Shared by every copy of a `Logger`, so the lines of the server and of the desk count together; a mutex
/// because a logger may be used from any thread.
final class LogThrottle: Sendable {
    private struct Entry {
        var written: ContinuousClock.Instant
        var suppressed: Int
    }

    let interval: Duration
    private let entries = Mutex<[String: Entry]>([:])
    /// Beyond this many keys, those quiet for an interval are forgotten (with their counts), so keys a peer makes up
    /// cannot grow the table without bound.
    private let capacity = 10_000

    init(interval: Duration) {
        self.interval = interval
    }

    /// Whether the line of `event` for `key` is written now: nil when it is left out, else how many lines of the
    /// same event and key were left out since the last one written.
    func admit(_ event: String, key: String, at now: ContinuousClock.Instant = .now) -> Int? {
        entries.withLock { entries in
            let name = "\(event) \(key)"
            if var entry = entries[name], entry.written.duration(to: now) < interval {
                entry.suppressed += 1
                entries[name] = entry
                return nil
            }
            if entries[name] == nil, entries.count >= capacity {
                entries = entries.filter { $0.value.written.duration(to: now) < interval }
            }
            let suppressed = entries[name]?.suppressed ?? 0
            entries[name] = Entry(written: now, suppressed: 0)
            return suppressed
        }
    }
}
