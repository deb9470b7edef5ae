import Foundation
import SchakelProtocol
import Testing

@testable import SocialMap

@Suite struct SocialMapProblemsTests {
    @Test func everyProblemIsListedWithItsPathNotOnlyTheFirst() throws {
        var doc = try SocialMap(contentsOf: DemoMapTests.demoURL).document
        doc.contacts[0].organization = "org:missing"
        doc.contacts[1].capacity = 0
        let problems = SocialMap.problems(in: doc)
        #expect(problems.map(\.path).contains("contacts[0].organization"))
        #expect(problems.map(\.path).contains("contacts[1].capacity"))
        #expect(SocialMap.problems(contentsOf: DemoMapTests.demoURL).isEmpty)
    }

    /// The map format spells organizations with a z (as HSDS does); the British spelling gets a hint, not a bare
    /// "unknown field", and the messages about the field spell it as the field does.
    @Test func theBritishSpellingOfOrganizationsGetsADidYouMean() throws {
        var json = try #require(try JSONValue.parse(Data(contentsOf: DemoMapTests.demoURL)).objectValue)
        json["organisations"] = json["organizations"]
        json["organizations"] = nil
        var contacts = try #require(json["contacts"]?.arrayValue)
        var first = try #require(contacts[0].objectValue)
        first["organisation"] = first["organization"]
        first["organization"] = nil
        contacts[0] = .object(first)
        json["contacts"] = .array(contacts)
        let problems = SocialMap.problems(data: JSONValue.object(json).canonicalData())
        let top = try #require(problems.first { $0.path == "organisations" })
        #expect(top.message.contains("did you mean \"organizations\""), "\(top.message)")
        let contact = try #require(problems.first { $0.path == "contacts[0].organisation" })
        #expect(contact.message.contains("did you mean \"organization\""), "\(contact.message)")
        for problem in problems {
            let spellings = ["organisation", "organization"].filter { "\(problem)".contains($0) }
            #expect(spellings.count <= 1 || problem.message.contains("did you mean"), "both spellings in \(problem)")
        }
    }

    /// Each missing field costs a decode of the whole file, so a file wrong everywhere is reported in part, saying so.
    @Test func aMapWrongEverywhereIsReportedUpToTheLimitAndSaysSo() throws {
        var json = try #require(try JSONValue.parse(Data(contentsOf: DemoMapTests.demoURL)).objectValue)
        let contacts = try #require(json["contacts"]?.arrayValue).map { contact -> JSONValue in
            var fields = contact.objectValue ?? [:]
            for field in ["name", "phone", "email", "domains", "languages"] { fields[field] = nil }
            return .object(fields)
        }
        #expect(contacts.count * 5 > SocialMap.decodeProblemLimit)
        json["contacts"] = .array(contacts)
        let problems = SocialMap.problems(data: JSONValue.object(json).canonicalData())
        // A missing list takes two decodes (a text placeholder first, then the list the decoder asks for).
        let missing = problems.filter { $0.message == "required field is missing" }.count
        #expect(missing >= SocialMap.decodeProblemLimit / 2 && missing <= SocialMap.decodeProblemLimit, "\(missing)")
        #expect(problems.last?.message.contains("fix these and check again") == true, "\(problems.last!)")
    }

    @Test func anUnreadableFileIsOneProblem() {
        let problems = SocialMap.problems(contentsOf: URL(fileURLWithPath: "/nonexistent/map.json"))
        #expect(problems.count == 1)
    }
}

/// The fields of issue 3 (narrower municipalities, urgencies, absences, deputies, services) and the checks
/// that keep them honest.
@Suite struct SocialMapModelTests {
    static func demoJSON() throws -> [String: JSONValue] {
        try #require(try JSONValue.parse(Data(contentsOf: DemoMapTests.demoURL)).objectValue)
    }

    /// The demo file with `change` applied to contact `index`, checked.
    static func problems(contact index: Int, _ change: (inout [String: JSONValue]) -> Void) throws -> [SocialMapError] {
        var json = try demoJSON()
        var contacts = try #require(json["contacts"]?.arrayValue)
        var contact = try #require(contacts[index].objectValue)
        change(&contact)
        contacts[index] = .object(contact)
        json["contacts"] = .array(contacts)
        return SocialMap.problems(data: JSONValue.object(json).canonicalData())
    }

