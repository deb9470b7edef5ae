/// The bodies the broker sends. Value types, encoded with `SRPCoding`; their JSON forms are
/// specified in Protocols/SRP1.md and Protocols/schemas/.

/// `WELCOME`: the session is open for `principal`.
public struct Welcome: Sendable, Equatable, Codable {
    public var principal: String
    public var server: String
    /// How many unconfirmed outbox messages follow right after this one.
    public var pending: Int

    public init(principal: String, server: String, pending: Int) {
        self.principal = principal
        self.server = server
        self.pending = pending
    }
}

/// `ACCEPTED`: the referral is durably committed.
public struct Accepted: Sendable, Equatable, Codable {
    public var externalID: String
    public var referralID: String
    public var duplicate: Bool
    /// Set only on a receipt for a publish-only adapter, which reaches it through the outbox: the id it confirms
    /// with RECEIVED. A direct answer to a DEALER's SUBMIT has none.
    public var messageID: String?
    /// Only on the first ACCEPTED of a referral: the code for the citizen's own view (SRP1.md).
    public var citizenCode: String?

    public init(
        externalID: String, referralID: String, duplicate: Bool, messageID: String? = nil, citizenCode: String? = nil
    ) {
        self.externalID = externalID
        self.referralID = referralID
        self.duplicate = duplicate
        self.messageID = messageID
        self.citizenCode = citizenCode
    }

    enum CodingKeys: String, CodingKey {
        case duplicate
        case externalID = "external_id"
        case referralID = "referral_id"
        case messageID = "message_id"
        case citizenCode = "citizen_code"
    }
}

/// Which need of a referral a handover is about. `summary` appears only in offers and their
/// acknowledgement, to the contact who must judge the need; STATUS carries index and domain.
public struct NeedRef: Sendable, Equatable, Codable {
    public var index: Int
    public var domain: String
    public var summary: String?

    public init(index: Int, domain: String, summary: String? = nil) {
        self.index = index
        self.domain = domain
        self.summary = summary
    }
}

/// The referring organisation as an offer shows it, and in full once acknowledged.
public struct ReferrerView: Sendable, Equatable, Codable {
    public var organisation: String
    public var organisationName: String
    public var name: String?
    public var phone: String?
    public var email: String?
    public var role: String?

    public init(
        organisation: String, organisationName: String, name: String? = nil, phone: String? = nil,
        email: String? = nil, role: String? = nil
    ) {
        self.organisation = organisation
        self.organisationName = organisationName
        self.name = name
        self.phone = phone
        self.email = email
        self.role = role
    }

    enum CodingKeys: String, CodingKey {
        case organisation, name, phone, email, role
        case organisationName = "organisation_name"
    }
}

/// A contact person as other parties see them: their direct line appears once they took the handover.
public struct ContactCard: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var organisation: String
    public var organisationName: String
    public var role: String?
    public var phone: String?
    public var email: String?

    public init(
        id: String, name: String, organisation: String, organisationName: String, role: String? = nil,
        phone: String? = nil, email: String? = nil
    ) {
        self.id = id
        self.name = name
        self.organisation = organisation
        self.organisationName = organisationName
        self.role = role
        self.phone = phone
        self.email = email
    }

    /// The same card without the direct line.
    public var withoutDirectLine: ContactCard {
        var card = self
        card.phone = nil
        card.email = nil
        return card
    }

    enum CodingKeys: String, CodingKey {
        case id, name, organisation, role, phone, email
        case organisationName = "organisation_name"
    }
}

/// `HANDOVER`: an offer to a contact person. It reveals no identity: who the citizen is
/// comes only with `ACKED`.
public struct HandoverOffer: Sendable, Equatable, Codable {
    public var messageID: String
    public var handoverID: String
    public var referralID: String
    public var need: NeedRef
    public var urgency: Urgency
    public var lifeEvent: String?
    public var citizen: CitizenOfferView
    public var referrer: ReferrerView
    public var lead: Bool
    /// When another contact leads the referral: who, without their direct line (that comes with ACKED).
    public var leadContact: ContactCard?
    public var offeredAt: String
    /// Answer (ACK or DECLINE) by then, or the offer is withdrawn and goes to the next candidate.
    public var ackBy: String?

    public init(
        messageID: String, handoverID: String, referralID: String, need: NeedRef, urgency: Urgency,
        lifeEvent: String?, citizen: CitizenOfferView, referrer: ReferrerView, lead: Bool,
        leadContact: ContactCard? = nil, offeredAt: String, ackBy: String? = nil
    ) {
        self.ackBy = ackBy
        self.leadContact = leadContact
        self.messageID = messageID
        self.handoverID = handoverID
        self.referralID = referralID
        self.need = need
        self.urgency = urgency
        self.lifeEvent = lifeEvent
        self.citizen = citizen
        self.referrer = referrer
        self.lead = lead
        self.offeredAt = offeredAt
    }

