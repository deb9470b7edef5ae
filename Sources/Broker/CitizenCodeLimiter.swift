/// Keeps a citizen code from being guessed: every code a portal sends that opens nothing counts against that
/// portal and against all portals together, per minute. Past the limit every citizen command of that portal (or of
/// all, past the total) is refused with `rate_limited` until the minute is over, the right code included: with 80
/// bits a code is then beyond guessing in any lifetime.
///
/// Owned by the event loop; `now` is the monotonic clock, never the broker's (manual) clock, because abuse happens
/// in real time.
struct CitizenCodeLimiter {
    static let perPortal = 10
    static let total = 100
    static let window: Duration = .seconds(60)

    private var failures: [String: [ContinuousClock.Instant]] = [:]
    private var all: [ContinuousClock.Instant] = []
    /// Codes refused (`not_found`) and requests refused for the limit, since the start: metrics.
    private(set) var refusedCodes = 0
    private(set) var limited = 0

    /// Whether `portal` may try a code now; counts a refusal when not.
    mutating func allows(_ portal: String, now: ContinuousClock.Instant) -> Bool {
        forget(before: now - Self.window)
        guard failures[portal, default: []].count < Self.perPortal, all.count < Self.total else {
            limited += 1
            return false
        }
        return true
    }

    /// A code from `portal` opened nothing.
    mutating func failed(_ portal: String, now: ContinuousClock.Instant) {
        refusedCodes += 1
        failures[portal, default: []].append(now)
        all.append(now)
    }

    private mutating func forget(before cutoff: ContinuousClock.Instant) {
        all.removeAll { $0 < cutoff }
        for (portal, times) in failures {
            let kept = times.filter { $0 >= cutoff }
            failures[portal] = kept.isEmpty ? nil : kept
        }
    }
}
