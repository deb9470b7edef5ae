import Foundation
import SchakelProtocol
import SocialMap
import Testing

/// The README walkthrough and the integration tests rely on these facts of the demo map.
@Suite struct DemoMapTests {
    static let demoURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Config/social-map.demo.json")

    let map: SocialMap
    init() throws { map = try SocialMap(contentsOf: Self.demoURL) }

    @Test func demoMapIsBigEnoughToShowTheIdea() {
        #expect(map.document.municipalities.count >= 3)
        #expect(map.organizations.count >= 8)
        #expect(map.contacts.count >= 20)
        #expect(map.domains.count >= 8)
        for domain in [
            "debt", "income", "benefits", "housing", "care", "youth", "legal", "work", "health", "education",
        ] {
            #expect(map.domains.contains(domain), "vocabulary lacks \(domain)")
        }
    }

    @Test func demoMapHasThePrincipalsTheWalkthroughUses() {
        #expect(map.organizations["org:huisarts-de-brug"]?.serves(municipality: "GM0344") == true)
        #expect(map.organizations["org:gemeente-utrecht"]?.serves(municipality: "GM0344") == true)
        #expect(map.contacts(serving: "debt", in: "GM0344").map(\.id) == ["contact:schuldhulp-anna"])
        #expect(
            map.contacts(serving: "housing", in: "GM0344").map(\.id) == ["contact:wonen-bram", "contact:wonen-carla"])
        for m in map.document.municipalities {
            #expect(map.contacts(serving: "education", in: m.code).isEmpty)
        }
    }
}
