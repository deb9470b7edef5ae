import Foundation
import SchakelProtocol
import Testing

@testable import SocialMap

/// What issue 23 asks of matching for a crisis: only those on call out of hours, a soft capacity, and which
/// organisations could take a need or are waited for, for escalations.
@Suite struct CrisisMatchingTests {
    static let nights = OnCallWindow(days: OnCallWindow.dayNames, from: "17:00", to: "09:00")

    /// In GM0001: a crisis team member on call every night and one never on call (org:ggz), a GP on call at weekends
    /// (org:huisarts), a planner who takes no crisis (org:planning); a national line on call from 22:00 to 07:00
    /// (org:landelijk); and in GM0002 someone of org:elders.
    static func map(change: (inout SocialMapDocument) -> Void = { _ in }) throws -> SocialMap {
        func contact(
            _ id: String, _ org: String, capacity: Int = 2, onCall: [OnCallWindow]? = nil, urgencies: [String]? = nil
        ) -> ContactPerson {
            ContactPerson(
                id: "contact:\(id)", organization: "org:\(org)", name: id, phone: "1", email: "\(id)@x",
                domains: ["health"], urgencies: urgencies, capacity: capacity, onCall: onCall)
        }
        func org(_ id: String, _ municipality: String) -> Organization {
            Organization(id: "org:\(id)", name: id, kind: "x", municipalities: [municipality], domains: ["health"])
        }
        var document = SocialMapDocument(
            version: 1, name: "crisis", description: nil,
            domains: [
                .init(id: "health", labelNL: "Gezondheid", labelEN: "Health"),
                .init(id: "debt", labelNL: "Schulden", labelEN: "Debt"),
            ],
            municipalities: [.init(code: "GM0001", name: "A"), .init(code: "GM0002", name: "B")],
            organizations: [
                org("ggz", "GM0001"), org("huisarts", "GM0001"), org("planning", "GM0001"), org("landelijk", "*"),
                org("elders", "GM0002"),
            ],
            contacts: [
                contact("night", "ggz", onCall: [nights]),
                contact("day", "ggz"),
                contact(
                    "weekend", "huisarts", onCall: [OnCallWindow(days: ["sat", "sun"], from: "09:00", to: "17:00")]),
                contact("planner", "planning", urgencies: ["normal"]),
                contact(
                    "national", "landelijk", capacity: 1,
                    onCall: [OnCallWindow(days: OnCallWindow.dayNames, from: "22:00", to: "07:00")]),
                contact("elsewhere", "elders", onCall: [nights]),
            ])
        change(&document)
        return try SocialMap(document: document)
    }

    static let everyone = Consent(givenAt: "2026-11-30T09:00:00Z", recordedBy: "x", shareWith: [.everyone])

    static func crisis(
        onCallOnly: Bool = true, capacityIsSoft: Bool = false, consent: Consent = everyone,
        excluding: Set<String> = [], sameReferral: Set<String> = [], language: String? = nil
    ) -> MatchRequest {
        MatchRequest(
            domain: "health", municipality: "GM0001", consent: consent, urgency: .crisis, language: language,
            excluding: excluding, sameReferral: sameReferral, onCallOnly: onCallOnly, capacityIsSoft: capacityIsSoft)
    }

    static func at(_ text: String) throws -> Date { try #require(RFC3339.parse(text)) }

    // Tuesday 1 December 2026, Amsterdam is UTC+1.
    static let tuesdayMorning = "2026-12-01T10:00:00Z"  // 11:00
    static let tuesdayEvening = "2026-12-01T19:00:00Z"  // 20:00
    static let tuesdayLate = "2026-12-01T22:00:00Z"  // 23:00

    // MARK: On call only

    @Test func onlyThoseOnCallQualifyAndTheRestAreCountedAsNotOnCall() throws {
        let map = try Self.map()
        let matcher = Matcher(map: map)
        let load = ContactLoad(map: map)
        let evening = matcher.match(Self.crisis(), load: load, now: try Self.at(Self.tuesdayEvening))
        #expect(evening.chosen?.id == "contact:night")
        #expect(evening.explanation.runnerUp == nil)
        // day (no windows), weekend (Saturdays and Sundays), national (from 22:00); planner goes by urgency first.
        #expect(evening.explanation.removed[MatchFilter.notOnCall.rawValue] == 3)
        #expect(evening.explanation.removed[MatchFilter.urgency.rawValue] == 1)
        #expect(evening.explanation.removed.count == MatchFilter.allCases.count)
        let late = matcher.match(Self.crisis(), load: load, now: try Self.at(Self.tuesdayLate))
        #expect(
            [late.chosen?.id, late.explanation.runnerUp?.contact].compactMap { $0 }.sorted() == [
                "contact:national", "contact:night",
            ])
        #expect(late.explanation.removed[MatchFilter.notOnCall.rawValue] == 2)
    }

