import Foundation
import SchakelProtocol
import Storage

/// The manual clock picks up where the database left off.
///
/// `clock.start` is only where a new database begins: a daemon restarted (or killed with `kill -9`) after
/// `clock.advance` must not go back to it, or deadlines already passed would be scheduled again and the timeline
/// would run backwards. The latest moment anything was recorded is the best the daemon can know of the clock it had.
extension BrokerServer {
    /// Moves the manual clock forward to the latest recorded time, if the database is ahead of `clock.start`.
    static func resumeManualClock(_ clock: ManualClock?, db: any SQLDatabase, logger: Logger) throws {
        guard let clock, let latest = try ReferralStore.latestRecordedTime(in: db) else { return }
        let start = clock.now()
        guard latest > start else { return }
        clock.advance(to: latest)
        logger.info(
            "clock.resumed",
            ["start": RFC3339.format(start), "now": RFC3339.format(latest), "why": "the database has seen this time"])
    }
}
