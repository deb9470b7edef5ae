import Foundation
import SchakelProtocol
import Storage

/// The manual clock picks up where the database left off.
///
/// `clock.start` is only where a new database begins: a daemon restarted (or killed with `kill -9`) after
/// `clock.advance` must not go back to it, or deadlines already passed would be scheduled again and the timeline
/// would run backwards. The latest moment anything was recorded is the best the daemon can know of the clock it had.
extension BrokerServer {
    /// The latest time stamp the database holds: events (an admin `clock.advance` is recorded at the time it moved
    /// to), referral and handover changes, outbox messages. Nil for a new database.
    static func latestRecordedTime(_ db: Database) throws -> Date? {
        let columns = [
            ("events", "at"), ("referrals", "updated_at"), ("handovers", "updated_at"), ("outbox", "created_at"),
        ]
        var latest: Date?
        for (table, column) in columns {
            // All stamps are RFC3339.format's fixed-width UTC form, so the text's maximum is the time's.
            guard let text = try db.queryOne("SELECT MAX(\(column)) AS latest FROM \(table)")?.string("latest"),
                let date = RFC3339.parse(text)
            else { continue }
            latest = max(latest ?? date, date)
        }
        return latest
    }

    /// Moves the manual clock forward to the latest recorded time, if the database is ahead of `clock.start`.
    static func resumeManualClock(_ clock: ManualClock?, db: Database, logger: Logger) throws {
        guard let clock, let latest = try latestRecordedTime(db) else { return }
        let start = clock.now()
        guard latest > start else { return }
        clock.advance(to: latest)
        logger.info(
            "clock.resumed",
            ["start": RFC3339.format(start), "now": RFC3339.format(latest), "why": "the database has seen this time"])
    }
}
