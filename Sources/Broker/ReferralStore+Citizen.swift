import Foundation
import Referrals
import SchakelProtocol
import Storage

/// The citizen's code as the database knows it: only its digest (after the referral's key for a code made from
/// it), on the referral's row, gone at purge.
extension ReferralStore {
    /// A fresh code for the referral with key `key` and what its row keeps of it: made from the key when it fits
    /// (``CitizenCode/make(key:cipher:)``, found by the key), else 80 random bits found by their digest alone. The
    /// cipher is the message ids' (its key is in the database's settings, shared by both PostgreSQL nodes).
    func newCitizenCode(key: Int64) throws -> (code: String, stored: String) {
        if let code = CitizenCode.make(key: key, cipher: try messageIDs().cipher) {
            return (code, CitizenCode.stored(digest: try CitizenCode.digestOf(code), key: key))
        }
        let code = CitizenCode.make()
        return (code, try CitizenCode.digestOf(code))
    }

    /// Gives the referral a new code (what ``newCitizenCode(key:)`` says to keep); the old code stops working.
    func setCitizenCode(_ referralID: String, stored: String) throws {
        try db.run(
            "UPDATE referrals SET citizen_code = ? WHERE referral_id = ? AND purged_at IS NULL",
            [.text(stored), .text(referralID)])
    }

    /// The referral a canonical code opens, whose personal data is still there; nil otherwise. A code made from its
    /// referral's key is looked for under that key, one made before (or out of range) by its bare digest: both in
    /// the one unique index.
    func referralID(citizenCode canonical: String) throws -> String? {
        let digest = try CitizenCode.digest(canonical)
        var candidates = [digest]
        if let key = CitizenCode.key(of: canonical, cipher: try messageIDs().cipher) {
            candidates.insert(CitizenCode.stored(digest: digest, key: key), at: 0)
        }
        for stored in candidates {
            if let found = try db.queryOne(
                "SELECT referral_id FROM referrals WHERE citizen_code = ? AND purged_at IS NULL", [.text(stored)]
            )?.string("referral_id") {
                return found
            }
        }
        return nil
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
