/// The CloudEvents `type` of every state change on the event stream (Protocols/EVENTS.md): the topic frame a
/// subscriber filters on, and the name of the JSON Schema of the event (`schemas/events/<type>.schema.json`).
///
/// All but ``submissionRejected`` come from a row of the referral's event log (the STATUS timeline), so the
/// stream and the timeline use one vocabulary; ``init(timelineEvent:)`` is that mapping.
public enum EventType: String, Sendable, CaseIterable, Codable {
    /// A referral was committed: the receipt of a SUBMIT (from a DEALER session or a publish-only adapter).
    case referralAccepted = "nl.schakel.referral.accepted"
    /// Every need that was taken has its nazorg outcome.
    case referralClosed = "nl.schakel.referral.closed"
    /// The referrer reopened unresolved or unowned needs (REOPEN).
    case referralReopened = "nl.schakel.referral.reopened"
    case handoverOffered = "nl.schakel.handover.offered"
    case handoverAcknowledged = "nl.schakel.handover.acknowledged"
    case handoverDeclined = "nl.schakel.handover.declined"
    /// Every candidate is away or full; the need waits for one.
    case handoverWaiting = "nl.schakel.handover.waiting"
    /// Nobody on the social map can take the need.
    case handoverUnroutable = "nl.schakel.handover.unroutable"
    /// Offers went unanswered and no candidate is left.
    case handoverUnowned = "nl.schakel.handover.unowned"
    /// The offer was withdrawn because its contact left the social map.
    case handoverCancelled = "nl.schakel.handover.cancelled"
    /// Halfway to `ack_by` the contact was reminded.
    case handoverReminded = "nl.schakel.handover.reminded"
    /// Nobody answered the offer by `ack_by`; it goes to the next candidate.
    case handoverExpired = "nl.schakel.handover.expired"
    /// The coordinator of the contact's organisation was alerted (`contact` is the coordinator).
    case handoverEscalated = "nl.schakel.handover.escalated"
    /// A coordinator assigned an unowned need to a contact (`contact` is the one assigned).
    case handoverAssigned = "nl.schakel.handover.assigned"
    /// The contact reached the citizen (CONTACTED).
    case handoverContacted = "nl.schakel.handover.contacted"
    /// The first contact with the citizen is overdue.
    case handoverContactOverdue = "nl.schakel.handover.contact_overdue"
    /// One side recorded the outcome (OUTCOME).
    case handoverOutcome = "nl.schakel.handover.outcome"
    case nazorgAsked = "nl.schakel.nazorg.asked"
    case nazorgReminded = "nl.schakel.nazorg.reminded"
    /// Nazorg found the need unresolved, or nobody answered it.
    case nazorgUnresolved = "nl.schakel.nazorg.unresolved"
    /// The referrer withdrew the referral (WITHDRAW), or its consent expired: open handovers are cancelled and the
    /// citizen's data is deleted. `reason` says which.
    case referralWithdrawn = "nl.schakel.referral.withdrawn"
    /// The citizen's data was erased on their request (admin `erase`).
    case referralErased = "nl.schakel.referral.erased"
    /// The referral's personal data was deleted: after the retention period, by WITHDRAW, by erasure or by admin
    /// `purge`. `reason` says which.
    case referralPurged = "nl.schakel.referral.purged"
    /// Personal data went to a contact: the offer (HANDOVER) or the details on ACK. `fields` names which fields,
    /// never their values. Audit only: not on the STATUS timeline.
    case referralDisclosed = "nl.schakel.referral.disclosed"
    /// Candidates exist only outside what the citizen consented to: the referrer must ask for wider consent.
    case handoverConsentNeeded = "nl.schakel.handover.consent_needed"
    /// An operator ran an admin command (Protocols/ADMIN.md); audit only, not on the STATUS timeline.
    case adminAssign = "nl.schakel.admin.assign"
    case adminAudit = "nl.schakel.admin.audit"
    case adminBackup = "nl.schakel.admin.backup"
    case adminClockAdvance = "nl.schakel.admin.clock.advance"
    case adminDebugStall = "nl.schakel.admin.debug.stall"
    case adminErase = "nl.schakel.admin.erase"
    case adminExport = "nl.schakel.admin.export"
    case adminKeyRotate = "nl.schakel.admin.key.rotate"
    case adminPurge = "nl.schakel.admin.purge"
    case adminSocialmapReload = "nl.schakel.admin.socialmap.reload"
    /// A SUBMIT from a publish-only adapter was refused. Not in the event log (nothing was stored): published
    /// once, after the batch that refused it committed, and not durable.
    case submissionRejected = "nl.schakel.submission.rejected"