    @Test func withoutOnCallOnlyTheWindowsChangeNothing() throws {
        let map = try Self.map()
        let result = Matcher(map: map).match(
            Self.crisis(onCallOnly: false), load: ContactLoad(map: map), now: try Self.at(Self.tuesdayMorning))
        #expect(result.chosen?.id == "contact:day")
        #expect(result.explanation.removed[MatchFilter.notOnCall.rawValue] == 0)
    }

    @Test func aNeedWithNobodyOnCallWaitsUntilTheFirstWindowOpens() throws {
        let map = try Self.map()
        let matcher = Matcher(map: map)
        let result = matcher.match(Self.crisis(), load: ContactLoad(map: map), now: try Self.at(Self.tuesdayMorning))
        #expect(result.chosen == nil)
        #expect(result.isWaiting)
        #expect(result.explanation.removed[MatchFilter.notOnCall.rawValue] == 4)
        // The night team comes on call at 17:00, before the national line at 22:00.
        #expect(result.retryAt == (try Self.at("2026-12-01T16:00:00Z")))
        // Without the night team, the national line; the GP's weekend is further off.
        let noNight = matcher.match(
            Self.crisis(excluding: ["contact:night"]), load: ContactLoad(map: map),
            now: try Self.at(Self.tuesdayMorning))
        #expect(noNight.retryAt == (try Self.at("2026-12-01T21:00:00Z")))
    }

    @Test func offDutyContactsWithoutWindowsMakeTheNeedWaitWithNoMomentToRetry() throws {
        let map = try Self.map()
        let result = Matcher(map: map).match(
            Self.crisis(excluding: ["contact:night", "contact:weekend", "contact:national"]),
            load: ContactLoad(map: map), now: try Self.at(Self.tuesdayMorning))
        #expect(result.chosen == nil)
        #expect(result.isWaiting)
        #expect(result.retryAt == nil)
    }

    @Test func anAbsentContactIsCountedAsAbsentAndTheEarlierOfBackAndOnCallIsTheRetry() throws {
        let map = try Self.map {
            $0.contacts[0].absences = [Absence(from: "2026-12-01T18:00:00Z", to: "2026-12-01T20:30:00Z")]
        }
        let matcher = Matcher(map: map)
        let evening = matcher.match(Self.crisis(), load: ContactLoad(map: map), now: try Self.at(Self.tuesdayEvening))
        #expect(evening.chosen == nil)
        #expect(evening.explanation.removed[MatchFilter.absent.rawValue] == 1)
        #expect(evening.explanation.removed[MatchFilter.notOnCall.rawValue] == 3)
        // Back at 20:30Z, before the national line comes on call at 21:00Z.
        #expect(evening.retryAt == (try Self.at("2026-12-01T20:30:00Z")))
        let longer = try Self.map {
            $0.contacts[0].absences = [Absence(from: "2026-12-01T18:00:00Z", to: "2026-12-02T20:30:00Z")]
        }
        let result = Matcher(map: longer).match(
            Self.crisis(), load: ContactLoad(map: longer), now: try Self.at(Self.tuesdayEvening))
        #expect(result.retryAt == (try Self.at("2026-12-01T21:00:00Z")))
    }

    @Test func theDeputyOfAnAbsentContactIsPreferredOnlyWhenOnCall() throws {
        // The night team member is away; their deputy, never on call, is not lifted into an on-call-only match.
        let map = try Self.map {
            $0.contacts[0].absences = [Absence(from: "2026-12-01T00:00:00Z", to: "2026-12-03T00:00:00Z")]
            $0.contacts[0].deputy = "contact:day"
        }
        let matcher = Matcher(map: map)
        let load = ContactLoad(map: map)
        let late = matcher.match(Self.crisis(), load: load, now: try Self.at(Self.tuesdayLate))
        #expect(late.chosen?.id == "contact:national")
        #expect(late.explanation.runnerUp == nil)
        let anyone = matcher.match(Self.crisis(onCallOnly: false), load: load, now: try Self.at(Self.tuesdayLate))
        #expect(anyone.chosen?.id == "contact:day")
        #expect(anyone.explanation.chosen?.deputyFor == "contact:night")
    }

