/// Why a need went to the contact it went to (or to nobody yet): kept with the handover and shown to the
/// referrer in STATUS and by `schakelctl explain`. Ids and numbers only, never who the citizen is.
public struct MatchExplanation: Sendable, Equatable, Codable {
    /// Contacts on the map when the match was made.
    public var considered: Int
    /// How many candidates each hard filter removed, applied in the order of ``MatchFilter``.
    public var removed: [String: Int]
    /// The ranking keys of the contact chosen; absent when nobody qualified.
    public var chosen: RankingKeys?
    /// The ranking keys of the best of the rest, when there was one.
    public var runnerUp: RankingKeys?

    public init(considered: Int, removed: [String: Int], chosen: RankingKeys? = nil, runnerUp: RankingKeys? = nil) {
        self.considered = considered
        self.removed = removed
        self.chosen = chosen
        self.runnerUp = runnerUp
    }

    enum CodingKeys: String, CodingKey {
        case considered, removed, chosen
        case runnerUp = "runner_up"
    }
}

/// The hard filters of matching, in the order they are applied.
public enum MatchFilter: String, Sendable, CaseIterable {
    /// The contact does not work in the need's domain.
    case domain
    /// Neither the contact nor their organisation serves the citizen's municipality.
    case municipality
    /// The citizen's consent does not cover the contact's organisation for this domain.
    case consent
    /// The contact had this need before and declined it or let it expire.
    case declinedBefore = "declined_before"
    /// The contact does not take referrals of this urgency.
    case urgency
    /// The contact is away at the moment of the offer.
    case absent
    /// Only contacts on call were asked (a crisis out of office hours) and the contact's on-call windows on the
    /// social map do not cover the moment of the offer.
    case notOnCall = "not_on_call"
    /// The contact holds as many open handovers as their capacity (never when capacity was soft, for a crisis).
    case capacity
}

/// One candidate's ranking keys, compared in this order: better first.
public struct RankingKeys: Sendable, Equatable, Codable {
    public var contact: String
    /// Already chosen for another need of the same referral (fewer contacts for the citizen).
    public var sameReferral: Bool
    /// How many of the referral's other needs this contact could also take.
    public var otherNeedsCovered: Int
    /// Speaks the citizen's language.
    public var speaksLanguage: Bool
    /// The absent contact this one deputises for, when that one would otherwise have qualified.
    public var deputyFor: String?
    /// Open handovers divided by capacity, lower first.
    public var load: Double
    public var open: Int
    public var capacity: Int
    /// When the contact was last offered a handover (longest ago first; never is longest).
    public var lastOfferedAt: String?
    /// The contact's place in id order: the tie-breaker.
    public var order: Int

    public init(
        contact: String, sameReferral: Bool, otherNeedsCovered: Int, speaksLanguage: Bool, deputyFor: String?,
        load: Double, open: Int, capacity: Int, lastOfferedAt: String?, order: Int
    ) {
        self.contact = contact
        self.sameReferral = sameReferral
        self.otherNeedsCovered = otherNeedsCovered
        self.speaksLanguage = speaksLanguage
        self.deputyFor = deputyFor
        self.load = load
        self.open = open
        self.capacity = capacity
        self.lastOfferedAt = lastOfferedAt
        self.order = order
    }

    enum CodingKeys: String, CodingKey {
        case contact, load, open, capacity, order
        case sameReferral = "same_referral"
        case otherNeedsCovered = "other_needs_covered"
        case speaksLanguage = "speaks_language"
        case deputyFor = "deputy_for"
        case lastOfferedAt = "last_offered_at"
    }
}
