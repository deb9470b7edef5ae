import Deadlines
import Foundation
import SchakelProtocol
import Storage

/// A change to the timer rows, to mirror in the event loop's in-memory queue after the commit.
enum TimerChange: Sendable, Equatable {
    case schedule(id: String, due: Date)
    case cancel(id: String)
}

/// The kinds of timer the desk sets. The row's id is `handover_id:kind` (``id(for:)``), so each handover has
/// at most one timer of each kind.
enum TimerKind: String, Sendable {
    /// Remind the contact that the offer waits for an answer.
    case ackReminder = "ack_reminder"
    /// The offer was not answered in time: withdraw and re-route it.
    case ackExpiry = "ack_expiry"
    /// The citizen should have been reached by now (after ACK, until CONTACTED).
    case contactDue = "contact_due"
    /// Time to ask what came of it.
    case nazorg
    /// The nazorg question is unanswered at its deadline: remind once.
    case nazorgAnswer = "nazorg_answer"
    /// Still unanswered after the reminder: record no_answer.
    case nazorgFinal = "nazorg_final"
    /// A waiting need's absent candidate is back: try to offer it again.
    case absenceEnd = "absence_end"
    /// The consent's `expires_at`: withdraw the referral (a referral timer, `<referral_id>:consent_expiry`).
    case consentExpiry = "consent_expiry"
    /// The retention period after the referral closed has passed: purge its personal data (a referral timer).
    case retention

    /// The kinds a handover has; the referral's own are ``referralKinds``.
    static let all: [TimerKind] = [
        .ackReminder, .ackExpiry, .contactDue, .nazorg, .nazorgAnswer, .nazorgFinal, .absenceEnd,
    ]

    /// Timers of a whole referral: their id is `referral_id:kind` and their row has no handover.
    static let referralKinds: [TimerKind] = [.consentExpiry, .retention]

    /// The timer's id: its handover's (or referral's) id, then the kind.
    ///
    /// Subject first, so that the timers of one handover sit side by side in the primary key's index: scheduling
    /// or cancelling a reminder and an expiry dirties one page, not two at random places (migration 8).
    func id(for subject: String) -> String {
        "\(subject):\(rawValue)"
    }
}

/// The deadline chain of issue 4: offers carry an acknowledgement deadline, a reminder goes out
/// on the way, and an unanswered offer is withdrawn and re-routed, escalated to the receiving
/// organisation's coordinator past the re-route limit (at once for a crisis), and reported as
/// unowned when nobody is left.
extension ReferralDesk {
    /// Sets the reminder and expiry of a new offer; returns `ack_by` for the offer and STATUS.
    func scheduleOfferDeadlines(
        handoverID: String, referralID: String, urgency: Urgency, organisation: String
    ) throws -> String {
        let start = clock.now()
        let rules = policy.policy(for: urgency, organisation: organisation)
        let due = policy.calendar.deadline(from: start, adding: rules.acknowledgeWithin, clock: rules.acknowledgeClock)
        let remindAt = policy.calendar.point(
            rules.reminderAt, of: rules.acknowledgeWithin, from: start, clock: rules.acknowledgeClock)
        try insertTimer(.ackReminder, referralID: referralID, handoverID: handoverID, due: remindAt)
        try insertTimer(.ackExpiry, referralID: referralID, handoverID: handoverID, due: due)
        let ackBy = RFC3339.format(due)
        try db.run("UPDATE handovers SET ack_by = ? WHERE handover_id = ?", [.text(ackBy), .text(handoverID)])
        return ackBy
    }

    /// Drops every pending timer of a handover that was answered or withdrawn.
    func cancelTimers(forHandover handoverID: String) throws {
        for kind in TimerKind.all {
            let id = kind.id(for: handoverID)
            try db.run("DELETE FROM timers WHERE timer_id = ?", [.text(id)])
            if db.changes > 0 { record(.timer(.cancel(id: id))) }
        }
    }

