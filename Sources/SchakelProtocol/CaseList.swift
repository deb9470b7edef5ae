/// `CASELIST`: the answer to CASES, the handovers a contact holds (acknowledged, not yet completed), each with its
/// next deadline, so that a contact person's client can say what needs doing without keeping state of its own.
///
/// Like an offer it identifies nobody: ids, the need's domain, states and times. The details come again with ACK,
/// which answers an acknowledged handover with the same ACKED.
public struct CaseList: Sendable, Equatable, Codable {
    /// Oldest acknowledgement first.
    public var cases: [HeldCase]

    public init(cases: [HeldCase]) {
        self.cases = cases
    }
}

/// One handover a contact holds, as CASELIST lists it.
public struct HeldCase: Sendable, Equatable, Codable {
    public var handoverID: String
    public var referralID: String
    /// `index` and `domain`; never the summary.
    public var need: NeedRef
    public var urgency: Urgency
    /// `accepted` or `contacted`.
    public var state: HandoverState
    public var lead: Bool
    public var acknowledgedAt: String
    /// The first-contact deadline, while the citizen has not been reached.
    public var contactBy: String?
    /// When nazorg will ask what came of it.
    public var nazorgAt: String?
    /// While a nazorg question waits for OUTCOME: its deadline.
    public var answerBy: String?
    /// The earliest of the above that still asks something of the contact; absent when none does.
    public var next: NextDeadline?

    public init(
        handoverID: String, referralID: String, need: NeedRef, urgency: Urgency, state: HandoverState, lead: Bool,
        acknowledgedAt: String, contactBy: String? = nil, nazorgAt: String? = nil, answerBy: String? = nil,
        next: NextDeadline? = nil
    ) {
        self.handoverID = handoverID
        self.referralID = referralID
        self.need = need
        self.urgency = urgency
        self.state = state
        self.lead = lead
        self.acknowledgedAt = acknowledgedAt
        self.contactBy = contactBy
        self.nazorgAt = nazorgAt
        self.answerBy = answerBy
        self.next = next
    }

    enum CodingKeys: String, CodingKey {
        case need, urgency, state, lead, next
        case handoverID = "handover_id"
        case referralID = "referral_id"
        case acknowledgedAt = "acknowledged_at"
        case contactBy = "contact_by"
        case nazorgAt = "nazorg_at"
        case answerBy = "answer_by"
    }
}

/// The next deadline of a held case: which one, when, and whether it has passed by the broker's clock.
public struct NextDeadline: Sendable, Equatable, Codable {
    /// `contact_by` (send CONTACTED), `nazorg_at` (NAZORG will ask) or `answer_by` (send OUTCOME).
    public var deadline: String
    public var at: String
    /// The deadline passed and what it asks is still undone (a missed first contact, an unanswered NAZORG).
    public var overdue: Bool

    public init(deadline: String, at: String, overdue: Bool) {
        self.deadline = deadline
        self.at = at
        self.overdue = overdue
    }
}