    /// The admin command of an `nl.schakel.admin.*` type, such as `clock.advance`; nil for the other types.
    public var adminCommand: String? {
        rawValue.hasPrefix(Self.adminPrefix) ? String(rawValue.dropFirst(Self.adminPrefix.count)) : nil
    }

    static let adminPrefix = "nl.schakel.admin."

    /// The stream type of an event-log entry (`submitted`, `offered`, ..., the audit-only `disclosed` and
    /// `admin.<command>`); nil for a name it does not know, such as an admin command that does not exist.
    public init?(timelineEvent: String) {
        if timelineEvent.hasPrefix("admin.") {
            guard let type = EventType(rawValue: "nl.schakel.\(timelineEvent)"), type.adminCommand != nil else {
                return nil
            }
            self = type
            return
        }
        switch timelineEvent {
        case "submitted": self = .referralAccepted
        case "closed": self = .referralClosed
        case "reopened": self = .referralReopened
        case "offered": self = .handoverOffered
        case "acknowledged": self = .handoverAcknowledged
        case "declined": self = .handoverDeclined
        case "waiting": self = .handoverWaiting
        case "unroutable": self = .handoverUnroutable
        case "unowned": self = .handoverUnowned
        case "cancelled": self = .handoverCancelled
        case "reminded": self = .handoverReminded
        case "expired": self = .handoverExpired
        case "escalated": self = .handoverEscalated
        case "assigned": self = .handoverAssigned
        case "contacted": self = .handoverContacted
        case "contact_overdue": self = .handoverContactOverdue
        case "outcome": self = .handoverOutcome
        case "nazorg.asked": self = .nazorgAsked
        case "nazorg.reminded": self = .nazorgReminded
        case "nazorg.unresolved": self = .nazorgUnresolved
        case "withdrawn": self = .referralWithdrawn
        case "erased": self = .referralErased
        case "purged": self = .referralPurged
        case "disclosed": self = .referralDisclosed
        case "consent_needed": self = .handoverConsentNeeded
        default: return nil
        }
    }

    /// The handover's state right after an event of this type, where the type implies one. Read from the type,
    /// not from the table: by the time a batch is published a later event in it may have moved the handover on.
    public var handoverState: HandoverState? {
        switch self {
        case .handoverOffered: .offered
        case .handoverAcknowledged: .accepted
        case .handoverDeclined: .declined
        case .handoverWaiting: .waiting
        case .handoverUnroutable: .unroutable
        case .handoverUnowned: .unowned
        case .handoverCancelled: .cancelled
        case .handoverExpired: .expired
        case .handoverContacted: .contacted
        case .handoverOutcome: .completed
        default: nil
        }
    }

    /// Whether events of this type are about one handover (and so carry its id, need and domain).
    public var isAboutAHandover: Bool {
        rawValue.hasPrefix("nl.schakel.handover.") || rawValue.hasPrefix("nl.schakel.nazorg.")
            || self == .referralDisclosed
    }

    /// Whether the type is only in the audit trail, not on the STATUS timeline: disclosures and admin actions.
    public var isAuditOnly: Bool { self == .referralDisclosed || adminCommand != nil }
}
