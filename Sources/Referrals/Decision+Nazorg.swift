import Foundation
import SchakelProtocol

/// After the acknowledgement: the contact must reach the citizen in time (CONTACTED), and weeks later nazorg asks
/// the referrer and the contact what came of it (NAZORG → OUTCOME), reminds once, and records `no_answer` when
/// nobody answers. An unresolved outcome lets the referrer REOPEN the referral; when every need has its outcome the
/// referral closes.
extension Decision {
    /// A handover that has (or had) a contact, or nil.
    func heldHandover(_ id: String) -> (Handover, contact: String)? {
        guard let handover = referralCase.handover(id), let contact = handover.contact else { return nil }
        return (handover, contact)
    }

    // MARK: CONTACTED

    mutating func contacted(_ handoverID: String, by principal: String, at contactedAt: String?, channel: Channel?)
        throws(Rejection) -> WireMessage
    {
        guard principal.hasPrefix("contact:") else {
            throw Rejection(.forbidden, "only contact persons send CONTACTED")
        }
        guard let (handover, contact) = heldHandover(handoverID) else {
            throw Rejection(.notFound, "no handover \(handoverID)", field: "handover_id")
        }
        guard contact == principal else {
            throw Rejection(.forbidden, "handover \(handoverID) is not held by \(principal)", field: "handover_id")
        }
        switch handover.state {
        case .contacted, .completed:
            break  // recorded before
        case .accepted:
            update(handoverID) { [at] in
                $0.state = .contacted
                $0.contactBy = nil
                $0.contactedAt = contactedAt ?? at
                $0.contactChannel = channel
                $0.updatedAt = at
            }
            cancelTimer(.contactDue, subject: handoverID)
            cancelTimer(.contactEscalation, subject: handoverID)
            record("contacted", handoverID: handoverID, contact: principal)
            notifyReferrer(handover, .contacted)
            updateReferralState()
        default:
            throw Rejection(
                .conflict, "handover \(handoverID) is \(handover.state.rawValue); CONTACTED follows an ACK")
        }
        return WireMessage(
            .noted, encoding: Noted(event: .contacted, referralID: referralCase.id, handoverID: handoverID))
    }

    // MARK: OUTCOME

    mutating func outcome(_ handoverID: String, by principal: String, result: OutcomeResult, note: String?)
        throws(Rejection) -> WireMessage
    {
        guard let (handover, contact) = heldHandover(handoverID) else {
            throw Rejection(.notFound, "no handover \(handoverID)", field: "handover_id")
        }
        let isReferrer = principal == referralCase.organisation
        guard isReferrer || principal == contact else {
            throw Rejection(
                .forbidden, "only the referring organisation and the contact holding \(handoverID) answer its nazorg",
                field: "handover_id")
        }
        guard handover.state.isTaken else {
            throw Rejection(
                .conflict, "handover \(handoverID) is \(handover.state.rawValue); an outcome follows an acknowledgement"
            )
        }
        // A purge is final: the note would be personal data stored (and exported) again, never purged a second
        // time. The result itself is a pseudonymous code like those the purge keeps, so it is still recorded.
        if note != nil, referralCase.isPurged {
            throw Rejection(
                .conflict,
                "the personal data of referral \(referralCase.id) has been purged, so it takes no note any more; "
                    + "send the OUTCOME again without \"note\"", field: "note")
        }
        update(handoverID) { [at] in
            if isReferrer { $0.outcomeReferrer = result } else { $0.outcomeContact = result }
            $0.updatedAt = at
        }
        if let note { emit(.noteRecorded(handoverID: handoverID, note: note)) }
        record("outcome", handoverID: handoverID, contact: isReferrer ? nil : principal)
        if handover.state != .completed {
            complete(handover, contact: contact, result: result)
        } else if result.isUnresolved {
            flagUnresolved(handover, result: result)
        }
        if !isReferrer {
            notifyReferrer(handover, .outcome, result: result)
        }
        updateReferralState()
        return WireMessage(
            .noted, encoding: Noted(event: .outcome, referralID: referralCase.id, handoverID: handoverID))
    }

    /// The first outcome completes the handover and ends its deadlines.
    mutating func complete(_ handover: Handover, contact: String, result: OutcomeResult) {
        update(handover.id) { [at] in
            $0.state = .completed
            $0.outcome = result
            $0.contactBy = nil
            $0.nazorgAt = nil
            $0.answerBy = nil
            $0.updatedAt = at
        }
        changeLoad(of: contact, by: -1)  // a completed handover no longer counts against the contact
        cancelTimers(forHandover: handover.id)
        if result.isUnresolved { flagUnresolved(handover, result: result) }
    }

    mutating func flagUnresolved(_ handover: Handover, result: OutcomeResult) {
        record("nazorg.unresolved", handoverID: handover.id)
        notifyReferrer(handover, .nazorgUnresolved, result: result)
        log(.info, "nazorg.unresolved", ["referral": referralCase.id, "handover": handover.id])
    }

    // MARK: REOPEN

