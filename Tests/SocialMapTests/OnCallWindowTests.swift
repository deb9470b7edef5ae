import Foundation
import SchakelProtocol
import Testing

@testable import SocialMap

/// On-call windows (`on_call` on a contact): weekly, by the wall clock in Amsterdam, past midnight when `to` is not
/// after `from`, and right on the nights the clocks change.
@Suite struct OnCallWindowTests {
    static func at(_ text: String) throws -> Date { try #require(RFC3339.parse(text)) }

    static func contact(_ windows: [OnCallWindow]?) -> ContactPerson {
        ContactPerson(
            id: "contact:crisis", organization: "org:ggz", name: "C", phone: "1", email: "c@x", domains: ["health"],
            capacity: 5, onCall: windows)
    }

    static let fridayNight = OnCallWindow(days: ["fri"], from: "17:00", to: "09:00")

    @Test func aNightWindowRunsFromTheEveningOfItsDayIntoTheNextMorning() throws {
        let crisis = Self.contact([Self.fridayNight])
        // January: Amsterdam is UTC+1. Friday 9 January 2026.
        #expect(!crisis.isOnCall(at: try Self.at("2026-01-09T15:59:59Z")))  // Friday 16:59:59
        #expect(crisis.isOnCall(at: try Self.at("2026-01-09T16:00:00Z")))  // Friday 17:00
        #expect(crisis.isOnCall(at: try Self.at("2026-01-09T23:30:00Z")))  // Saturday 00:30
        #expect(crisis.isOnCall(at: try Self.at("2026-01-10T07:59:59Z")))  // Saturday 08:59:59
        #expect(!crisis.isOnCall(at: try Self.at("2026-01-10T08:00:00Z")))  // Saturday 09:00
        // The window belongs to Friday: Saturday evening and Thursday night are not in it.
        #expect(!crisis.isOnCall(at: try Self.at("2026-01-10T17:00:00Z")))
        #expect(!crisis.isOnCall(at: try Self.at("2026-01-08T23:00:00Z")))
    }

    @Test func theLocalHoursHoldInSummerToo() throws {
        let crisis = Self.contact([Self.fridayNight])
        // July: UTC+2. Friday 10 July 2026, 17:00 local is 15:00Z.
        #expect(!crisis.isOnCall(at: try Self.at("2026-07-10T14:59:00Z")))
        #expect(crisis.isOnCall(at: try Self.at("2026-07-10T15:00:00Z")))
        #expect(crisis.isOnCall(at: try Self.at("2026-07-11T06:59:00Z")))
        #expect(!crisis.isOnCall(at: try Self.at("2026-07-11T07:00:00Z")))
    }

    @Test func aSundayNightWindowRunsIntoMondayOfTheNextWeek() throws {
        let crisis = Self.contact([OnCallWindow(days: ["sun"], from: "22:00", to: "06:00")])
        // Sunday 6 December 2026, UTC+1.
        #expect(crisis.isOnCall(at: try Self.at("2026-12-06T21:00:00Z")))  // Sunday 22:00
        #expect(crisis.isOnCall(at: try Self.at("2026-12-07T04:59:00Z")))  // Monday 05:59
        #expect(!crisis.isOnCall(at: try Self.at("2026-12-07T05:00:00Z")))  // Monday 06:00
        #expect(!crisis.isOnCall(at: try Self.at("2026-12-07T21:00:00Z")))  // Monday 22:00
    }

    @Test func aWindowWhoseEndIsItsStartCoversAWholeDay() throws {
        let crisis = Self.contact([OnCallWindow(days: ["sat"], from: "09:00", to: "09:00")])
        // Saturday 12 December 2026 09:00 local until Sunday 09:00.
        #expect(!crisis.isOnCall(at: try Self.at("2026-12-12T07:59:00Z")))
        #expect(crisis.isOnCall(at: try Self.at("2026-12-12T08:00:00Z")))
        #expect(crisis.isOnCall(at: try Self.at("2026-12-13T07:59:00Z")))
        #expect(!crisis.isOnCall(at: try Self.at("2026-12-13T08:00:00Z")))
        let midnight = Self.contact([OnCallWindow(days: ["mon"], from: "00:00", to: "00:00")])
        #expect(midnight.isOnCall(at: try Self.at("2026-12-06T23:00:00Z")))  // Monday 00:00
        #expect(midnight.isOnCall(at: try Self.at("2026-12-07T22:59:00Z")))  // Monday 23:59
        #expect(!midnight.isOnCall(at: try Self.at("2026-12-07T23:00:00Z")))  // Tuesday 00:00
    }

    @Test func aNightWindowIsShorterWhenTheClocksGoForwardAndLongerWhenTheyGoBack() throws {
        let saturdayNight = Self.contact([OnCallWindow(days: ["sat"], from: "17:00", to: "09:00")])
        func hoursOnCall(from start: String) throws -> Int {
            let begin = try Self.at(start)
            return (0..<(24 * 60)).filter { saturdayNight.isOnCall(at: begin.addingTimeInterval(Double($0) * 60)) }
                .count / 60
        }
        // 28/29 March 2026: 17:00 CET (16:00Z) until 09:00 CEST (07:00Z).
        #expect(try hoursOnCall(from: "2026-03-28T12:00:00Z") == 15)
        #expect(saturdayNight.isOnCall(at: try Self.at("2026-03-29T06:59:00Z")))
        #expect(!saturdayNight.isOnCall(at: try Self.at("2026-03-29T07:00:00Z")))
        // 24/25 October 2026: 17:00 CEST (15:00Z) until 09:00 CET (08:00Z).
        #expect(try hoursOnCall(from: "2026-10-24T12:00:00Z") == 17)
        #expect(saturdayNight.isOnCall(at: try Self.at("2026-10-24T15:00:00Z")))
        #expect(saturdayNight.isOnCall(at: try Self.at("2026-10-25T07:59:00Z")))
        #expect(!saturdayNight.isOnCall(at: try Self.at("2026-10-25T08:00:00Z")))
    }

    /// The hand-made wall clock against a Gregorian calendar in Europe/Amsterdam, every 37 minutes over two years
    /// (both clock changes of each year included): the same weekday, hour and minute, so the same answer.
    @Test func theWallClockAgreesWithTheCalendarAcrossTwoYears() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "Europe/Amsterdam"))
        let windows = [
            OnCallWindow(days: ["mon", "wed"], from: "02:30", to: "02:15"),
            OnCallWindow(days: ["sun"], from: "23:00", to: "01:00"),
            OnCallWindow(days: ["sat"], from: "01:45", to: "03:10"),
        ]
        var moment = try Self.at("2026-01-01T00:00:00Z")
        let stop = try Self.at("2028-01-01T00:00:00Z")
        var checked = 0
        while moment < stop {
            let c = calendar.dateComponents([.weekday, .hour, .minute], from: moment)
            // Calendar weekdays run from Sunday = 1; the week of the windows starts on Monday.
            let weekday = (c.weekday! + 5) % 7
            #expect(OnCallWindow.wallClock(moment).weekMinute == weekday * 1_440 + c.hour! * 60 + c.minute!)
            for window in windows {
                #expect(
                    window.covers(moment) == Self.reference(window, weekday: weekday, minute: c.hour! * 60 + c.minute!))
            }
            moment.addTimeInterval(37 * 60)
            checked += 1
        }
        #expect(checked > 28_000)
    }

    /// A window by the definition: on one of its days from `from`, or, for one that runs past midnight, on the day
    /// after one of its days until `to`.
    static func reference(_ window: OnCallWindow, weekday: Int, minute: Int) -> Bool {
        let (from, to) = (OnCallWindow.minutes(window.from)!, OnCallWindow.minutes(window.to)!)
        let today = OnCallWindow.dayNames[weekday]
        let yesterday = OnCallWindow.dayNames[(weekday + 6) % 7]
        if to > from { return window.days.contains(today) && from <= minute && minute < to }
        return (window.days.contains(today) && minute >= from) || (window.days.contains(yesterday) && minute < to)
    }

    @Test func withoutWindowsOrWithMalformedOnesNobodyIsOnCall() throws {
        let moment = try Self.at("2026-01-09T20:00:00Z")
        #expect(!Self.contact(nil).isOnCall(at: moment))
        #expect(!Self.contact([]).isOnCall(at: moment))
        for broken in [
            OnCallWindow(days: ["friday"], from: "17:00", to: "09:00"),
            OnCallWindow(days: ["fri"], from: "5 pm", to: "09:00"),
            OnCallWindow(days: ["fri"], from: "17:00", to: "24:00"),
            OnCallWindow(days: [], from: "17:00", to: "09:00"),
        ] {
            #expect(!Self.contact([broken]).isOnCall(at: moment), "\(broken)")
        }
    }

    @Test func timesOfDayAreTwoDigitHoursAndMinutes() {
        for good in ["00:00", "09:05", "17:00", "23:59"] { #expect(OnCallWindow.isTimeOfDay(good), "\(good)") }
        for bad in ["24:00", "9:00", "09:60", "0900", "09:00:00", "", "ab:cd", "-1:00", "09.00", "١٧:٠٠"] {
            #expect(!OnCallWindow.isTimeOfDay(bad), "\(bad)")
        }
        #expect(OnCallWindow.minutes("17:30") == 1_050)
    }

    @Test func windowsDecodeFromTheMapsKeys() throws {
        let json = #"{"days": ["fri", "sat"], "from": "17:00", "to": "09:00"}"#
        let window = try JSONDecoder().decode(OnCallWindow.self, from: Data(json.utf8))
        #expect(window == OnCallWindow(days: ["fri", "sat"], from: "17:00", to: "09:00"))
        let contact = try JSONDecoder().decode(
            ContactPerson.self,
            from: Data(
                #"{"id": "contact:x", "organization": "org:x", "name": "X", "phone": "1", "email": "x@x", "domains": [], "languages": [], "capacity": 1, "on_call": [\#(json)]}"#
                    .utf8))
        #expect(contact.onCall == [window])
        let encoded = try JSONValue.parse(try JSONEncoder().encode(contact))
        #expect(encoded["on_call"]?[0]?["days"] == ["fri", "sat"])
    }

    // MARK: When the next window opens

    @Test func theNextStartIsTheNextTimeTheWallClockReadsIt() throws {
        // Tuesday 1 December 2026 11:00 local; Friday 17:00 local is 4 December 16:00Z.
        let now = try Self.at("2026-12-01T10:00:00Z")
        let friday = Self.fridayNight
        #expect(try Self.nextStart(friday, after: now) == (try Self.at("2026-12-04T16:00:00Z")))
        // Just after a start, the next one is a week later.
        let justAfter = try Self.at("2026-12-04T16:00:01Z")
        #expect(try Self.nextStart(friday, after: justAfter) == (try Self.at("2026-12-11T16:00:00Z")))
        // Across the change to summer time: Friday 3 April 2026 17:00 CEST is 15:00Z.
        #expect(
            try Self.nextStart(friday, after: try Self.at("2026-03-28T12:00:00Z"))
                == (try Self.at("2026-04-03T15:00:00Z")))
    }

    @Test func aStartInTheSkippedHourIsWhenTheClocksGoForward() throws {
        // Sunday 29 March 2026: at 01:00Z the clocks jump from 02:00 to 03:00; a window from 02:30 starts then.
        let window = OnCallWindow(days: ["sun"], from: "02:30", to: "06:00")
        let forward = try Self.at("2026-03-29T01:00:00Z")
        #expect(try Self.nextStart(window, after: try Self.at("2026-03-28T20:00:00Z")) == forward)
        #expect(!Self.contact([window]).isOnCall(at: forward.addingTimeInterval(-1)))
        #expect(Self.contact([window]).isOnCall(at: forward))
        // A window wholly inside the skipped hour does not happen that night: the next is a week later.
        let skipped = OnCallWindow(days: ["sun"], from: "02:00", to: "02:30")
        #expect(
            try Self.nextStart(skipped, after: try Self.at("2026-03-28T20:00:00Z"))
                == (try Self.at("2026-04-05T00:00:00Z")))
    }

    @Test func aStartInTheRepeatedHourComesRoundAgainAfterTheClocksGoBack() throws {
        // Sunday 25 October 2026: 02:00 to 03:00 happens at 00:00Z (CEST) and again at 01:00Z (CET).
        let window = OnCallWindow(days: ["sun"], from: "02:20", to: "02:40")
        let crisis = Self.contact([window])
        #expect(
            try Self.nextStart(window, after: try Self.at("2026-10-24T20:00:00Z"))
                == (try Self.at("2026-10-25T00:20:00Z")))
        // At 02:50 the first time, the clock will read 02:20 again half an hour later.
        let firstTime = try Self.at("2026-10-25T00:50:00Z")
        #expect(!crisis.isOnCall(at: firstTime))
        #expect(try Self.nextStart(window, after: firstTime) == (try Self.at("2026-10-25T01:20:00Z")))
        #expect(crisis.isOnCall(at: try Self.at("2026-10-25T01:20:00Z")))
    }

    /// The next start against a search minute by minute, from random moments around both clock changes.
    @Test func theNextStartIsTheFirstMinuteTheWindowCovers() throws {
        var rng = NationalMap.Generator(seed: 23)
        let around = [try Self.at("2026-03-27T00:00:00Z"), try Self.at("2026-10-23T00:00:00Z")]
        for round in 0..<60 {
            let from = Int.random(in: 0..<96, using: &rng) * 15
            let day = OnCallWindow.dayNames[Int.random(in: 0..<7, using: &rng)]
            let window = OnCallWindow(
                days: [day], from: String(format: "%02d:%02d", from / 60, from % 60),
                to: String(format: "%02d:%02d", (from + 30) % 1_440 / 60, (from + 30) % 60))
            let crisis = Self.contact([window])
            let now = around[round % 2].addingTimeInterval(Double(Int.random(in: 0..<(4 * 86_400), using: &rng)))
            guard !crisis.isOnCall(at: now) else { continue }
            var minute = (now.timeIntervalSince1970 / 60).rounded(.down) * 60 + 60
            while !crisis.isOnCall(at: Date(timeIntervalSince1970: minute)) { minute += 60 }
            #expect(
                try Self.nextStart(window, after: now) == Date(timeIntervalSince1970: minute),
                "\(window) after \(RFC3339.format(now))")
        }
    }

    static func nextStart(_ window: OnCallWindow, after now: Date) throws -> Date {
        let span = try #require(window.spans.first)
        return OnCallWindow.nextStart(of: span, after: now, clock: OnCallWindow.wallClock(now))
    }
}
