import Foundation
import SchakelProtocol

/// What a decision of the life cycle asks the rest of the broker to do, as data: the store writes the records and
/// the outbox, the unit of work carries the timers and the load to the loop after the commit, the logger logs.
///
/// Records are named, not copied: ``handoverCreated(_:)`` and ``handoverChanged(_:)`` mean "write this handover as
/// the case now holds it", so a handover changed twice in one event is written once.
public enum ReferralEffect: Sendable, Equatable {
    /// A new referral: its row, with the canonical body the store seals.
    case referralCreated(canonicalBody: String)
    /// The referral's own record changed (state, closing, withdrawal).
    case referralChanged
    /// A new handover of the case.
    case handoverCreated(String)
    /// A handover of the case changed.
    case handoverChanged(String)
    /// An OUTCOME's note, free text that may hold personal data: the store seals it.
    case noteRecorded(handoverID: String, note: String)
    case timerScheduled(id: String, kind: TimerKind, handoverID: String?, due: Date)
    case timerCancelled(id: String)
    /// A message to `principal`'s outbox; `handoverID` is set for an offer, so that its answer can confirm it.
    case sent(to: String, OutboxBody, handoverID: String?)
    /// The offer of `handoverID` was answered or withdrawn: it is never sent again.
    case offerSettled(handoverID: String)
    /// The unanswered offer `handoverID` was taken back from `contact`, recorded as `entry`; `cancelled` (a
    /// CANCELLED) tells them so, but only if they received the offer, which only the broker knows. The store decides
    /// as it writes, from the outbox as it was before this event: when the contact confirmed the offer's HANDOVER or
    /// REMINDER, or the broker sent one on a live connection since it started, `entry` is recorded and `cancelled`
    /// sent as ``recorded(_:once:)`` and ``sent(to:_:handoverID:)`` would; otherwise the offer's HANDOVER and
    /// REMINDER leave the contact's outbox, nothing is sent, and `entry` is recorded with `detail` `offer: unseen`.
    case offerWithdrawn(handoverID: String, contact: String, entry: AuditEntry, cancelled: OutboxBody)
    /// A row of the audit trail and the STATUS timeline. With `once`, not when an identical row is on record.
    case recorded(AuditEntry, once: Bool = false)
    /// The open handovers of `contact` changed by `delta`.
    case loadChanged(contact: String, delta: Int)
    /// `contact` was offered a handover at `at` (fair rotation).
    case offered(contact: String, at: Date)
    /// The personal data of the referral is deleted: its body, its notes, its offers and the messages confirmed.
    case purged
    /// A line for the operator's log: what happened, to which referral; never who the citizen is.
    case logged(LogLine)
}

/// A row of the event log: ids, states, field names and counts, never personal data.
public struct AuditEntry: Sendable, Equatable {
    public var event: String
    public var at: String
    public var handoverID: String?
    public var contact: String?
    public var detail: [String: JSONValue]?

    public init(
        _ event: String, at: String, handoverID: String? = nil, contact: String? = nil,
        detail: [String: JSONValue]? = nil
    ) {
        self.event = event
        self.at = at
        self.handoverID = handoverID
        self.contact = contact
        self.detail = detail
    }
}

/// A structured log line: its event name and its fields, in order.
public struct LogLine: Sendable, Equatable {
    public enum Level: Sendable, Equatable { case debug, info, warning }

    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    public var level: Level
    public var event: String
    public var fields: [Field]

    public init(_ level: Level = .info, _ event: String, _ fields: KeyValuePairs<String, String>) {
        self.level = level
        self.event = event
        self.fields = fields.map { Field(name: $0.key, value: $0.value) }
    }
}
