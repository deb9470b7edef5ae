import SchakelProtocol

/// Every word the desk shows, in one language. Dutch is written at B1 level: short sentences, everyday words,
/// no jargon where a plain word exists ("aanbod", not "handover"). A struct rather than a table of keys, so a
/// missing translation is a compile error.
public struct Words: Sendable {
    public var code: DeskLanguage
    public var weekdays: [String]  // Monday first
    public var months: [String]
    public var before: String
    public var passed: String
    public var minutesLeft: @Sendable (Int) -> String
    public var hoursLeft: @Sendable (Int) -> String
    public var workingDaysLeft: @Sendable (Int) -> String

    public var appName: String
    public var skipToContent: String
    public var navOffers: String
    public var navCases: String
    public var navCoordination: String
    public var navSignals: String
    public var logOut: String
    public var otherLanguage: String
    public var loggedInAs: String

    public var loginTitle: String
    public var loginIntro: String
    public var loginDevNote: String
    public var loginAs: String
    public var sessionEnded: String
    public var brokerUnreachable: String

    public var offersTitle: String
    public var offersNone: String
    public var offersIntro: String
    public var need: String
    public var urgencyLabel: String
    public var municipality: String
    public var language: String
    public var lifeEvent: String
    public var referredBy: String
    public var answerBefore: String
    public var leadElsewhere: String
    public var youLead: String
    public var take: String
    public var decline: String
    public var declineTitle: String
    public var declineIntro: String
    public var declineReasonLegend: String
    public var declineSend: String
    public var cancel: String
    public var offerGone: String
    public var taken: String
    public var declined: String

    public var casesTitle: String
    public var casesNone: String
    public var nextStep: String
    public var overdue: String
    public var openCase: String
    public var caseTitle: String
    public var citizen: String
    public var name: String
    public var phone: String
    public var email: String
    public var postcode: String
    public var preferredChannel: String
    public var askedFor: String
    public var referrer: String
    public var note: String
    public var leadContact: String
    public var whatNext: String
    public var firstContactBefore: String
    public var firstContactDone: String
    public var nazorgBefore: String
    public var nazorgAsked: String
    public var disclosureNote: String
    public var contactedTitle: String
    public var contactedDate: String
    public var contactedChannel: String
    public var contactedSend: String
    public var contactedSaved: String
    public var outcomeTitle: String
    public var outcomeLegend: String
    public var outcomeNote: String
    public var outcomeSend: String
    public var outcomeSaved: String

    public var coordinationTitle: String
    public var coordinationIntro: String
    public var coordinationNone: String
    public var assignTo: String
    public var assign: String
    public var assigned: String
    public var heldBy: String
    public var lastOfferedTo: String
    public var since: String
    public var dueLabel: String
    public var notCoordinator: String

    public var messagesTitle: String
    public var urgencies: [Urgency: String]
    public var declineReasons: [DeclineReason: String]
    public var outcomes: [OutcomeResult: String]
    public var channels: [Channel: String]
    public var pendingKinds: [String: String]
    public var reminderText: @Sendable (_ about: String, _ domain: String, _ due: String) -> String
    public var cancelledText: @Sendable (_ reason: String, _ domain: String) -> String
    public var escalationText: @Sendable (_ reason: String, _ domain: String) -> String
    public var nazorgText: @Sendable (_ domain: String, _ due: String) -> String
    public var refused: @Sendable (_ what: String) -> String
    public var languageNames: [String: String]
    public var formExpired: String
    public var notFound: String
    public var loginMissing: String
    public var loginUnknown: String
    public var caseGone: String
    public var assignRefused: String
    public var dateInFuture: String
    public var chooseOne: String
    public var noteTooLong: String
    public var stateNames: [String: String]
    /// The link from the login page to the citizen's page, and the answer when the desk has no portal.
    public var citizenLink: String
    public var citizenPageOff: String
}