    enum CodingKeys: String, CodingKey {
        case need, urgency, citizen, referrer, lead
        case messageID = "message_id"
        case handoverID = "handover_id"
        case referralID = "referral_id"
        case lifeEvent = "life_event"
        case offeredAt = "offered_at"
        case ackBy = "ack_by"
        case leadContact = "lead_contact"
    }
}

/// `ACKED`: the contact took the handover, and now learns who the citizen is and who referred them.
public struct Acked: Sendable, Equatable, Codable {
    public var handoverID: String
    public var referralID: String
    public var need: NeedRef
    public var urgency: Urgency
    public var lifeEvent: String?
    public var lead: Bool
    /// When another contact leads the referral: who, with their direct line once they have acknowledged, so the
    /// people helping one citizen can reach the one who coordinates.
    public var leadContact: ContactCard?
    public var citizen: Citizen
    public var referrer: ReferrerView
    public var note: String?
    public var acknowledgedAt: String

    public init(
        handoverID: String, referralID: String, need: NeedRef, urgency: Urgency, lifeEvent: String?, lead: Bool,
        leadContact: ContactCard? = nil, citizen: Citizen, referrer: ReferrerView, note: String?,
        acknowledgedAt: String
    ) {
        self.leadContact = leadContact
        self.handoverID = handoverID
        self.referralID = referralID
        self.need = need
        self.urgency = urgency
        self.lifeEvent = lifeEvent
        self.lead = lead
        self.citizen = citizen
        self.referrer = referrer
        self.note = note
        self.acknowledgedAt = acknowledgedAt
    }

    enum CodingKeys: String, CodingKey {
        case need, urgency, lead, citizen, referrer, note
        case handoverID = "handover_id"
        case referralID = "referral_id"
        case lifeEvent = "life_event"
        case acknowledgedAt = "acknowledged_at"
        case leadContact = "lead_contact"
    }
}

/// `DECLINED`: the decline is recorded and the need moves on.
public struct Declined: Sendable, Equatable, Codable {
    public var handoverID: String
    public var reason: DeclineReason

    public init(handoverID: String, reason: DeclineReason) {
        self.handoverID = handoverID
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case reason
        case handoverID = "handover_id"
    }
}

/// What happened to a referral, as a NOTICE tells the referrer.
public enum NoticeEvent: String, Sendable, Codable, CaseIterable {
    case offered, acknowledged, declined, unroutable
    /// Nobody answered by the deadline: withdrawn from that contact and offered to the next.
    case rerouted
    /// Someone was alerted to act: the receiving organisation's coordinator after offers lapsed (too often, or in a
    /// crisis), or, for a need nobody holds, the next level of coordinators and the operator.
    case escalated
    /// Offers went unanswered and no candidate is left: someone must take it by hand.
    case unowned
    /// The contact reached the citizen.
    case contacted
    /// The contact has not reached the citizen by the first-contact deadline.
    case contactOverdue = "contact_overdue"
    /// Nazorg recorded an outcome for the need.
    case outcome
    /// The outcome was not_resolved or no_answer: the referrer may REOPEN.
    case nazorgUnresolved = "nazorg_unresolved"
    /// Every need has its outcome: the referral is closed.
    case closed
    /// The referrer reopened the referral; its open needs are routed again.
    case reopened
    /// Every candidate is away or full: the need waits and is offered as soon as one has room or comes back.
    case waiting
    /// Candidates exist only outside the consent's `share_with`: nothing was routed; ask the citizen for consent.
    case consentNeeded = "consent_needed"
    /// The consent's `expires_at` passed: the referral is withdrawn and its personal data deleted.
    case consentExpired = "consent_expired"
    /// The citizen's data was erased on their request (right to erasure); delete what you hold of it too.
    case erased
    /// The citizen withdrew their consent through a portal (CITIZEN_WITHDRAW): the referral is withdrawn and its
    /// personal data deleted, as if the referrer had sent WITHDRAW.
    case consentWithdrawn = "consent_withdrawn"
}

/// `NOTICE`: the referrer hears about every step, so the loop is closed.
public struct Notice: Sendable, Equatable, Codable {
    public var messageID: String
    public var referralID: String
    public var externalID: String
    public var event: NoticeEvent
    public var handoverID: String?
    public var need: NeedRef?
    /// On `acknowledged`: the contact's direct phone and e-mail, the warm handover.
    public var contact: ContactCard?
    /// On `declined`: the reason the contact gave.
    public var reason: DeclineReason?
    /// On `outcome` and `nazorg_unresolved`: the recorded result.
    public var result: OutcomeResult?
    /// On `escalated`: why, how far (``Escalation/level``), everyone alerted (coordinators' cards, so the referrer
    /// can call them), and whether the operator was alerted as well.
    public var escalation: EscalationReason?
    public var level: Int?
    public var alerted: [ContactCard]?
    public var operatorAlerted: Bool?
    public var at: String

