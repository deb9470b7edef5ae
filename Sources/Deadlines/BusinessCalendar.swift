import Foundation
import SchakelProtocol

/// Working days and hours in Europe/Amsterdam, and deadline arithmetic on them.
///
/// A business deadline of `P3D` is three working days later at the same time of day; `PT8H`
/// is eight working hours, skipping evenings, weekends and closing days. A wall-clock deadline
/// (crisis) ignores all that. The calendar never reads the clock: callers pass `from`.
public struct BusinessCalendar: Sendable {
    public var timeZone: TimeZone
    /// ISO weekdays that are working days (1 = Monday … 7 = Sunday).
    public var workingDays: Set<Int>
    /// Opening and closing time in minutes after local midnight.
    public var opens: Int
    public var closes: Int
    public var liberationDay: DutchHolidays.LiberationDay {
        didSet { holidays = Self.holidayTable(liberationDay) }
    }
    /// Extra closing days from the config (a bridge day, a staff day).
    public var extraClosingDays: Set<LocalDate>

    /// The public holidays of the years deadlines fall in, worked out once: every deadline looks at several days,
    /// and computing Easter and the year's list for each of them was most of the cost of a referral.
    private var holidays: Set<LocalDate>
    static let tabulatedYears = 2000...2100

    /// Monday to Friday, 09:00 to 17:00, Europe/Amsterdam, Liberation Day in lustrum years.
    public static let standard = BusinessCalendar(
        timeZone: TimeZone(identifier: "Europe/Amsterdam") ?? TimeZone(secondsFromGMT: 3_600)!,
        workingDays: [1, 2, 3, 4, 5], opens: 9 * 60, closes: 17 * 60, liberationDay: .lustrum, extraClosingDays: [])

    public init(
        timeZone: TimeZone, workingDays: Set<Int>, opens: Int, closes: Int,
        liberationDay: DutchHolidays.LiberationDay, extraClosingDays: Set<LocalDate>
    ) {
        self.timeZone = timeZone
        self.workingDays = workingDays
        self.opens = opens
        self.closes = closes
        self.liberationDay = liberationDay
        self.extraClosingDays = extraClosingDays
        holidays = Self.holidayTable(liberationDay)
    }

    private static func holidayTable(_ liberationDay: DutchHolidays.LiberationDay) -> Set<LocalDate> {
        Set(tabulatedYears.flatMap { DutchHolidays.holidays($0, liberationDay: liberationDay).map(\.date) })
    }

    /// How a deadline counts time.
    public enum Clock: String, Sendable, Codable {
        case business
        case wall
    }

    /// The point `fraction` of the way to the deadline `duration` after `start`, measured on the
    /// same clock: halfway through three working days is twelve working hours in, not 36 wall hours.
    public func point(_ fraction: Double, of duration: ISODuration, from start: Date, clock: Clock) -> Date {
        switch clock {
        case .wall:
            let end = deadline(from: start, adding: duration, clock: .wall)
            return start.addingTimeInterval(end.timeIntervalSince(start) * fraction)
        case .business:
            let workingDay = Double((closes - opens) * 60)
            let total = Double(duration.totalDays) * workingDay + duration.timeSeconds
            return deadline(from: start, adding: ISODuration(seconds: Int(total * fraction)), clock: .business)
        }
    }

    public func isWorkingDay(_ date: LocalDate) -> Bool {
        guard workingDays.contains(date.weekday), !extraClosingDays.contains(date) else { return false }
        if Self.tabulatedYears.contains(date.year) { return !holidays.contains(date) }
        return !DutchHolidays.holidays(date.year, liberationDay: liberationDay).contains { $0.date == date }
    }

    /// Whether `moment` falls in office hours: on a working day, between opening and closing. Outside them a crisis
    /// offer goes to contacts on call first, and a lapse does not bar a contact who was off duty.
    public func isWorkingTime(_ moment: Date) -> Bool {
        let minutes = minutesOfDay(moment)
        return isWorkingDay(localDate(of: moment)) && minutes >= Double(opens) && minutes < Double(closes)
    }

