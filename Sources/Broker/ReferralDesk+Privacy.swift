import Foundation
import Referrals
import SchakelProtocol
import Sodium

/// The operator's privacy commands on the life cycle: purge by hand, erase, and what `audit` and `export` read.
extension ReferralDesk {
    /// Seals personal data under the current data key before it is written.
    func seal(_ text: String) throws -> String {
        try store.seal(text)
    }

    /// Opens a sealed value (see ``ReferralStore/unseal(_:)``).
    func unseal(_ stored: String) throws -> String {
        try store.unseal(stored)
    }

    /// Right to erasure (admin `erase`): like WITHDRAW, and every contact who holds or held a handover of it is told
    /// (CANCELLED `erased`), and the referrer gets NOTICE `erased`. Returns the ids cancelled and who was told.
    func erase(_ referralID: String, by operatorName: String) throws -> (cancelled: [String], told: [String]) {
        guard let referralCase = try store.loadCase(referralID, referral: false) else {
            throw Rejection(.notFound, "no referral \(referralID)")
        }
        let (transition, unseen) = try runReporting(.erase(by: operatorName), on: referralCase)
        var told: Set<String> = []
        for effect in transition.effects {
            switch effect {
            case .sent(let principal, _, _) where principal != referralCase.organisation:
                told.insert(principal)
            case .offerWithdrawn(let handoverID, let contact, _, _) where !unseen.contains(handoverID):
                told.insert(contact)  // an offer they never received is dropped, not cancelled
            default:
                break
            }
        }
        return (transition.handovers, told.sorted())
    }

    /// Purges the personal data of `referralID` now (admin `purge`).
    func purge(_ referralID: String, why: String) throws {
        guard let referralCase = try store.loadCase(referralID, referral: false) else { return }
        try run(.purge(reason: why), on: referralCase)
    }

    /// A referral whose personal data the retention rule says must go by `now`: closed (or unroutable, or
    /// withdrawn) longer ago than `retention`, and not purged yet. Ids and dates only.
    struct PurgeCandidate {
        var referralID: String
        var state: String
        var closedAt: String
        var purgeAt: String
    }

    /// What `purge` would delete now under `retention` (the config's, or a shorter one the operator set since
    /// the timers were made).
    func purgeCandidates(retention: ISODuration) throws -> [PurgeCandidate] {
        let now = clock.now()
        return try store.closedUnpurged().compactMap { referral in
            guard let closed = RFC3339.parse(referral.closedAt) else { return nil }
            let purgeAt = closed.addingTimeInterval(retention.seconds)
            guard purgeAt <= now else { return nil }
            return PurgeCandidate(
                referralID: referral.referralID, state: referral.state, closedAt: referral.closedAt,
                purgeAt: RFC3339.format(purgeAt))
        }
    }

    func referralExists(_ referralID: String) throws -> Bool {
        try store.referralExists(referralID)
    }

    /// Everything held about the referral's citizen (right of access), personal data opened.
    func export(_ referralID: String) throws -> JSONValue {
        guard let export = try store.export(referralID, word: wordKept) else {
            throw Rejection(.notFound, "no referral \(referralID)")
        }
        return export
    }

    /// Every event of the referral, the audit-only ones (`disclosed`, `exported`) included.
    func auditTrail(_ referralID: String) throws -> [JSONValue] {
        try store.auditTrail(referralID)
    }

    /// Records an admin action in the event log (`admin.<command>`), on its referral when it names one.
    func appendEvent(_ referralID: String?, _ event: String, detail: [String: JSONValue]) throws {
        try store.appendEvent(referralID, AuditEntry(event, at: now, detail: detail))
    }
}
