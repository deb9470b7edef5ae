import Foundation
import SchakelProtocol
import Storage

/// How a referral is found by the ids people quote, and the latest moment the database has recorded.
extension ReferralStore {
    /// The referral `organisation` submitted under `externalID`, if any.
    func referralID(organisation: String, externalID: String) throws -> String? {
        try db.queryOne(
            "SELECT referral_id FROM referrals WHERE organisation = ? AND external_id = ?",
            [.text(organisation), .text(externalID)])?.string("referral_id")
    }

    /// The referrals whose referring organisation chose `externalID` (only `organisation`'s when given), as
    /// `(organisation, referral_id)` pairs, by organisation.
    func referrals(withExternalID externalID: String, organisation: String?) throws -> [(String, String)] {
        let rows: [Row]
        if let organisation {
            rows = try db.query(
                "SELECT organisation, referral_id FROM referrals WHERE external_id = ? AND organisation = ?",
                [.text(externalID), .text(organisation)])
        } else {
            rows = try db.query(
                "SELECT organisation, referral_id FROM referrals WHERE external_id = ? ORDER BY organisation",
                [.text(externalID)])
        }
        return rows.compactMap { row in
            guard let organisation = row.string("organisation"), let id = row.string("referral_id") else { return nil }
            return (organisation, id)
        }
    }

    /// The latest time stamp the database holds: events (an admin `clock.advance` is recorded at the time it moved
    /// to), referral and handover changes, outbox messages. Nil for a new database.
    static func latestRecordedTime(in db: any SQLDatabase) throws -> Date? {
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

}
