import Foundation

/// A referral as an organisation submits it: one citizen, one to ten needs, the citizen's consent.
///
/// This is the full record, personal data included. Only the contact who acknowledged a
/// handover ever sees `citizen` and `referrer` in full; offers carry `Citizen.offerView`.
public struct Referral: Sendable, Equatable, Codable {
    public var externalID: String
    public var referrer: Referrer
    public var citizen: Citizen
    public var needs: [Need]
    public var lifeEvent: String?
    public var urgency: Urgency
    public var consent: Consent
    public var note: String?

    public init(
        externalID: String, referrer: Referrer, citizen: Citizen, needs: [Need], lifeEvent: String? = nil,
        urgency: Urgency, consent: Consent, note: String? = nil
    ) {
        self.externalID = externalID
        self.referrer = referrer
        self.citizen = citizen
        self.needs = needs
        self.lifeEvent = lifeEvent
        self.urgency = urgency
        self.consent = consent
        self.note = note
    }

    /// The referral's canonical JSON: what is stored, and what a resubmission is compared with.
    /// Built from the validated value, so `"note": null` and no note at all are the same referral
    /// (``canonicalBytes()``, written by hand).
    public func canonicalString() -> String {
        String(decoding: canonicalBytes(), as: UTF8.self)
    }

    enum CodingKeys: String, CodingKey {
        case referrer, citizen, needs, urgency, consent, note
        case externalID = "external_id"
        case lifeEvent = "life_event"
    }
}

/// How fast the citizen needs help; drives deadlines in later policy.
public enum Urgency: String, Sendable, Codable, CaseIterable {
    case crisis, urgent, normal
}

/// The professional who sends the referral, at the submitting organisation.
public struct Referrer: Sendable, Equatable, Codable {
    public var name: String
    public var phone: String?
    public var email: String?
    public var role: String?

    public init(name: String, phone: String? = nil, email: String? = nil, role: String? = nil) {
        self.name = name
        self.phone = phone
        self.email = email
        self.role = role
    }
}

/// The citizen: personal data, disclosed only after acknowledgement.
public struct Citizen: Sendable, Equatable, Codable {
    public var displayName: String
    public var municipality: String
    public var postcode: String?
    public var phone: String?
    public var email: String?
    public var language: String?
    public var preferredChannel: Channel?

    public init(
        displayName: String, municipality: String, postcode: String? = nil, phone: String? = nil,
        email: String? = nil, language: String? = nil, preferredChannel: Channel? = nil
    ) {
        self.displayName = displayName
        self.municipality = municipality
        self.postcode = postcode
        self.phone = phone
        self.email = email
        self.language = language
        self.preferredChannel = preferredChannel
    }

    /// What an offer may reveal: enough to decide whether to take it, nothing that identifies.
    public var offerView: CitizenOfferView {
        CitizenOfferView(municipality: municipality, language: language, preferredChannel: preferredChannel)
    }

    enum CodingKeys: String, CodingKey {
        case municipality, postcode, phone, email, language
        case displayName = "display_name"
        case preferredChannel = "preferred_channel"
    }
}

/// How the citizen prefers to be reached.
public enum Channel: String, Sendable, Codable, CaseIterable {
    case phone, visit, email, letter, video
}

/// The identity-free part of `Citizen` that goes into an offer.
public struct CitizenOfferView: Sendable, Equatable, Codable {
    public var municipality: String
    public var language: String?
    public var preferredChannel: Channel?

    public init(municipality: String, language: String?, preferredChannel: Channel?) {
        self.municipality = municipality
        self.language = language
        self.preferredChannel = preferredChannel
    }

    enum CodingKeys: String, CodingKey {
        case municipality, language
        case preferredChannel = "preferred_channel"
    }
}

/// One domain of help and the outcome the citizen wants, in plain words.
public struct Need: Sendable, Equatable, Codable {
    public var domain: String
    public var summary: String

    public init(domain: String, summary: String) {
        self.domain = domain
        self.summary = summary
    }
}

/// What the citizen agreed to: with whom their data may be shared, and until when.
public struct Consent: Sendable, Equatable, Codable {
    public var givenAt: String
    public var recordedBy: String
    public var shareWith: [ShareScope]
    public var expiresAt: String?

    public init(givenAt: String, recordedBy: String, shareWith: [ShareScope], expiresAt: String? = nil) {
        self.givenAt = givenAt
        self.recordedBy = recordedBy
        self.shareWith = shareWith
        self.expiresAt = expiresAt
    }

    /// Whether a handover of a need in `domain` to organisation `organisation` stays within this consent.
    public func permits(organisation: String, domain: String) -> Bool {
        shareWith.contains { scope in
            switch scope {
            case .everyone: true
            case .domain(let d): d == domain
            case .organisation(let o): o == organisation
            }
        }
    }

    enum CodingKeys: String, CodingKey {
        case givenAt = "given_at"
        case recordedBy = "recorded_by"
        case shareWith = "share_with"
        case expiresAt = "expires_at"
    }
}

/// One entry of `consent.share_with`: `*`, `domain:<d>` or `org:<id>`.
public enum ShareScope: Sendable, Equatable, Hashable, Codable {
    case everyone
    case domain(String)
    case organisation(String)

    /// Parses the wire form; nil for anything else.
    public init?(_ text: String) {
        if text == "*" {
            self = .everyone
        } else if text.hasPrefix("domain:"), text.count > 7 {
            self = .domain(String(text.dropFirst(7)))
        } else if text.hasPrefix("org:"), text.count > 4 {
            self = .organisation(text)
        } else {
            return nil
        }
    }

    public var wireValue: String {
        switch self {
        case .everyone: "*"
        case .domain(let d): "domain:\(d)"
        case .organisation(let o): o
        }
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let scope = ShareScope(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "bad scope \(text)"))
        }
        self = scope
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wireValue)
    }
}
