/// Turns the `referral` object of a SUBMIT into a `Referral`, or says precisely what is wrong.
///
/// The rules here are the ones `Protocols/schemas/referral.schema.json` states; the contract
/// tests check the two agree on every example. The domain vocabulary comes from the social map,
/// so it is passed in rather than fixed here.
public struct ReferralValidator: Sendable {
    public static let maxNoteLength = 2_000
    public static let maxNeeds = 10

    public let knownDomains: Set<String>

    public init(knownDomains: Set<String>) {
        self.knownDomains = knownDomains
    }

    static let municipalityPattern = "GM[0-9]{4}"
    static let postcodePattern = "[1-9][0-9]{3} ?[A-Z]{2}"
    static let languagePattern = "[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*"
    static let emailPattern = "[^@\\s]+@[^@\\s]+"
    static let phonePattern = "\\+?[0-9][0-9 ()-]{5,30}"

    /// Validates the referral object found at `path` (normally `referral`).
    public func validate(_ value: JSONValue, path: String = "referral") throws(Rejection) -> Referral {
        let r = try FieldReader.object(at: path, value)
        let externalID = try r.requiredString("external_id", length: 1...128)
        do {
            try r.only(["external_id", "referrer", "citizen", "needs", "life_event", "urgency", "consent", "note"])
            return try validateBody(r, externalID: externalID)
        } catch {
            var rejection = error
            rejection.externalID = externalID
            throw rejection
        }
    }

    private func validateBody(_ r: FieldReader, externalID: String) throws(Rejection) -> Referral {
        let referrer = try validateReferrer(r.requiredObject("referrer"))
        let citizen = try validateCitizen(r.requiredObject("citizen"))
        var needs: [Need] = []
        for (path, item) in try r.array("needs", count: 1...Self.maxNeeds) ?? [] {
            let n = try FieldReader.object(at: path, item)
            try n.only(["domain", "summary"])
            let domain = try n.requiredString("domain", length: 1...64)
            guard knownDomains.contains(domain) else {
                throw Rejection(
                    .invalid,
                    "\(n.pathOf("domain")) must be in the domain vocabulary (\(knownDomains.sorted().joined(separator: ", ")))",
                    field: n.pathOf("domain"))
            }
            needs.append(Need(domain: domain, summary: try n.requiredString("summary", length: 1...1_000)))
        }
        let lifeEvent = try r.string("life_event", required: false, length: 1...200)
        let urgency = try r.enumeration("urgency", Urgency.self) ?? .normal
        let consent = try validateConsent(r.requiredObject("consent"))
        let note = try r.string("note", required: false, length: 0...Self.maxNoteLength)
        return Referral(
            externalID: externalID, referrer: referrer, citizen: citizen, needs: needs, lifeEvent: lifeEvent,
            urgency: urgency, consent: consent, note: note)
    }

    private func validateReferrer(_ r: FieldReader) throws(Rejection) -> Referrer {
        try r.only(["name", "phone", "email", "role"])
        return Referrer(
            name: try r.requiredString("name", length: 1...200),
            phone: try r.string(
                "phone", required: false, length: 6...32, matching: Self.phonePattern, described: "a phone number"),
            email: try r.string(
                "email", required: false, length: 3...254, matching: Self.emailPattern, described: "an e-mail address"),
            role: try r.string("role", required: false, length: 1...100))
    }

    private func validateCitizen(_ r: FieldReader) throws(Rejection) -> Citizen {
        try r.only(["display_name", "municipality", "postcode", "phone", "email", "language", "preferred_channel"])
        return Citizen(
            displayName: try r.requiredString("display_name", length: 1...200),
            municipality: try r.string(
                "municipality", length: 6...6, matching: Self.municipalityPattern,
                described: "a CBS municipality code such as GM0344") ?? "",
            postcode: try r.string(
                "postcode", required: false, length: 6...7, matching: Self.postcodePattern,
                described: "a Dutch postcode such as 3511 AB"),
            phone: try r.string(
                "phone", required: false, length: 6...32, matching: Self.phonePattern, described: "a phone number"),
            email: try r.string(
                "email", required: false, length: 3...254, matching: Self.emailPattern, described: "an e-mail address"),
            language: try r.string(
                "language", required: false, length: 2...35, matching: Self.languagePattern,
                described: "a BCP 47 language tag such as nl or ar"),
            preferredChannel: try r.enumeration("preferred_channel", Channel.self, required: false))
    }

    private func validateConsent(_ r: FieldReader) throws(Rejection) -> Consent {
        try r.only(["given_at", "recorded_by", "share_with", "expires_at"])
        let givenAt = try r.timestamp("given_at") ?? ""
        let recordedBy = try r.requiredString("recorded_by", length: 1...200)
        var scopes: [ShareScope] = []
        for (path, item) in try r.array("share_with", count: 1...50) ?? [] {
            guard let text = item.stringValue, FieldReader.fits(text, 1...110), let scope = ShareScope(text) else {
                throw Rejection(.invalid, "\(path) must be \"*\", \"domain:<domain>\" or \"org:<id>\"", field: path)
            }
            if case .domain(let d) = scope, !knownDomains.contains(d) {
                throw Rejection(
                    .invalid,
                    "\(path) must name a domain of the vocabulary (\(knownDomains.sorted().joined(separator: ", ")))",
                    field: path)
            }
            scopes.append(scope)
        }
        let expiresAt = try r.timestamp("expires_at", required: false)
        if let expiresAt, let end = RFC3339.parse(expiresAt), let start = RFC3339.parse(givenAt), end <= start {
            throw Rejection(.invalid, "\(r.pathOf("expires_at")) must be after given_at", field: r.pathOf("expires_at"))
        }
        return Consent(givenAt: givenAt, recordedBy: recordedBy, shareWith: scopes, expiresAt: expiresAt)
    }
}
