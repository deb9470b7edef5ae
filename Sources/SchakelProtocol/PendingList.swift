/// `PENDINGLIST`: the answer to PENDING, what a coordinator's organisation must act on: offers its contacts have not
/// answered, cases whose first contact is overdue, needs that wait for room, and needs nobody owns.
///
/// Like an offer it identifies nobody: ids, the need's domain, the municipality, states and times.
public struct PendingList: Sendable, Equatable, Codable {
    public var organisation: String
    /// Overdue and unowned first, then by how long each has been waiting.
    public var handovers: [PendingHandover]

    public init(organisation: String, handovers: [PendingHandover]) {
        self.organisation = organisation
        self.handovers = handovers
    }
}

/// One handover a coordinator should know about.
public struct PendingHandover: Sendable, Equatable, Codable {
    /// Why it is listed.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Offered to a contact of the organisation, not answered yet.
        case offered
        /// Acknowledged by a contact of the organisation; the citizen not yet reached, `contact_by` not yet passed.
        case open
        /// Acknowledged, and `contact_by` passed without CONTACTED.
        case overdue
        /// Every candidate is away or full; the organisation could take it.
        case waiting
        /// Offers went unanswered and nobody is left: someone must be named (ASSIGN).
        case unowned
    }

    public var kind: Kind
    public var handoverID: String
    public var referralID: String
    /// `index` and `domain`; never the summary.
    public var need: NeedRef
    public var urgency: Urgency
    public var municipality: String
    public var state: HandoverState
    /// Who holds it; for an unowned need the contact whose offer lapsed last.
    public var contact: String?
    /// The deadline that matters now (`ack_by`, `contact_by`), when there is one.
    public var due: String?
    /// Since when it is in this state.
    public var since: String

    public init(
        kind: Kind, handoverID: String, referralID: String, need: NeedRef, urgency: Urgency, municipality: String,
        state: HandoverState, contact: String?, due: String?, since: String
    ) {
        self.kind = kind
        self.handoverID = handoverID
        self.referralID = referralID
        self.need = need
        self.urgency = urgency
        self.municipality = municipality
        self.state = state
        self.contact = contact
        self.due = due
        self.since = since
    }

    enum CodingKeys: String, CodingKey {
        case kind, need, urgency, municipality, state, contact, due, since
        case handoverID = "handover_id"
        case referralID = "referral_id"
    }
}
