import Deadlines
import Foundation
import SchakelProtocol
import SocialMap

/// No need waits in silence (issue 23). A need nobody holds has a clock: a `waiting` need escalates after its
/// policy's `escalate_waiting_after` (a crisis at once), an `unowned` one at once, and both go on escalating every
/// `escalate_every`, each time one level further, until someone owns the need:
/// 1. the coordinator of the organisation that let it go (unowned), or of the organisations whose contacts it waits
///    for (waiting);
/// 2. the coordinators of every organisation that serves the need's domain in the citizen's municipality within the
///    consent, and the referring organisation's;
/// 3. and on: level 2 again, and the operator (a log line, and the `schakel_needs_unheld` gauge by level).
///
/// Nobody who declined the need or let it lapse is alerted about it, and the referrer hears of every step with who
/// was alerted. Before each further step the need is offered once more, when someone can take it now (a contact
/// back from leave, with room again, or on duty again after a night).
extension Decision {
    /// The policy for a need nobody holds: that of the organisation that last held it (its own promises), else the
    /// region's.
    func unheldPolicy(need needIndex: Int) -> UrgencyPolicy {
        policy.policy(for: referralCase.urgency, organisation: lastHolder(need: needIndex)?.organisation ?? "")
    }

    /// The newest handover of the need that had a contact, with that contact's organisation (from the map, or the
    /// card stored with the handover when they have left it).
    func lastHolder(need needIndex: Int) -> (handover: Handover, contact: String, organisation: String)? {
        guard
            let handover = referralCase.handovers.last(where: {
                $0.needIndex == needIndex && $0.contact != nil && $0.state != .waiting && $0.state != .unowned
            }), let contact = handover.contact
        else { return nil }
        let organisation = map.contacts[contact]?.organization ?? handover.storedCard?.organisation ?? ""
        return (handover, contact, organisation)
    }

    /// A need went to nobody under `handoverID` (now waiting or unowned): an unowned need escalates at once, a
    /// waiting one when its policy says (at once for a crisis), else its clock starts.
    mutating func startUnheldClock(_ handoverID: String) {
        guard let handover = referralCase.handover(handoverID) else { return }
        let rules = unheldPolicy(need: handover.needIndex)
        if handover.state == .unowned || rules.escalateWaitingAfter.seconds == 0 {
            escalateUnheld(handoverID)
        } else {
            schedule(.escalation, subject: handoverID, due: unheldDeadline(after: rules.escalateWaitingAfter, rules))
        }
    }

    private func unheldDeadline(after duration: ISODuration, _ rules: UrgencyPolicy) -> Date {
        policy.calendar.deadline(from: now, adding: duration, clock: rules.acknowledgeClock)
    }

    /// The escalation timer of `handoverID` fired. When the need still has nobody, it is offered if someone can take
    /// it now; otherwise it escalates one level further.
    mutating func unheldClockRan(_ handoverID: String) throws(Rejection) {
        guard let handover = referralCase.handover(handoverID),
            handover.state == .waiting || handover.state == .unowned,
            referralCase.newest(need: handover.needIndex)?.id == handoverID, !referralCase.isWithdrawn
        else { return }
        _ = try requireReferral()
        if !offerInPlace(handover) { escalateUnheld(handoverID) }
    }

