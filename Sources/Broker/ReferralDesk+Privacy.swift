import Foundation
import SchakelProtocol
import Sodium
import Storage

/// The citizen's data (issue 5): sealed at rest, disclosed only to whom it must go and recorded when it is,
/// withdrawn with the consent, purged after the retention period, exported and erased on the citizen's request.
extension ReferralDesk {
    // MARK: Sealing

    /// Seals personal data under the current data key before it is written.
    func seal(_ text: String) throws -> String {
        try keys.seal(text)
    }

    /// Opens a sealed value; text from before encryption at rest (no `sb1:` prefix) is returned as it is until
    /// the background re-seal reaches it.
    func unseal(_ stored: String) throws -> String {
        KeyRing.keyID(of: stored) == nil ? stored : try keys.open(stored)
    }

    // MARK: Disclosure

    /// The names of the personal fields an ACKED of `referral` discloses, for the audit trail (never their values).
    static func disclosedFields(_ referral: Referral) -> [String] {
        var fields = ["citizen.display_name", "citizen.municipality"]
        let citizen = referral.citizen
        if citizen.postcode != nil { fields.append("citizen.postcode") }
        if citizen.phone != nil { fields.append("citizen.phone") }
        if citizen.email != nil { fields.append("citizen.email") }
        if citizen.language != nil { fields.append("citizen.language") }
        if citizen.preferredChannel != nil { fields.append("citizen.preferred_channel") }
        fields.append("referrer.name")
        if referral.referrer.phone != nil { fields.append("referrer.phone") }
        if referral.referrer.email != nil { fields.append("referrer.email") }
        if referral.referrer.role != nil { fields.append("referrer.role") }
        fields.append("need.summary")
        if referral.lifeEvent != nil { fields.append("life_event") }
        if referral.note != nil { fields.append("note") }
        return fields
    }

    /// The names of what a HANDOVER offer tells its contact: nothing that identifies, but the need in the
    /// citizen's words is theirs too, so the offer is on the record as well.
    static func offeredFields(_ referral: Referral) -> [String] {
        var fields = ["citizen.municipality"]
        if referral.citizen.language != nil { fields.append("citizen.language") }
        if referral.citizen.preferredChannel != nil { fields.append("citizen.preferred_channel") }
        fields.append("need.summary")
        if referral.lifeEvent != nil { fields.append("life_event") }
        return fields
    }

    /// Records that `principal` received `fields` of the referral through `handoverID`, unless that is on record
    /// already: an ACK answered again sends the same fields to the same holder, and a holder repeating it must not
    /// grow the audit trail and the event stream by a row each time.
    func recordDisclosure(of fields: [String], referralID: String, handoverID: String, to principal: String) throws {
        let detail: [String: JSONValue] = ["fields": .array(fields.map { .string($0) })]
        let recorded = try db.queryOne(
            """
            SELECT 1 AS found FROM events
            WHERE referral_id = ? AND event = 'disclosed' AND handover_id = ? AND contact = ? AND detail = ?
            LIMIT 1
            """,
            [.text(referralID), .text(handoverID), .text(principal), .text(JSONValue.object(detail).canonicalString())])
        guard recorded == nil else { return }
        try appendEvent(referralID, "disclosed", at: now, handoverID: handoverID, contact: principal, detail: detail)
    }

    // MARK: Consent

    /// Sets the consent's own clock: at `expires_at` the referral is withdrawn as if the referrer had sent WITHDRAW.
    func scheduleConsentExpiry(referralID: String, consent: Consent) throws {
        guard let text = consent.expiresAt, let expires = RFC3339.parse(text) else { return }
        try insertReferralTimer(.consentExpiry, referralID: referralID, due: expires)
    }

    func expireConsent(_ referralID: String) throws {
        guard let row = try referralRow(referralID), row.string("state") != ReferralState.withdrawn.rawValue else {
            return
        }
        let at = now
        try end(referralID, reason: .consentExpired, cancel: .withdrawn, at: at)
        try enqueue(
            to: row.string("organisation") ?? "", referralID: referralID, handoverID: nil,
            Notice(
                messageID: "", referralID: referralID, externalID: row.string("external_id") ?? "",
                event: .consentExpired, at: at))
        logger.info("referral.consent_expired", ["referral": referralID])
    }

    // MARK: WITHDRAW

