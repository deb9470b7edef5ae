import Deadlines
import Foundation
import SchakelProtocol
import Testing

@testable import Desk

/// Deadlines as a contact reads them at the desk: Amsterdam's wall clock, Dutch abbreviations, and what is left
/// counted in working days of the business calendar (weekends and public holidays do not count).
@Suite struct DeadlineTextTests {
    let dutch = DeadlineText(words: .dutch)
    let english = DeadlineText(words: .english)

    func at(_ text: String) throws -> Date { try #require(RFC3339.parse(text)) }

    @Test func aDeadlineReadsAsTheWallClockInAmsterdam() throws {
        // 16:00 UTC in December is 17:00 in Amsterdam; in July it would be 18:00.
        #expect(dutch.moment(try at("2026-12-07T16:00:00Z")) == "ma 7 dec 17:00")
        #expect(dutch.moment(try at("2026-07-06T16:00:00Z")) == "ma 6 jul 18:00")
        #expect(english.moment(try at("2026-12-07T16:00:00Z")) == "Mon 7 Dec 17:00")
        #expect(dutch.day(try at("2026-12-07T16:00:00Z")) == "ma 7 dec")
    }

    @Test func whatIsLeftCountsWorkingDaysNotCalendarDays() throws {
        // From Thursday 3 December to Monday 7 December: Friday and Monday are working days, the weekend is not.
        let thursday = try at("2026-12-03T09:00:00Z")
        let monday = try at("2026-12-07T16:00:00Z")
        #expect(dutch.due(monday, now: thursday) == "vóór ma 7 dec 17:00 (nog 2 werkdagen)")
        #expect(english.due(monday, now: thursday) == "by Mon 7 Dec 17:00 (2 working days left)")
        // Christmas: from Wednesday 23 December to Monday 28 December only Thursday 24 and Monday count.
        let christmas = dutch.remaining(until: try at("2026-12-28T10:00:00Z"), now: try at("2026-12-23T10:00:00Z"))
        #expect(christmas == "nog 2 werkdagen")
    }

    @Test func withinADayItSaysHoursOrMinutesAndAfterwardsThatItIsLate() throws {
        let now = try at("2026-12-07T09:00:00Z")
        #expect(dutch.remaining(until: try at("2026-12-07T14:30:00Z"), now: now) == "nog 5 uur")
        #expect(dutch.remaining(until: try at("2026-12-07T10:00:00Z"), now: now) == "nog 1 uur")
        #expect(dutch.remaining(until: try at("2026-12-07T09:20:00Z"), now: now) == "nog 20 min")
        #expect(dutch.remaining(until: try at("2026-12-07T08:00:00Z"), now: now) == "te laat")
        #expect(english.remaining(until: try at("2026-12-07T08:00:00Z"), now: now) == "overdue")
    }

    @Test func everyWordOfBothLanguagesIsThere() {
        for words in [Words.dutch, Words.english] {
            #expect(words.weekdays.count == 7 && words.months.count == 12)
            #expect(DeclineReason.allCases.allSatisfy { words.declineReasons[$0]?.isEmpty == false })
            #expect(OutcomeResult.allCases.allSatisfy { words.outcomes[$0]?.isEmpty == false })
            #expect(Channel.allCases.allSatisfy { words.channels[$0]?.isEmpty == false })
            #expect(Urgency.allCases.allSatisfy { words.urgencies[$0]?.isEmpty == false })
        }
    }

    @Test func whatCameFromABrokerOrAPersonIsEscapedOnThePage() {
        #expect(
            HTML.escape("<script>\"x\" & 'y'</script>")
                == "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;")
        #expect(HTML.row("Naam", "<b>") == "<dt>Naam</dt><dd>&lt;b&gt;</dd>")
        #expect(HTML.row("Naam", nil) == "")
    }

    @Test func aFormNeverRedirectsOffTheDesk() {
        #expect(DeskApp.localPath("/zaken") == "/zaken")
        for foreign in ["//evil.example/", "https://evil.example/", "/\\evil", nil, "zaken", "/a b"] {
            #expect(DeskApp.localPath(foreign) == "/aanbod", "\(foreign ?? "nil")")
        }
    }

    @Test func aContactDateIsNoonInAmsterdam() throws {
        #expect(DeskApp.noonInAmsterdam("2026-12-07") == (try at("2026-12-07T11:00:00Z")))
        #expect(DeskApp.noonInAmsterdam("2026-07-06") == (try at("2026-07-06T10:00:00Z")))
        #expect(DeskApp.noonInAmsterdam("2026-02-30") == nil)
        #expect(DeskApp.noonInAmsterdam("7-12-2026") == nil)
    }
}
