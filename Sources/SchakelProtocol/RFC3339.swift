import Foundation

/// RFC 3339 timestamps, the only date format on the wire.
///
/// Written out by hand because the Foundation formatters are either not `Sendable` or do not
/// accept both fractional seconds and numeric offsets.
public enum RFC3339 {
    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; nil for anything else.
    ///
    /// Printable ASCII from the year 1600 on is read by hand; anything else (non-ASCII digits,
    /// the Julian dates a Gregorian `Calendar` gives before 1583) the original way, with a
    /// regular expression and a `Calendar`, which cost a few percent of the daemon per SUBMIT.
    public static func parse(_ text: String) -> Date? {
        guard FieldPatterns.isPrintableASCII(text) else { return parseWithCalendar(text) }
        let c = Array(text.utf8)
        func digits(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                guard i < c.count, (0x30...0x39).contains(c[i]) else { return nil }
                value = value * 10 + Int(c[i] - 0x30)
            }
            return value
        }
        func at(_ i: Int, _ characters: String) -> Bool { i < c.count && characters.utf8.contains(c[i]) }
        guard let year = digits(0..<4), at(4, "-"), let month = digits(5..<7), at(7, "-"), let day = digits(8..<10),
            at(10, "Tt"), let hour = digits(11..<13), at(13, ":"), let minute = digits(14..<16), at(16, ":"),
            let second = digits(17..<19)
        else { return nil }
        var index = 19
        var fraction = 0.0
        if at(index, ".") {
            var end = index + 1
            while end < c.count, (0x30...0x39).contains(c[end]) { end += 1 }
            guard (1...9).contains(end - index - 1) else { return nil }
            fraction = Double("0." + String(decoding: c[(index + 1)..<end], as: UTF8.self)) ?? 0
            index = end
        }
        var offsetSeconds = 0
        if at(index, "Zz"), index + 1 == c.count {
            offsetSeconds = 0
        } else if at(index, "+-"), index + 6 == c.count, let oh = digits((index + 1)..<(index + 3)),
            at(index + 3, ":"), let om = digits((index + 4)..<(index + 6))
        {
            guard oh < 24, om < 60 else { return nil }
            offsetSeconds = (c[index] == UInt8(ascii: "-") ? -1 : 1) * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        guard year >= 1600 else { return parseWithCalendar(text) }
        // The Calendar rolled an impossible day (or 23:59:60) into the next day and was refused.
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard day <= monthDays, !(hour == 23 && minute == 59 && second == 60) else { return nil }
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = y / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return Date(timeIntervalSince1970: TimeInterval(seconds)).addingTimeInterval(fraction - Double(offsetSeconds))
    }

    /// The original parser: a regular expression, then a Gregorian `Calendar`.
    static func parseWithCalendar(_ text: String) -> Date? {
        let pattern = #"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$"#
        guard let match = text.range(of: pattern, options: .regularExpression), match == text.startIndex..<text.endIndex
        else { return nil }
        let chars = Array(text)
        func number(_ from: Int, _ length: Int) -> Int { Int(String(chars[from..<from + length])) ?? -1 }
        let (year, month, day) = (number(0, 4), number(5, 2), number(8, 2))
        let (hour, minute, second) = (number(11, 2), number(14, 2), number(17, 2))
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var index = 19
        var fraction = 0.0
        if index < chars.count, chars[index] == "." {
            var digits = ""
            index += 1
            while index < chars.count, chars[index].isNumber {
                digits.append(chars[index])
                index += 1
            }
            fraction = Double("0." + digits) ?? 0
        }
        var offsetSeconds = 0
        if chars[index] != "Z", chars[index] != "z" {
            let sign = chars[index] == "-" ? -1 : 1
            let oh = number(index + 1, 2)
            let om = number(index + 4, 2)
            guard oh < 24, om < 60 else { return nil }
            offsetSeconds = sign * (oh * 3600 + om * 60)
        }
        var components = DateComponents()
        components.year = year
        components.month = month
        components.day = day
        components.hour = hour
        components.minute = minute
        components.second = second
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        guard let date = calendar.date(from: components), calendar.component(.day, from: date) == day else {
            return nil
        }
        return date.addingTimeInterval(fraction - Double(offsetSeconds))
    }

    /// Formats in UTC with second precision, `2026-11-23T09:30:00Z`.
    ///
    /// Computed by hand (days to civil date, Howard Hinnant's algorithm): a `Calendar` here opened
    /// time zone files on every call, several times per referral. The digits go straight into the
    /// string's 20 bytes: built from `String(value)` pieces it cost 8,000 instructions a call, and a
    /// referral makes some nine of these (issue 22).
    public static func format(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let fields = [year, month, day, secondOfDay / 3_600, secondOfDay % 3_600 / 60, secondOfDay % 60]
        guard (0...9_999).contains(year) else { return formatWide(fields) }
        return String(unsafeUninitializedCapacity: 20) { text in
            // `YYYY-MM-DDTHH:MM:SSZ`: each field's digits end just before its separator.
            var end = 0
            for (field, (width, separator)) in zip(fields, layout) {
                var value = field
                for i in stride(from: end + width - 1, through: end, by: -1) {
                    text[i] = UInt8(truncatingIfNeeded: 0x30 + value % 10)
                    value /= 10
                }
                text[end + width] = separator
                end += width + 1
            }
            return end
        }
    }

    /// The width and the byte after each of ``format(_:)``'s fields.
    private static let layout: [(Int, UInt8)] = [
        (4, UInt8(ascii: "-")), (2, UInt8(ascii: "-")), (2, UInt8(ascii: "T")), (2, UInt8(ascii: ":")),
        (2, UInt8(ascii: ":")), (2, UInt8(ascii: "Z")),
    ]

    /// A year before 0 or after 9999: written as it comes, with at least four digits (never on the wire, where a
    /// date is checked first; a manual clock or a careless policy can still ask).
    private static func formatWide(_ fields: [Int64]) -> String {
        var text = ""
        for (field, (width, separator)) in zip(fields, layout) {
            let digits = String(field)
            if digits.count < width { text += String(repeating: "0", count: width - digits.count) }
            text += digits
            text.unicodeScalars.append(Unicode.Scalar(separator))
        }
        return text
    }
}