    /// Contacts who already had this need and let it go (declined it or let it expire): it never
    /// goes back to them.
    func previousHolders(referralID: String, needIndex: Int) throws -> Set<String> {
        Set(
            try db.query(
                """
                SELECT contact FROM handovers
                WHERE referral_id = ? AND need_index = ? AND state IN ('declined', 'expired')
                """, [.text(referralID), .integer(Int64(needIndex))]
            ).compactMap { $0.string("contact") })
    }

    /// Every pending timer, earliest first, to fill the event loop's queue at start.
    func pendingTimers() throws -> [(id: String, due: Date)] {
        try db.query("SELECT timer_id, due_at FROM timers ORDER BY due_at, rowid").map {
            ($0.string("timer_id") ?? "", Date(timeIntervalSince1970: $0.double("due_at") ?? 0))
        }
    }

    /// Fires one timer: its effects and the removal of its row commit together, so a crash
    /// before the commit leaves it pending (it fires again at start) and after it, gone.
    func fire(timerID: String) throws {
        guard
            let row = try db.queryOne(
                "SELECT kind, referral_id, handover_id FROM timers WHERE timer_id = ?", [.text(timerID)]),
            let kind = TimerKind(rawValue: row.string("kind") ?? "")
        else { return }
        try db.run("DELETE FROM timers WHERE timer_id = ?", [.text(timerID)])
        if TimerKind.referralKinds.contains(kind) {
            guard let referralID = row.string("referral_id") else { return }
            switch kind {
            case .consentExpiry: try expireConsent(referralID)
            default: try purgeAfterRetention(referralID)
            }
            try releaseWaiting()
            return
        }
        guard let handoverID = row.string("handover_id") else { return }
        switch kind {
        case .ackReminder: try remindToAcknowledge(handoverID)
        case .ackExpiry: try expireOffer(handoverID)
        case .contactDue: try remindFirstContact(handoverID)
        case .nazorg: try askNazorg(handoverID)
        case .nazorgAnswer: try remindNazorg(handoverID)
        case .nazorgFinal: try recordNoAnswer(handoverID)
        case .absenceEnd: try retryWaiting(handoverID)
        case .consentExpiry, .retention: break  // referral timers, above
        }
        try releaseWaiting()
    }

    func insertTimer(_ kind: TimerKind, referralID: String, handoverID: String, due: Date) throws {
        let id = kind.id(for: handoverID)
        try db.run(
            "INSERT OR REPLACE INTO timers (timer_id, kind, referral_id, handover_id, due_at) VALUES (?, ?, ?, ?, ?)",
            [.text(id), .text(kind.rawValue), .text(referralID), .text(handoverID), .real(due.timeIntervalSince1970)])
        record(.timer(.schedule(id: id, due: due)))
    }

    private func offeredHandover(_ handoverID: String) throws -> (StoredHandover, contact: String, ackBy: String)? {
        guard
            let row = try db.queryOne(
                """
                SELECT h.*, r.organisation, r.external_id FROM handovers h
                JOIN referrals r ON r.referral_id = h.referral_id WHERE h.handover_id = ? AND h.state = 'offered'
                """, [.text(handoverID)]),
            let contact = row.string("contact")
        else { return nil }
        let handover = StoredHandover(
            referralID: row.string("referral_id") ?? "", externalID: row.string("external_id") ?? "",
            organisation: row.string("organisation") ?? "", needIndex: row.int("need_index") ?? 0,
            domain: row.string("domain") ?? "", state: .offered, isLead: row.bool("is_lead") ?? false,
            declineReason: nil)
        return (handover, contact, row.string("ack_by") ?? now)
    }

    private func remindToAcknowledge(_ handoverID: String) throws {
        guard let (handover, contact, ackBy) = try offeredHandover(handoverID) else { return }
        let at = now
        try appendEvent(handover.referralID, "reminded", at: at, handoverID: handoverID, contact: contact)
        try enqueue(
            to: contact, referralID: handover.referralID, handoverID: nil,
            Reminder(
                messageID: "", handoverID: handoverID, referralID: handover.referralID, about: .acknowledge,
                need: NeedRef(index: handover.needIndex, domain: handover.domain), due: ackBy))
        logger.info("handover.reminded", ["referral": handover.referralID, "handover": handoverID])
    }