    /// WITHDRAW from the referring organisation: every open handover is cancelled (CANCELLED `withdrawn` to its
    /// holder) and the citizen's personal data is deleted at once. Answering again changes nothing.
    func withdraw(from principal: String, referralID: String, reason: WithdrawReason) throws -> WireMessage {
        guard let row = try referralRow(referralID) else {
            throw Rejection(.notFound, "no referral with that id", field: "referral_id")
        }
        guard row.string("organisation") == principal else {
            throw Rejection(.forbidden, "only the referring organisation withdraws \(referralID)", field: "referral_id")
        }
        var cancelled: [String] = []
        if row.string("state") != ReferralState.withdrawn.rawValue {
            cancelled = try end(referralID, reason: reason, cancel: .withdrawn, at: now)
            logger.info(
                "referral.withdrawn",
                ["referral": referralID, "reason": reason.rawValue, "cancelled": "\(cancelled.count)"])
        }
        return WireMessage(
            .noted, encoding: Noted(event: .withdrawn, referralID: referralID, handovers: cancelled))
    }

    /// Ends a referral: cancels its open handovers (CANCELLED `cancel` to their holders; with `erased` also to the
    /// contacts who acknowledged one, so they delete what they hold), drops its timers, marks it withdrawn and
    /// purges its personal data. A referral that had closed stays closed, only purged. Returns the ids cancelled.
    @discardableResult
    func end(_ referralID: String, reason: WithdrawReason, cancel: CancelReason, at: String) throws -> [String] {
        let wasClosed = try referralRow(referralID)?.string("state") == ReferralState.closed.rawValue
        var cancelled: [String] = []
        for h in try db.query(
            "SELECT handover_id, contact, state FROM handovers WHERE referral_id = ? ORDER BY rowid",
            [.text(referralID)])
        {
            guard let id = h.string("handover_id"), let state = HandoverState(rawValue: h.string("state") ?? "")
            else { continue }
            let contact = h.string("contact")
            switch state {
            case .offered, .accepted, .contacted, .waiting, .unowned:
                try db.run(
                    """
                    UPDATE handovers SET state = 'cancelled', ack_by = NULL, contact_by = NULL, nazorg_at = NULL,
                           answer_by = NULL, updated_at = ? WHERE handover_id = ?
                    """, [.text(at), .text(id)])
                if let contact, state == .offered || state.isTaken { changeLoad(of: contact, by: -1) }
                if state == .offered { try confirmOffer(id, at: at) }
                try cancelTimers(forHandover: id)
                // A need that waited had no contact: the referral's `withdrawn` event says enough for it.
                if contact != nil { try appendEvent(referralID, "cancelled", at: at, handoverID: id, contact: contact) }
                cancelled.append(id)
            case .completed where cancel == .erased:
                break  // told below: they hold the citizen's details from their ACKED
            default:
                continue
            }
            if let contact {
                try enqueue(
                    to: contact, referralID: referralID, handoverID: nil,
                    Cancelled(messageID: "", handoverID: id, referralID: referralID, reason: cancel))
            }
        }
        try cancelTimers(forReferral: referralID)
        if !wasClosed {
            try db.run(
                """
                UPDATE referrals SET state = 'withdrawn', withdrawn_reason = ?, closed_at = COALESCE(closed_at, ?),
                       updated_at = ? WHERE referral_id = ?
                """, [.text(reason.rawValue), .text(at), .text(at), .text(referralID)])
            try appendEvent(
                referralID, reason == .erased ? "erased" : "withdrawn", at: at,
                detail: ["reason": .string(reason.rawValue)])
        } else if reason == .erased {
            try appendEvent(referralID, "erased", at: at, detail: ["reason": .string(reason.rawValue)])
        }
        try purge(referralID, at: at, why: reason.rawValue)
        return cancelled
    }

    // MARK: Retention

    /// Keeps `closed_at` and the retention timer in step with the referral's state: a final state (closed,
    /// unroutable) starts the retention period, anything else (reopened, assigned) stops it.
    func keepRetention(_ referralID: String, state: ReferralState) throws {
        let final = state == .closed || state == .unroutable
        let closedAt = try db.queryOne(
            "SELECT closed_at, purged_at FROM referrals WHERE referral_id = ?", [.text(referralID)])
        if final, closedAt?.string("closed_at") == nil {
            try db.run("UPDATE referrals SET closed_at = ? WHERE referral_id = ?", [.text(now), .text(referralID)])
            if closedAt?.string("purged_at") == nil {
                try insertReferralTimer(
                    .retention, referralID: referralID, due: clock.now().addingTimeInterval(retention.seconds))
            }
        } else if !final, closedAt?.string("closed_at") != nil {
            try db.run("UPDATE referrals SET closed_at = NULL WHERE referral_id = ?", [.text(referralID)])
            try deleteReferralTimer(.retention, referralID: referralID)
        }
    }

