@testable import Deadlines
import Foundation
import SchakelProtocol
import Testing

@Suite struct DutchHolidaysTests {
    @Test(arguments: [
        (2000, 4, 23), (2011, 4, 24), (2019, 4, 21), (2024, 3, 31), (2025, 4, 20), (2026, 4, 5), (2027, 3, 28),
        (2028, 4, 16), (2030, 4, 21), (2038, 4, 25),
    ])
    func easterSundayMatchesTheAlmanac(year: Int, month: Int, day: Int) {
        #expect(DutchHolidays.easterSunday(year) == LocalDate(year, month, day))
    }

    @Test func kingsDayMovesToSaturdayWhenThe27thIsASunday() {
        #expect(DutchHolidays.kingsDay(2025) == LocalDate(2025, 4, 26))  // 27 April 2025 is a Sunday
        #expect(DutchHolidays.kingsDay(2014) == LocalDate(2014, 4, 26))
        #expect(DutchHolidays.kingsDay(2026) == LocalDate(2026, 4, 27))
    }

    @Test func movableFeastsFollowEaster() {
        let names = Dictionary(
            DutchHolidays.holidays(2026, liberationDay: .lustrum).map { ($0.name, $0.date) },
            uniquingKeysWith: { a, _ in a })
        #expect(names["Tweede Paasdag"] == LocalDate(2026, 4, 6))
        #expect(names["Hemelvaartsdag"] == LocalDate(2026, 5, 14))
        #expect(names["Eerste Pinksterdag"] == LocalDate(2026, 5, 24))
        #expect(names["Tweede Pinksterdag"] == LocalDate(2026, 5, 25))
        #expect(names["Bevrijdingsdag"] == nil)  // not a lustrum year
    }

    @Test func liberationDayFollowsTheConfiguredRule() {
        func has5May(_ year: Int, _ rule: DutchHolidays.LiberationDay) -> Bool {
            DutchHolidays.holidays(year, liberationDay: rule).contains { $0.date == LocalDate(year, 5, 5) }
        }
        #expect(has5May(2025, .lustrum) && has5May(2030, .lustrum) && !has5May(2026, .lustrum))
        #expect(has5May(2026, .always) && !has5May(2025, .never))
    }

    @Test func localDateArithmeticCrossesYearsAndLeapDays() {
        #expect(LocalDate(2024, 2, 28).adding(days: 1) == LocalDate(2024, 2, 29))
        #expect(LocalDate(2026, 12, 31).adding(days: 1) == LocalDate(2027, 1, 1))
        #expect(LocalDate(1970, 1, 1).weekday == 4)
        #expect(LocalDate(2026, 11, 23).weekday == 1)
        #expect(LocalDate(iso: "2026-02-29") == nil && LocalDate(iso: "2028-02-29") == LocalDate(2028, 2, 29))
    }
}

@Suite struct BusinessCalendarTests {
    let calendar = BusinessCalendar.standard

    /// A local Amsterdam time as a Date.
    func at(_ text: String) -> Date {
        let offset =
            text.hasPrefix("2026-04") || text.hasPrefix("2026-05") || text.hasPrefix("2026-03-30") ? "+02:00" : "+01:00"
        return RFC3339.parse(text + offset)!
    }

    func deadline(_ start: String, _ duration: String, _ clock: BusinessCalendar.Clock = .business) -> String {
        RFC3339.format(calendar.deadline(from: at(start), adding: ISODuration(duration)!, clock: clock))
    }

    @Test func threeWorkingDaysSkipEasterMonday() {
        // Thu 2 April 2026 → Fri 3 (Good Friday works), Easter Monday closed, Tue 7, Wed 8.
        #expect(deadline("2026-04-02T10:00:00", "P3D") == "2026-04-08T08:00:00Z")
    }

    @Test func threeWorkingDaysSkipKingsDay() {
        // Fri 24 April 2026 → King's Day Mon 27 closed → Tue 28, Wed 29, Thu 30.
        #expect(deadline("2026-04-24T10:00:00", "P3D") == "2026-04-30T08:00:00Z")
    }

    @Test func deadlinesCrossTheYearBoundaryAndChristmas() {
        #expect(deadline("2026-12-23T14:00:00", "P3D") == "2026-12-29T13:00:00Z")
        #expect(deadline("2026-12-30T14:00:00", "P3D") == "2027-01-05T13:00:00Z")
    }

    @Test func workingHoursCarryOverEveningsAndWeekends() {
        // Friday 16:00 + 8 working hours: one hour on Friday, seven on Monday.
        #expect(deadline("2026-11-20T16:00:00", "PT8H") == "2026-11-23T15:00:00Z")
        // Friday evening counts from Monday's opening.
        #expect(deadline("2026-11-20T18:00:00", "PT8H") == "2026-11-23T16:00:00Z")
        // Saturday + one working day: Monday opening + 1 day = Tuesday 09:00.
        #expect(deadline("2026-11-21T11:00:00", "P1D") == "2026-11-24T08:00:00Z")
    }

