/// The messages after acknowledgement: first contact, the nazorg question and its outcome,
/// and reopening a referral whose need was not resolved.

/// What came of a handover, as nazorg records it.
public enum OutcomeResult: String, Sendable, Codable, CaseIterable {
    case resolved
    case partlyResolved = "partly_resolved"
    case notResolved = "not_resolved"
    case citizenUnreachable = "citizen_unreachable"
    case noLongerNeeded = "no_longer_needed"
    case citizenDeclined = "citizen_declined"
    case referredOn = "referred_on"
    /// Recorded by the broker when nobody answered the nazorg question in time; never sent by a peer.
    case noAnswer = "no_answer"

    /// A result that calls for the referrer's attention (and permits REOPEN).
    public var isUnresolved: Bool { self == .notResolved || self == .noAnswer }
}

/// `NAZORG` (broker → referrer and the handover's contact): what came of it?
public struct Nazorg: Sendable, Equatable, Codable {
    public var messageID: String
    public var referralID: String
    public var handoverID: String
    public var need: NeedRef
    public var question: String
    public var answerBy: String
    /// False when the contact never recorded a first contact (CONTACTED) with the citizen: the question asks whether
    /// anyone reached them at all. Absent when first contact was recorded.
    public var firstContactRecorded: Bool?

    public init(
        messageID: String, referralID: String, handoverID: String, need: NeedRef, question: String, answerBy: String,
        firstContactRecorded: Bool? = nil
    ) {
        self.firstContactRecorded = firstContactRecorded
        self.messageID = messageID
        self.referralID = referralID
        self.handoverID = handoverID
        self.need = need
        self.question = question
        self.answerBy = answerBy
    }

    enum CodingKeys: String, CodingKey {
        case need, question
        case messageID = "message_id"
        case referralID = "referral_id"
        case handoverID = "handover_id"
        case answerBy = "answer_by"
        case firstContactRecorded = "first_contact_recorded"
    }
}

/// What a `NOTED` reply confirms.
public enum NotedEvent: String, Sendable, Codable, CaseIterable {
    case contacted, outcome, reopened
    /// WITHDRAW: the referral's open handovers are cancelled and its personal data deleted.
    case withdrawn
    /// ASSIGN: the need was offered to the named contact (`handover_id` is the new offer).
    case assigned
    /// CITIZEN_ANSWER: the citizen's own nazorg answer is kept.
    case citizenAnswered = "citizen_answered"
}

/// `NOTED`: the reply to CONTACTED, OUTCOME and REOPEN once the change is committed.
public struct Noted: Sendable, Equatable, Codable {
    public var event: NotedEvent
    public var referralID: String
    public var handoverID: String?
    /// On `reopened`: the handovers made for the needs routed again.
    public var handovers: [String]?

    public init(event: NotedEvent, referralID: String, handoverID: String? = nil, handovers: [String]? = nil) {
        self.event = event
        self.referralID = referralID
        self.handoverID = handoverID
        self.handovers = handovers
    }

    enum CodingKeys: String, CodingKey {
        case event, handovers
        case referralID = "referral_id"
        case handoverID = "handover_id"
    }
}
