import Deadlines
import Foundation

/// Deadlines as a contact person reads them: "vóór ma 7 dec 17:00 (nog 2 werkdagen)", in Amsterdam's wall clock
/// and counted in working days of the business calendar, because "ack_by 2026-12-07T16:00:00Z" is what made
/// offers wait unseen. Pure: `now` is a parameter (the broker's now on the manual clock).
public struct DeadlineText: Sendable {
    public var calendar: BusinessCalendar
    public var words: Words

    public init(calendar: BusinessCalendar = .standard, words: Words) {
        self.calendar = calendar
        self.words = words
    }

    /// Europe/Amsterdam from tzdata (Makefile `deps` installs it); the fixed winter offset only if it is missing.
    static let zone = TimeZone(identifier: "Europe/Amsterdam") ?? TimeZone(secondsFromGMT: 3_600)!

    /// "ma 7 dec 17:00" (Dutch) or "Mon 7 Dec 17:00" (English).
    public func moment(_ date: Date) -> String {
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = Self.zone
        let c = gregorian.dateComponents([.weekday, .day, .month, .hour, .minute], from: date)
        let weekday = words.weekdays[((c.weekday ?? 1) + 5) % 7]  // Calendar: 1 = Sunday; the table starts Monday
        let month = words.months[(c.month ?? 1) - 1]
        let time = String(format: "%02d:%02d", c.hour ?? 0, c.minute ?? 0)
        return "\(weekday) \(c.day ?? 0) \(month) \(time)"
    }

    /// "ma 7 dec" without the time, for a date of first contact.
    public func day(_ date: Date) -> String {
        let full = moment(date)
        return String(full[..<(full.lastIndex(of: " ") ?? full.endIndex)])
    }

    /// How long is left, in words: minutes or hours within a day, else working days; "verlopen" once passed.
    public func remaining(until deadline: Date, now: Date) -> String {
        let seconds = deadline.timeIntervalSince(now)
        if seconds <= 0 { return words.passed }
        if seconds < 3_600 { return words.minutesLeft(max(1, Int(seconds / 60))) }
        if seconds < 86_400 { return words.hoursLeft(Int(seconds / 3_600)) }
        return words.workingDaysLeft(workingDays(from: now, to: deadline))
    }

    /// "vóór ma 7 dec 17:00 (nog 2 werkdagen)".
    public func due(_ deadline: Date, now: Date) -> String {
        "\(words.before) \(moment(deadline)) (\(remaining(until: deadline, now: now)))"
    }

    /// The working days after today up to and including the deadline's day.
    func workingDays(from now: Date, to deadline: Date) -> Int {
        let first = calendar.localDate(of: now).dayNumber + 1
        let last = calendar.localDate(of: deadline).dayNumber
        guard last >= first else { return 0 }
        return (first...last).filter { calendar.isWorkingDay(LocalDate(dayNumber: $0)) }.count
    }
}
