import Foundation
import SchakelProtocol

/// One handover of a need: the offer to one contact (or the record that nobody could take the need) and everything
/// that followed it.
///
/// A value: the machine changes it and says so with an effect, and the store writes the whole record back. The
/// deadlines and answers that belong to one state are cleared by the transition that leaves it
/// (in the machine's transitions), never by hand in SQL.
public struct Handover: Sendable, Equatable {
    public var id: String
    public var needIndex: Int
    public var domain: String
    /// Nil while nobody holds it: unroutable, unowned or waiting.
    public var contact: String?
    public var state: HandoverState
    /// The contact who leads the referral (the citizen's first point of contact); one per referral at a time.
    public var isLead: Bool
    public var declineReason: DeclineReason?
    /// RFC 3339 deadlines, each set while its step is pending.
    public var ackBy: String?
    public var contactBy: String?
    public var nazorgAt: String?
    public var answerBy: String?
    public var contactedAt: String?
    public var contactChannel: Channel?
    /// The first outcome, which completed the handover; then each party's own answer.
    public var outcome: OutcomeResult?
    public var outcomeReferrer: OutcomeResult?
    public var outcomeContact: OutcomeResult?
    /// When the contact was offered it: the fair-rotation key of matching.
    public var offeredAt: String?
    /// The match explanation as stored (``MatchExplanation/storedBytes()``): why it went to this contact (or waits).
    public var explanation: String?
    /// Canonical JSON of the contact's card as the map had it at the offer, for the day they leave the map.
    public var contactCard: String?
    /// How far a need nobody holds (waiting, unowned) has escalated: 0 before its first ESCALATION.
    public var escalationLevel = 0
    public var createdAt: String
    public var updatedAt: String

    public init(
        id: String, needIndex: Int, domain: String, contact: String?, state: HandoverState, isLead: Bool,
        createdAt: String, updatedAt: String
    ) {
        self.id = id
        self.needIndex = needIndex
        self.domain = domain
        self.contact = contact
        self.state = state
        self.isLead = isLead
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var need: NeedRef { NeedRef(index: needIndex, domain: domain) }

    /// The card stored with the handover, for a contact who has left the map since.
    public var storedCard: ContactCard? {
        contactCard.flatMap { ContactCard(stored: $0) }
    }
}
