/// The life cycle of one handover, after FHIR Task where it fits.
///
/// `offered` → `accepted` (ACK) or `declined` (DECLINE, and a new handover goes to the next
/// candidate) or `expired` (nobody answered by the deadline: withdrawn and re-routed). A need nobody
/// can take is recorded as one `unroutable` handover without a contact; one that ran out of
/// candidates after offers went unanswered is `unowned` until someone takes it. A need whose
/// candidates are all away or full is `waiting` (no contact) and becomes `offered` when one frees.
public enum HandoverState: String, Sendable, Codable, CaseIterable {
    case offered, accepted, declined, unroutable, expired, unowned
    /// After ACK: the contact reached the citizen (CONTACTED).
    case contacted
    /// Nazorg recorded an outcome.
    case completed
    /// Every candidate is away or full: no contact yet; offered as soon as one has room or comes back.
    case waiting
    /// Withdrawn from its contact, who left the social map; the need went to the next candidate.
    case cancelled

    /// Counts against the contact's load.
    public var isOpen: Bool { self == .offered || self == .accepted || self == .contacted }

    /// Taken by a contact, whatever happened since.
    public var isTaken: Bool { self == .accepted || self == .contacted || self == .completed }
}

/// The state of a whole referral, derived from its handovers.
public enum ReferralState: String, Sendable, Codable, CaseIterable {
    /// At least one need still waits for a contact to take it.
    case open
    /// Every need has been taken.
    case accepted
    /// Some needs were taken, the others nobody can take.
    case partial
    /// No need could be routed to anyone.
    case unroutable
    /// Every need that was taken has its nazorg outcome: the loop is closed.
    case closed
    /// Withdrawn (WITHDRAW, the consent expired, or erased on the citizen's request): every open handover was
    /// cancelled and the personal data deleted. Final.
    case withdrawn

    /// The referral's state given the current handover of each need.
    public static func derive(from needStates: [HandoverState]) -> ReferralState {
        if needStates.contains(.offered) || needStates.contains(.unowned) || needStates.contains(.waiting) {
            return .open
        }
        if needStates.contains(.completed), needStates.allSatisfy({ $0 == .completed || $0 == .unroutable }) {
            return .closed
        }
        let accepted = needStates.filter(\.isTaken).count
        if accepted == needStates.count { return .accepted }
        return accepted == 0 ? .unroutable : .partial
    }
}
