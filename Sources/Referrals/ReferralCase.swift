import Foundation
import SchakelProtocol

/// One referral as the life cycle sees it: its own record, every handover of its needs in the order they were made,
/// and its pending timers.
///
/// The store loads it before an event and writes back what the effects name; everything a decision needs to know
/// about the referral (who held a need before, the lead, the other contacts of the citizen, the referral's state)
/// is read from here, never from the database in the middle of a decision.
public struct ReferralCase: Sendable, Equatable {
    public var id: String
    public var organisation: String
    public var externalID: String
    public var urgency: Urgency
    public var municipality: String
    public var state: ReferralState
    public var createdAt: String
    public var updatedAt: String
    /// When it reached a final state (closed, unroutable, withdrawn): retention counts from here.
    public var closedAt: String?
    /// When its personal data was deleted; from then on ``referral`` is nil and it takes no personal data again.
    public var purgedAt: String?
    public var withdrawnReason: WithdrawReason?
    /// The referral as submitted, in clear (the store seals and opens it); nil once purged, and nil when the case
    /// was loaded for an event that does not read it (``ReferralEvent/needsReferral``).
    public var referral: Referral?
    /// Its canonical JSON, which tells a repeated SUBMIT from a conflicting one; nil like ``referral``.
    public var canonicalBody: String?
    /// In the order they were made (the database's rowid order).
    public var handovers: [Handover]
    /// Pending timers by id (``TimerKind/id(for:)``).
    public var timers: [String: Date]

    public init(
        id: String, organisation: String, externalID: String, urgency: Urgency, municipality: String,
        state: ReferralState, createdAt: String, updatedAt: String, referral: Referral?, canonicalBody: String?,
        handovers: [Handover] = [], timers: [String: Date] = [:]
    ) {
        self.id = id
        self.organisation = organisation
        self.externalID = externalID
        self.urgency = urgency
        self.municipality = municipality
        self.state = state
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.referral = referral
        self.canonicalBody = canonicalBody
        self.handovers = handovers
        self.timers = timers
    }

    public var isWithdrawn: Bool { state == .withdrawn }
    public var isPurged: Bool { purgedAt != nil }

    public func index(of handoverID: String) -> Int? {
        handovers.firstIndex { $0.id == handoverID }
    }

    public func handover(_ id: String) -> Handover? {
        index(of: id).map { handovers[$0] }
    }

    /// The newest handover of need `needIndex`: the one that says where the need stands.
    public func newest(need needIndex: Int) -> Handover? {
        handovers.last { $0.needIndex == needIndex }
    }

    /// The newest handover of each need, in need order.
    public var currentHandovers: [Handover] {
        var newest: [Int: Handover] = [:]
        for handover in handovers { newest[handover.needIndex] = handover }
        return newest.keys.sorted().compactMap { newest[$0] }
    }

    /// Contacts who had need `needIndex` and let it go (declined it or let it expire): it never goes back to them.
    public func previousHolders(need needIndex: Int) -> Set<String> {
        Set(
            handovers.filter { $0.needIndex == needIndex && ($0.state == .declined || $0.state == .expired) }
                .compactMap(\.contact))
    }

    /// Contacts who hold or held the referral's other needs: a citizen's needs go to as few people as can serve them.
    public func contactsOfOtherNeeds(than needIndex: Int) -> Set<String> {
        Set(
            handovers.filter {
                $0.needIndex != needIndex && ($0.state == .offered || $0.state.isTaken)
            }.compactMap(\.contact))
    }

    /// How many offers of need `needIndex` lapsed unanswered.
    public func expiredOffers(need needIndex: Int) -> Int {
        handovers.filter { $0.needIndex == needIndex && $0.state == .expired }.count
    }

    /// The handover of another contact that leads the referral (offered or taken), if any.
    public func lead(besides handoverID: String) -> Handover? {
        handovers.first {
            $0.isLead && $0.id != handoverID && $0.contact != nil && ($0.state == .offered || $0.state.isTaken)
        }
    }

    /// Timer ids of the case that belong to `subject` (a handover id, or the referral's own id).
    public func timerIDs(of subject: String, kinds: [TimerKind]) -> [String] {
        kinds.map { $0.id(for: subject) }.filter { timers[$0] != nil }
    }
}
