import SchakelProtocol

/// A message the broker delivered from this principal's outbox: an offer, a notice, a reminder, a nazorg question.
///
/// Already de-duplicated by `message_id`. ``kind`` is the typed body; ``message`` the message as it came, so that
/// fields this version does not know (later versions of SRP/1 add some) are not lost. A body this version cannot
/// read, such as a NOTICE with a new `event`, comes as ``Kind/other`` and should still be confirmed.
public struct Incoming: Sendable {
    /// The typed forms of the outbox messages of SRP/1.
    public enum Kind: Sendable {
        /// An offer to a contact: ACK or DECLINE it (``SchakelClient/ack(handoverID:)``).
        case handover(HandoverOffer)
        /// What happened to a referral, for the referring organisation.
        case notice(Notice)
        /// A deadline is near.
        case reminder(Reminder)
        /// The handover is no longer this contact's.
        case cancelled(Cancelled)
        /// A need of this coordinator's organisation is slipping.
        case escalation(Escalation)
        /// Nazorg asks what came of a handover: answer with ``SchakelClient/outcome(handoverID:result:note:)``.
        case nazorg(Nazorg)
        /// Anything else with a `message_id`: a command or body this version does not know, or a receipt
        /// (ACCEPTED, REJECTED) for a referral this principal published through the broker's SUB intake.
        case other
    }

    /// The message as received.
    public let message: WireMessage
    /// The typed body.
    public let kind: Kind
    /// The outbox id that RECEIVED confirms.
    public let messageID: String

    /// Reads an outbox message; `nil` when it carries no `message_id` (then it is not an outbox message).
    init?(_ message: WireMessage) {
        guard let id = message.body["message_id"]?.stringValue else { return nil }
        self.message = message
        self.messageID = id
        self.kind = Self.kind(of: message)
    }

    private static func kind(of message: WireMessage) -> Kind {
        do {
            switch Command(rawValue: message.command) {
            case .handover: return .handover(try message.decode(HandoverOffer.self))
            case .notice: return .notice(try message.decode(Notice.self))
            case .reminder: return .reminder(try message.decode(Reminder.self))
            case .cancelled: return .cancelled(try message.decode(Cancelled.self))
            case .escalation: return .escalation(try message.decode(Escalation.self))
            case .nazorg: return .nazorg(try message.decode(Nazorg.self))
            default: return .other
            }
        } catch {
            return .other
        }
    }
}
