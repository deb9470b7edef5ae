/// An ISO 8601 duration (`PT30S`, `PT2H`, `P3D`, `P8W`) as the configuration writes them.
///
/// The parts are kept apart, not only summed into seconds, because a business-calendar
/// deadline treats them differently: `P3D` is three working days, `PT8H` eight working hours.
/// Years and months have no fixed length and are refused; the policies work in days and weeks.
public struct ISODuration: Sendable, Equatable, Hashable, CustomStringConvertible {
    public let text: String
    public let weeks: Int
    public let days: Int
    public let hours: Int
    public let minutes: Int
    /// The seconds part alone (`PT1M30S` → 30).
    public let secondsPart: Double

    /// The whole duration in seconds of wall-clock time (a day counted as 86,400 s).
    public var seconds: Double {
        Double(weeks * 7 + days) * 86_400 + timeSeconds
    }

    /// The days part including weeks, for calendar arithmetic.
    public var totalDays: Int { weeks * 7 + days }

    /// The time part (hours, minutes, seconds) in seconds.
    public var timeSeconds: Double { Double(hours) * 3_600 + Double(minutes) * 60 + secondsPart }

    public init?(_ text: String) {
        let pattern = #"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$"#
        guard text.range(of: pattern, options: .regularExpression) != nil, text != "P", !text.hasSuffix("T") else {
            return nil
        }
        var parts: [Character: Double] = [:]
        var number = ""
        var inTime = false
        for ch in text.dropFirst() {
            if ch == "T" {
                inTime = true
            } else if ch.isNumber || ch == "." {
                number.append(ch)
            } else {
                // W and D only before T, H only after it; M after T means minutes.
                guard (inTime && "HMS".contains(ch)) || (!inTime && "WD".contains(ch)) else { return nil }
                parts[ch] = Double(number) ?? 0
                number = ""
            }
        }
        self.text = text
        self.weeks = Int(parts["W"] ?? 0)
        self.days = Int(parts["D"] ?? 0)
        self.hours = Int(parts["H"] ?? 0)
        self.minutes = Int(parts["M"] ?? 0)
        self.secondsPart = parts["S"] ?? 0
    }

    /// A duration of whole seconds, written as `PT<n>S`.
    ///
    /// Built directly rather than parsed: the business calendar makes one for every reminder it schedules, and
    /// the pattern match of ``init(_:)`` cost more than the rest of the deadline arithmetic.
    public init(seconds: Int) {
        let seconds = max(0, seconds)
        text = "PT\(seconds)S"
        weeks = 0
        days = 0
        hours = 0
        minutes = 0
        secondsPart = Double(seconds)
    }

    public var description: String { text }
}
