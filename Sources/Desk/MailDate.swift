import Foundation

/// Dates in a notice: the deadline as the contact's own clock in the Netherlands shows it, and the `Date:` header.
///
/// The names of days and months are tables here, not the system locale: a server often has no `nl_NL` locale
/// installed, and a notice must read the same on every machine.
enum MailDate {
    /// RFC 5322's day and month names (English), indexed by `Calendar` weekday − 1 (Sunday first).
    static let englishWeekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let englishMonths = Words.english.months

    /// `ma 7 dec 17:00`, in Amsterdam time: as the desk's pages write it (``DeadlineText``).
    static func dutch(_ date: Date) -> String {
        DeadlineText(words: .dutch).moment(date)
    }

    /// `Mon 7 Dec 17:00`, in Amsterdam time.
    static func english(_ date: Date) -> String {
        DeadlineText(words: .english).moment(date)
    }

    /// `Mon, 07 Dec 2026 16:00:00 +0000` (RFC 5322 section 3.3, in UTC: the reader's program shows local time).
    static func rfc5322(_ date: Date) -> String {
        let c = components(date, in: TimeZone(secondsFromGMT: 0)!)
        return "\(englishWeekdays[c.weekday - 1]), \(two(c.day)) \(englishMonths[c.month - 1]) \(c.year) "
            + "\(two(c.hour)):\(two(c.minute)):\(two(c.second)) +0000"
    }

    private struct Parts {
        var year, month, day, weekday, hour, minute, second: Int
    }

    private static func components(_ date: Date, in zone: TimeZone) -> Parts {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day, .weekday, .hour, .minute, .second], from: date)
        return Parts(
            year: c.year ?? 1970, month: c.month ?? 1, day: c.day ?? 1, weekday: c.weekday ?? 1, hour: c.hour ?? 0,
            minute: c.minute ?? 0, second: c.second ?? 0)
    }

    private static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
