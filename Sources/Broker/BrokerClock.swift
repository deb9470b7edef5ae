import Foundation

/// Where the broker gets the time. Everything that stamps or schedules asks this, never
/// `Date()` directly, so a manual clock can drive the deadline tests in milliseconds.
public protocol BrokerClock: Sendable {
    func now() -> Date
}

/// The wall clock, for production.
public struct SystemClock: BrokerClock {
    public init() {}
    public func now() -> Date { Date() }
}
