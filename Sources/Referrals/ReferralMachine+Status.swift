import Foundation
import SchakelProtocol

/// STATUS: what the referrer and the contacts holding the referral's handovers may see of it.
extension ReferralMachine {
    /// The referral as `principal` may see it at `now`, with `timeline` (the event log without audit-only rows), or
    /// the refusal for anyone else. The coordinator of an organisation whose contacts hold or held one of its
    /// handovers, or of the referring organisation, sees it too: an escalation asks them to act on it.
    public func status(of referralCase: ReferralCase, timeline: [TimelineEntry], for principal: String, now: Date)
        throws(Rejection) -> ReferralStatus
    {
        let isReferrer = referralCase.organisation == principal
        let holdsHandover = referralCase.handovers.contains {
            $0.contact == principal && ($0.state == .offered || $0.state.isTaken)
        }
        let coordinates = organisation(coordinatedBy: principal).map { organisation in
            referralCase.organisation == organisation
                || referralCase.handovers.contains {
                    $0.contact.flatMap { map.contacts[$0]?.organization ?? nil } == organisation
                        || $0.storedCard?.organisation == organisation
                }
        }
        guard isReferrer || holdsHandover || coordinates == true else {
            throw Rejection(
                .forbidden,
                "only the referring organisation, contacts holding one of its handovers and their coordinators may see \(referralCase.id)",
                field: "referral_id")
        }
        let handovers = referralCase.handovers.map { h -> HandoverSummary in
            let contact = h.contact.flatMap { map.contacts[$0] }.map(card) ?? h.storedCard
            return HandoverSummary(
                handoverID: h.id, need: h.need, contact: h.state.isTaken ? contact : contact?.withoutDirectLine,
                state: h.state, lead: h.isLead, ackBy: h.state == .offered ? h.ackBy : nil, contactBy: h.contactBy,
                nazorgAt: h.nazorgAt, answerBy: h.answerBy, outcome: h.outcome,
                explanation: isReferrer
                    ? h.explanation.flatMap { MatchExplanation(stored: $0) } : nil,
                overdue: Self.isOverdue(h, now: now) ? true : nil)
        }
        return ReferralStatus(
            referralID: referralCase.id, externalID: isReferrer ? referralCase.externalID : nil,
            state: referralCase.state, urgency: referralCase.urgency, handovers: handovers, timeline: timeline)
    }

    /// Acknowledged, and `contact_by` passed without CONTACTED.
    public static func isOverdue(_ handover: Handover, now: Date) -> Bool {
        handover.state == .accepted && (handover.contactBy.flatMap(RFC3339.parse).map { $0 <= now } ?? false)
    }
}
