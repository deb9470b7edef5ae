import Foundation
import Referrals
import SchakelProtocol
import Storage

/// What PENDING reads: handovers held by an organisation's contacts, and every waiting or unowned need.
extension ReferralStore {
    struct PendingRow {
        var handover: Handover
        var referralID: String
        var referrer: String
        var urgency: Urgency
        var municipality: String
        /// For a need without a contact: who let it go last (declined or let it lapse).
        var lapsedContact: String?
        /// An accepted handover whose first contact was missed (``ReferralStore/missedFirstContact``, the definition
        /// `stats` counts too).
        var isOverdue: Bool
    }

    /// Offered and accepted handovers of `contacts` (read by the keys of their referrals, ``open``), then every
    /// waiting need and every unowned one (``unownedNeed``: an unowned handover whose need has moved on to a newer
    /// one is not).
    func pendingHandovers(heldBy contacts: Set<String>) throws -> [PendingRow] {
        func row(_ r: Row) -> PendingRow {
            PendingRow(
                handover: Self.handover(r), referralID: r.string("referral_id") ?? "",
                referrer: r.string("organisation") ?? "",
                urgency: Urgency(rawValue: r.string("urgency") ?? "") ?? .normal,
                municipality: r.string("municipality") ?? "", lapsedContact: r.string("lapsed"),
                isOverdue: r.bool("overdue") ?? false)
        }
        var rows: [PendingRow] = []
        for contact in contacts.sorted() {
            rows += try db.query(
                Self.heldOffersAndHandovers(db.dialect), [Self.jsonIntegers(open.keys(of: contact)), .text(contact)]
            ).map(row)
        }
        rows += try db.query(
            """
            SELECT h.*, r.organisation, r.urgency, r.municipality,
                   (SELECT x.contact FROM handovers x WHERE x.referral_key = h.referral_key AND x.need_index = h.need_index
                      AND x.state IN ('declined', 'expired') ORDER BY x.rowid DESC LIMIT 1) AS lapsed,
                   0 AS overdue
            FROM handovers h JOIN referrals r ON r.referral_key = h.referral_key
            WHERE h.state = 'waiting' OR \(Self.unownedNeed)
            """
        ).map(row)
        return rows
    }

    /// PENDING's statement for one contact (bound second): their offered and accepted handovers among the referrals
    /// whose keys are bound first, as a JSON array. Its plan is a test's (`Migration18Tests`).
    static func heldOffersAndHandovers(_ dialect: SQLDialect) -> String {
        """
        SELECT h.*, r.organisation, r.urgency, r.municipality, NULL AS lapsed, \(missedFirstContact) AS overdue
        FROM handovers h JOIN referrals r ON r.referral_key = h.referral_key
        WHERE h.referral_key IN (\(dialect.jsonArrayIntegers)) AND h.contact = ? AND h.state IN ('offered', 'accepted')
        """
    }
}
