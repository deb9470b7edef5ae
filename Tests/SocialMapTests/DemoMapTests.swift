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

    /// GGZ Lekstroom's crisis team is on call between them at every hour outside office hours (09:00 to 17:00 on
    /// weekdays) and at none inside them, so an on-call-only crisis match always finds one of them out of hours.
    @Test func demoMapsCrisisTeamCoversEveryHourOutOfOfficeHours() throws {
        let team = ["contact:ggz-hanneke", "contact:ggz-oguz"].compactMap { map.contacts[$0] }
        #expect(team.count == 2)
        // Monday 7 December 2026 00:30 in Amsterdam (UTC+1), then every hour for a week.
        let monday = try #require(RFC3339.parse("2026-12-06T23:30:00Z"))
        for hour in 0..<(7 * 24) {
            let moment = monday.addingTimeInterval(Double(hour) * 3_600)
            let officeHours = hour / 24 < 5 && (9..<17).contains(hour % 24)
            let onCall = team.filter { $0.isOnCall(at: moment) }
            #expect(onCall.count == (officeHours ? 0 : 1), "hour \(hour) of the week: \(onCall.map(\.id))")
        }
        let matcher = Matcher(map: map)
        let load = ContactLoad(map: map)
        let everyone = Consent(givenAt: "2026-12-01T00:00:00Z", recordedBy: "x", shareWith: [.everyone])
        let crisis = MatchRequest(
            domain: "health", municipality: "GM0344", consent: everyone, urgency: .crisis, onCallOnly: true)
        let tuesdayNight = monday.addingTimeInterval(47 * 3_600)  // Tuesday 23:30
        let saturdayNoon = monday.addingTimeInterval((5 * 24 + 12) * 3_600)
        #expect(matcher.match(crisis, load: load, now: tuesdayNight).chosen?.id == "contact:ggz-hanneke")
        #expect(matcher.match(crisis, load: load, now: saturdayNoon).chosen?.id == "contact:ggz-oguz")
        #expect(matcher.organisations(for: crisis) == ["org:ggz-lekstroom", "org:huisarts-de-brug"])
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