    public init(
        messageID: String, referralID: String, externalID: String, event: NoticeEvent, handoverID: String? = nil,
        need: NeedRef? = nil, contact: ContactCard? = nil, reason: DeclineReason? = nil,
        result: OutcomeResult? = nil, escalation: EscalationReason? = nil, level: Int? = nil,
        alerted: [ContactCard]? = nil, operatorAlerted: Bool? = nil, at: String
    ) {
        self.escalation = escalation
        self.level = level
        self.alerted = alerted
        self.operatorAlerted = operatorAlerted
        self.result = result
        self.messageID = messageID
        self.referralID = referralID
        self.externalID = externalID
        self.event = event
        self.handoverID = handoverID
        self.need = need
        self.contact = contact
        self.reason = reason
        self.at = at
    }

    enum CodingKeys: String, CodingKey {
        case event, need, contact, reason, result, escalation, level, alerted, at
        case messageID = "message_id"
        case referralID = "referral_id"
        case externalID = "external_id"
        case handoverID = "handover_id"
        case operatorAlerted = "operator_alerted"
    }
}

/// `REFERRAL`: the answer to STATUS.
public struct ReferralStatus: Sendable, Equatable, Codable {
    public var referralID: String
    /// Only for the referring organisation, whose id it is: a contact may not ask by it, so it has no business
    /// seeing it (it may be a file number that leads to the citizen).
    public var externalID: String?
    public var state: ReferralState
    public var urgency: Urgency
    public var handovers: [HandoverSummary]
    public var timeline: [TimelineEntry]

    public init(
        referralID: String, externalID: String?, state: ReferralState, urgency: Urgency, handovers: [HandoverSummary],
        timeline: [TimelineEntry]
    ) {
        self.referralID = referralID
        self.externalID = externalID
        self.state = state
        self.urgency = urgency
        self.handovers = handovers
        self.timeline = timeline
    }

    enum CodingKeys: String, CodingKey {
        case state, urgency, handovers, timeline
        case referralID = "referral_id"
        case externalID = "external_id"
    }
}

/// One handover in a STATUS answer.
public struct HandoverSummary: Sendable, Equatable, Codable {
    public var handoverID: String
    public var need: NeedRef
    public var contact: ContactCard?
    public var state: HandoverState
    public var lead: Bool
    /// While offered: the moment the contact must have answered by.
    public var ackBy: String?
    /// While acknowledged and the citizen not yet reached: the first-contact deadline.
    public var contactBy: String?
    /// Until the nazorg question goes out: when it will.
    public var nazorgAt: String?
    /// While the nazorg question waits for an answer: its deadline.
    public var answerBy: String?
    /// Once nazorg answered: the result.
    public var outcome: OutcomeResult?
    /// For the referrer: why the need went where it went (or waits).
    public var explanation: MatchExplanation?
    /// True while acknowledged and `contact_by` has passed without CONTACTED: it stays visible, not silent.
    public var overdue: Bool?

    public init(
        handoverID: String, need: NeedRef, contact: ContactCard?, state: HandoverState, lead: Bool,
        ackBy: String? = nil, contactBy: String? = nil, nazorgAt: String? = nil, answerBy: String? = nil,
        outcome: OutcomeResult? = nil, explanation: MatchExplanation? = nil, overdue: Bool? = nil
    ) {
        self.overdue = overdue
        self.explanation = explanation
        self.handoverID = handoverID
        self.need = need
        self.contact = contact
        self.state = state
        self.lead = lead
        self.ackBy = ackBy
        self.contactBy = contactBy
        self.nazorgAt = nazorgAt
        self.answerBy = answerBy
        self.outcome = outcome
    }

    enum CodingKeys: String, CodingKey {
        case need, contact, state, lead, outcome, explanation, overdue
        case handoverID = "handover_id"
        case ackBy = "ack_by"
        case contactBy = "contact_by"
        case nazorgAt = "nazorg_at"
        case answerBy = "answer_by"
    }
}

/// One line of the timeline: the append-only event log of the referral, without personal data.
public struct TimelineEntry: Sendable, Equatable, Codable {
    public var at: String
    public var event: String
    public var handoverID: String?
    public var contact: String?

    public init(at: String, event: String, handoverID: String? = nil, contact: String? = nil) {
        self.at = at
        self.event = event
        self.handoverID = handoverID
        self.contact = contact
    }

    enum CodingKeys: String, CodingKey {
        case at, event, contact
        case handoverID = "handover_id"
    }
}
