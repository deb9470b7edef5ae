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
        // The offers kept in their handovers' rows (migration 16): written when the handover was offered.
        let offers = try db.queryOne(
            """
            SELECT COUNT(*) AS n, MIN(offered_at) AS oldest FROM handovers
            WHERE offer_seq IS NOT NULL AND offer_confirmed_at IS NULL
            """)
        let oldest = [row?.string("oldest"), offers?.string("oldest")].compactMap { $0 }.min()
        return ((row?.int("n") ?? 0) + (offers?.int("n") ?? 0), oldest.flatMap(RFC3339.parse))
    }

    /// A handover `h` whose first contact was missed: acknowledged (`accepted`) and a `contact_overdue` event recorded
    /// (`contact_by` is not the test, it may stay set after the deadline). Half of ``overdueCondition``; PENDING's
    /// `overdue` reads it too.
    static let missedFirstContact = """
        (h.state = 'accepted'
         AND EXISTS (SELECT 1 FROM events e WHERE e.referral_key = h.referral_key
                     AND e.handover_id = h.handover_id AND e.event = 'contact_overdue'))
        """

    /// A handover `h` that is an unowned need: `unowned` (offers went unanswered or were declined and nobody is left)
    /// while it is still the newest handover of its need (an assignment or a reopening gives the need a new handover,
    /// and the old one stays `unowned`). Half of ``overdueCondition``; PENDING's `unowned` reads it too.
    static let unownedNeed = """
        (h.state = 'unowned'
         AND NOT EXISTS (SELECT 1 FROM handovers n WHERE n.referral_key = h.referral_key
                         AND n.need_index = h.need_index AND n.rowid > h.rowid))
        """

    /// The one definition of overdue, as a condition on a handover `h`: ``missedFirstContact`` or ``unownedNeed``.
    /// An offer that goes unanswered is not overdue: at its deadline it moves on.
    static let overdueCondition = "(\(missedFirstContact) OR \(unownedNeed))"

    /// Needs nobody holds (waiting, or ``unownedNeed``; a waiting handover is always its need's newest, it is offered
    /// in place), by state and by how far they have escalated, levels past 3 counted as 3: level 3 and on is where
    /// the operator must act (issue 23).
    func unheldNeeds() throws -> [BrokerStats.UnheldNeeds] {
        try db.query(
            """
            SELECT h.state, \(db.dialect.least("h.escalation_level", "3")) AS level, COUNT(*) AS n FROM handovers h
            WHERE (h.state = 'waiting' OR \(Self.unownedNeed))
            GROUP BY h.state, \(db.dialect.least("h.escalation_level", "3")) ORDER BY h.state, level
            """
        ).map {
            BrokerStats.UnheldNeeds(
                state: $0.string("state") ?? "?", level: $0.int("level") ?? 0, count: $0.int("n") ?? 0)
        }
    }

    /// How many handovers are overdue (`overdueCondition`): the `overdue` of `stats`, `/metrics` and the status line.
    func overdueCount() throws -> Int {
        try db.queryOne("SELECT COUNT(*) AS n FROM handovers h WHERE \(Self.overdueCondition)")?.int("n") ?? 0
    }

    /// An overdue handover as the operator's `stats` lists it: ids, principals and times, never the citizen.
    struct OverdueHandover: Sendable, Equatable {
        var handoverID: String
        var referralID: String
        var needIndex: Int
        var domain: String
        /// `accepted` (the first contact is overdue) or `unowned`.
        var state: HandoverState
        /// Who holds it; for an unowned need the contact whose offer of that need lapsed last, if any.
        var contact: String?
        /// The coordinator it was escalated to (the last `escalated` event about it, or for an unowned need about
        /// that need), if any.
        var coordinator: String?
        /// RFC 3339 UTC: when its `contact_overdue` event was recorded, or when it became unowned.
        var since: String
    }

    /// The `limit` overdue handovers (`overdueCondition`) that have been so longest, oldest first.
    func overdueHandovers(limit: Int) throws -> [OverdueHandover] {
        try db.query(
            """
            SELECT handover_id, referral_id, need_index, domain, state, contact, coordinator, since FROM (
                SELECT h.handover_id, h.referral_id, h.need_index, h.domain, h.state,
                       CASE WHEN h.state = 'accepted' THEN h.contact ELSE
                           (SELECT e.contact FROM events e JOIN handovers p ON p.handover_id = e.handover_id
                            WHERE e.referral_key = h.referral_key AND e.event = 'expired'
                              AND p.need_index = h.need_index
                            ORDER BY e.seq DESC LIMIT 1)
                       END AS contact,
                       CASE WHEN h.state = 'accepted' THEN
                           (SELECT e.contact FROM events e
                            WHERE e.referral_key = h.referral_key AND e.handover_id = h.handover_id
                              AND e.event = 'escalated'
                            ORDER BY e.seq DESC LIMIT 1)
                       ELSE
                           (SELECT e.contact FROM events e JOIN handovers p ON p.handover_id = e.handover_id
                            WHERE e.referral_key = h.referral_key AND e.event = 'escalated'
                              AND p.need_index = h.need_index AND e.contact IS NOT NULL
                            ORDER BY e.seq DESC LIMIT 1)
                       END AS coordinator,
                       CASE WHEN h.state = 'accepted' THEN
                           (SELECT MIN(e.at) FROM events e
                            WHERE e.referral_key = h.referral_key AND e.handover_id = h.handover_id
                              AND e.event = 'contact_overdue')
                       ELSE
                           COALESCE(
                               (SELECT MIN(e.at) FROM events e
                                WHERE e.referral_key = h.referral_key AND e.handover_id = h.handover_id
                                  AND e.event = 'unowned'),
                               h.updated_at)
                       END AS since
                FROM handovers h
                WHERE \(Self.overdueCondition)
            ) AS overdue
            ORDER BY since, handover_id
            LIMIT ?
            """, [.integer(Int64(limit))]
        ).map { row in
            OverdueHandover(
                handoverID: row.string("handover_id") ?? "", referralID: row.string("referral_id") ?? "",
                needIndex: row.int("need_index") ?? 0, domain: row.string("domain") ?? "",
                state: HandoverState(rawValue: row.string("state") ?? "") ?? .unowned, contact: row.string("contact"),
                coordinator: row.string("coordinator"), since: row.string("since") ?? "")
        }
    }

    func openReferrals() throws -> Int {
        try db.queryOne("SELECT COUNT(*) AS n FROM referrals WHERE state = 'open'")?.int("n") ?? 0
    }

    /// Whether the database answers a query at all (`/healthz`).
    var isReadable: Bool {
        (try? db.queryOne("SELECT 1")) != nil
    }

    /// Per contact, the declines for each of `reasons` (`socialmap check --state-dir`).
    static func declineCounts(in db: any SQLDatabase, reasons: [String]) throws -> [String: [String: Int]] {
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
