import Foundation
import SchakelProtocol
import SocialMap
import Testing

@Suite struct MatcherTests {
    static func map() throws -> SocialMap {
        let doc = SocialMapDocument(
            version: 1, name: "test", description: nil,
            domains: [.init(id: "debt", labelNL: "Schulden", labelEN: "Debt")],
            municipalities: [.init(code: "GM0001", name: "A"), .init(code: "GM0002", name: "B")],
            organizations: [
                Organization(id: "org:local", name: "Local", kind: "x", municipalities: ["GM0001"], domains: ["debt"]),
                Organization(id: "org:national", name: "National", kind: "x", municipalities: ["*"], domains: ["debt"]),
            ],
            contacts: [
                ContactPerson(
                    id: "contact:c", organization: "org:local", name: "C", phone: "1", email: "c@x", domains: ["debt"],
                    capacity: 5),
                ContactPerson(
                    id: "contact:a", organization: "org:local", name: "A", phone: "1", email: "a@x", domains: ["debt"],
                    capacity: 5),
                ContactPerson(
                    id: "contact:n", organization: "org:national", name: "N", phone: "1", email: "n@x",
                    domains: ["debt"], capacity: 5),
            ])
        return try SocialMap(document: doc)
    }

    let everyone = Consent(givenAt: "2026-01-01T00:00:00Z", recordedBy: "x", shareWith: [.everyone])

    @Test func fewestOpenHandoversWinsAndTiesGoByIdOrder() throws {
        let matcher = Matcher(map: try Self.map())
        #expect(
            matcher.candidates(domain: "debt", municipality: "GM0001", consent: everyone).map(\.id) == [
                "contact:a", "contact:c", "contact:n",
            ])
        let busy = ["contact:a": 2, "contact:c": 1]
        #expect(
            matcher.choose(domain: "debt", municipality: "GM0001", consent: everyone, openHandovers: busy)?.id
                == "contact:n")
    }

    @Test func municipalityConsentAndDeclinesFilter() throws {
        let matcher = Matcher(map: try Self.map())
        #expect(
            matcher.candidates(domain: "debt", municipality: "GM0002", consent: everyone).map(\.id) == ["contact:n"])
        let onlyLocal = Consent(
            givenAt: "2026-01-01T00:00:00Z", recordedBy: "x", shareWith: [.organisation("org:local")])
        #expect(
            matcher.candidates(domain: "debt", municipality: "GM0001", consent: onlyLocal).map(\.id) == [
                "contact:a", "contact:c",
            ])
        #expect(
            matcher.choose(
                domain: "debt", municipality: "GM0001", consent: everyone,
                excluding: ["contact:a", "contact:c", "contact:n"]) == nil)
        #expect(matcher.choose(domain: "housing", municipality: "GM0001", consent: everyone) == nil)
    }

    @Test func brokenCrossReferencesAreRefusedWithTheirPath() throws {
        var doc = try Self.map().document
        doc.contacts[0].organization = "org:missing"
        #expect(
            throws: SocialMapError(
                path: "contacts[0].organization", message: "no organization \"org:missing\" on the map")
        ) {
            try SocialMap(document: doc)
        }
        #expect(throws: SocialMapError.self) { try SocialMap(data: Data("{\"version\": 1}".utf8)) }
    }
}
