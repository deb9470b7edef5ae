import Foundation
import SchakelProtocol

/// Times for people: the wire's UTC timestamps as Europe/Amsterdam wall-clock time with the offset, so that a
/// deadline reads as the contact person's own clock shows it, and the offset says which one (winter or summer).
enum AmsterdamTime {
    private static let zone = TimeZone(identifier: "Europe/Amsterdam") ?? TimeZone(secondsFromGMT: 3_600)!

    /// `2026-11-23 10:00 +01:00` for `2026-11-23T09:00:00Z`; nil when `text` is not an RFC 3339 timestamp.
    static func format(_ text: String) -> String? {
        guard text.count >= 20, text.dropFirst(10).first == "T", let date = RFC3339.parse(text) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        let offset = zone.secondsFromGMT(for: date)
        let sign = offset < 0 ? "-" : "+"
        let day = String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
        let time = String(format: "%02d:%02d", c.hour ?? 0, c.minute ?? 0)
        return "\(day) \(time) \(sign)" + String(format: "%02d:%02d", abs(offset) / 3_600, abs(offset) % 3_600 / 60)
    }

    /// `format(text)`, or `text` itself when it is not a timestamp.
    static func text(_ text: String) -> String { format(text) ?? text }
}
