/// A command a peer sent, checked against SRP/1 and reduced to what the broker acts on.
public enum PeerRequest: Sendable, Equatable {
    case hello(principal: String, client: String?)
    case ping
    case submit(Referral, canonicalBody: String)
    case ack(handoverID: String)
    case decline(handoverID: String, reason: DeclineReason)
    case received(messageIDs: [String])
    case status(StatusQuery)
    case contacted(handoverID: String, at: String?, channel: Channel?)
    case outcome(handoverID: String, result: OutcomeResult, note: String?)
    case reopen(StatusQuery, reason: String)
    case withdraw(StatusQuery, reason: WithdrawReason)
    /// A contact asks which handovers it holds, with the next deadline of each.
    case cases
    /// A coordinator asks what is open, overdue, waiting or unowned at their organisation.
    case pending
    /// A coordinator names `contact` for the need of handover `handoverID`.
    case assign(handoverID: String, contact: String)
    /// NEW_CITIZEN_CODE from the referring organisation.
    case newCitizenCode(StatusQuery)
    /// CITIZEN_STATUS from a portal, with the code as typed.
    case citizenStatus(code: String)
    /// CITIZEN_WITHDRAW from a portal.
    case citizenWithdraw(code: String)
    /// CITIZEN_ANSWER from a portal: the citizen's own nazorg answer for need `need`.
    case citizenAnswer(code: String, need: Int, result: OutcomeResult)
    /// A coordinator asks for the signals of their organisation's referrals submitted from `from` to `to` (days,
    /// YYYY-MM-DD), per `period` (`month` or `week`); the broker checks that the days are real.
    case signals(from: String, to: String, period: String?)

    /// The principal syntax of HELLO: `org:<id>`, `contact:<id>` or `portal:<id>`.
    public static let principalPattern = "(org|contact|portal):[a-z0-9][a-z0-9-]{0,99}"
    static let idLength = 1...100

    /// Parses a well-formed message. Throws `unknown_command` for a command SRP/1 does not
    /// define for peers and `invalid` (with the field path) for a body that breaks the schema.
    public static func parse(_ message: WireMessage, referrals: ReferralValidator) throws(Rejection) -> PeerRequest {
        do {
            return try parseBody(message, referrals: referrals)
        } catch {
            var rejection = error
            rejection.command = message.command
            throw rejection
        }
    }

    private static func parseBody(_ message: WireMessage, referrals: ReferralValidator) throws(Rejection) -> PeerRequest
    {
        guard let command = Command(rawValue: message.command), Command.fromPeer.contains(command) else {
            throw Rejection(
                .unknownCommand,
                "\(message.command) is not a command a peer can send; see Protocols/SRP1.md for HELLO, PING, SUBMIT, ACK, DECLINE, RECEIVED, STATUS, CONTACTED, OUTCOME, REOPEN, WITHDRAW, CASES, PENDING, ASSIGN, NEW_CITIZEN_CODE, CITIZEN_STATUS, CITIZEN_WITHDRAW, CITIZEN_ANSWER, SIGNALS"
            )
        }
        let r = FieldReader(body: message.body)
        switch command {
        case .hello:
            try r.only(["as", "client"])
            let principal =
                try r.string(
                    "as", length: 5...110, matching: principalPattern,
                    described: "a principal such as org:gemeente-utrecht, contact:wonen-bram or portal:lekstroom") ?? ""
            return .hello(principal: principal, client: try r.string("client", required: false, length: 1...100))
        case .ping:
            try r.only([])
            return .ping
        case .submit:
            try r.only(["referral"])
            guard let value = r.fields["referral"], value != .null else {
                throw Rejection(.invalid, "referral is required", field: "referral")
            }
            let referral = try referrals.validate(value)
            return .submit(referral, canonicalBody: referral.canonicalString())
        case .ack:
            try r.only(["handover_id"])
            return .ack(handoverID: try r.requiredString("handover_id", length: idLength))
        case .decline:
            try r.only(["handover_id", "reason"])
            let id = try r.requiredString("handover_id", length: idLength)
            return .decline(handoverID: id, reason: try r.enumeration("reason", DeclineReason.self) ?? .other)
        case .received:
            try r.only(["message_ids"])
            var ids: [String] = []
            for (path, item) in try r.array("message_ids", count: 1...1_000) ?? [] {
                guard let id = item.stringValue, FieldReader.fits(id, idLength) else {
                    throw Rejection(.invalid, "\(path) must be a message id string", field: path)
                }
                ids.append(id)
            }
            return .received(messageIDs: ids)
        case .status:
            try r.only(["referral_id", "external_id"])
            return .status(try referral(r, command))
        case .contacted:
            try r.only(["handover_id", "at", "channel"])
            return .contacted(
                handoverID: try r.requiredString("handover_id", length: idLength),
                at: try r.timestamp("at", required: false),
                channel: try r.enumeration("channel", Channel.self, required: false))
        case .outcome:
            try r.only(["handover_id", "result", "note"])
            let id = try r.requiredString("handover_id", length: idLength)
            guard let result = try r.enumeration("result", OutcomeResult.self), result != .noAnswer else {
                throw Rejection(.invalid, "result no_answer is recorded by the broker, not sent", field: "result")
            }
            return .outcome(
                handoverID: id, result: result, note: try r.string("note", required: false, length: 1...2_000))
        case .reopen:
            try r.only(["referral_id", "external_id", "reason"])
            return .reopen(try referral(r, command), reason: try r.requiredString("reason", length: 1...500))
        case .withdraw:
            try r.only(["referral_id", "external_id", "reason"])
            let query = try referral(r, command)
            let reason = try r.enumeration("reason", WithdrawReason.self) ?? .other
            guard reason != .consentExpired, reason != .erased else {
                throw Rejection(
                    .invalid, "reason \(reason.rawValue) is recorded by the broker, not sent", field: "reason")
            }
            return .withdraw(query, reason: reason)
        case .cases:
            try r.only([])
            return .cases
        case .pending:
            try r.only([])
            return .pending
        case .assign:
            try r.only(["handover_id", "contact"])
            // Both read as optional, so that a missing one is refused with what to send, not just that it lacks.
            guard let id = try r.string("handover_id", required: false, length: idLength) else {
                throw Rejection(
                    .invalid, "name the need's current handover in handover_id, from PENDING or an ESCALATION",
                    field: "handover_id")
            }
            guard
                let contact = try r.string(
                    "contact", required: false, length: 9...110, matching: "contact:[a-z0-9][a-z0-9-]{0,99}",
                    described: "a contact person's id such as contact:wonen-bram")
            else {
                throw Rejection(
                    .invalid, "name the colleague to offer the need to in contact, such as contact:wonen-bram",
                    field: "contact")
            }
            return .assign(handoverID: id, contact: contact)
        case .newCitizenCode:
            try r.only(["referral_id", "external_id"])
            return .newCitizenCode(try referral(r, command))
        case .citizenStatus:
            try r.only(["citizen_code"])
            return .citizenStatus(code: try citizenCode(r))
        case .citizenWithdraw:
            try r.only(["citizen_code"])
            return .citizenWithdraw(code: try citizenCode(r))
        case .citizenAnswer:
            try r.only(["citizen_code", "need", "result"])
            let code = try citizenCode(r)
            guard let number = r.fields["need"]?.numberValue, number.rounded() == number, (0...9).contains(number)
            else {
                throw Rejection(.invalid, "need must be the need's index, an integer from 0 to 9", field: "need")
            }
            let need = Int(number)
            let result = try r.enumeration("result", OutcomeResult.self) ?? .resolved
            guard [.resolved, .partlyResolved, .notResolved].contains(result) else {
                throw Rejection(
                    .invalid, "result must be resolved, partly_resolved or not_resolved", field: "result")
            }
            return .citizenAnswer(code: code, need: need, result: result)
        case .signals:
            try r.only(["from", "to", "period"])
            let day = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
            let from = try r.string("from", length: 10...10, matching: day, described: "the first day as YYYY-MM-DD")
            let to = try r.string("to", length: 10...10, matching: day, described: "the last day as YYYY-MM-DD")
            let period = try r.string(
                "period", required: false, length: 4...5, matching: "month|week", described: "month or week")
            return .signals(from: from ?? "", to: to ?? "", period: period)
        default:
            throw Rejection(.unknownCommand, "\(message.command) is sent by the broker, not to it")
        }
    }

