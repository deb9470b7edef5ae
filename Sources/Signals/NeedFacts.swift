import Deadlines

/// What happened to one need of one referral, in pseudonymous facts: where and when it was asked for, and what the
/// broker's event log says became of it. Nothing here says who the citizen is; the referral id only lets the report
/// count distinct referrals, and never leaves it.
///
/// The broker builds these from the referrals, handovers and events tables, which a purge leaves in place (it
/// deletes the personal data, not the counts), so a period whose referrals were purged still has its signals.
public struct NeedFacts: Sendable, Equatable {
    /// Whether the first contact with the citizen came within `first_contact_within` (five working days).
    public enum FirstContact: Sendable, Equatable {
        case within, late
    }

    public var referral: String
    /// The day the referral was submitted, in Europe/Amsterdam.
    public var submitted: LocalDate
    public var municipality: String
    public var urgency: String
    public var domain: String
    /// The organisation that referred.
    public var referrer: String
    /// Nobody on the map could take it when it was submitted (or reopened).
    public var unroutable = false
    /// Candidates existed only outside the citizen's consent.
    public var consentNeeded = false
    /// Every candidate was away or full for a while.
    public var waited = false
    /// Offers went unanswered or were declined and nobody was left.
    public var unowned = false
    /// At least one offer of it lapsed (not answered by its deadline).
    public var lapsed = false
    /// A coordinator (or the operator) was alerted about it.
    public var escalated = false
    /// The referrer reopened it after an unresolved outcome or while unowned.
    public var reopened = false
    /// Offered to someone at least once.
    public var offered = false
    /// Seconds from the need's first offer to its first acknowledgement; nil when nobody acknowledged it.
    public var acknowledgedAfter: Double?
    /// Acknowledged no later than its first offer's deadline.
    public var acknowledgedInTime = false
    public var firstContact: FirstContact?
    /// The first result recorded for each handover of it that was completed (`no_answer` included).
    public var outcomes: [String] = []
    /// The citizen's own nazorg answers (CITIZEN_ANSWER through a portal), the third voice beside the referrer's
    /// and the contact's: one per handover, the last one given.
    public var citizenAnswers: [String] = []
    /// Each decline of it: the declining contact's organisation and the reason.
    public var declines: [Decline] = []
    /// Every receiving organisation that was offered, held or declined it.
    public var organisations: Set<String> = []

    /// One decline: by whom (the organisation, never the person) and why.
    public struct Decline: Sendable, Equatable {
        public var organisation: String
        public var reason: String
        public init(organisation: String, reason: String) {
            self.organisation = organisation
            self.reason = reason
        }
    }

    public init(
        referral: String, submitted: LocalDate, municipality: String, urgency: String, domain: String,
        referrer: String
    ) {
        self.referral = referral
        self.submitted = submitted
        self.municipality = municipality
        self.urgency = urgency
        self.domain = domain
        self.referrer = referrer
    }
}
