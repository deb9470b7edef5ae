import Foundation
import SchakelProtocol
import SocialMap

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
        case .escalation: try unheldClockRan(subject)
        case .contactEscalation: escalateMissedContact(subject)
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
        withdrawOffer(handoverID, from: contact, as: .expired, event: "expired", reason: .expired)
        log(.info, "handover.expired", ["referral": referralCase.id, "handover": handoverID])

        let referral = try requireReferral()
        let organisation = map.contacts[contact]?.organization ?? handover.storedCard?.organisation ?? ""
        let rules = policy.policy(for: referral.urgency, organisation: organisation)
        let pastLimit =
            referral.urgency == .crisis || referralCase.expiredOffers(need: handover.needIndex) > rules.maxReroutes
        dropLead(handoverID)
        // Nobody left means unowned, which escalates on its own clock (``startUnheldClock(_:)``).
        route(
            needIndex: handover.needIndex, lead: handover.isLead, excluding: barred(need: handover.needIndex),
            event: .rerouted)
        // Routed first, so that the escalation names the need's handover as it is now: the one to act on.
        if pastLimit {
            escalate(handover, contact: contact, organisation: organisation, reason: .notAcknowledged)
        }
        updateReferralState()
    }

    /// Who is alerted when `contact` of `organisation` let an offer lapse: the organisation's coordinator, unless
    /// that is the contact who let it lapse, or anyone else who declined the need or let it lapse (the alert would
    /// go to a person it is about); else the coordinator of the referring organisation; else nobody on the map (the
    /// operator's log says so).
    func escalationTarget(organisation: String, lapsed contact: String, need needIndex: Int) -> ContactPerson? {
        let barred = referralCase.previousHolders(need: needIndex).union([contact])
        for org in [organisation, referralCase.organisation] {
            if let id = map.organizations[org]?.coordinator, !barred.contains(id), let coordinator = map.contacts[id] {
                return coordinator
            }
        }
        return nil
    }

    /// Alerts a coordinator (``escalationTarget(organisation:lapsed:need:)``) that the offer `expired` lapsed, and tells
    /// the referrer.
    mutating func escalate(_ expired: Handover, contact: String, organisation: String, reason: EscalationReason) {
        guard let coordinator = escalationTarget(organisation: organisation, lapsed: contact, need: expired.needIndex)
        else {
            log(
                .warning, "escalation.no_coordinator",
                ["referral": referralCase.id, "organisation": organisation, "reason": reason.rawValue])
            return
        }
        let coordinatorID = coordinator.id
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
                    needHandoverID: referralCase.newest(need: expired.needIndex)?.id, at: at)))
        if reason != .unowned {
            send(
                to: referralCase.organisation,
                .notice(
                    Notice(
                        messageID: "", referralID: referralCase.id, externalID: referralCase.externalID,
                        event: .escalated, handoverID: expired.id, need: expired.need,
                        contact: machine.card(coordinator), escalation: reason, level: 1,
                        alerted: [machine.card(coordinator)], operatorAlerted: false, at: at)))
        }
        log(
            .info, "handover.escalated",
            ["referral": referralCase.id, "coordinator": coordinatorID, "reason": reason.rawValue])
    }
}