    /// The citizen code as typed: its shape is checked by the broker, which answers every wrong one alike.
    private static func citizenCode(_ r: FieldReader) throws(Rejection) -> String {
        guard let code = try r.string("citizen_code", required: false, length: 16...40) else {
            throw Rejection(
                .invalid, "citizen_code is required: the 16 characters the citizen was given", field: "citizen_code")
        }
        return code
    }

    /// The referral a STATUS, REOPEN or WITHDRAW names: exactly one of `referral_id` and the sender's own
    /// `external_id`, so a referrer can use the id from its own system everywhere.
    private static func referral(_ r: FieldReader, _ command: Command) throws(Rejection) -> StatusQuery {
        let referralID = try r.string("referral_id", required: false, length: idLength)
        let externalID = try r.string("external_id", required: false, length: 1...128)
        switch (referralID, externalID) {
        case (let id?, nil): return .referralID(id)
        case (nil, let id?): return .externalID(id)
        default:
            throw Rejection(
                .invalid, "\(command.rawValue) needs exactly one of referral_id and external_id", field: "referral_id")
        }
    }
}

/// Why a referral is withdrawn. `consent_expired` is recorded by the broker itself, never sent.
public enum WithdrawReason: String, Sendable, Codable, CaseIterable {
    /// The citizen withdrew their consent.
    case consentWithdrawn = "consent_withdrawn"
    /// The referral was a mistake (wrong citizen, sent twice under different ids).
    case sentInError = "sent_in_error"
    /// The citizen no longer wants the help.
    case noLongerNeeded = "no_longer_needed"
    case other
    /// The consent's `expires_at` passed (broker only).
    case consentExpired = "consent_expired"
    /// The citizen's data was erased on their request (admin `erase`, broker only).
    case erased
}

/// How a peer names a referral in STATUS, REOPEN and WITHDRAW.
public enum StatusQuery: Sendable, Equatable {
    case referralID(String)
    /// Only meaningful for the organisation that chose the external id.
    case externalID(String)
}

/// Why a contact declines a handover; the next candidate gets it either way.
public enum DeclineReason: String, Sendable, Codable, CaseIterable {
    case capacity
    case notEligible = "not_eligible"
    case outsideServiceArea = "outside_service_area"
    case notOurService = "not_our_service"
    case wrongContact = "wrong_contact"
    case conflictOfInterest = "conflict_of_interest"
    case other
}
