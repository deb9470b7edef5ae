import DeskHTTP
import Foundation
import SchakelProtocol
import SocialMap
import Testing

@testable import Desk

/// What a citizen reads on their own page, from the broker's CITIZEN answer: the words and the times in Amsterdam's
/// wall clock, in Dutch and in English, and never anything about who the citizen is.
@Suite struct CitizenPageTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let wordsDirectory = root.appendingPathComponent("Config/citizen-words").path
    static let map = try! SocialMap(contentsOf: root.appendingPathComponent("Config/social-map.demo.json"))

    static func example() throws -> JSONValue {
        try JSONValue.parse(Data(contentsOf: root.appendingPathComponent("Protocols/examples/CITIZEN.json")))
    }

    static func page(_ language: String) throws -> CitizenPage {
        let all = try CitizenWords.load(directory: wordsDirectory)
        let words = try #require(all[language])
        return CitizenPage(
            words: words, languages: all.values.sorted { $0.sortKey < $1.sortKey },
            csrf: String(repeating: "a", count: 64),
            domainLabel: CitizenPage.domainLabels(map, words))
    }

    /// A CITIZEN body as the desk decodes it.
    static func view(_ body: JSONValue) -> CitizenView? {
        try? JSONValueDecoder.decode(CitizenView.self, from: body)
    }

    func at(_ text: String) throws -> Date { try #require(RFC3339.parse(text)) }

    /// The text of the page without tags, entities decoded, for reading it as a person would.
    static func text(_ html: String) -> String {
        var out = ""
        var inTag = false
        for c in html {
            if c == "<" { inTag = true } else if c == ">" { inTag = false } else if !inTag { out.append(c) }
        }
        return out.replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    @Test func theExampleReadsInDutchWithTheTimesInAmsterdam() throws {
        let view = try #require(CitizenPageTests.view(try Self.example()))
        let html = try Self.page("nl").status(view, code: "K7QM-2XHD-9RTB-4WPA", now: try at("2026-11-23T10:00:00Z"))
        let text = Self.text(html)
        #expect(html.contains("<html lang=\"nl\" dir=\"ltr\">"))
        #expect(html.components(separatedBy: "<h1>").count == 2, "one h1")
        #expect(text.contains("Doorverwezen door Huisartsenpraktijk De Brug op ma 23 nov."))
        // The debt need is taken: who helps, their direct line, and by when (09:00 UTC is 10:00 in Amsterdam).
        #expect(text.contains("Schulden"))
        #expect(text.contains("Een betalingsregeling met de verhuurder en overzicht in de schulden."))
        #expect(text.contains("Anna Visser, Schuldhulpverlener"))
        #expect(text.contains("Schuldhulpverlening Utrecht"))
        #expect(html.contains("href=\"tel:+31300001001\""))
        #expect(text.contains("Zij nemen contact met u op vóór ma 30 nov 10:00."))
        // The housing need is still offered: searching, never who declined.
        #expect(text.contains("Wonen"))
        #expect(text.contains("We zoeken iemand voor u."))
        // What happens next, from the deadlines.
        #expect(
            text.contains("Anna Visser van Schuldhulpverlening Utrecht neemt contact met u op vóór ma 30 nov 10:00."))
        #expect(text.contains("We zoeken iemand die u helpt met Wonen."))
        // The consent and its end (2027-05-23 is a Sunday), and the button to withdraw it.
        #expect(text.contains("alle organisaties op de sociale kaart van de regio"))
        #expect(text.contains("Deze toestemming geldt tot zo 23 mei."))
        #expect(html.contains("action=\"/inwoner/intrekken\""))
        #expect(text.contains("Toestemming intrekken"))
        // Who received the data: a table row per disclosed event, oldest first.
        #expect(html.components(separatedBy: "<tr>").count - 2 == 2, "two rows under the heading row")
        #expect(text.contains("ma 23 nov 10:00Schuldhulpverlening UtrechtSchuldhulpverlenerUw vraag, zonder uw naam"))
        #expect(
            text.contains(
                "ma 23 nov 10:05Schuldhulpverlening UtrechtSchuldhulpverlenerUw naam en hoe ze u kunnen bereiken"))
        #expect(html.contains("<caption>Wie uw gegevens kreeg, en wanneer</caption>"))
        // No question yet: nazorg asks in January.
        #expect(!html.contains("/inwoner/antwoord"))
        // The code only in hidden fields of POST forms, never in a link.
        #expect(!html.contains("?code=") && !html.contains("href=\"/inwoner?K7QM"))
        #expect(html.contains("name=\"code\" value=\"K7QM-2XHD-9RTB-4WPA\""))
    }

    @Test func theExampleReadsInEnglish() throws {
        let view = try #require(CitizenPageTests.view(try Self.example()))
        let html = try Self.page("en").status(view, code: "K7QM-2XHD-9RTB-4WPA", now: try at("2026-11-23T10:00:00Z"))
        let text = Self.text(html)
        #expect(html.contains("<html lang=\"en\" dir=\"ltr\">"))
        #expect(text.contains("Referred by Huisartsenpraktijk De Brug on Mon 23 Nov."))
        #expect(text.contains("Debt") && text.contains("Housing"))
        #expect(text.contains("They will contact you before Mon 30 Nov 10:00."))
        #expect(text.contains("We are looking for someone for you."))
        #expect(text.contains("all organisations on the region's social map"))
        #expect(text.contains("This consent is valid until Sun 23 May."))
        #expect(
            text.contains("Mon 23 Nov 10:05Schuldhulpverlening UtrechtSchuldhulpverlenerYour name and how to reach you")
        )
        // The switch offers the other languages, each in its own language.
        #expect(html.contains("lang=\"nl\" dir=\"ltr\">Nederlands</button>"))
    }

    @Test func aBodyWithTheCitizensDataShowsNoneOfIt() throws {
        // A CITIZEN the broker must never send: who the citizen is, ids, an extra contact field. The page reads
        // only the fields it names, so none of it can show.
        guard case .object(var body) = try Self.example() else { throw TestError("not an object") }
        body["citizen"] = ["display_name": "Fatima El Amrani", "phone": "+31 6 0000 1234", "postcode": "3511 AB"]
        body["referral_id"] = "ref-3f2b8c1e-7d4a-4e9b-a6c2-5b1d0e8f9a47"
        body["address"] = "Oudegracht 1, Utrecht"
        body["display_name"] = "Fatima El Amrani"
        if case .array(var needs)? = body["needs"], case .object(var first) = needs[0] {
            first["handover_id"] = "ho-secret-1"
            first["declined_by"] = "Bram Jansen"
            first["citizen_phone"] = "+31 6 0000 1234"
            needs[0] = .object(first)
            body["needs"] = .array(needs)
        }
        let view = try #require(CitizenPageTests.view(.object(body)))
        for language in ["nl", "en", "tr"] {
            let html = try Self.page(language).status(
                view, code: "K7QM-2XHD-9RTB-4WPA", now: try at("2026-11-23T10:00:00Z"))
            for secret in ["Fatima", "0000 1234", "3511", "Oudegracht", "ref-3f2b", "ho-secret", "Bram"] {
                #expect(!html.contains(secret), "\(language) shows \(secret)")
            }
        }
    }

    @Test func eachStageSaysWhatHappensInWords() throws {
        let now = try at("2027-01-19T09:00:00Z")
        guard case .object(var body) = try Self.example() else { throw TestError("not an object") }
        let anna: JSONValue = [
            "name": "Anna Visser", "organisation": "org:schuldhulp-utrecht",
            "organisation_name": "Schuldhulpverlening Utrecht", "phone": "+31 30 000 1001",
        ]
        // Debt: contacted, and nazorg asks now. Housing: taken, and the contact is late.
        body["needs"] = [
            [
                "index": .number(0), "domain": "debt", "summary": "Schulden.", "status": "contacted", "contact": anna,
                "taken_at": "2026-11-23T09:05:00Z", "contacted_at": "2026-11-24T11:00:00Z",
                "question": ["answer_by": "2027-02-01T09:00:00Z"],
            ],
            [
                "index": .number(1), "domain": "housing", "summary": "Wonen.", "status": "taken", "contact": anna,
                "taken_at": "2026-11-23T09:05:00Z", "contact_by": "2026-11-30T09:00:00Z",
            ],
        ]
        let view = try #require(CitizenPageTests.view(.object(body)))
        let page = try Self.page("nl")
        var html = page.status(view, code: "K7QM-2XHD-9RTB-4WPA", now: now)
        var text = Self.text(html)
        #expect(text.contains("U hebt contact gehad op di 24 nov."))
        #expect(text.contains("Zij zouden contact met u opnemen vóór ma 30 nov 10:00. Hebt u nog niets gehoord?"))
        #expect(
            text.contains(
                "We willen graag weten of de hulp bij Schulden goed ging. U kunt antwoorden tot ma 1 feb 10:00."))
        #expect(html.contains("action=\"/inwoner/antwoord\"") && html.contains("name=\"need\" value=\"0\""))
        #expect(text.contains("Bent u geholpen?"))
        for result in ["resolved", "partly_resolved", "not_resolved"] {
            #expect(html.contains("name=\"result\" value=\"\(result)\""))
        }
        // Once answered, the answer shows instead of the question.
        if case .array(var needs)? = body["needs"], case .object(var first) = needs[0] {
            first["citizen_answer"] = "partly_resolved"
            needs[0] = .object(first)
            body["needs"] = .array(needs)
        }
        html = page.status(try #require(CitizenPageTests.view(.object(body))), code: "K7QM-2XHD-9RTB-4WPA", now: now)
        text = Self.text(html)
        #expect(text.contains("Uw antwoord: Een beetje."))
        #expect(!html.contains("action=\"/inwoner/antwoord\""))
    }

    @Test func theCodeFormAndTheWithdrawalSayWhatTheyDo() throws {
        let page = try Self.page("nl")
        let form = page.form()
        #expect(form.contains("<label for=\"code\">Uw code</label>"))
        #expect(form.contains("autocomplete=\"off\"") && form.contains("autocapitalize=\"characters\""))
        #expect(form.contains("method=\"post\" action=\"/inwoner\""))
        #expect(form.contains("href=\"/inwoner?taal=en\""))
        let confirm = Self.text(page.confirmWithdrawal(code: "K7QM-2XHD-9RTB-4WPA"))
        #expect(confirm.contains("We wissen uw gegevens."))
        #expect(confirm.contains("Uw code werkt daarna niet meer."))
        #expect(confirm.contains("Ja, trek mijn toestemming in"))
        #expect(Self.text(page.withdrawn()).contains("Uw code werkt niet meer."))
    }

    // MARK: - The words files

    @Test func everyShippedTranslationHasEveryKey() throws {
        let all = try CitizenWords.load(directory: Self.wordsDirectory)
        #expect(Set(all.keys).isSuperset(of: ["nl", "en", "tr"]))
        for words in all.values {
            for key in CitizenWords.Key.allCases {
                #expect(words[key] != key.rawValue, "\(words.code): \(key.rawValue)")
            }
        }
    }

    @Test func aMissingKeyOrPlaceholderIsAStartUpErrorNamingFileAndKey() throws {
        let nl = try Data(contentsOf: URL(fileURLWithPath: Self.wordsDirectory).appendingPathComponent("nl.json"))
        guard case .object(var fields) = try JSONValue.parse(nl) else { throw TestError("not an object") }
        var missing = fields
        missing["withdraw_confirm"] = nil
        #expect(throws: DeskConfigError.self) {
            try CitizenWords(code: "pl", data: JSONValue.object(missing).canonicalData(), file: "pl.json")
        }
        do {
            _ = try CitizenWords(code: "pl", data: JSONValue.object(missing).canonicalData(), file: "pl.json")
        } catch {
            #expect(error.message.contains("pl.json") && error.message.contains("withdraw_confirm"), "\(error)")
        }
        fields["contact_by"] = "Zij bellen u snel."
        do {
            _ = try CitizenWords(code: "pl", data: JSONValue.object(fields).canonicalData(), file: "pl.json")
            Issue.record("a sentence without its {moment} was accepted")
        } catch {
            #expect(error.message.contains("contact_by") && error.message.contains("{moment}"), "\(error)")
        }
    }

    @Test func aPortalTheMapDoesNotKnowIsAStartUpError() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("desk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func app(portal: String) throws -> DeskApp {
            let file = directory.appendingPathComponent("desk.json")
            let config: JSONValue = [
                "insecure_dev": true, "broker": "ipc:///nonexistent", "portal": .string(portal),
                "social_map": .string(Self.root.appendingPathComponent("Config/social-map.demo.json").path),
                "citizen_words": .string(Self.wordsDirectory),
            ]
            try config.canonicalData().write(to: file)
            return try DeskApp(config: try DeskConfig(contentsOf: file.path), map: Self.map)
        }
        #expect(try app(portal: "portal:lekstroom").citizenWords["nl"] != nil)
        do {
            _ = try app(portal: "portal:elders")
            Issue.record("a portal that is not on the map was accepted")
        } catch let error as DeskConfigError {
            #expect(error.message == "portal: portal:elders is not among the portals of the social map")
        }
    }

    // MARK: - Codes and sources

    @Test func aCodeIsReadAsTypedCaseAndSpacesAndDashesAside() {
        #expect(DeskApp.normalisedCode("k7qm 2xhd 9rtb 4wpa") == "K7QM-2XHD-9RTB-4WPA")
        #expect(DeskApp.normalisedCode(" K7QM2XHD9RTB4WPA ") == "K7QM-2XHD-9RTB-4WPA")
        #expect(DeskApp.normalisedCode("K7QM-2XHD-9RTB-4WP0") == nil, "0 is not in the alphabet")
        #expect(DeskApp.normalisedCode("K7QM-2XHD-9RTB") == nil)
        #expect(DeskApp.normalisedCode("") == nil)
    }

    @Test func theSourceIsTheAddressTheProxyPasses() {
        func source(_ headers: [(name: String, value: String)]) -> String {
            DeskApp.source(of: HTTPRequest(method: "POST", path: "/inwoner", headers: headers))
        }
        #expect(source([("X-Real-IP", "203.0.113.7")]) == "203.0.113.7")
        // The last hop is the one the proxy added; what the client wrote before it is its own claim.
        #expect(source([("X-Forwarded-For", "10.0.0.1, 203.0.113.8")]) == "203.0.113.8")
        #expect(source([("X-Forwarded-For", "2001:DB8::1")]) == "2001:db8::1")
        #expect(source([("X-Forwarded-For", "<script>")]) == "direct")
        #expect(source([]) == "direct")
    }

    @Test func fiveWrongCodesMakeASourceWaitAndOnlyThatSource() {
        let limiter = CitizenCodeLimiter(limit: 5, window: .seconds(900))
        let start = ContinuousClock.now
        for i in 0..<5 {
            #expect(limiter.check("a", now: start + .seconds(i)) == .allowed)
            limiter.failed("a", now: start + .seconds(i))
        }
        #expect(limiter.check("a", now: start + .seconds(10)) == .refused(first: true))
        #expect(limiter.check("a", now: start + .seconds(11)) == .refused(first: false))
        #expect(limiter.check("b", now: start + .seconds(11)) == .allowed)
        // Once the first failure is 15 minutes old, one more try is allowed.
        #expect(limiter.check("a", now: start + .seconds(900)) == .allowed)
        #expect(limiter.counts.failed == 5 && limiter.counts.refused == 2)
    }

    @Test func aFloodOfSourcesCostsBoundedMemory() {
        let limiter = CitizenCodeLimiter(limit: 1, window: .seconds(900), capacity: 3)
        let now = ContinuousClock.now
        for i in 0..<10 { limiter.failed("s\(i)", now: now + .seconds(i)) }
        #expect(limiter.check("s9", now: now + .seconds(20)) == .refused(first: true))
        #expect(limiter.check("s0", now: now + .seconds(20)) == .allowed, "the oldest source was forgotten")
    }
}

struct TestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
