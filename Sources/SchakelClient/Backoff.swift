/// Exponential backoff with jitter: how long to pause after the `n`th failure in a row.
///
/// The pause doubles (by ``multiplier``) from ``initial`` up to ``maximum`` and is then spread by ±``jitter``, so
/// that a hundred adapters cut off by the same broker restart do not all knock again at the same millisecond. It
/// never exceeds ``maximum``.
public struct Backoff: Sendable, Equatable {
    /// The pause after the first failure.
    public var initial: Duration
    /// The longest pause, jitter included.
    public var maximum: Duration
    /// How much each further failure multiplies the pause by.
    public var multiplier: Double
    /// The fraction (0 to 1) by which a pause is randomly shortened or lengthened.
    public var jitter: Double

    /// 0.1 s, doubling, up to 5 s, ±20 %.
    public init(
        initial: Duration = .milliseconds(100), maximum: Duration = .seconds(5), multiplier: Double = 2,
        jitter: Double = 0.2
    ) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
        self.jitter = jitter
    }

    /// The pause after `failures` failures in a row (1 for the first), with `random` in 0..<1 choosing the jitter.
    public func delay(afterFailures failures: Int, random: Double) -> Duration {
        let initialSeconds = Self.seconds(initial)
        let maximumSeconds = Self.seconds(maximum)
        let exponent = Double(max(failures, 1) - 1)
        let base = min(maximumSeconds, initialSeconds * pow(multiplier, min(exponent, 64)))
        let spread = base * (1 + jitter * (2 * random - 1))
        return .milliseconds(Int((min(max(spread, 0), maximumSeconds) * 1000).rounded()))
    }

    /// The pause after `failures` failures, with system randomness for the jitter.
    public func delay(afterFailures failures: Int) -> Duration {
        delay(afterFailures: failures, random: Double.random(in: 0..<1))
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
