import Foundation
import SchakelProtocol
import Storage

/// What `stats`, `/metrics`, `/healthz` and the systemd status line count.
extension ReferralStore {
    /// Referrals and handovers per state (states without any are left out).
    func countsByState() throws -> (referrals: [String: Int], handovers: [String: Int]) {
        var referrals: [String: Int] = [:]
        for row in try db.query("SELECT state, COUNT(*) AS n FROM referrals GROUP BY state") {
            referrals[row.string("state") ?? "?"] = row.int("n") ?? 0
        }
        var handovers: [String: Int] = [:]
        for row in try db.query("SELECT state, COUNT(*) AS n FROM handovers GROUP BY state") {
            handovers[row.string("state") ?? "?"] = row.int("n") ?? 0
        }
        return (referrals, handovers)
    }

    /// Unconfirmed outbox messages, and when the oldest was written.
    func outboxBacklog() throws -> (pending: Int, oldest: Date?) {
        let row = try db.queryOne(
            "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE confirmed_at IS NULL")
        return (row?.int("n") ?? 0, row?.string("oldest").flatMap(RFC3339.parse))
    }

    /// Handovers whose deadline passed with nobody acting: acknowledged but the citizen not reached by
    /// `contact_by`, or unowned since offers went unanswered. (An unanswered offer is not overdue: at its
    /// deadline it moves on.)
    func overdueCount() throws -> Int {
        try db.queryOne(
            """
            SELECT COUNT(*) AS n FROM handovers h
            WHERE h.state = 'unowned'
               OR (h.state = 'accepted' AND h.contact_by IS NULL
                   AND EXISTS (SELECT 1 FROM events e WHERE e.handover_id = h.handover_id AND e.event = 'contact_overdue'))
            """)?.int("n") ?? 0
    }

    func openReferrals() throws -> Int {
        try db.queryOne("SELECT COUNT(*) AS n FROM referrals WHERE state = 'open'")?.int("n") ?? 0
    }

    /// Whether the database answers a query at all (`/healthz`).
    var isReadable: Bool {
        (try? db.queryOne("SELECT 1")) != nil
    }

    /// Per contact, the declines for each of `reasons` (`socialmap check --state-dir`).
    static func declineCounts(in db: Database, reasons: [String]) throws -> [String: [String: Int]] {
        let placeholders = Array(repeating: "?", count: reasons.count).joined(separator: ", ")
        let rows = try db.query(
            """
            SELECT contact, decline_reason, COUNT(*) AS n FROM handovers
            WHERE decline_reason IN (\(placeholders)) AND contact IS NOT NULL
            GROUP BY contact, decline_reason
            """, reasons.map { .text($0) })
        var counts: [String: [String: Int]] = [:]
        for row in rows {
            guard let contact = row.string("contact"), let reason = row.string("decline_reason") else { continue }
            counts[contact, default: [:]][reason] = row.int("n") ?? 0
        }
        return counts
    }
}
