import Foundation

/// Dates in a notice: the deadline as the contact's own clock in the Netherlands shows it, and the `Date:` header.
///
/// The names of days and months are tables here, not the system locale: a server often has no `nl_NL` locale
/// installed, and a notice must read the same on every machine.
enum MailDate {
    /// Europe/Amsterdam from tzdata (Makefile `deps` installs it); the fixed winter offset only if it is missing.
    static let amsterdam = TimeZone(identifier: "Europe/Amsterdam") ?? TimeZone(secondsFromGMT: 3_600)!

    /// Indexed by `Calendar` weekday − 1 (Sunday first).
    static let dutchWeekdays = ["zo", "ma", "di", "wo", "do", "vr", "za"]
    static let dutchMonths = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]
    static let englishWeekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let englishMonths = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]

    /// `ma 7 dec 17:00`, in Amsterdam time.
    static func dutch(_ date: Date) -> String {
        let c = components(date, in: amsterdam)
        return "\(dutchWeekdays[c.weekday - 1]) \(c.day) \(dutchMonths[c.month - 1]) \(clock(c))"
    }

    /// `Mon 7 Dec 17:00`, in Amsterdam time.
    static func english(_ date: Date) -> String {
        let c = components(date, in: amsterdam)
        return "\(englishWeekdays[c.weekday - 1]) \(c.day) \(englishMonths[c.month - 1]) \(clock(c))"
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

    private static func clock(_ c: Parts) -> String { "\(two(c.hour)):\(two(c.minute))" }

    private static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
