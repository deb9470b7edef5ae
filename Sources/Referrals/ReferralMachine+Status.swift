import Foundation
import SchakelProtocol

/// STATUS: what the referrer and the contacts holding the referral's handovers may see of it.
extension ReferralMachine {
    /// The referral as `principal` may see it, with `timeline` (the event log without audit-only rows), or the
    /// refusal for anyone else.
    public func status(of referralCase: ReferralCase, timeline: [TimelineEntry], for principal: String)
        throws(Rejection) -> ReferralStatus
    {
        let isReferrer = referralCase.organisation == principal
        let holdsHandover = referralCase.handovers.contains {
            $0.contact == principal && ($0.state == .offered || $0.state.isTaken)
        }
        guard isReferrer || holdsHandover else {
            throw Rejection(
                .forbidden,
                "only the referring organisation and contacts holding one of its handovers may see \(referralCase.id)",
                field: "referral_id")
        }
        let handovers = referralCase.handovers.map { h -> HandoverSummary in
            let contact = h.contact.flatMap { map.contacts[$0] }.map(card) ?? h.storedCard
            return HandoverSummary(
                handoverID: h.id, need: h.need, contact: h.state.isTaken ? contact : contact?.withoutDirectLine,
                state: h.state, lead: h.isLead, ackBy: h.state == .offered ? h.ackBy : nil, contactBy: h.contactBy,
                nazorgAt: h.nazorgAt, answerBy: h.answerBy, outcome: h.outcome,
                explanation: isReferrer
                    ? h.explanation.flatMap {
                        try? SRPCoding.decoder.decode(MatchExplanation.self, from: Data($0.utf8))
                    } : nil)
        }
        return ReferralStatus(
            referralID: referralCase.id, externalID: isReferrer ? referralCase.externalID : nil,
            state: referralCase.state, urgency: referralCase.urgency, handovers: handovers, timeline: timeline)
    }
}
