import Foundation
import Synchronization

/// A clock that moves only when told, and only forward: the `manual` clock mode.
///
/// Tests and demos set `"clock": {"mode": "manual", "start": "…"}` and advance it through the
/// admin socket (`clock.advance`), so a three-working-day deadline passes in milliseconds.
public final class ManualClock: BrokerClock {
    private let current: Mutex<Date>

    public init(start: Date) {
        current = Mutex(start)
    }

    public func now() -> Date {
        current.withLock { $0 }
    }

    /// Moves the clock forward to `date` when that is later (never back) and returns the time it shows.
    @discardableResult
    public func advance(to date: Date) -> Date {
        current.withLock { now in
            now = max(now, date)
            return now
        }
    }

    /// Moves the clock forward by `seconds` (never back) and returns the new time.
    @discardableResult
    public func advance(by seconds: TimeInterval) -> Date {
        current.withLock { now in
            now = now.addingTimeInterval(max(0, seconds))
            return now
        }
    }
}
