import Foundation
import Storage

/// What the event stream publishes: event-log rows with the referral and handover they concern.
extension ReferralStore {
    /// The newest row of the event log (0 when it is empty).
    func lastEventSeq() throws -> Int64 {
        try db.queryOne("SELECT COALESCE(MAX(seq), 0) AS seq FROM events")?.int64("seq") ?? 0
    }

    /// Up to `limit` event-log rows after `seq`, in order, joined with their referral and handover.
    func events(after seq: Int64, limit: Int) throws -> [Row] {
        try db.query(
            """
            SELECT e.seq, e.referral_id, e.at, e.event, e.handover_id, e.contact, e.detail,
                   r.organisation, r.external_id, r.urgency, h.need_index, h.domain
            FROM events e LEFT JOIN referrals r ON r.referral_key = e.referral_key
            LEFT JOIN handovers h ON h.handover_id = e.handover_id
            WHERE e.seq > ? ORDER BY e.seq LIMIT ?
            """, [.integer(seq), .integer(Int64(limit))])
    }
}
