import Foundation
import SchakelProtocol
import Referrals

/// CASES: what a contact person holds and what is due next, read-only.
///
/// A contact's client keeps no state of its own (schakelctl certainly does not), yet a contact must know which
/// citizens still wait for a first contact and which nazorg questions wait for an answer. The outbox tells only
/// what is new; this answers from the handovers themselves, with no personal data: the details come again with ACK.
extension ReferralDesk {
    /// The handovers `principal` acknowledged and has not completed (`accepted`, `contacted`), oldest first.
    func cases(from principal: String) throws -> WireMessage {
        guard principal.hasPrefix("contact:") else {
            throw Rejection(.forbidden, "CASES lists a contact person's handovers; an organisation holds none")
        }
        let now = clock.now()
        let cases = try store.heldHandovers(of: principal).map { held -> HeldCase in
            let h = held.handover
            func passed(_ at: String) -> Bool { RFC3339.parse(at).map { $0 <= now } ?? false }
            var next: NextDeadline?
            if h.state == .accepted, let due = h.contactBy ?? held.overdueAt {
                // A missed contact_by is cleared when its reminder goes; the contact_overdue event keeps the moment.
                next = NextDeadline(deadline: "contact_by", at: due, overdue: h.contactBy == nil || passed(due))
            } else if let answerBy = h.answerBy {
                next = NextDeadline(deadline: "answer_by", at: answerBy, overdue: passed(answerBy))
            } else if let nazorgAt = h.nazorgAt {
                next = NextDeadline(deadline: "nazorg_at", at: nazorgAt, overdue: false)
            }
            return HeldCase(
                handoverID: h.id, referralID: held.referralID, need: h.need, urgency: held.urgency, state: h.state,
                lead: h.isLead, acknowledgedAt: held.acknowledgedAt ?? h.updatedAt, contactBy: h.contactBy,
                nazorgAt: h.nazorgAt, answerBy: h.answerBy, next: next)
        }
        return WireMessage(.caseList, encoding: CaseList(cases: cases))
    }
}
