import Deadlines
import Foundation
import SchakelProtocol
import Storage

/// After the acknowledgement: the contact must reach the citizen in time (CONTACTED), and weeks
/// later nazorg asks the referrer and the contact what came of it (NAZORG → OUTCOME), reminds
/// once, and records `no_answer` when nobody answers. An unresolved outcome lets the referrer
/// REOPEN the referral; when every need has its outcome the referral closes.
extension ReferralDesk {
    /// One handover with what the post-acknowledgement steps need to know.
    struct TakenHandover {
        var id: String
        var referralID: String
        var externalID: String
        var organisation: String
        var contact: String
        var needIndex: Int
        var domain: String
        var state: HandoverState
        var contactBy: String?
        var answerBy: String?
        var urgency: Urgency

        var need: NeedRef { NeedRef(index: needIndex, domain: domain) }
    }

    func takenHandover(_ id: String) throws -> TakenHandover? {
        guard
            let row = try db.queryOne(
                """
                SELECT h.*, r.organisation, r.external_id, r.urgency FROM handovers h
                JOIN referrals r ON r.referral_id = h.referral_id WHERE h.handover_id = ?
                """, [.text(id)]),
            let contact = row.string("contact")
        else { return nil }
        return TakenHandover(
            id: id, referralID: row.string("referral_id") ?? "", externalID: row.string("external_id") ?? "",
            organisation: row.string("organisation") ?? "", contact: contact, needIndex: row.int("need_index") ?? 0,
            domain: row.string("domain") ?? "", state: HandoverState(rawValue: row.string("state") ?? "") ?? .offered,
            contactBy: row.string("contact_by"), answerBy: row.string("answer_by"),
            urgency: Urgency(rawValue: row.string("urgency") ?? "") ?? .normal)
    }

    /// Sets the first-contact deadline (business calendar) and the nazorg moment (wall clock).
    func scheduleAfterAcknowledgement(handoverID: String, referralID: String, organisation: String) throws {
        let urgency =
            try db.queryOne("SELECT urgency FROM referrals WHERE referral_id = ?", [.text(referralID)])?
            .string("urgency").flatMap(Urgency.init(rawValue:)) ?? .normal
        let rules = policy.policy(for: urgency, organisation: organisation)
        let start = clock.now()
        let contactBy = policy.calendar.deadline(from: start, adding: rules.firstContactWithin, clock: .business)
        let nazorgAt = policy.calendar.deadline(from: start, adding: rules.nazorgAfter, clock: .wall)
        try insertTimer(.contactDue, referralID: referralID, handoverID: handoverID, due: contactBy)
        try insertTimer(.nazorg, referralID: referralID, handoverID: handoverID, due: nazorgAt)
        try db.run(
            "UPDATE handovers SET contact_by = ?, nazorg_at = ? WHERE handover_id = ?",
            [.text(RFC3339.format(contactBy)), .text(RFC3339.format(nazorgAt)), .text(handoverID)])
    }

    // MARK: CONTACTED

    func contacted(from principal: String, handoverID: String, at: String?, channel: Channel?) throws -> WireMessage {
        let handover = try heldHandover(handoverID, by: principal, command: "CONTACTED")
        switch handover.state {
        case .contacted, .completed:
            break  // recorded before
        case .accepted:
            let now = self.now
            try db.run(
                """
                UPDATE handovers SET state = 'contacted', contact_by = NULL, contacted_at = ?, contact_channel = ?,
                       updated_at = ? WHERE handover_id = ?
                """, [.text(at ?? now), channel.map { .text($0.rawValue) } ?? .null, .text(now), .text(handoverID)])
            try deleteTimer(.contactDue, handoverID)
            try appendEvent(handover.referralID, "contacted", at: now, handoverID: handoverID, contact: principal)
            try notifyReferrer(handover, .contacted, at: now)
            try updateReferralState(handover.referralID)
        default:
            throw Rejection(
                .conflict, "handover \(handoverID) is \(handover.state.rawValue); CONTACTED follows an ACK")
        }
        return WireMessage(
            .noted, encoding: Noted(event: .contacted, referralID: handover.referralID, handoverID: handoverID))
    }

    // MARK: OUTCOME