    mutating func reopen(by principal: String) throws(Rejection) -> WireMessage {
        guard referralCase.organisation == principal else {
            throw Rejection(
                .forbidden, "only the referring organisation reopens \(referralCase.id)", field: "referral_id")
        }
        // Routing again needs what the purge deleted (the need's summary, the citizen's details).
        guard !referralCase.isPurged, referralCase.referral != nil else {
            throw Rejection(
                .conflict,
                "the personal data of referral \(referralCase.id) has been purged, so it cannot be routed again; "
                    + "submit it again as a new referral with a new external_id if the citizen consents",
                field: "referral_id")
        }
        // The newest handover of each need decides whether the need is open again.
        let reopened = referralCase.currentHandovers.filter { handover in
            let results = [handover.outcome, handover.outcomeReferrer, handover.outcomeContact].compactMap { $0 }
            return handover.state == .unowned
                || (handover.state == .completed && results.contains(where: \.isUnresolved))
        }
        guard !reopened.isEmpty else {
            throw Rejection(
                .conflict, "nothing to reopen: no need of \(referralCase.id) is unresolved or unowned",
                field: "referral_id")
        }
        record("reopened")
        send(
            to: principal,
            .notice(
                Notice(
                    messageID: "", referralID: referralCase.id, externalID: referralCase.externalID, event: .reopened,
                    at: at)))
        var handovers: [String] = []
        for need in reopened {
            dropLead(need.id)
            route(
                needIndex: need.needIndex, lead: need.isLead,
                excluding: barred(need: need.needIndex))
            if let newest = referralCase.newest(need: need.needIndex) { handovers.append(newest.id) }
        }
        updateReferralState()
        log(.info, "referral.reopened", ["referral": referralCase.id, "needs": "\(reopened.count)"])
        return WireMessage(
            .noted, encoding: Noted(event: .reopened, referralID: referralCase.id, handovers: handovers))
    }

    // MARK: Timers

    mutating func remindFirstContact(_ handoverID: String) {
        guard let (handover, contact) = heldHandover(handoverID), handover.state == .accepted else { return }
        record("contact_overdue", handoverID: handoverID, contact: contact)
        send(
            to: contact,
            .reminder(
                Reminder(
                    messageID: "", handoverID: handoverID, referralID: referralCase.id, about: .firstContact,
                    need: handover.need, due: handover.contactBy ?? at)))
        notifyReferrer(handover, .contactOverdue)
        // contact_by stays: STATUS and PENDING show the case as overdue until CONTACTED.
        let rules = policy.policy(for: referralCase.urgency, organisation: map.contacts[contact]?.organization ?? "")
        schedule(
            .contactEscalation, subject: handoverID,
            due: policy.calendar.deadline(from: now, adding: rules.firstContactGrace, clock: .business))
    }

    mutating func askNazorg(_ handoverID: String) {
        guard let (handover, contact) = heldHandover(handoverID),
            handover.state == .accepted || handover.state == .contacted
        else { return }
        let rules = policy.policy(
            for: referralCase.urgency, organisation: map.contacts[contact]?.organization ?? "")
        let answerBy = policy.calendar.deadline(from: now, adding: rules.nazorgAnswerWithin, clock: .wall)
        setAnswerDeadline(handoverID, kind: .nazorgAnswer, due: answerBy)
        // Nazorg on an empty case says so: nobody recorded reaching the citizen.
        let reached = handover.state == .contacted
        record("nazorg.asked", handoverID: handoverID, detail: reached ? nil : ["first_contact": .bool(false)])
        let question =
            "Wat is er gekomen van de doorverwijzing voor \(map.dutchName(ofDomain: handover.domain))? "
            + (reached
                ? "" : "Er is geen eerste contact met de burger vastgelegd: is de burger wel bereikt? ")
            + "Is de burger geholpen? Antwoord met OUTCOME."
        for principal in [referralCase.organisation, contact] {
            send(
                to: principal,
                .nazorg(
                    Nazorg(
                        messageID: "", referralID: referralCase.id, handoverID: handoverID, need: handover.need,
                        question: question, answerBy: RFC3339.format(answerBy),
                        firstContactRecorded: reached ? nil : false)))
        }
        update(handoverID) { $0.nazorgAt = nil }
        log(.info, "nazorg.asked", ["referral": referralCase.id, "handover": handoverID])
    }

    /// One reminder to both parties, with a last deadline half the answer time later.
    mutating func remindNazorg(_ handoverID: String) {
        guard let (handover, contact) = heldHandover(handoverID),
            handover.state == .accepted || handover.state == .contacted
        else { return }
        let rules = policy.policy(
            for: referralCase.urgency, organisation: map.contacts[contact]?.organization ?? "")
        let last = policy.calendar.point(0.5, of: rules.nazorgAnswerWithin, from: now, clock: .wall)
        setAnswerDeadline(handoverID, kind: .nazorgFinal, due: last)
        record("nazorg.reminded", handoverID: handoverID)
        for principal in [referralCase.organisation, contact] {
            send(
                to: principal,
                .reminder(
                    Reminder(
                        messageID: "", handoverID: handoverID, referralID: referralCase.id, about: .nazorg,
                        need: handover.need, due: RFC3339.format(last))))
        }
    }

    /// Only a taken handover that is still open completes this way: one that was declined, expired or cancelled in
    /// the meantime keeps its state (its timers went with it; this guards a stale row).
    mutating func recordNoAnswer(_ handoverID: String) {
        guard let (handover, contact) = heldHandover(handoverID),
            handover.state == .accepted || handover.state == .contacted
        else { return }
        record("outcome", handoverID: handoverID)
        complete(handover, contact: contact, result: .noAnswer)
        updateReferralState()
    }

    private mutating func setAnswerDeadline(_ handoverID: String, kind: TimerKind, due: Date) {
        schedule(kind, subject: handoverID, due: due)
        update(handoverID) { $0.answerBy = RFC3339.format(due) }
    }
}