    /// The moment `duration` after `start`, on the business calendar or the wall clock.
    public func deadline(from start: Date, adding duration: ISODuration, clock: Clock) -> Date {
        switch clock {
        case .wall:
            // Days are calendar days (the same local time, across a clock change), the rest is elapsed time.
            let afterDays =
                duration.totalDays == 0
                ? start
                : moment(localDate(of: start).adding(days: duration.totalDays), minutes: minutesOfDay(start))
            return afterDays.addingTimeInterval(duration.timeSeconds)
        case .business:
            return addBusiness(duration, to: start)
        }
    }

    // MARK: Business arithmetic

    // Local dates and times by arithmetic on the zone's offset rather than with a Foundation `Calendar`: a
    // Calendar call costs tens of thousands of instructions, and every offer computes a deadline and a reminder.
    // The results are the Calendar's (BusinessCalendarTests compares them on every hour of four years).

    /// The day `moment` falls on by this calendar's wall clock (the desk counts "nog 2 werkdagen" with it).
    public func localDate(of moment: Date) -> LocalDate {
        LocalDate(dayNumber: Int((localSeconds(moment) / 86_400).rounded(.down)))
    }

    /// Local midnight plus `minutes` (fractional allowed) on `date`, honouring DST. A local time that does not
    /// exist (the hour skipped in spring) moves forward by the gap, as `Calendar` does.
    func moment(_ date: LocalDate, minutes: Double) -> Date {
        let local = Double(date.dayNumber) * 86_400 + minutes * 60
        let before = Double(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: local - 86_400 / 2)))
        let guess = local - before
        let after = Double(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: guess)))
        if after == before { return Date(timeIntervalSince1970: guess) }
        // The offset changed between noon the day before and the guess: take the offset in force at the moment
        // itself (autumn: the first of a repeated hour; spring: a skipped time lands after the gap).
        let corrected = local - after
        let check = Double(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: corrected)))
        return Date(timeIntervalSince1970: check == after ? corrected : guess)
    }

    /// Minutes after local midnight of `moment`, with fractions.
    func minutesOfDay(_ moment: Date) -> Double {
        let seconds = localSeconds(moment)
        let whole = seconds.rounded(.down)
        var ofDay = Int(whole) % 86_400
        if ofDay < 0 { ofDay += 86_400 }
        // Summed as the Calendar's components were (minutes, then seconds / 60), so deadlines come out identical.
        return Double(ofDay / 60) + Double(ofDay % 60) / 60 + (seconds - whole) / 60
    }

    /// Seconds since 1970-01-01 00:00 in local time.
    private func localSeconds(_ moment: Date) -> Double {
        moment.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: moment))
    }

    func nextWorkingDay(after date: LocalDate) -> LocalDate {
        var next = date.adding(days: 1)
        // A year has at most a couple of dozen closing days in a row; 400 bounds a broken config. (A `for … where`
        // here kept asking about the found day for all 400 rounds.)
        var looked = 0
        while !isWorkingDay(next), looked < 400 {
            next = next.adding(days: 1)
            looked += 1
        }
        return next
    }

    /// `start` if it lies within working hours, otherwise the next opening.
    func clampToWorkingTime(_ start: Date) -> (date: LocalDate, minutes: Double) {
        let date = localDate(of: start)
        let minutes = minutesOfDay(start)
        if isWorkingDay(date) {
            if minutes < Double(opens) { return (date, Double(opens)) }
            if minutes < Double(closes) { return (date, minutes) }
        }
        return (nextWorkingDay(after: date), Double(opens))
    }

    private func addBusiness(_ duration: ISODuration, to start: Date) -> Date {
        var (date, minutes) = clampToWorkingTime(start)
        for _ in 0..<duration.totalDays { date = nextWorkingDay(after: date) }
        var remaining = duration.timeSeconds / 60
        while remaining > 0 {
            let available = Double(closes) - minutes
            if remaining <= available { return moment(date, minutes: minutes + remaining) }
            remaining -= available
            date = nextWorkingDay(after: date)
            minutes = Double(opens)
        }
        return moment(date, minutes: minutes)
    }
}