    private func expireOffer(_ handoverID: String) throws {
        guard let (handover, contact, _) = try offeredHandover(handoverID) else { return }
        let at = now
        try db.run(
            "UPDATE handovers SET state = 'expired', ack_by = NULL, updated_at = ? WHERE handover_id = ?",
            [.text(at), .text(handoverID)])
        changeLoad(of: contact, by: -1)
        try confirmOffer(handoverID, at: at)  // the withdrawn offer is not sent again
        try cancelTimers(forHandover: handoverID)
        try appendEvent(handover.referralID, "expired", at: at, handoverID: handoverID, contact: contact)
        try enqueue(
            to: contact, referralID: handover.referralID, handoverID: nil,
            Cancelled(messageID: "", handoverID: handoverID, referralID: handover.referralID, reason: .expired))
        logger.info("handover.expired", ["referral": handover.referralID, "handover": handoverID])

        let referral = try storedReferral(handover.referralID)
        let organisation = map.contacts[contact]?.organization ?? ""
        let expired =
            try db.queryOne(
                "SELECT COUNT(*) AS n FROM handovers WHERE referral_id = ? AND need_index = ? AND state = 'expired'",
                [.text(handover.referralID), .integer(Int64(handover.needIndex))]
            )?.int("n") ?? 1
        let rules = policy.policy(for: referral.urgency, organisation: organisation)
        if referral.urgency == .crisis || expired > rules.maxReroutes {
            try escalate(
                handover, expiredHandoverID: handoverID, contact: contact, organisation: organisation,
                urgency: referral.urgency, reason: .notAcknowledged)
        }
        let routed = try route(
            referralID: handover.referralID, organisation: handover.organisation, referral: referral,
            needIndex: handover.needIndex, lead: handover.isLead,
            excluding: try previousHolders(referralID: handover.referralID, needIndex: handover.needIndex),
            event: .rerouted)
        if routed == .nobody {
            try escalate(
                handover, expiredHandoverID: handoverID, contact: contact, organisation: organisation,
                urgency: referral.urgency, reason: .unowned)
        }
        try updateReferralState(handover.referralID)
    }

    /// Alerts the coordinator of the organisation whose contact let the offer expire, and tells the referrer.
    private func escalate(
        _ handover: StoredHandover, expiredHandoverID: String, contact: String, organisation: String,
        urgency: Urgency, reason: EscalationReason
    ) throws {
        let at = now
        guard let coordinatorID = map.organizations[organisation]?.coordinator,
            let coordinator = map.contacts[coordinatorID]
        else {
            logger.warning(
                "escalation.no_coordinator", ["referral": handover.referralID, "organisation": organisation])
            return
        }
        let need = NeedRef(index: handover.needIndex, domain: handover.domain)
        try appendEvent(handover.referralID, "escalated", at: at, handoverID: expiredHandoverID, contact: coordinatorID)
        try enqueue(
            to: coordinatorID, referralID: handover.referralID, handoverID: nil,
            Escalation(
                messageID: "", referralID: handover.referralID, handoverID: expiredHandoverID, need: need,
                urgency: urgency, reason: reason, contact: contact,
                referrer: ReferrerView(
                    organisation: handover.organisation, organisationName: organisationName(handover.organisation)),
                at: at))
        if reason == .notAcknowledged {
            try enqueue(
                to: handover.organisation, referralID: handover.referralID, handoverID: nil,
                Notice(
                    messageID: "", referralID: handover.referralID, externalID: handover.externalID, event: .escalated,
                    handoverID: expiredHandoverID, need: need, contact: card(coordinator), at: at))
        }
        logger.info(
            "handover.escalated",
            ["referral": handover.referralID, "coordinator": coordinatorID, "reason": reason.rawValue])
    }
}

extension Reminder: MessageIdentified {
    static var command: Command { .reminder }
}

extension Cancelled: MessageIdentified {
    static var command: Command { .cancelled }
}

extension Escalation: MessageIdentified {
    static var command: Command { .escalation }
}
