import Foundation
import SchakelProtocol
import Storage

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
        let rows = try db.query(
            """
            SELECT h.handover_id, h.referral_id, h.need_index, h.domain, h.state, h.is_lead, h.contact_by,
                   h.nazorg_at, h.answer_by, h.updated_at, r.urgency,
                   (SELECT MIN(e.at) FROM events e WHERE e.referral_id = h.referral_id
                      AND e.handover_id = h.handover_id AND e.event = 'acknowledged') AS acknowledged_at,
                   (SELECT MAX(e.at) FROM events e WHERE e.referral_id = h.referral_id
                      AND e.handover_id = h.handover_id AND e.event = 'contact_overdue') AS overdue_at
            FROM handovers h JOIN referrals r ON r.referral_id = h.referral_id
            WHERE h.contact = ? AND h.state IN ('accepted', 'contacted')
            ORDER BY acknowledged_at, h.handover_id
            """, [.text(principal)])
        let now = clock.now()
        let cases = rows.map { row -> HeldCase in
            let state = HandoverState(rawValue: row.string("state") ?? "") ?? .accepted
            let contactBy = row.string("contact_by")
            let answerBy = row.string("answer_by")
            let nazorgAt = row.string("nazorg_at")
            func passed(_ at: String) -> Bool { RFC3339.parse(at).map { $0 <= now } ?? false }
            var next: NextDeadline?
            if state == .accepted, let due = contactBy ?? row.string("overdue_at") {
                // A missed contact_by is cleared when its reminder goes; the contact_overdue event keeps the moment.
                next = NextDeadline(deadline: "contact_by", at: due, overdue: contactBy == nil || passed(due))
            } else if let answerBy {
                next = NextDeadline(deadline: "answer_by", at: answerBy, overdue: passed(answerBy))
            } else if let nazorgAt {
                next = NextDeadline(deadline: "nazorg_at", at: nazorgAt, overdue: false)
            }
            return HeldCase(
                handoverID: row.string("handover_id") ?? "", referralID: row.string("referral_id") ?? "",
                need: NeedRef(index: row.int("need_index") ?? 0, domain: row.string("domain") ?? ""),
                urgency: Urgency(rawValue: row.string("urgency") ?? "") ?? .normal, state: state,
                lead: row.bool("is_lead") ?? false,
                acknowledgedAt: row.string("acknowledged_at") ?? row.string("updated_at") ?? "",
                contactBy: contactBy, nazorgAt: nazorgAt, answerBy: answerBy, next: next)
        }
        return WireMessage(.caseList, encoding: CaseList(cases: cases))
    }
}
