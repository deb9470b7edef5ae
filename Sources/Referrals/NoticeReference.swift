import Foundation
import SchakelProtocol

/// A NOTICE as the outbox keeps it when its case can word it again (issue 22): what happened, when, and to which
/// handover; the referral's ids, the need and the contact's card are read from the case when the notice is sent
/// again. Two notices per referral kept whole were 890 bytes of its 7.7 KB, each written twice by the WAL.
///
/// Made only for a notice its case words exactly so (``init(_:in:)``), and the case goes on wording it the same: what
/// it reads never changes once the notice is written (a referral's ids and a handover's need never; a handover's card
/// is set once, when it is offered, and a notice from before that says it shows no contact).
public struct NoticeReference: Sendable, Equatable {
    public var event: NoticeEvent
    public var handoverID: String
    public var at: String
    /// Whether the notice names the need (always the handover's).
    public var showsNeed: Bool
    /// How the notice shows the handover's contact.
    public var contact: ContactShown

    /// How a notice shows the contact of its handover: not at all, by the card the handover keeps without the direct
    /// line (offered, declined, …), or in full (acknowledged: the warm handover).
    public enum ContactShown: Int, Sendable {
        case none = 0
        case withoutDirectLine = 1
        case full = 2
    }

    /// The reference to `notice` when `referralCase` words it exactly; nil when it does not (a reason, a result, an
    /// escalation, a card from the map that differs from the handover's), and the outbox keeps it whole.
    public init?(_ notice: Notice, in referralCase: ReferralCase) {
        guard let handoverID = notice.handoverID, notice.referralID == referralCase.id,
            notice.externalID == referralCase.externalID, notice.reason == nil, notice.result == nil,
            notice.escalation == nil, notice.level == nil, notice.alerted == nil, notice.operatorAlerted == nil,
            let handover = referralCase.handover(handoverID)
        else { return nil }
        if let need = notice.need, need != handover.need { return nil }
        var shown = ContactShown.none
        if let contact = notice.contact {
            guard let card = handover.contactCard else { return nil }
            let text = contact.canonicalString()
            if text == card {
                shown = .full
            } else if text == ContactCard.canonicalStringWithoutDirectLine(stored: card) {
                shown = .withoutDirectLine
            } else {
                return nil
            }
        }
        self.init(
            event: notice.event, handoverID: handoverID, at: notice.at, showsNeed: notice.need != nil,
            contact: shown)
    }

    public init(event: NoticeEvent, handoverID: String, at: String, showsNeed: Bool, contact: ContactShown) {
        self.event = event
        self.handoverID = handoverID
        self.at = at
        self.showsNeed = showsNeed
        self.contact = contact
    }

    /// The notice as `referralCase` words it, without its message id; nil when the case has not the handover or its
    /// card any more.
    public func notice(in referralCase: ReferralCase) -> Notice? {
        guard let handover = referralCase.handover(handoverID) else { return nil }
        var card: ContactCard?
        if contact != .none {
            guard let stored = handover.storedCard else { return nil }
            card = contact == .full ? stored : stored.withoutDirectLine
        }
        return Notice(
            messageID: "", referralID: referralCase.id, externalID: referralCase.externalID, event: event,
            handoverID: handoverID, need: showsNeed ? handover.need : nil, contact: card, at: at)
    }

    /// The reference as the outbox row keeps it: `[event, handover_id, at, shows need (0 or 1), contact shown]`.
    public var text: String {
        var out: [UInt8] = []
        out.reserveCapacity(96)
        out.append(UInt8(ascii: "["))
        for string in [event.rawValue, handoverID, at] {
            JSONValue.writeString(string, into: &out)
            out.append(UInt8(ascii: ","))
        }
        out.append(contentsOf: "\(showsNeed ? 1 : 0),\(contact.rawValue)]".utf8)
        return String(decoding: out, as: UTF8.self)
    }

    /// The reference `text` holds; nil when it holds none.
    public init?(text: String) {
        guard case .array(let v)? = try? JSONValue.parse(Data(text.utf8)), v.count == 5,
            let event = v[0].stringValue.flatMap(NoticeEvent.init(rawValue:)), let handoverID = v[1].stringValue,
            let at = v[2].stringValue, let need = v[3].numberValue, need == 0 || need == 1,
            let shown = v[4].numberValue.flatMap({ Int(exactly: $0) }).flatMap(ContactShown.init(rawValue:))
        else { return nil }
        self.init(event: event, handoverID: handoverID, at: at, showsNeed: need == 1, contact: shown)
    }
}
