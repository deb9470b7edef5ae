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

    /// The wire message with `messageID` filled in, and what the outbox keeps of it when `referralCase` can word the
    /// rest again (issue 22): of an offer the canonical JSON of its changeable fields, copied out of its text as it is
    /// written (``HandoverOffer/canonicalBytesAndChangeable()``; ``ReferralMachine/offer(_:in:)`` words the rest), of
    /// a notice its ``NoticeReference`` when the case words it exactly. Nil when the message is kept whole.
    public func rendered(messageID: String, in referralCase: ReferralCase) -> (message: WireMessage, kept: String?) {
        switch self {
        case .handover(var offer):
            offer.messageID = messageID
            let (message, changeable) = offer.canonicalBytesAndChangeable()
            return (WireMessage(.handover, canonicalBytes: message), String(decoding: changeable, as: UTF8.self))
        case .notice(let notice):
            return (wireMessage(messageID: messageID), NoticeReference(notice, in: referralCase)?.text)
        case .reminder, .cancelled, .escalation, .nazorg:
            return (wireMessage(messageID: messageID), nil)
        }
    }
}