    func outcome(from principal: String, handoverID: String, result: OutcomeResult, note: String?) throws -> WireMessage
    {
        guard let handover = try takenHandover(handoverID) else {
            throw Rejection(.notFound, "no handover \(handoverID)", field: "handover_id")
        }
        let isReferrer = principal == handover.organisation
        guard isReferrer || principal == handover.contact else {
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
        if note != nil, try isPurged(handover.referralID) {
            throw Rejection(
                .conflict,
                "the personal data of referral \(handover.referralID) has been purged, so it takes no note any more; "
                    + "send the OUTCOME again without \"note\"", field: "note")
        }
        let now = self.now
        try db.run(
            "UPDATE handovers SET \(isReferrer ? "outcome_referrer" : "outcome_contact") = ?, updated_at = ? WHERE handover_id = ?",
            [.text(result.rawValue), .text(now), .text(handoverID)])
        if let note {
            try db.run(
                "UPDATE handovers SET outcome_note = ? WHERE handover_id = ?",
                [.text(try seal(note)), .text(handoverID)])
        }
        try appendEvent(
            handover.referralID, "outcome", at: now, handoverID: handoverID, contact: isReferrer ? nil : principal)
        if handover.state != .completed {
            try complete(handover, result: result, at: now)
        } else if result.isUnresolved {
            try flagUnresolved(handover, result: result, at: now)
        }
        if !isReferrer {
            try notifyReferrer(handover, .outcome, result: result, at: now)
        }
        try updateReferralState(handover.referralID)
        try releaseWaiting()
        return WireMessage(
            .noted, encoding: Noted(event: .outcome, referralID: handover.referralID, handoverID: handoverID))
    }

    /// The first outcome completes the handover and ends its deadlines.
    private func complete(_ handover: TakenHandover, result: OutcomeResult, at: String) throws {
        try db.run(
            """
            UPDATE handovers SET state = 'completed', outcome = ?, contact_by = NULL, nazorg_at = NULL,
                   answer_by = NULL, updated_at = ? WHERE handover_id = ?
            """, [.text(result.rawValue), .text(at), .text(handover.id)])
        changeLoad(of: handover.contact, by: -1)  // a completed handover no longer counts against the contact
        try cancelTimers(forHandover: handover.id)
        if result.isUnresolved { try flagUnresolved(handover, result: result, at: at) }
    }

    private func flagUnresolved(_ handover: TakenHandover, result: OutcomeResult, at: String) throws {
        try appendEvent(handover.referralID, "nazorg.unresolved", at: at, handoverID: handover.id)
        try notifyReferrer(handover, .nazorgUnresolved, result: result, at: at)
        logger.info("nazorg.unresolved", ["referral": handover.referralID, "handover": handover.id])
    }

    // MARK: REOPEN

    func reopen(from principal: String, referralID: String, reason: String) throws -> WireMessage {
        guard
            let row = try db.queryOne(
                "SELECT organisation, external_id FROM referrals WHERE referral_id = ?", [.text(referralID)])
        else {
            throw Rejection(.notFound, "no referral with that id", field: "referral_id")
        }
        guard row.string("organisation") == principal else {
            throw Rejection(.forbidden, "only the referring organisation reopens \(referralID)", field: "referral_id")
        }
        // Routing again needs what the purge deleted (the need's summary, the citizen's details).
        guard try !isPurged(referralID) else {
            throw Rejection(
                .conflict,
                "the personal data of referral \(referralID) has been purged, so it cannot be routed again; submit it "
                    + "again as a new referral with a new external_id if the citizen consents", field: "referral_id")
        }
        // The newest handover of each need decides whether the need is open again.
        let newest = try db.query(
            """
            SELECT need_index, state, outcome, outcome_referrer, outcome_contact, is_lead FROM handovers h
            WHERE referral_id = ?
              AND rowid = (SELECT MAX(rowid) FROM handovers WHERE referral_id = h.referral_id AND need_index = h.need_index)
            ORDER BY need_index
            """, [.text(referralID)])
        let reopened = newest.filter { row in
            let results = ["outcome", "outcome_referrer", "outcome_contact"].compactMap {
                row.string($0).flatMap(OutcomeResult.init(rawValue:))
            }
            return row.string("state") == HandoverState.unowned.rawValue
                || (row.string("state") == HandoverState.completed.rawValue && results.contains(where: \.isUnresolved))
        }
        guard !reopened.isEmpty else {
            throw Rejection(
                .conflict,
                "nothing to reopen: no need of \(referralID) is unresolved or unowned", field: "referral_id")
        }
        let at = now
        try appendEvent(referralID, "reopened", at: at)
        let referral = try storedReferral(referralID)
        let externalID = row.string("external_id") ?? ""
        try enqueue(
            to: principal, referralID: referralID, handoverID: nil,
            Notice(messageID: "", referralID: referralID, externalID: externalID, event: .reopened, at: at))
        var handovers: [String] = []
        for need in reopened {
            let index = need.int("need_index") ?? 0
            try route(
                referralID: referralID, organisation: principal, referral: referral, needIndex: index,
                lead: need.bool("is_lead") ?? false,
                excluding: try previousHolders(referralID: referralID, needIndex: index))
            if let id = try db.queryOne(
                "SELECT handover_id FROM handovers WHERE referral_id = ? AND need_index = ? ORDER BY rowid DESC LIMIT 1",
                [.text(referralID), .integer(Int64(index))])?.string("handover_id")
            {
                handovers.append(id)
            }
        }
        try updateReferralState(referralID)
        logger.info("referral.reopened", ["referral": referralID, "needs": "\(reopened.count)"])
        return WireMessage(.noted, encoding: Noted(event: .reopened, referralID: referralID, handovers: handovers))
    }

    // MARK: Timer effects

    func remindFirstContact(_ handoverID: String) throws {
        guard let handover = try takenHandover(handoverID), handover.state == .accepted else { return }
        let at = now
        try appendEvent(
            handover.referralID, "contact_overdue", at: at, handoverID: handoverID, contact: handover.contact)
        try enqueue(
            to: handover.contact, referralID: handover.referralID, handoverID: nil,
            Reminder(
                messageID: "", handoverID: handoverID, referralID: handover.referralID, about: .firstContact,
                need: handover.need, due: handover.contactBy ?? at))
        try notifyReferrer(handover, .contactOverdue, at: at)
        try db.run("UPDATE handovers SET contact_by = NULL WHERE handover_id = ?", [.text(handoverID)])
    }

    func askNazorg(_ handoverID: String) throws {
        guard let handover = try takenHandover(handoverID), handover.state == .accepted || handover.state == .contacted
        else { return }
        let rules = policy.policy(
            for: handover.urgency, organisation: map.contacts[handover.contact]?.organization ?? "")
        let start = clock.now()
        let answerBy = policy.calendar.deadline(from: start, adding: rules.nazorgAnswerWithin, clock: .wall)
        try setAnswerDeadline(handover, kind: .nazorgAnswer, due: answerBy)
        let at = now
        try appendEvent(handover.referralID, "nazorg.asked", at: at, handoverID: handoverID)
        let question =
            "Wat is er gekomen van de doorverwijzing voor \(handover.domain)? Is de burger geholpen? Antwoord met OUTCOME."
        for principal in [handover.organisation, handover.contact] {
            try enqueue(
                to: principal, referralID: handover.referralID, handoverID: nil,
                Nazorg(
                    messageID: "", referralID: handover.referralID, handoverID: handoverID, need: handover.need,
                    question: question, answerBy: RFC3339.format(answerBy)))
        }
        try db.run("UPDATE handovers SET nazorg_at = NULL WHERE handover_id = ?", [.text(handoverID)])
        logger.info("nazorg.asked", ["referral": handover.referralID, "handover": handoverID])
    }

    /// One reminder to both parties, with a last deadline half the answer time later.
    func remindNazorg(_ handoverID: String) throws {
        guard let handover = try takenHandover(handoverID), handover.state != .completed else { return }
        let rules = policy.policy(
            for: handover.urgency, organisation: map.contacts[handover.contact]?.organization ?? "")
        let last = policy.calendar.point(0.5, of: rules.nazorgAnswerWithin, from: clock.now(), clock: .wall)
        try setAnswerDeadline(handover, kind: .nazorgFinal, due: last)
        let at = now
        try appendEvent(handover.referralID, "nazorg.reminded", at: at, handoverID: handoverID)
        for principal in [handover.organisation, handover.contact] {
            try enqueue(
                to: principal, referralID: handover.referralID, handoverID: nil,
                Reminder(
                    messageID: "", handoverID: handoverID, referralID: handover.referralID, about: .nazorg,
                    need: handover.need, due: RFC3339.format(last)))
        }
    }

    func recordNoAnswer(_ handoverID: String) throws {
        guard let handover = try takenHandover(handoverID), handover.state != .completed else { return }
        let at = now
        try appendEvent(handover.referralID, "outcome", at: at, handoverID: handoverID)
        try complete(handover, result: .noAnswer, at: at)
        try updateReferralState(handover.referralID)
    }

    // MARK: Helpers

    private func setAnswerDeadline(_ handover: TakenHandover, kind: TimerKind, due: Date) throws {
        try insertTimer(kind, referralID: handover.referralID, handoverID: handover.id, due: due)
        try db.run(
            "UPDATE handovers SET answer_by = ? WHERE handover_id = ?",
            [.text(RFC3339.format(due)), .text(handover.id)])
    }

    private func deleteTimer(_ kind: TimerKind, _ handoverID: String) throws {
        let id = kind.id(for: handoverID)
        try db.run("DELETE FROM timers WHERE timer_id = ?", [.text(id)])
        if db.changes > 0 { record(.timer(.cancel(id: id))) }
    }

    private func heldHandover(_ id: String, by principal: String, command: String) throws -> TakenHandover {
        guard principal.hasPrefix("contact:") else {
            throw Rejection(.forbidden, "only contact persons send \(command)")
        }
        guard let handover = try takenHandover(id) else {
            throw Rejection(.notFound, "no handover \(id)", field: "handover_id")
        }
        guard handover.contact == principal else {
            throw Rejection(.forbidden, "handover \(id) is not held by \(principal)", field: "handover_id")
        }
        return handover
    }

    private func notifyReferrer(
        _ handover: TakenHandover, _ event: NoticeEvent, result: OutcomeResult? = nil, at: String
    ) throws {
        try enqueue(
            to: handover.organisation, referralID: handover.referralID, handoverID: nil,
            Notice(
                messageID: "", referralID: handover.referralID, externalID: handover.externalID, event: event,
                handoverID: handover.id, need: handover.need, result: result, at: at))
    }
}

extension Nazorg: MessageIdentified {
    static var command: Command { .nazorg }
}