    /// Alerts the next level about the need of `handoverID`, tells the referrer who was alerted, and sets the time of
    /// the level after it.
    mutating func escalateUnheld(_ handoverID: String) {
        guard let handover = referralCase.handover(handoverID) else { return }
        guard let referral = referralCase.referral else {
            // Escalating reads the consent and the citizen's municipality; the store loads them for this timer.
            log(.warning, "need.escalation_without_data", ["referral": referralCase.id, "handover": handoverID])
            return
        }
        let reason: EscalationReason = handover.state == .waiting ? .waiting : .unowned
        let lapsed = lastHolder(need: handover.needIndex)
        var level = handover.escalationLevel + 1
        var alerted: [ContactPerson] = []
        while level < 3 {
            alerted = coordinators(level: level, of: handover, referral: referral)
            if !alerted.isEmpty { break }
            level += 1  // nobody at this level: the next one at once
        }
        let operatorAlerted = level >= 3
        if operatorAlerted { alerted = coordinators(level: 2, of: handover, referral: referral) }
        update(handoverID) { $0.escalationLevel = level }
        let referrer = ReferrerView(
            organisation: referralCase.organisation,
            organisationName: machine.organisationName(referralCase.organisation))
        for coordinator in alerted {
            record(
                "escalated", handoverID: handoverID, contact: coordinator.id,
                detail: ["level": .number(Double(level)), "reason": .string(reason.rawValue)])
            send(
                to: coordinator.id,
                .escalation(
                    Escalation(
                        messageID: "", referralID: referralCase.id, handoverID: lapsed?.handover.id ?? handoverID,
                        need: handover.need, urgency: referralCase.urgency, reason: reason, contact: lapsed?.contact,
                        referrer: referrer, needHandoverID: handoverID, level: level, at: at)))
        }
        if operatorAlerted {
            // An `escalated` row without a contact: the operator was alerted.
            record(
                "escalated", handoverID: handoverID,
                detail: ["level": .number(Double(level)), "reason": .string(reason.rawValue), "operator": .bool(true)])
            log(
                .warning, "need.escalated_to_operator",
                [
                    "referral": referralCase.id, "handover": handoverID, "domain": handover.domain,
                    "municipality": referralCase.municipality, "state": handover.state.rawValue, "level": "\(level)",
                ])
        }
        send(
            to: referralCase.organisation,
            .notice(
                Notice(
                    messageID: "", referralID: referralCase.id, externalID: referralCase.externalID, event: .escalated,
                    handoverID: handoverID, need: handover.need, contact: alerted.first.map(machine.card),
                    escalation: reason, level: level, alerted: alerted.map(machine.card),
                    operatorAlerted: operatorAlerted, at: at)))
        log(
            .info, "need.escalated",
            [
                "referral": referralCase.id, "handover": handoverID, "reason": reason.rawValue, "level": "\(level)",
                "alerted": "\(alerted.count)",
            ])
        let rules = unheldPolicy(need: handover.needIndex)
        schedule(.escalation, subject: handoverID, due: unheldDeadline(after: rules.escalateEvery, rules))
    }

    /// The coordinators a need nobody holds goes to at `level` (1 or 2), in id order, without anyone who declined it
    /// or let it lapse.
    func coordinators(level: Int, of handover: Handover, referral: Referral) -> [ContactPerson] {
        let barred = referralCase.previousHolders(need: handover.needIndex)
        var organisations: [String]
        if level == 1 {
            if let lapsed = lastHolder(need: handover.needIndex) {
                // As for a lapsed offer: the coordinator of the organisation that let it go, unless that is the
                // contact who did; then the referring organisation's.
                return escalationTarget(
                    organisation: lapsed.organisation, lapsed: lapsed.contact, need: handover.needIndex
                ).map { [$0] } ?? []
            }
            var request = matchRequest(needIndex: handover.needIndex, excluding: barred)
            request.capacityIsSoft = false
            organisations = machine.matcher.waitedFor(request, load: load, now: now)
            if organisations.isEmpty { organisations = [referralCase.organisation] }
        } else {
            var request = matchRequest(needIndex: handover.needIndex, excluding: [])
            request.capacityIsSoft = false
            organisations = machine.matcher.organisations(for: request) + [referralCase.organisation]
        }
        let ids = Set(organisations.compactMap { map.organizations[$0]?.coordinator }).subtracting(barred)
        return ids.sorted().compactMap { map.contacts[$0] }
    }

    // MARK: Out of hours

    /// Whether `contactID` is on duty at `moment`: in office hours, or in an on-call window of theirs.
    func isOnDuty(_ contactID: String, at moment: Date) -> Bool {
        policy.calendar.isWorkingTime(moment) || (map.contacts[contactID]?.isOnCall(at: moment) ?? false)
    }

    /// Who may not have the need again: everyone who declined it or let it lapse, except a contact whose every lapse
    /// fell outside their own working hours and who is on duty now. An offer that came at night to someone off duty
    /// says nothing about them: they may have it in the morning when nobody else took it.
    func barred(need needIndex: Int) -> Set<String> {
        var barred: Set<String> = []
        for handover in referralCase.handovers where handover.needIndex == needIndex {
            guard let contact = handover.contact else { continue }
            switch handover.state {
            case .declined:
                barred.insert(contact)
            case .expired:
                if let lapsedAt = RFC3339.parse(handover.updatedAt), !isOnDuty(contact, at: lapsedAt),
                    isOnDuty(contact, at: now)
                {
                    continue
                }
                barred.insert(contact)
            default:
                continue
            }
        }
        return barred
    }

    // MARK: A missed first contact

    /// The grace after a missed first contact is over and the citizen is still not reached: the contact's
    /// coordinator is alerted (never the contact themselves), and the referrer told.
    mutating func escalateMissedContact(_ handoverID: String) {
        guard let (handover, contact) = heldHandover(handoverID), handover.state == .accepted else { return }
        let organisation = map.contacts[contact]?.organization ?? handover.storedCard?.organisation ?? ""
        escalate(handover, contact: contact, organisation: organisation, reason: .noFirstContact)
    }
}