    // MARK: Soft capacity

    @Test func whenEveryoneIsFullASoftCapacityStillFindsSomebody() throws {
        let map = try Self.map()
        let matcher = Matcher(map: map)
        let load = ContactLoad(
            map: map, open: ["contact:night": 2, "contact:day": 3, "contact:weekend": 2, "contact:national": 1])
        let now = try Self.at(Self.tuesdayMorning)
        let hard = matcher.match(Self.crisis(onCallOnly: false), load: load, now: now)
        #expect(hard.chosen == nil)
        #expect(hard.isWaiting)
        #expect(hard.explanation.removed[MatchFilter.capacity.rawValue] == 4)
        let soft = matcher.match(Self.crisis(onCallOnly: false, capacityIsSoft: true), load: load, now: now)
        #expect(!soft.isWaiting)
        #expect(soft.retryAt == nil)
        #expect(soft.explanation.removed[MatchFilter.capacity.rawValue] == 0)
        // The lowest load ratio among the full: 1 for national, night and weekend (tied, so id order), 1.5 for day.
        #expect(soft.chosen?.id == "contact:national")
        #expect(soft.explanation.chosen?.load == 1)
        #expect(
            matcher.ranked(Self.crisis(onCallOnly: false, capacityIsSoft: true), load: load, now: now).map(\.id) == [
                "contact:national", "contact:night", "contact:weekend", "contact:day",
            ])
    }

    @Test func withASoftCapacityAnyoneWithRoomRanksBeforeAnyoneFull() throws {
        // The weekend GP speaks Turkish and already has another need of this referral, but is full: every keys
        // that would put them first count only among the full.
        let map = try Self.map { $0.contacts[2].languages = ["nl", "tr"] }
        let matcher = Matcher(map: map)
        let load = ContactLoad(map: map, open: ["contact:weekend": 2, "contact:day": 1])
        let request = Self.crisis(
            onCallOnly: false, capacityIsSoft: true, sameReferral: ["contact:weekend"], language: "tr")
        let now = try Self.at(Self.tuesdayMorning)
        #expect(
            matcher.ranked(request, load: load, now: now).map(\.id) == [
                "contact:national", "contact:night", "contact:day", "contact:weekend",
            ])
        let result = matcher.match(request, load: load, now: now)
        #expect(result.chosen?.id == "contact:national")
        // With room again, the same keys put the GP first.
        let free = ContactLoad(map: map, open: ["contact:day": 1])
        #expect(matcher.match(request, load: free, now: now).chosen?.id == "contact:weekend")
    }

    @Test func aFullDeputyIsLiftedButStaysBehindEveryoneWithRoom() throws {
        let map = try Self.map {
            $0.contacts[0].absences = [Absence(from: "2026-12-01T00:00:00Z", to: "2026-12-03T00:00:00Z")]
            $0.contacts[0].deputy = "contact:day"
        }
        let matcher = Matcher(map: map)
        let load = ContactLoad(map: map, open: ["contact:day": 2])
        let request = Self.crisis(onCallOnly: false, capacityIsSoft: true)
        let now = try Self.at(Self.tuesdayMorning)
        #expect(
            matcher.ranked(request, load: load, now: now).map(\.id) == [
                "contact:national", "contact:weekend", "contact:day",
            ])
        // Everyone else full too: the deputy first among the full.
        let allFull = ContactLoad(map: map, open: ["contact:day": 2, "contact:weekend": 2, "contact:national": 1])
        let result = matcher.match(request, load: allFull, now: now)
        #expect(result.chosen?.id == "contact:day")
        #expect(result.explanation.chosen?.deputyFor == "contact:night")
    }

    @Test func onCallAndASoftCapacityTogetherOfferACrisisToABusyContactOnCall() throws {
        let map = try Self.map()
        let matcher = Matcher(map: map)
        let load = ContactLoad(map: map, open: ["contact:night": 5])
        let now = try Self.at(Self.tuesdayEvening)
        let hard = matcher.match(Self.crisis(), load: load, now: now)
        #expect(hard.chosen == nil)
        #expect(hard.isWaiting)
        #expect(hard.explanation.removed[MatchFilter.capacity.rawValue] == 1)
        let soft = matcher.match(Self.crisis(capacityIsSoft: true), load: load, now: now)
        #expect(soft.chosen?.id == "contact:night")
        #expect(soft.explanation.chosen?.open == 5)
    }

    // MARK: Who could take it, who it waits for

    @Test func theOrganisationsThatCouldTakeANeedIgnoreTheMoment() throws {
        let map = try Self.map { $0.contacts[0].absences = [Absence(from: "2026-01-01", to: "2027-12-31")] }
        let matcher = Matcher(map: map)
        #expect(matcher.organisations(for: Self.crisis()) == ["org:ggz", "org:huisarts", "org:landelijk"])
        #expect(
            matcher.organisations(for: Self.crisis(onCallOnly: false, capacityIsSoft: true)) == [
                "org:ggz", "org:huisarts", "org:landelijk",
            ])
        // The planner takes normal urgency only.
        var normal = Self.crisis()
        normal.urgency = .normal
        #expect(matcher.organisations(for: normal) == ["org:ggz", "org:huisarts", "org:landelijk", "org:planning"])
        // Consent, and those who let the need go.
        let onlyGGZ = Consent(givenAt: "2026-11-30T09:00:00Z", recordedBy: "x", shareWith: [.organisation("org:ggz")])
        #expect(matcher.organisations(for: Self.crisis(consent: onlyGGZ)) == ["org:ggz"])
        #expect(
            matcher.organisations(for: Self.crisis(excluding: ["contact:night", "contact:day"])) == [
                "org:huisarts", "org:landelijk",
            ])
        #expect(
            matcher.organisations(for: Self.crisis(excluding: ["contact:night"])) == [
                "org:ggz", "org:huisarts", "org:landelijk",
            ])
        // Another municipality, and a domain nobody serves.
        var elsewhere = Self.crisis()
        elsewhere.municipality = "GM0002"
        #expect(matcher.organisations(for: elsewhere) == ["org:elders", "org:landelijk"])
        var debt = Self.crisis()
        debt.domain = "debt"
        #expect(matcher.organisations(for: debt).isEmpty)
    }

    @Test func aWaitingNeedWaitsForTheOrganisationsOfThoseAwayOffDutyOrFull() throws {
        let map = try Self.map {
            $0.contacts[4].absences = [Absence(from: "2026-11-30", to: "2026-12-02")]  // national
        }
        let matcher = Matcher(map: map)
        let morning = try Self.at(Self.tuesdayMorning)
        let load = ContactLoad(map: map, open: ["contact:night": 2])
        // On call only, in the morning: everyone is away or off duty.
        #expect(matcher.match(Self.crisis(), load: load, now: morning).isWaiting)
        #expect(
            matcher.waitedFor(Self.crisis(), load: load, now: morning) == ["org:ggz", "org:huisarts", "org:landelijk"])
        // Anyone: day and the GP qualify; the night team is full and the national line away.
        let anyone = Self.crisis(onCallOnly: false)
        #expect(matcher.waitedFor(anyone, load: load, now: morning) == ["org:ggz", "org:landelijk"])
        // A soft capacity waits for no one full; the excluded are waited for by no one.
        #expect(
            matcher.waitedFor(Self.crisis(onCallOnly: false, capacityIsSoft: true), load: load, now: morning) == [
                "org:landelijk"
            ])
        #expect(
            matcher.waitedFor(Self.crisis(onCallOnly: false, excluding: ["contact:national"]), load: load, now: morning)
                == ["org:ggz"])
        // After the absence, in the evening with room for all: those on call qualify, the rest are off duty.
        let evening = try Self.at("2026-12-03T19:00:00Z")
        #expect(
            matcher.waitedFor(Self.crisis(), load: ContactLoad(map: map), now: evening) == [
                "org:ggz", "org:huisarts", "org:landelijk",
            ])
        #expect(matcher.waitedFor(Self.crisis(onCallOnly: false), load: ContactLoad(map: map), now: evening).isEmpty)
    }
}