    @Test func theDemoMapUsesTheNewFieldsAndStillLoads() throws {
        let map = try SocialMap(contentsOf: DemoMapTests.demoURL)
        #expect(map.contacts.values.contains { $0.absences?.isEmpty == false })
        #expect(map.contacts.values.contains { $0.deputy != nil })
        #expect(map.contacts.values.contains { $0.municipalities != nil })
        #expect(map.contacts.values.contains { $0.urgencies != nil })
        #expect(map.contacts.values.contains { $0.onCall?.isEmpty == false })
        #expect(map.organizations.values.contains { $0.services?.isEmpty == false })
    }

    @Test func aContactWithNarrowerMunicipalitiesServesOnlyThose() throws {
        let map = try SocialMap(contentsOf: DemoMapTests.demoURL)
        #expect(map.contacts(serving: "housing", in: "GM0321").map(\.id) == ["contact:wonen-dewi"])
        #expect(
            map.contacts(serving: "housing", in: "GM0356").map(\.id) == ["contact:wonen-dewi", "contact:wonen-gerrit"])
    }

    @Test func aDateAbsenceCoversWholeDaysInAmsterdam() throws {
        let absence = Absence(from: "2030-07-06", to: "2030-07-24")
        let interval = try #require(absence.interval)
        #expect(RFC3339.format(interval.start) == "2030-07-05T22:00:00Z")
        #expect(RFC3339.format(interval.end) == "2030-07-24T22:00:00Z")
        let map = try SocialMap(contentsOf: DemoMapTests.demoURL)
        #expect(
            map.absence(of: "contact:gemeente-wendy", at: try #require(RFC3339.parse("2030-07-24T21:59:00Z"))) != nil)
        #expect(
            map.absence(of: "contact:gemeente-wendy", at: try #require(RFC3339.parse("2030-07-24T22:00:00Z"))) == nil)
    }

    /// Dates are turned into Amsterdam midnights by hand: every day of four years, both clock changes included, must
    /// give what a Gregorian calendar in Europe/Amsterdam gives, and impossible dates nothing.
    @Test func dateAbsencesAgreeWithTheCalendarOnEveryDayAndAcrossClockChanges() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "Europe/Amsterdam"))
        var day = try #require(calendar.date(from: DateComponents(year: 2026, month: 1, day: 1)))
        let stop = try #require(calendar.date(from: DateComponents(year: 2030, month: 1, day: 1)))
        while day < stop {
            let c = calendar.dateComponents([.year, .month, .day], from: day)
            let text = String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
            let next = try #require(calendar.date(byAdding: .day, value: 1, to: day))
            #expect(Absence.moment(text, endOfDay: false) == day, "\(text)")
            #expect(Absence.moment(text, endOfDay: true) == next, "\(text) to")
            day = next
        }
        for impossible in ["2026-02-29", "2026-13-01", "2026-04-31", "2026-1-011", "26-01-01", "2026/01/01"] {
            #expect(Absence.moment(impossible, endOfDay: false) == nil, "\(impossible)")
        }
        #expect(Absence.moment("2028-02-29", endOfDay: false) != nil)
    }

    @Test(
        arguments: [
            ("capcity", JSONValue.number(3), "contacts[6].capcity", "unknown field"),
            ("municipalities", ["GM0356"], "contacts[6].municipalities[0]", "does not serve"),
            ("municipalities", ["GM344"], "contacts[6].municipalities[0]", "CBS code"),
            ("urgencies", ["soon"], "contacts[6].urgencies[0]", "crisis, urgent or normal"),
            (
                "absences", [["from": "2030-02-01", "to": "2030-01-01"]], "contacts[6].absences[0]",
                "ends before it starts"
            ),
            ("absences", [["from": "2030-02-01", "to": "next week"]], "contacts[6].absences[0].to", "RFC 3339"),
            ("deputy", "contact:nobody", "contacts[6].deputy", "no contact"),
            ("deputy", "contact:schuldhulp-anna", "contacts[6].deputy", "own deputy"),
            (
                "on_call", [["days": ["friday"], "from": "17:00", "to": "09:00"]], "contacts[6].on_call[0].days[0]",
                "\"friday\" is not a day for contact:schuldhulp-anna's on-call window: write mon, tue, wed, thu, fri, "
                    + "sat or sun"
            ),
            (
                "on_call", [["days": ["fri", "sat", "fri"], "from": "17:00", "to": "09:00"]],
                "contacts[6].on_call[0].days[2]", "\"fri\" appears twice in contact:schuldhulp-anna's on-call window"
            ),
            (
                "on_call", [["days": [], "from": "17:00", "to": "09:00"]], "contacts[6].on_call[0].days",
                "contact:schuldhulp-anna's on-call window has no days: list at least one of mon"
            ),
            (
                "on_call", [["days": ["fri"], "from": "5 pm", "to": "09:00"]], "contacts[6].on_call[0].from",
                "\"5 pm\" is not a time of day for contact:schuldhulp-anna's on-call window: write HH:MM, from 00:00 "
                    + "to 23:59"
            ),
            (
                "on_call", [["days": ["fri"], "from": "17:00", "to": "24:00"]], "contacts[6].on_call[0].to",
                "\"24:00\" is not a time of day"
            ),
            (
                "on_call", [], "contacts[6].on_call",
                "contact:schuldhulp-anna has an empty on_call: give at least one window, or leave on_call out"
            ),
            (
                "on_call", [["days": ["fri"], "from": "17:00"]], "contacts[6].on_call[0].to",
                "required field is missing"
            ),
            (
                "on_call", [["days": ["fri"], "from": "17:00", "to": "09:00", "until": "x"]],
                "contacts[6].on_call[0].until", "unknown field"
            ),
            (
                "on_call", [["days": "fri", "from": "17:00", "to": "09:00"]], "contacts[6].on_call[0].days",
                "wrong type"
            ),
        ] as [(String, JSONValue, String, String)])
    func aBrokenContactFieldIsReportedWithItsPath(field: String, value: JSONValue, path: String, message: String) throws
    {
        // contacts[6] is contact:schuldhulp-anna of org:schuldhulp-utrecht (GM0344).
        let problems = try Self.problems(contact: 6) { $0[field] = value }
        #expect(problems.contains { $0.path == path && $0.message.contains(message) }, "\(problems)")
    }

    /// An on-call window's problem is one sentence that names the contact and says what to write instead; loading
    /// the file stops at it.
    @Test func aMalformedOnCallWindowIsOneSentenceNamingTheContact() throws {
        var json = try Self.demoJSON()
        var contacts = try #require(json["contacts"]?.arrayValue)
        var anna = try #require(contacts[6].objectValue)
        anna["on_call"] = [["days": ["fri"], "from": "17.00", "to": "09:00"]]
        contacts[6] = .object(anna)
        json["contacts"] = .array(contacts)
        let data = JSONValue.object(json).canonicalData()
        let expected = SocialMapError(
            path: "contacts[6].on_call[0].from",
            message: "\"17.00\" is not a time of day for contact:schuldhulp-anna's on-call window: write HH:MM, "
                + "from 00:00 to 23:59")
        #expect(SocialMap.problems(data: data) == [expected])
        #expect(throws: expected) { try SocialMap(data: data) }
    }

    @Test func aDeputyAwayAtTheSameTimeIsAnError() throws {
        var json = try Self.demoJSON()
        var contacts = try #require(json["contacts"]?.arrayValue)
        let away: JSONValue = [["from": "2030-03-01", "to": "2030-03-10"]]
        for (index, deputy) in [(6, "contact:schuldhulp-joost"), (7, nil)] as [(Int, String?)] {
            var contact = try #require(contacts[index].objectValue)
            contact["absences"] = away
            if let deputy { contact["deputy"] = .string(deputy) }
            contacts[index] = .object(contact)
        }
        json["contacts"] = .array(contacts)
        let problems = SocialMap.problems(data: JSONValue.object(json).canonicalData())
        #expect(problems.map(\.path) == ["contacts[6].deputy"], "\(problems)")
    }
}