    func purgeAfterRetention(_ referralID: String) throws {
        try purge(referralID, at: now, why: "retention")
    }

    /// A referral whose personal data the retention rule says must go by `now`: closed (or unroutable, or
    /// withdrawn) longer ago than `retention`, and not purged yet. Ids and dates only.
    struct PurgeCandidate {
        var referralID: String
        var state: String
        var closedAt: String
        var purgeAt: String
    }

    /// What `purge` would delete now under `retention` (the config's, or a shorter one the operator set since
    /// the timers were made).
    func purgeCandidates(retention: ISODuration) throws -> [PurgeCandidate] {
        let now = clock.now()
        return try db.query(
            """
            SELECT referral_id, state, closed_at FROM referrals
            WHERE closed_at IS NOT NULL AND purged_at IS NULL ORDER BY closed_at, referral_id
            """
        ).compactMap { row in
            guard let id = row.string("referral_id"), let closedText = row.string("closed_at"),
                let closed = RFC3339.parse(closedText)
            else { return nil }
            let purgeAt = closed.addingTimeInterval(retention.seconds)
            guard purgeAt <= now else { return nil }
            return PurgeCandidate(
                referralID: id, state: row.string("state") ?? "", closedAt: closedText,
                purgeAt: RFC3339.format(purgeAt))
        }
    }

    /// Deletes the personal data of a referral and keeps the pseudonymous rest (states, times, domains, outcome
    /// codes, the timeline): the sealed body and notes, and the offers that carried summaries. With
    /// `secure_delete` on, the deleted bytes are zeroed in the file; the loop checkpoints the WAL after the
    /// commit (``Turn/Effect/checkpoint``), so no copy is left in it either.
    func purge(_ referralID: String, at: String, why: String) throws {
        try db.run(
            "UPDATE referrals SET body = '', purged_at = ? WHERE referral_id = ? AND purged_at IS NULL",
            [.text(at), .text(referralID)])
        guard db.changes > 0 else { return }
        try db.run(
            "UPDATE handovers SET outcome_note = NULL WHERE referral_id = ? AND outcome_note IS NOT NULL",
            [.text(referralID)])
        try db.run(
            "DELETE FROM outbox WHERE referral_id = ? AND (command = 'HANDOVER' OR confirmed_at IS NOT NULL)",
            [.text(referralID)])
        try deleteReferralTimer(.retention, referralID: referralID)
        try appendEvent(referralID, "purged", at: at, detail: ["reason": .string(why)])
        record(.checkpoint)
        logger.info("referral.purged", ["referral": referralID, "reason": why])
    }

    // MARK: The citizen's rights

    /// Right to erasure (admin `erase`): like WITHDRAW, and every contact who holds or held a handover of it is told
    /// (CANCELLED `erased`), and the referrer gets NOTICE `erased`.
    func erase(_ referralID: String, by operatorName: String) throws -> (cancelled: [String], told: [String]) {
        guard let row = try referralRow(referralID) else { throw Rejection(.notFound, "no referral \(referralID)") }
        let at = now
        let before = turnMark
        let cancelled = try end(referralID, reason: .erased, cancel: .erased, at: at)
        let organisation = row.string("organisation") ?? ""
        try enqueue(
            to: organisation, referralID: referralID, handoverID: nil,
            Notice(
                messageID: "", referralID: referralID, externalID: row.string("external_id") ?? "", event: .erased,
                at: at))
        let told = turn.principals(since: before).subtracting([organisation]).sorted()
        logger.info("referral.erased", ["referral": referralID, "told": "\(told.count)", "by": operatorName])
        return (cancelled, told)
    }

