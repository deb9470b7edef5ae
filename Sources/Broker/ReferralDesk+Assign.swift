import Foundation
import SchakelProtocol
import Storage

/// Manual assignment: a need nobody owns (offers went unanswered and no candidate is left) or
/// nobody could take stays open until a coordinator names someone for it.
extension ReferralDesk {
    /// Offers the need of the unowned or unroutable handover `handoverID` to `contactID`, on
    /// behalf of `coordinator`. Returns the new handover's id.
    func assign(handoverID: String, to contactID: String, by coordinator: String) throws -> String {
        guard
            let row = try db.queryOne(
                """
                SELECT h.referral_id, h.need_index, h.state, r.organisation FROM handovers h
                JOIN referrals r ON r.referral_id = h.referral_id WHERE h.handover_id = ?
                """, [.text(handoverID)])
        else {
            throw AssignError.notFound("no handover \(handoverID)")
        }
        let referralID = row.string("referral_id") ?? ""
        let needIndex = row.int("need_index") ?? 0
        guard
            row.string("state") == HandoverState.unowned.rawValue
                || row.string("state") == HandoverState.unroutable.rawValue
        else {
            throw AssignError.conflict(
                "handover \(handoverID) is \(row.string("state") ?? "?"); only an unowned or unroutable need is assigned by hand"
            )
        }
        let newest = try db.queryOne(
            "SELECT handover_id FROM handovers WHERE referral_id = ? AND need_index = ? ORDER BY rowid DESC LIMIT 1",
            [.text(referralID), .integer(Int64(needIndex))])?.string("handover_id")
        guard newest == handoverID else {
            throw AssignError.conflict("the need of \(handoverID) has moved on to \(newest ?? "?")")
        }
        guard let contact = map.contacts[contactID] else {
            throw AssignError.notFound("no contact person \(contactID) on the social map")
        }
        guard map.contacts[coordinator] != nil || map.organizations[coordinator] != nil else {
            throw AssignError.notFound("no principal \(coordinator) on the social map")
        }
        guard try !isWithdrawn(referralID) else {
            throw AssignError.conflict("referral \(referralID) was withdrawn; its data is deleted")
        }
        let referral = try storedReferral(referralID)
        let domain = referral.needs[needIndex].domain
        guard referral.consent.permits(organisation: contact.organization, domain: domain) else {
            throw AssignError.forbidden(
                "the citizen's consent does not cover \(contact.organization) for \(domain); ask the referrer for consent"
            )
        }
        let leadTaken =
            try db.queryOne(
                """
                SELECT 1 FROM handovers WHERE referral_id = ? AND is_lead = 1
                  AND state IN ('offered', 'accepted', 'contacted', 'completed')
                """, [.text(referralID)]) != nil
        try appendEvent(referralID, "assigned", at: now, handoverID: handoverID, contact: contactID)
        try route(
            referralID: referralID, organisation: row.string("organisation") ?? "", referral: referral,
            needIndex: needIndex, lead: !leadTaken, excluding: [], assignTo: contact)
        try updateReferralState(referralID)
        logger.info("handover.assigned", ["referral": referralID, "contact": contactID, "by": coordinator])
        return try db.queryOne(
            "SELECT handover_id FROM handovers WHERE referral_id = ? AND need_index = ? ORDER BY rowid DESC LIMIT 1",
            [.text(referralID), .integer(Int64(needIndex))])?.string("handover_id") ?? ""
    }
}

/// Why an assignment was refused; the admin socket maps it to its error codes.
enum AssignError: Error {
    case notFound(String)
    case conflict(String)
    case forbidden(String)
}
