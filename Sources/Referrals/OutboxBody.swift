import SchakelProtocol

/// A message the life cycle owes a principal, before the store gives it its message id and writes it to the outbox.
public enum OutboxBody: Sendable, Equatable {
    case handover(HandoverOffer)
    case notice(Notice)
    case reminder(Reminder)
    case cancelled(Cancelled)
    case escalation(Escalation)
    case nazorg(Nazorg)

    /// The wire message with `messageID` filled in.
    public func wireMessage(messageID: String) -> WireMessage {
        switch self {
        // The two bodies every referral writes are written by hand (BrokerMessages+Canonical.swift).
        case .handover(var body):
            body.messageID = messageID
            return WireMessage(.handover, canonicalBytes: body.canonicalBytes())
        case .notice(var body):
            body.messageID = messageID
            return WireMessage(.notice, canonicalBytes: body.canonicalBytes())
        case .reminder(var body):
            body.messageID = messageID
            return WireMessage(.reminder, encoding: body)
        case .cancelled(var body):
            body.messageID = messageID
            return WireMessage(.cancelled, encoding: body)
        case .escalation(var body):
            body.messageID = messageID
            return WireMessage(.escalation, encoding: body)
        case .nazorg(var body):
            body.messageID = messageID
            return WireMessage(.nazorg, encoding: body)
        }
    }

    /// What the outbox keeps of an offer: the canonical JSON of its changeable fields
    /// (``HandoverOffer/changeableBytes()``), the rest being worded again from its case
    /// (``ReferralMachine/offer(_:in:)``). Nil for every other message, which the outbox keeps whole.
    public var keptOfOffer: String? {
        guard case .handover(let offer) = self else { return nil }
        return String(decoding: offer.changeableBytes(), as: UTF8.self)
    }
}
