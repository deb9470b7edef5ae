/// `CITIZEN`: a referral as its citizen may see it (SRP1.md, The citizen's own view). Nothing that identifies the
/// citizen, no referral or handover id, and never who declined: whoever holds the code sees the process, not the
/// person.
public struct CitizenView: Sendable, Equatable, Codable {
    public var state: ReferralState
    public var urgency: Urgency
    public var submittedAt: String
    public var language: String?
    public var referrer: Referrer
    public var needs: [Need]
    public var consent: Consent
    public var disclosures: [Disclosed]

    /// The referring organisation.
    public struct Referrer: Sendable, Equatable, Codable {
        public var organisation: String
        public var organisationName: String

        public init(organisation: String, organisationName: String) {
            self.organisation = organisation
            self.organisationName = organisationName
        }

        enum CodingKeys: String, CodingKey {
            case organisation
            case organisationName = "organisation_name"
        }
    }

    /// One need and how far it is.
    public struct Need: Sendable, Equatable, Codable {
        public enum Status: String, Sendable, Codable, CaseIterable {
            case searching, taken, contacted, completed, cancelled
        }

        public var index: Int
        public var domain: String
        public var summary: String
        public var status: Status
        public var contact: Helper?
        public var takenAt: String?
        public var contactBy: String?
        public var contactedAt: String?
        public var nazorgAt: String?
        public var question: Question?
        public var citizenAnswer: OutcomeResult?

        public init(index: Int, domain: String, summary: String, status: Status) {
            self.index = index
            self.domain = domain
            self.summary = summary
            self.status = status
        }

        enum CodingKeys: String, CodingKey {
            case index, domain, summary, status, contact, question
            case takenAt = "taken_at"
            case contactBy = "contact_by"
            case contactedAt = "contacted_at"
            case nazorgAt = "nazorg_at"
            case citizenAnswer = "citizen_answer"
        }
    }

    /// Who helps, with their direct line.
    public struct Helper: Sendable, Equatable, Codable {
        public var name: String
        public var organisation: String
        public var organisationName: String
        public var role: String?
        public var phone: String

        public init(name: String, organisation: String, organisationName: String, role: String?, phone: String) {
            self.name = name
            self.organisation = organisation
            self.organisationName = organisationName
            self.role = role
            self.phone = phone
        }

        enum CodingKeys: String, CodingKey {
            case name, organisation, role, phone
            case organisationName = "organisation_name"
        }
    }

    /// Nazorg asks about the need now; the citizen may answer until `answerBy`.
    public struct Question: Sendable, Equatable, Codable {
        public var answerBy: String

        public init(answerBy: String) { self.answerBy = answerBy }

        enum CodingKeys: String, CodingKey { case answerBy = "answer_by" }
    }

    /// Who may receive the data, and until when.
    public struct Consent: Sendable, Equatable, Codable {
        public var shareWith: [Referrer]
        public var all: Bool
        public var expiresAt: String?

        public init(shareWith: [Referrer], all: Bool, expiresAt: String?) {
            self.shareWith = shareWith
            self.all = all
            self.expiresAt = expiresAt
        }

        enum CodingKeys: String, CodingKey {
            case all
            case shareWith = "share_with"
            case expiresAt = "expires_at"
        }
    }

    /// One `disclosed` event of the audit trail, as the citizen reads it.
    public struct Disclosed: Sendable, Equatable, Codable {
        public enum What: String, Sendable, Codable { case offer, details }

        public var at: String
        public var organisation: String
        public var organisationName: String
        public var role: String?
        public var what: What

        public init(at: String, organisation: String, organisationName: String, role: String?, what: What) {
            self.at = at
            self.organisation = organisation
            self.organisationName = organisationName
            self.role = role
            self.what = what
        }

        enum CodingKeys: String, CodingKey {
            case at, organisation, role, what
            case organisationName = "organisation_name"
        }
    }

    public init(
        state: ReferralState, urgency: Urgency, submittedAt: String, language: String?, referrer: Referrer,
        needs: [Need], consent: Consent, disclosures: [Disclosed]
    ) {
        self.state = state
        self.urgency = urgency
        self.submittedAt = submittedAt
        self.language = language
        self.referrer = referrer
        self.needs = needs
        self.consent = consent
        self.disclosures = disclosures
    }

    enum CodingKeys: String, CodingKey {
        case state, urgency, language, referrer, needs, consent, disclosures
        case submittedAt = "submitted_at"
    }
}

/// `CITIZEN_CODE`: the answer to NEW_CITIZEN_CODE.
public struct IssuedCitizenCode: Sendable, Equatable, Codable {
    public var referralID: String
    public var citizenCode: String

    public init(referralID: String, citizenCode: String) {
        self.referralID = referralID
        self.citizenCode = citizenCode
    }

    enum CodingKeys: String, CodingKey {
        case referralID = "referral_id"
        case citizenCode = "citizen_code"
    }
}
