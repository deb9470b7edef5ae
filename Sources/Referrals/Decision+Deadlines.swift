import Foundation
import SchakelProtocol

/// The deadline chain: offers carry an acknowledgement deadline, a reminder goes out on the way, and an unanswered
/// offer is withdrawn and re-routed, escalated to the receiving organisation's coordinator past the re-route limit
/// (at once for a crisis), and reported as unowned when nobody is left.
extension Decision {
    /// A timer of the case fired: it is consumed, and its step runs when the case still calls for it.
    mutating func fire(_ kind: TimerKind, handoverID: String?) throws(Rejection) {
        let subject = kind.isReferralTimer ? referralCase.id : handoverID ?? ""
        cancelTimer(kind, subject: subject)
        switch kind {
        case .consentExpiry: expireConsent()
        case .retention: purge(why: "retention")
        case .ackReminder: remindToAcknowledge(subject)
        case .ackExpiry: try expireOffer(subject)
        case .contactDue: remindFirstContact(subject)
        case .nazorg: askNazorg(subject)
        case .nazorgAnswer: remindNazorg(subject)
        case .nazorgFinal: recordNoAnswer(subject)
        case .absenceEnd: try retryWaiting(subject)
        }
    }

    /// The handover `id` while it is offered, with its contact.
    func offered(_ id: String) -> (Handover, contact: String)? {
        guard let handover = referralCase.handover(id), handover.state == .offered, let contact = handover.contact
        else { return nil }
        return (handover, contact)
    }

    mutating func remindToAcknowledge(_ handoverID: String) {
        guard let (handover, contact) = offered(handoverID) else { return }
        record("reminded", handoverID: handoverID, contact: contact)
        send(
            to: contact,
            .reminder(
                Reminder(
                    messageID: "", handoverID: handoverID, referralID: referralCase.id, about: .acknowledge,
                    need: handover.need, due: handover.ackBy ?? at)))
        log(.info, "handover.reminded", ["referral": referralCase.id, "handover": handoverID])
    }

    mutating func expireOffer(_ handoverID: String) throws(Rejection) {
        guard let (handover, contact) = offered(handoverID) else { return }
        update(handoverID) { [at] in
            $0.state = .expired
            $0.ackBy = nil
            $0.updatedAt = at
        }
        changeLoad(of: contact, by: -1)
        emit(.offerSettled(handoverID: handoverID))  // the withdrawn offer is not sent again
        cancelTimers(forHandover: handoverID)
        record("expired", handoverID: handoverID, contact: contact)
        send(
            to: contact,
            .cancelled(
                Cancelled(messageID: "", handoverID: handoverID, referralID: referralCase.id, reason: .expired)))
        log(.info, "handover.expired", ["referral": referralCase.id, "handover": handoverID])

        let referral = try requireReferral()
        let organisation = map.contacts[contact]?.organization ?? ""
        let rules = policy.policy(for: referral.urgency, organisation: organisation)
        if referral.urgency == .crisis || referralCase.expiredOffers(need: handover.needIndex) > rules.maxReroutes {
            escalate(handover, contact: contact, organisation: organisation, reason: .notAcknowledged)
        }
        let routed = route(
            needIndex: handover.needIndex, lead: handover.isLead,
            excluding: referralCase.previousHolders(need: handover.needIndex), event: .rerouted)
        if routed == .nobody {
            escalate(handover, contact: contact, organisation: organisation, reason: .unowned)
        }
        updateReferralState()
    }

    /// Alerts the coordinator of the organisation whose contact let the offer (`expired`) lapse, and tells the
    /// referrer.
    mutating func escalate(_ expired: Handover, contact: String, organisation: String, reason: EscalationReason) {
        guard let coordinatorID = map.organizations[organisation]?.coordinator,
            let coordinator = map.contacts[coordinatorID]
        else {
            log(.warning, "escalation.no_coordinator", ["referral": referralCase.id, "organisation": organisation])
            return
        }
        record("escalated", handoverID: expired.id, contact: coordinatorID)
        send(
            to: coordinatorID,
            .escalation(
                Escalation(
                    messageID: "", referralID: referralCase.id, handoverID: expired.id, need: expired.need,
                    urgency: referralCase.urgency, reason: reason, contact: contact,
                    referrer: ReferrerView(
                        organisation: referralCase.organisation,
                        organisationName: machine.organisationName(referralCase.organisation)),
                    at: at)))
        if reason == .notAcknowledged {
            send(
                to: referralCase.organisation,
                .notice(
                    Notice(
                        messageID: "", referralID: referralCase.id, externalID: referralCase.externalID,
                        event: .escalated, handoverID: expired.id, need: expired.need,
                        contact: machine.card(coordinator), at: at)))
        }
        log(
            .info, "handover.escalated",
            ["referral": referralCase.id, "coordinator": coordinatorID, "reason": reason.rawValue])
    }
}
