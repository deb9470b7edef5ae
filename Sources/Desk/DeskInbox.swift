import Foundation
import SchakelClient
import SchakelProtocol

/// What the broker's outbox has delivered to the desk's contacts and they have not yet seen or acted on: open
/// offers until ACK, DECLINE or CANCELLED; reminders, cancellations, escalations and nazorg questions until a page
/// shows them once. A cache of the outbox, never more: whatever is here is unconfirmed at the broker (or about
/// to be confirmed because it was just shown), so a desk restart gets all of it again after HELLO.
///
/// `@unchecked Sendable`: every field only under `lock`; the lines write, the pages read.
final class DeskInbox: @unchecked Sendable {
    private let lock = NSLock()
    private var offers: [String: [HandoverOffer]] = [:]
    private var messages: [String: [Incoming]] = [:]
    /// The domain of each handover the desk has seen offered, for words on a later CANCELLED (which names none).
    private var domains: [String: String] = [:]

    /// Takes one outbox message for `contact`; true when it is new to the desk (for e-mail notices).
    @discardableResult
    func receive(_ incoming: Incoming, for contact: String) -> Bool {
        lock.withLock {
            switch incoming.kind {
            case .handover(let offer):
                domains[offer.handoverID] = offer.need.domain
                if offers[contact, default: []].contains(where: { $0.handoverID == offer.handoverID }) { return false }
                offers[contact, default: []].append(offer)
                return true
            case .cancelled(let cancelled):
                offers[contact]?.removeAll { $0.handoverID == cancelled.handoverID }
                return append(incoming, for: contact)
            case .reminder, .escalation, .nazorg:
                return append(incoming, for: contact)
            case .notice, .other:
                return false
            }
        }
    }

    private func append(_ incoming: Incoming, for contact: String) -> Bool {
        if messages[contact, default: []].contains(where: { $0.messageID == incoming.messageID }) { return false }
        messages[contact, default: []].append(incoming)
        return true
    }

    /// The contact's open offers, oldest first.
    func offers(for contact: String) -> [HandoverOffer] {
        lock.withLock { offers[contact] ?? [] }
    }

    /// One open offer of the contact.
    func offer(_ handoverID: String, for contact: String) -> HandoverOffer? {
        lock.withLock { offers[contact]?.first { $0.handoverID == handoverID } }
    }

    /// Forgets an offer the contact answered, or that the broker says is gone (`conflict`).
    func removeOffer(_ handoverID: String, for contact: String) {
        lock.withLock { offers[contact]?.removeAll { $0.handoverID == handoverID } }
    }

    /// The messages to show once, removed from the inbox: the caller shows them and then confirms them.
    func takeMessages(for contact: String) -> [Incoming] {
        lock.withLock { messages.removeValue(forKey: contact) ?? [] }
    }

    /// The domain of a handover the desk saw offered, if it did.
    func domain(of handoverID: String) -> String? {
        lock.withLock { domains[handoverID] }
    }
}
