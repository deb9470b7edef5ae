/// An ISO 8601 duration (`PT30S`, `PT2H`, `P3D`, `P8W`) as the configuration writes them.
///
/// Years and months have no fixed length and are refused; the policies that need calendar
/// arithmetic work in days and weeks.
public struct ISODuration: Sendable, Equatable, Hashable, CustomStringConvertible {
    public let text: String
    public let seconds: Double

    public init?(_ text: String) {
        let pattern = #"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$"#
        guard text.range(of: pattern, options: .regularExpression) != nil, text != "P", !text.hasSuffix("T") else {
            return nil
        }
        var total = 0.0
        var number = ""
        var inTime = false
        for ch in text.dropFirst() {
            if ch == "T" {
                inTime = true
            } else if ch.isNumber || ch == "." {
                number.append(ch)
            } else {
                let value = Double(number) ?? 0
                number = ""
                switch (ch, inTime) {
                case ("W", false): total += value * 7 * 86_400
                case ("D", false): total += value * 86_400
                case ("H", true): total += value * 3_600
                case ("M", true): total += value * 60
                case ("S", true): total += value
                default: return nil
                }
            }
        }
        self.text = text
        self.seconds = total
    }

    public var description: String { text }
}
