/// The messages of the deadline chain (issue 4), all delivered through the outbox.

/// What a REMINDER is about.
public enum ReminderKind: String, Sendable, Codable, CaseIterable {
    /// An offer still waits for ACK or DECLINE.
    case acknowledge
    /// An acknowledged handover still waits for CONTACTED: the citizen has not been reached.
    case firstContact = "first_contact"
    /// A NAZORG question still waits for its OUTCOME.
    case nazorg
}

/// `REMINDER` (broker → contact): a deadline is near.
public struct Reminder: Sendable, Equatable, Codable {
    public var messageID: String
    public var handoverID: String
    public var referralID: String
    public var about: ReminderKind
    public var need: NeedRef
    public var due: String

    public init(
        messageID: String, handoverID: String, referralID: String, about: ReminderKind, need: NeedRef, due: String
    ) {
        self.messageID = messageID
        self.handoverID = handoverID
        self.referralID = referralID
        self.about = about
        self.need = need
        self.due = due
    }

    enum CodingKeys: String, CodingKey {
        case about, need, due
        case messageID = "message_id"
        case handoverID = "handover_id"
        case referralID = "referral_id"
    }
}

/// Why a handover was taken back from its holder.
public enum CancelReason: String, Sendable, Codable, CaseIterable {
    /// Not answered by the acknowledgement deadline.
    case expired
    /// The contact is no longer on the social map (a reload removed them).
    case removedFromMap = "removed_from_map"
    /// The referrer withdrew the referral, or the citizen's consent expired: its personal data is deleted.
    case withdrawn
    /// The citizen's data was erased on their request (right to erasure): delete what you hold of it too.
    case erased
    /// Their organisation's coordinator gave the offer to a colleague (ASSIGN).
    case reassigned
}

/// `CANCELLED` (broker → contact): the handover is no longer theirs; ACK or DECLINE it no more.
public struct Cancelled: Sendable, Equatable, Codable {
    public var messageID: String
    public var handoverID: String
    public var referralID: String
    public var reason: CancelReason

    public init(messageID: String, handoverID: String, referralID: String, reason: CancelReason) {
        self.messageID = messageID
        self.handoverID = handoverID
        self.referralID = referralID
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case reason
        case messageID = "message_id"
        case handoverID = "handover_id"
        case referralID = "referral_id"
    }
}

/// Why a coordinator is alerted.
public enum EscalationReason: String, Sendable, Codable, CaseIterable {
    /// A contact of the coordinator's organisation let an offer expire, past the re-route limit or in a crisis.
    case notAcknowledged = "not_acknowledged"
    /// Nobody is left to offer the need to.
    case unowned
    /// Every candidate is away or full: the need has waited longer than its policy allows.
    case waiting
    /// The contact who acknowledged the handover has not recorded a first contact with the citizen, past the
    /// deadline and its grace.
    case noFirstContact = "no_first_contact"
}

/// `ESCALATION` (broker → an organisation's coordinator): a need is slipping; no identity, as in an offer.
public struct Escalation: Sendable, Equatable, Codable {
    public var messageID: String
    public var referralID: String
    /// The handover that expired.
    public var handoverID: String
    public var need: NeedRef
    public var urgency: Urgency
    public var reason: EscalationReason
    /// The contact who let the offer expire.
    public var contact: String?
    public var referrer: ReferrerView
    /// The need's handover now, the one the coordinator can act on: for `unowned` the handover ASSIGN takes; for
    /// `not_acknowledged` the new offer (which ASSIGN can give to a colleague while a contact of the coordinator's
    /// organisation holds it). Absent when the need has no handover left to act on.
    public var needHandoverID: String?
    /// For a need nobody holds (`waiting`, `unowned`): how far it has escalated. 1 is the coordinators of the
    /// organisations concerned, 2 the coordinators of every organisation serving the domain in the citizen's
    /// municipality, 3 and on the same with the operator alerted too.
    public var level: Int?
    public var at: String

    public init(
        messageID: String, referralID: String, handoverID: String, need: NeedRef, urgency: Urgency,
        reason: EscalationReason, contact: String?, referrer: ReferrerView, needHandoverID: String? = nil,
        level: Int? = nil, at: String
    ) {
        self.needHandoverID = needHandoverID
        self.level = level
        self.messageID = messageID
        self.referralID = referralID
        self.handoverID = handoverID
        self.need = need
        self.urgency = urgency
        self.reason = reason
        self.contact = contact
        self.referrer = referrer
        self.at = at
    }

    enum CodingKeys: String, CodingKey {
        case need, urgency, reason, contact, referrer, level, at
        case messageID = "message_id"
        case referralID = "referral_id"
        case handoverID = "handover_id"
        case needHandoverID = "need_handover_id"
    }
}
