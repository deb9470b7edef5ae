import Foundation

/// A weekly window in which a contact person can be reached out of office hours: on each of `days`, from `from`
/// until `to`, by the clock on the wall in Amsterdam (`"17:00"`, `"09:00"`).
///
/// A window whose `to` is not after its `from` runs past midnight and ends at `to` on the next day; it belongs to the
/// day it starts on, so `{"days": ["sun"], "from": "17:00", "to": "09:00"}` covers Sunday evening and Monday
/// morning, and `from` equal to `to` covers a whole day from that time on. The wall clock decides, so a window
/// keeps its local hours through the clock changes: a night window from 17:00 to 09:00 lasts 15 hours on the night
/// the clocks go forward and 17 on the night they go back; the hour from 02:00 that the clocks skip in March never
/// happens, and the one they repeat in October counts both times. Matching asks who is on call for a crisis out of
/// hours (``MatchRequest/onCallOnly``).
public struct OnCallWindow: Sendable, Equatable, Codable {
    /// `mon` … `sun`: the days the window starts on.
    public var days: [String]
    /// `HH:MM`, 00:00 to 23:59.
    public var from: String
    /// `HH:MM`; at or before `from` for a window that ends the next day.
    public var to: String

    public init(days: [String], from: String, to: String) {
        self.days = days
        self.from = from
        self.to = to
    }

    /// The names of the days, Monday first: a window's days must be among them.
    public static let dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// Whether this window covers `moment` (false for a window that is not well-formed, which a loaded map has not).
    public func covers(_ moment: Date) -> Bool {
        covers(weekMinute: Self.wallClock(moment).weekMinute)
    }

    /// Whether this window covers the minute `weekMinute` of the week on the wall clock (``wallClock(_:)``).
    func covers(weekMinute: Int) -> Bool {
        spans.contains { $0.covers(weekMinute) }
    }

    /// The minutes of the week this window covers, one span per day; none when the window is not well-formed.
    var spans: [Span] {
        guard let start = Self.minutes(from), let end = Self.minutes(to) else { return [] }
        let length = end > start ? end - start : end + Self.minutesPerDay - start
        return days.compactMap { day in
            Self.dayNames.firstIndex(of: day).map { d in
                let first = d * Self.minutesPerDay + start
                return Span(start: Int32(first), end: Int32(first + length))
            }
        }
    }

    /// A stretch of the week in minutes since Monday 00:00 on the wall clock: `start` inclusive, `end` exclusive.
    /// `end` goes past ``minutesPerWeek`` for a Sunday window that ends on Monday.
    struct Span: Hashable {
        var start: Int32
        var end: Int32

        /// Whether the span covers `weekMinute` (0 ..< ``minutesPerWeek``), this week or, for a span that runs into
        /// the next one, in its first hours.
        @inline(__always)
        func covers(_ weekMinute: Int) -> Bool {
            let m = Int32(weekMinute)
            return (start <= m && m < end) || m + Int32(OnCallWindow.minutesPerWeek) < end
        }
    }

    static let minutesPerDay = 1_440
    static let minutesPerWeek = 7 * 1_440

    /// The minutes since midnight of an `HH:MM` time of day (00:00 to 23:59), or nil for anything else.
    static func minutes(_ text: String) -> Int? {
        let b = Array(text.utf8)
        guard b.count == 5, b[2] == UInt8(ascii: ":") else { return nil }
        let digits = [b[0], b[1], b[3], b[4]].map { Int($0) - 0x30 }
        guard digits.allSatisfy({ (0...9).contains($0) }) else { return nil }
        let (hours, minutes) = (digits[0] * 10 + digits[1], digits[2] * 10 + digits[3])
        guard hours < 24, minutes < 60 else { return nil }
        return hours * 60 + minutes
    }

    /// Whether `text` is `HH:MM`, 00:00 to 23:59.
    static func isTimeOfDay(_ text: String) -> Bool { minutes(text) != nil }

    /// Whether `text` is one of ``dayNames``.
    static func isDay(_ text: String) -> Bool { dayNames.contains(text) }

    // MARK: The wall clock in Amsterdam

    /// Where the wall clock in Amsterdam stands at `moment`: the minute of the week (0 is Monday 00:00) and the local
    /// time in seconds since 1970 as if it were UTC. One offset lookup, no Calendar: matching asks this once per
    /// request.
    static func wallClock(_ moment: Date) -> (weekMinute: Int, local: Int) {
        let seconds = Int(moment.timeIntervalSince1970.rounded(.down))
        let local = seconds + Absence.amsterdam.secondsFromGMT(for: moment)
        let day = local.floorDiv(86_400)
        // 1 January 1970 was a Thursday, day 3 of a week that starts on Monday.
        let weekday = (day + 3).floorMod(7)
        return (weekday * minutesPerDay + (local - day * 86_400) / 60, local)
    }

    /// The first moment after `moment` at which `span` starts by the wall clock, given the wall clock at `moment`
    /// (``wallClock(_:)``).
    ///
    /// Usually the next time the clock reads the span's first minute; but the clocks going back can bring a start
    /// that has just passed round again within the hour, and a span that starts in the hour the clocks skip starts
    /// when they go forward (or, when it ends in that hour too, not that day at all).
    static func nextStart(of span: Span, after moment: Date, clock: (weekMinute: Int, local: Int)) -> Date {
        let weekStart = clock.local - clock.local.floorMod(60) - clock.weekMinute * 60
        for week in 0...2 {
            let local = weekStart + (Int(span.start) + week * minutesPerWeek) * 60
            // A reading more than two hours behind the wall clock cannot come after `moment`.
            guard local > clock.local - 7_200, let next = Self.moment(atLocal: local, after: moment),
                span.covers(wallClock(next).weekMinute)
            else { continue }
            return next
        }
        // Unreachable: the clock reads every minute of the week once a week, and skips none two weeks running.
        return moment.addingTimeInterval(Double(minutesPerWeek * 60))
    }

    /// The earliest moment after `moment` at which the wall clock in Amsterdam reads the local time `local` (seconds
    /// since 1970 as if local were UTC), or, when the clocks skip that time, the moment they go forward past it; nil
    /// when that moment is not after `moment`.
    static func moment(atLocal local: Int, after moment: Date) -> Date? {
        let zone = Absence.amsterdam
        func offset(_ seconds: Int) -> Int { zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds))) }
        // The offsets in force around that time: a day either side covers any clock change.
        let (a, b) = (offset(local - 86_400), offset(local + 86_400))
        let after = moment.timeIntervalSince1970
        // A reading is real when the offset at the moment it gives is the offset it assumed; in October's repeated
        // hour both are.
        let readings = Set([a, b]).map { local - $0 }.filter { offset($0) == local - $0 }.sorted()
        if !readings.isEmpty {
            return readings.first { Double($0) > after }.map { Date(timeIntervalSince1970: Double($0)) }
        }
        // Skipped: find the clock change between the two readings, to the second.
        var (lo, hi) = (local - max(a, b), local - min(a, b))
        let before = offset(lo)
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if offset(mid) == before { lo = mid } else { hi = mid }
        }
        return Double(hi) > after ? Date(timeIntervalSince1970: Double(hi)) : nil
    }
}

extension Int {
    /// Division rounding towards minus infinity.
    fileprivate func floorDiv(_ d: Int) -> Int { (self - floorMod(d)) / d }

    /// The remainder of ``floorDiv(_:)``: 0 ..< d for a positive d.
    fileprivate func floorMod(_ d: Int) -> Int { ((self % d) + d) % d }
}