    @Test func businessHoursAcrossTheSpringDSTChange() {
        // Fri 27 March 2026 16:00 CET + PT8H: 1 h Friday, 7 h Monday 30 March (now CEST, UTC+2) → 16:00 local.
        #expect(deadline("2026-03-27T16:00:00", "PT8H") == "2026-03-30T14:00:00Z")
    }

    @Test func crisisRunsOnTheWallClockThroughWeekendsAndDST() {
        // Saturday night, across the 02:00→03:00 jump of 29 March 2026: two real hours.
        let start = RFC3339.parse("2026-03-29T01:30:00+01:00")!
        let end = calendar.deadline(from: start, adding: ISODuration("PT2H")!, clock: .wall)
        #expect(end.timeIntervalSince(start) == 7_200)
        #expect(deadline("2026-11-21T11:00:00", "PT2H", .wall) == "2026-11-21T12:00:00Z")
    }

    @Test func extraClosingDaysAreSkipped() {
        var closed = calendar
        closed.extraClosingDays = [LocalDate(2026, 11, 24)]
        let end = closed.deadline(from: at("2026-11-23T10:00:00"), adding: ISODuration("P1D")!, clock: .business)
        #expect(RFC3339.format(end) == "2026-11-25T09:00:00Z")
    }
}

@Suite struct PolicyTests {
    @Test func configPolicyLoadsWithOverrides() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Config/policy.json")
        let policy = try Policy(data: Data(contentsOf: url))
        #expect(policy.policy(for: .crisis, organisation: "org:x").acknowledgeWithin == ISODuration("PT2H"))
        #expect(policy.policy(for: .crisis, organisation: "org:x").acknowledgeClock == .wall)
        #expect(policy.policy(for: .urgent, organisation: "org:x").acknowledgeClock == .business)
        let legal = policy.policy(for: .normal, organisation: "org:juridisch-loket")
        #expect(legal.acknowledgeWithin == ISODuration("P5D"))
        #expect(legal.nazorgAfter == ISODuration("P8W"))  // the rest is inherited
        // A need nobody holds: a crisis escalates at once and every hour, a normal one after two working days.
        #expect(policy.policy(for: .crisis, organisation: "org:x").escalateWaitingAfter.seconds == 0)
        #expect(policy.policy(for: .crisis, organisation: "org:x").escalateEvery == ISODuration("PT1H"))
        #expect(legal.escalateWaitingAfter == ISODuration("P2D"))
        #expect(legal.firstContactGrace == ISODuration("PT8H"))
    }

    @Test func onlyTheWaitingEscalationMaySayAtOnce() throws {
        let atOnce = try Policy(data: Data(#"{"urgency": {"normal": {"escalate_waiting_after": "PT0S"}}}"#.utf8))
        #expect(atOnce.policy(for: .normal, organisation: "").escalateWaitingAfter.seconds == 0)
        for field in ["escalate_every", "first_contact_grace"] {
            #expect(throws: PolicyError.self) {
                try Policy(data: Data(#"{"urgency": {"normal": {"\#(field)": "PT0S"}}}"#.utf8))
            }
        }
    }

    @Test func mistakesAreReportedWithTheirPath() {
        func error(_ json: String) -> String? {
            do {
                _ = try Policy(data: Data(json.utf8))
                return nil
            } catch {
                return error.path
            }
        }
        #expect(
            error(#"{"urgency": {"normal": {"acknowledge_within": "3 days"}}}"#) == "urgency.normal.acknowledge_within")
        #expect(error(#"{"urgency": {"normal": {"reminder_at": 1.5}}}"#) == "urgency.normal.reminder_at")
        #expect(error(#"{"urgency": {"later": {}}}"#) == "urgency.later")
        #expect(error(#"{"calendar": {"opens": "18:00", "closes": "17:00"}}"#) == "calendar.closes")
        #expect(error(#"{"calendar": {"closing_days": ["2026-13-01"]}}"#) == "calendar.closing_days[0]")
        #expect(
            error(#"{"organisations": {"org:a": {"normal": {"max_reroutes": -1}}}}"#)
                == "organisations.org:a.normal.max_reroutes")
        #expect(error(#"{"deadlines": {}}"#) == "deadlines")
        #expect(
            error(#"{"urgency": {"urgent": {"escalate_every": "often"}}}"#) == "urgency.urgent.escalate_every")
        #expect(error("{}") == nil)
    }
}

@Suite struct DeadlinePointTests {
    let calendar = BusinessCalendar.standard

    @Test func halfwayIsMeasuredOnTheDeadlinesOwnClock() {
        let monday10 = RFC3339.parse("2026-11-23T10:00:00+01:00")!
        // Eight working hours from Monday 10:00 end Tuesday 10:00; halfway is Monday 14:00.
        let half = calendar.point(0.5, of: ISODuration("PT8H")!, from: monday10, clock: .business)
        #expect(RFC3339.format(half) == "2026-11-23T13:00:00Z")
        // Three working days are 24 working hours; halfway is Tuesday 14:00.
        let halfDays = calendar.point(0.5, of: ISODuration("P3D")!, from: monday10, clock: .business)
        #expect(RFC3339.format(halfDays) == "2026-11-24T13:00:00Z")
        let wall = calendar.point(0.5, of: ISODuration("PT2H")!, from: monday10, clock: .wall)
        #expect(wall.timeIntervalSince(monday10) == 3_600)
    }
}

/// The calendar works the holidays out once for the years deadlines fall in; days outside those years and a changed
/// Liberation Day rule must still give the same answers as the holiday rules themselves.
@Suite struct HolidayTableTests {
    @Test func everyDayAgreesWithTheHolidayRulesInsideAndOutsideTheTable() {
        for rule in DutchHolidays.LiberationDay.allCases {
            var calendar = BusinessCalendar.standard
            calendar.liberationDay = rule
            for year in [1999, 2000, 2025, 2026, 2030, 2100, 2101, 2150] {
                let holidays = Set(DutchHolidays.holidays(year, liberationDay: rule).map(\.date))
                var day = LocalDate(year, 1, 1)
                while day.year == year {
                    let expected = calendar.workingDays.contains(day.weekday) && !holidays.contains(day)
                    #expect(calendar.isWorkingDay(day) == expected, "\(day) with Liberation Day \(rule)")
                    day = day.adding(days: 1)
                }
            }
        }
    }

    @Test func aLongClosureIsSkippedToTheFirstWorkingDayAfterIt() {
        var calendar = BusinessCalendar.standard
        var closed: Set<LocalDate> = []
        var day = LocalDate(2026, 7, 1)
        while day < LocalDate(2026, 9, 1) {
            closed.insert(day)
            day = day.adding(days: 1)
        }
        calendar.extraClosingDays = closed
        #expect(calendar.nextWorkingDay(after: LocalDate(2026, 6, 30)) == LocalDate(2026, 9, 1))
    }
}

/// The calendar works out local dates and times from the zone's offsets; a Gregorian `Calendar` in the same zone is
/// the reference, on every hour of four years (eight clock changes) and at the awkward times of the change days.
@Suite struct LocalTimeArithmeticTests {
    let calendar = BusinessCalendar.standard
    let reference: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = BusinessCalendar.standard.timeZone
        return c
    }()

    @Test func everyHourOfFourYearsHasTheCalendarsLocalDateAndTime() {
        var moment = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
        let end = Date(timeIntervalSince1970: 1_893_456_000)  // 2030-01-01T00:00:00Z
        while moment < end {
            let c = reference.dateComponents([.year, .month, .day, .hour, .minute, .second], from: moment)
            #expect(calendar.localDate(of: moment) == LocalDate(c.year!, c.month!, c.day!), "\(moment)")
            #expect(calendar.minutesOfDay(moment) == Double(c.hour! * 60 + c.minute!) + Double(c.second!) / 60)
            moment.addTimeInterval(3_600 + 60 * 7 + 11)  // wander through the minutes too
        }
    }

    @Test func localTimesOnEveryDayIncludingClockChangesAreTheCalendars() {
        var day = LocalDate(2026, 1, 1)
        while day < LocalDate(2030, 1, 1) {
            for minutes in [0.0, 59.5, 120, 150, 179, 180, 540, 1_020, 1_439] {
                var c = DateComponents()
                (c.year, c.month, c.day) = (day.year, day.month, day.day)
                (c.hour, c.minute) = (Int(minutes) / 60, Int(minutes) % 60)
                let expected = reference.date(from: c)!.addingTimeInterval((minutes - minutes.rounded(.down)) * 60)
                #expect(calendar.moment(day, minutes: minutes) == expected, "\(day) + \(minutes) min")
            }
            day = day.adding(days: 1)
        }
    }

    @Test func wallClockDaysKeepTheLocalTimeAcrossAClockChange() {
        var start = Date(timeIntervalSince1970: 1_774_000_000)  // March 2026, before the change
        for _ in 0..<400 {
            for days in [1, 3] {
                let expected = reference.date(byAdding: .day, value: days, to: start)!
                #expect(
                    calendar.deadline(from: start, adding: ISODuration("P\(days)D")!, clock: .wall) == expected,
                    "\(start) + \(days) days")
            }
            start.addTimeInterval(3_600 * 5 + 17)
        }
    }
}
