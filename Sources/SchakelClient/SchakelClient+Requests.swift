import SchakelProtocol

/// The requests of SRP/1, typed. Each blocks until the broker answers, retrying as ``SchakelClient`` describes, and
/// returns the answer or the refusal in a ``Reply``.
extension SchakelClient {
    /// SUBMIT (organisations): the broker commits the referral, then answers ACCEPTED.
    ///
    /// `referral` is the `referral` object of Protocols/SRP1.md (e.g. the contents of
    /// Protocols/examples/referral.json). Retries send exactly the same body, so the broker answers a repeat with
    /// the original `referral_id` and `duplicate: true` instead of recording it twice.
    public func submit(_ referral: JSONValue) throws -> Receipt {
        let externalID = referral["external_id"]?.stringValue
        let answer = try perform(
            WireMessage(.submit, .object(["referral": referral])), answers: [.accepted],
            identity: externalID.map { ["external_id": $0] } ?? [:])
        return try reply(answer, as: Accepted.self)
    }

    /// SUBMIT of a typed ``Referral``.
    public func submit(_ referral: Referral) throws -> Receipt {
        try submit(try JSONValueEncoder.encode(referral))
    }

    /// ACK (contacts): take an offered handover; ACKED tells who the citizen is and who referred them.
    public func ack(handoverID: String) throws -> Reply<Acked> {
        let answer = try perform(
            WireMessage(.ack, .object(["handover_id": .string(handoverID)])), answers: [.acked],
            identity: ["handover_id": handoverID])
        return try reply(answer, as: Acked.self)
    }

    /// DECLINE (contacts): refuse an offer; the need goes to the next candidate.
    public func decline(handoverID: String, reason: DeclineReason) throws -> Reply<Declined> {
        let answer = try perform(
            WireMessage(.decline, .object(["handover_id": .string(handoverID), "reason": .string(reason.rawValue)])),
            answers: [.declined], identity: ["handover_id": handoverID])
        return try reply(answer, as: Declined.self)
    }

    /// CONTACTED (the contact holding the handover): the citizen was reached, at `at` (RFC 3339; default now)
    /// by `channel`.
    public func contacted(handoverID: String, at: String? = nil, channel: Channel? = nil) throws -> Reply<Noted> {
        var body: [String: JSONValue] = ["handover_id": .string(handoverID)]
        if let at { body["at"] = .string(at) }
        if let channel { body["channel"] = .string(channel.rawValue) }
        let answer = try perform(
            WireMessage(.contacted, .object(body)), answers: [.noted], identity: ["handover_id": handoverID])
        return try reply(answer, as: Noted.self)
    }

    /// OUTCOME (the referrer, or the contact holding the handover): the answer to a NAZORG question.
    public func outcome(handoverID: String, result: OutcomeResult, note: String? = nil) throws -> Reply<Noted> {
        var body: [String: JSONValue] = ["handover_id": .string(handoverID), "result": .string(result.rawValue)]
        if let note { body["note"] = .string(note) }
        let answer = try perform(
            WireMessage(.outcome, .object(body)), answers: [.noted], identity: ["handover_id": handoverID])
        return try reply(answer, as: Noted.self)
    }

    /// REOPEN (the referring organisation): route unresolved needs again.
    public func reopen(referralID: String, reason: String) throws -> Reply<Noted> {
        let answer = try perform(
            WireMessage(.reopen, .object(["referral_id": .string(referralID), "reason": .string(reason)])),
            answers: [.noted], identity: ["referral_id": referralID])
        return try reply(answer, as: Noted.self)
    }

    /// STATUS by the broker's `referral_id`: state, handovers and timeline, without personal data.
    public func status(referralID: String) throws -> Reply<ReferralStatus> {
        let answer = try perform(
            WireMessage(.status, .object(["referral_id": .string(referralID)])), answers: [.referral],
            identity: ["referral_id": referralID])
        return try reply(answer, as: ReferralStatus.self)
    }

    /// STATUS by the organisation's own `external_id`.
    public func status(externalID: String) throws -> Reply<ReferralStatus> {
        let answer = try perform(
            WireMessage(.status, .object(["external_id": .string(externalID)])), answers: [.referral],
            identity: ["external_id": externalID])
        return try reply(answer, as: ReferralStatus.self)
    }

    private func reply<Body: Decodable & Sendable>(_ answer: WireMessage, as type: Body.Type) throws -> Reply<Body> {
        do {
            if answer.command == Command.rejected.rawValue {
                return Reply(message: answer, result: .failure(try answer.decode(Rejection.self)))
            }
            return Reply(message: answer, result: .success(try answer.decode(type)))
        } catch {
            throw SchakelClientError.unexpectedAnswer(answer, "\(error)")
        }
    }
}

extension SchakelClient {
    /// CASES (contacts): the handovers this contact holds, acknowledged and not completed, with the next deadline of
    /// each. Read-only; no personal data (ACK an acknowledged handover again to see its details).
    /// PENDING: what the coordinator's organisation must act on (coordinators only).
    public func pending() throws -> Reply<PendingList> {
        let answer = try perform(WireMessage(.pending), answers: [.pendingList], identity: [:])
        do {
            if answer.command == Command.rejected.rawValue {
                return Reply(message: answer, result: .failure(try answer.decode(Rejection.self)))
            }
            return Reply(message: answer, result: .success(try answer.decode(PendingList.self)))
        } catch {
            throw SchakelClientError.unexpectedAnswer(answer, "\(error)")
        }
    }

    /// ASSIGN: a coordinator names `contact`, a colleague, for the need of `handoverID`; NOTED `assigned` carries the
    /// new offer's id. Sent once: a repeat is refused (the need has moved on), so nothing is offered twice.
    public func assign(handoverID: String, to contact: String) throws -> Reply<Noted> {
        let answer = try perform(
            WireMessage(.assign, .object(["handover_id": .string(handoverID), "contact": .string(contact)])),
            answers: [.noted], identity: [:])
        do {
            if answer.command == Command.rejected.rawValue {
                return Reply(message: answer, result: .failure(try answer.decode(Rejection.self)))
            }
            return Reply(message: answer, result: .success(try answer.decode(Noted.self)))
        } catch {
            throw SchakelClientError.unexpectedAnswer(answer, "\(error)")
        }
    }

    public func cases() throws -> Reply<CaseList> {
        let answer = try perform(WireMessage(.cases), answers: [.caseList], identity: [:])
        do {
            if answer.command == Command.rejected.rawValue {
                return Reply(message: answer, result: .failure(try answer.decode(Rejection.self)))
            }
            return Reply(message: answer, result: .success(try answer.decode(CaseList.self)))
        } catch {
            throw SchakelClientError.unexpectedAnswer(answer, "\(error)")
        }
    }
}
