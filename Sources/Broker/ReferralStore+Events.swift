import Foundation
import Storage

/// What the event stream publishes: event-log rows with the referral and handover they concern.
extension ReferralStore {
    /// The number of the newest event (0 when the log is empty): its row's, the last of the table (migration 14).
    func lastEventSeq() throws -> Int64 {
        try db.queryOne("SELECT COALESCE(MAX(seq), 0) AS seq FROM event_log")?.int64("seq") ?? 0
    }

    /// Up to `limit` events after `seq`, in order, joined with their referral and handover. `row_seq > seq` lets the
    /// view start at the row that holds the next event instead of unfolding the whole log.
    func events(after seq: Int64, limit: Int) throws -> [Row] {
        try db.query(
            """
            SELECT e.seq, e.referral_id, e.at, e.event, e.handover_id, e.contact, e.detail,
                   r.organisation, r.external_id, r.urgency, h.need_index, h.domain
            FROM events e LEFT JOIN referrals r ON r.referral_key = e.referral_key
            LEFT JOIN handovers h ON h.handover_id = e.handover_id
            WHERE e.row_seq > ? AND e.seq > ? ORDER BY e.seq LIMIT ?
            """, [.integer(seq), .integer(seq), .integer(Int64(limit))])
    }
}