    /// Everything held about the referral's citizen (right of access), personal data opened: the referral as
    /// submitted (absent once purged), every handover with its notes, every outbox message, every event.
    func export(_ referralID: String) throws -> JSONValue {
        guard let row = try referralRow(referralID) else { throw Rejection(.notFound, "no referral \(referralID)") }
        var referral: JSONValue = .null
        if let body = row.string("body"), !body.isEmpty {
            referral = try JSONValue.parse(Data(try unseal(body).utf8))
        }
        func columns(_ r: Row, _ names: [String]) -> JSONValue {
            var out: [String: JSONValue] = [:]
            for name in names { out[name] = r.string(name).map { .string($0) } ?? .null }
            return .object(out)
        }
        let handovers = try db.query(
            "SELECT * FROM handovers WHERE referral_id = ? ORDER BY rowid", [.text(referralID)]
        ).map { h -> JSONValue in
            var value = columns(
                h,
                [
                    "handover_id", "need_index", "domain", "contact", "state", "decline_reason", "contacted_at",
                    "contact_channel", "outcome", "outcome_referrer", "outcome_contact", "created_at", "updated_at",
                ])
            if case .object(var fields) = value {
                fields["need_index"] = .int(h.int("need_index") ?? 0)
                fields["outcome_note"] = try h.string("outcome_note").map { .string(try unseal($0)) } ?? .null
                value = .object(fields)
            }
            return value
        }
        let outbox = try db.query(
            """
            SELECT message_id, principal, command, body, created_at, confirmed_at FROM outbox
            WHERE referral_id = ? ORDER BY seq
            """, [.text(referralID)]
        ).map { o -> JSONValue in
            let body = try o.string("body").map { try JSONValue.parse(Data(try unseal($0).utf8)) } ?? .null
            var fields: [String: JSONValue] = [:]
            for name in ["message_id", "principal", "command", "created_at", "confirmed_at"] {
                fields[name] = o.string(name).map { .string($0) } ?? .null
            }
            fields["body"] = body
            return .object(fields)
        }
        return .object([
            "referral_id": .string(referralID),
            "organisation": .string(row.string("organisation") ?? ""),
            "external_id": .string(row.string("external_id") ?? ""),
            "state": .string(row.string("state") ?? ""),
            "created_at": .string(row.string("created_at") ?? ""),
            "closed_at": row.string("closed_at").map { .string($0) } ?? .null,
            "purged_at": row.string("purged_at").map { .string($0) } ?? .null,
            "referral": referral,
            "handovers": .array(handovers),
            "outbox": .array(outbox),
            "events": .array(try auditTrail(referralID)),
        ])
    }

    /// Every event of the referral, the audit-only ones (`disclosed`, `exported`) included.
    func auditTrail(_ referralID: String) throws -> [JSONValue] {
        try db.query(
            "SELECT seq, at, event, handover_id, contact, detail FROM events WHERE referral_id = ? ORDER BY seq",
            [.text(referralID)]
        ).map { e in
            var fields: [String: JSONValue] = [
                "seq": .int(e.int("seq") ?? 0), "at": .string(e.string("at") ?? ""),
                "event": .string(e.string("event") ?? ""),
            ]
            if let id = e.string("handover_id") { fields["handover_id"] = .string(id) }
            if let contact = e.string("contact") { fields["principal"] = .string(contact) }
            if let detail = e.string("detail"), let value = try? JSONValue.parse(Data(detail.utf8)) {
                fields["detail"] = value
            }
            return .object(fields)
        }
    }

    // MARK: Helpers

    func referralRow(_ referralID: String) throws -> Row? {
        try db.queryOne("SELECT * FROM referrals WHERE referral_id = ?", [.text(referralID)])
    }

    /// True once the referral's personal data was purged (retention, WITHDRAW, `erase`): from then on it takes
    /// none again.
    func isPurged(_ referralID: String) throws -> Bool {
        try referralRow(referralID)?.string("purged_at") != nil
    }

    func isWithdrawn(_ referralID: String) throws -> Bool {
        try referralRow(referralID)?.string("state") == ReferralState.withdrawn.rawValue
    }

    func insertReferralTimer(_ kind: TimerKind, referralID: String, due: Date) throws {
        let id = kind.id(for: referralID)
        try db.run(
            "INSERT OR REPLACE INTO timers (timer_id, kind, referral_id, handover_id, due_at) VALUES (?, ?, ?, NULL, ?)",
            [.text(id), .text(kind.rawValue), .text(referralID), .real(due.timeIntervalSince1970)])
        record(.timer(.schedule(id: id, due: due)))
    }

    func deleteReferralTimer(_ kind: TimerKind, referralID: String) throws {
        let id = kind.id(for: referralID)
        try db.run("DELETE FROM timers WHERE timer_id = ?", [.text(id)])
        if db.changes > 0 { record(.timer(.cancel(id: id))) }
    }

    /// Drops every timer of the referral, its handovers' included.
    func cancelTimers(forReferral referralID: String) throws {
        let ids = try db.query("SELECT timer_id FROM timers WHERE referral_id = ?", [.text(referralID)]).compactMap {
            $0.string("timer_id")
        }
        try db.run("DELETE FROM timers WHERE referral_id = ?", [.text(referralID)])
        for id in ids { record(.timer(.cancel(id: id))) }
    }
}
