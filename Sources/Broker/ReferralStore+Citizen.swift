import Foundation
import Referrals
import SchakelProtocol
import Storage

/// The citizen's code as the database knows it: only its digest, on the referral's row, gone at purge.
extension ReferralStore {
    /// Gives the referral a new code digest; the old code stops working.
    func setCitizenCode(_ referralID: String, digest: String) throws {
        try db.run(
            "UPDATE referrals SET citizen_code = ? WHERE referral_id = ? AND purged_at IS NULL",
            [.text(digest), .text(referralID)])
    }

    /// The referral whose code has this digest and whose personal data is still there; nil otherwise.
    func referralID(citizenCodeDigest digest: String) throws -> String? {
        try db.queryOne(
            "SELECT referral_id FROM referrals WHERE citizen_code = ? AND purged_at IS NULL", [.text(digest)]
        )?.string("referral_id")
    }

    /// The citizen's nazorg answers of a referral, by handover: the last answer counts.
    func citizenAnswers(_ referralID: String) throws -> [String: OutcomeResult] {
        var answers: [String: OutcomeResult] = [:]
        for row in try db.query(
            """
            SELECT handover_id, detail FROM events
            WHERE referral_key = \(Self.keyOfReferral) AND event = 'citizen.answered' ORDER BY seq
            """,
            [.text(referralID)])
        {
            guard let handover = row.string("handover_id"), let detail = row.string("detail"),
                let value = try? JSONValue.parse(Data(detail.utf8)),
                let result = value["result"]?.stringValue.flatMap(OutcomeResult.init(rawValue:))
            else { continue }
            answers[handover] = result
        }
        return answers
    }
}
