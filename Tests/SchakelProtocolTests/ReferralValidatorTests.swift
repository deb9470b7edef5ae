import Foundation
import SchakelProtocol
import Testing

@Suite struct ReferralValidatorTests {
    let validator = ReferralValidator(knownDomains: ["debt", "housing", "education"])

    var valid: JSONValue {
        [
            "external_id": "X-1",
            "referrer": ["name": "Dr. A"],
            "citizen": ["display_name": "B", "municipality": "GM0344"],
            "needs": [["domain": "debt", "summary": "Rust in de schulden"]],
            "urgency": "normal",
            "consent": ["given_at": "2026-11-23T09:30:00+01:00", "recorded_by": "Dr. A", "share_with": ["*"]],
        ]
    }

    func rejection(_ value: JSONValue) -> Rejection? {
        do {
            _ = try validator.validate(value)
            return nil
        } catch {
            return error
        }
    }

    func with(_ key: String, _ value: JSONValue?, in object: JSONValue? = nil) -> JSONValue {
        guard case .object(var fields) = object ?? valid else { return valid }
        fields[key] = value
        return .object(fields)
    }

    @Test func minimalReferralIsAccepted() throws {
        let referral = try validator.validate(valid)
        #expect(referral.externalID == "X-1")
        #expect(referral.urgency == .normal)
        #expect(referral.consent.shareWith == [.everyone])
        #expect(
            referral.citizen.offerView == CitizenOfferView(municipality: "GM0344", language: nil, preferredChannel: nil)
        )
    }

    @Test func eachRuleNamesItsField() {
        let citizen = valid["citizen"]!
        let cases: [(JSONValue, String)] = [
            (with("external_id", .string(String(repeating: "x", count: 129))), "referral.external_id"),
            (with("urgency", "later"), "referral.urgency"),
            (with("needs", .array(Array(repeating: ["domain": "debt", "summary": "s"], count: 11))), "referral.needs"),
            (with("needs", [["domain": "debt"]]), "referral.needs[0].summary"),
            (with("needs", ["debt"]), "referral.needs[0]"),
            (with("citizen", with("postcode", "35111AB", in: citizen)), "referral.citizen.postcode"),
            (with("citizen", with("language", "dutch!", in: citizen)), "referral.citizen.language"),
            (with("citizen", with("email", "no-at-sign", in: citizen)), "referral.citizen.email"),
            (with("citizen", with("municipality", .number(344), in: citizen)), "referral.citizen.municipality"),
            (with("referrer", "Dr. A"), "referral.referrer"),
            (with("life_event", .string(String(repeating: "x", count: 201))), "referral.life_event"),
        ]
        for (value, field) in cases {
            let rejection = rejection(value)
            #expect(rejection?.code == .invalid, "\(field)")
            #expect(rejection?.field == field)
            #expect(rejection?.externalID != nil || field == "referral.external_id")
        }
    }

    @Test func consentMustBeCoherent() {
        let consent = valid["consent"]!
        let early = with("consent", with("expires_at", "2026-11-22T09:30:00Z", in: consent))
        #expect(rejection(early)?.field == "referral.consent.expires_at")
        let unknownDomain = with("consent", with("share_with", ["domain:astrology"], in: consent))
        #expect(rejection(unknownDomain)?.field == "referral.consent.share_with[0]")
        let empty = with("consent", with("share_with", [], in: consent))
        #expect(rejection(empty)?.field == "referral.consent.share_with")
    }

    @Test func consentPermitsByDomainOrganisationOrEveryone() {
        let consent = Consent(
            givenAt: "2026-11-23T09:30:00Z", recordedBy: "x", shareWith: [.domain("debt"), .organisation("org:a")])
        #expect(consent.permits(organisation: "org:b", domain: "debt"))
        #expect(consent.permits(organisation: "org:a", domain: "housing"))
        #expect(!consent.permits(organisation: "org:b", domain: "housing"))
        #expect(ShareScope("org:") == nil && ShareScope("domain:") == nil && ShareScope("everyone") == nil)
    }
}
