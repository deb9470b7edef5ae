import Foundation

/// Wrong citizen codes counted per source (the client's address as the proxy passes it): after ``limit`` wrong
/// codes within ``window`` a source is refused, the right code included, until its oldest failure leaves the
/// window. So one person cannot guess codes through the desk, and the broker's limit for the whole portal (10 a
/// minute, SRP1.md) is not used up by one source, which would lock every other citizen out.
///
/// Time is a parameter (`now`), so the tests drive it. `@unchecked Sendable`: `failures` only under `lock`.
final class CitizenCodeLimiter: @unchecked Sendable {
    let limit: Int
    let window: Duration
    /// The most sources remembered; beyond it the source with the oldest last failure is forgotten first, so a
    /// flood of addresses costs bounded memory.
    let capacity: Int
    private let lock = NSLock()
    private var sources: [String: Source] = [:]
    private var failedCount = 0
    private var refusedCount = 0

    /// One source's recent wrong codes, and whether its refusal was logged yet.
    private struct Source {
        var failures: [ContinuousClock.Instant] = []
        var announced = false
    }

    /// What ``check(_:now:)`` decides.
    enum Decision: Equatable {
        case allowed
        /// Refused; `first` for the first refusal of this stretch, the one worth a log line (an attacker's
        /// thousand tries would otherwise be a thousand lines).
        case refused(first: Bool)
    }

    init(limit: Int = 5, window: Duration = .seconds(15 * 60), capacity: Int = 10_000) {
        self.limit = limit
        self.window = window
        self.capacity = capacity
    }

    /// Whether `source` may try a code now.
    func check(_ source: String, now: ContinuousClock.Instant = .now) -> Decision {
        lock.withLock {
            guard var entry = sources[source] else { return .allowed }
            entry.failures.removeAll { now - $0 >= window }
            guard entry.failures.count >= limit else {
                sources[source] = entry.failures.isEmpty ? nil : Source(failures: entry.failures)
                return .allowed
            }
            refusedCount += 1
            let first = !entry.announced
            entry.announced = true
            sources[source] = entry
            return .refused(first: first)
        }
    }

    /// Counts a wrong code from `source`.
    func failed(_ source: String, now: ContinuousClock.Instant = .now) {
        lock.withLock {
            failedCount += 1
            var entry = sources[source] ?? Source()
            entry.failures.removeAll { now - $0 >= window }
            entry.failures.append(now)
            sources[source] = entry
            guard sources.count > capacity else { return }
            sources = sources.filter { $0.value.failures.contains { now - $0 < window } }
            while sources.count > capacity,
                let oldest = sources.min(by: { ($0.value.failures.last ?? now) < ($1.value.failures.last ?? now) })?.key
            {
                sources[oldest] = nil
            }
        }
    }

    /// Wrong codes and refused attempts since start, for `/metrics`.
    var counts: (failed: Int, refused: Int) { lock.withLock { (failedCount, refusedCount) } }
}
