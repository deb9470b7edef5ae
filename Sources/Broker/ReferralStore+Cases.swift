import Foundation
import Referrals
import SchakelProtocol
import Storage

/// What CASES reads: the handovers a contact holds, with the moments the event log keeps for them.
extension ReferralStore {
    /// One handover a contact acknowledged and has not completed.
    struct HeldHandover {
        var handover: Handover
        var referralID: String
        var urgency: Urgency
        /// When the contact acknowledged it (the `acknowledged` event).
        var acknowledgedAt: String?
        /// When its first-contact deadline was missed (the last `contact_overdue` event): `contact_by` itself is
        /// cleared once the reminder goes.
        var overdueAt: String?
    }

    /// The handovers `contact` holds in state `accepted` or `contacted`, oldest acknowledgement first: read by the
    /// keys of the referrals in which the contact holds an open handover (``open``, migration 18).
    func heldHandovers(of contact: String) throws -> [HeldHandover] {
        try db.query(
            Self.heldHandovers(db.dialect), [Self.jsonIntegers(open.keys(of: contact)), .text(contact)]
        ).map { row in
            HeldHandover(
                handover: Self.handover(row), referralID: row.string("referral_id") ?? "",
                urgency: Urgency(rawValue: row.string("urgency") ?? "") ?? .normal,
                acknowledgedAt: row.string("acknowledged_at"), overdueAt: row.string("overdue_at"))
        }
    }

    /// CASES's statement: a contact's (bound second) handovers among the referrals whose keys are bound first, as a
    /// JSON array. Its plan is a test's (`Migration18Tests`).
    static func heldHandovers(_ dialect: SQLDialect) -> String {
        """
        SELECT h.*, r.urgency,
               (SELECT MIN(e.at) FROM events e WHERE e.referral_key = h.referral_key
                  AND e.handover_id = h.handover_id AND e.event = 'acknowledged') AS acknowledged_at,
               (SELECT MAX(e.at) FROM events e WHERE e.referral_key = h.referral_key
                  AND e.handover_id = h.handover_id AND e.event = 'contact_overdue') AS overdue_at
        FROM handovers h JOIN referrals r ON r.referral_key = h.referral_key
        WHERE h.referral_key IN (\(dialect.jsonArrayIntegers)) AND h.contact = ?
          AND h.state IN ('accepted', 'contacted')
        ORDER BY acknowledged_at, h.handover_id
        """
    }
}
