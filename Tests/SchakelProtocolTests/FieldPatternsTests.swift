import Foundation
import Testing

@testable import SchakelProtocol

/// The hand-written field checks must accept and refuse exactly what the regular expressions
/// did: each is compared with the original on thousands of generated near-misses.
@Suite struct FieldPatternsTests {
    static let patterns = [
        ReferralValidator.municipalityPattern, ReferralValidator.postcodePattern, ReferralValidator.languagePattern,
        ReferralValidator.emailPattern, ReferralValidator.phonePattern, PeerRequest.principalPattern,
    ]
    static let valid = [
        "GM0344", "3511 AB", "3511AB", "nl", "ar", "zh-Hant-TW", "en-GB", "m.dejong@huisarts-de-brug.example",
        "+31 30 000 2001", "030-1234567", "(030) 123 4567", "org:huisarts-de-brug", "contact:wonen-bram",
    ]
    static let alphabet = Array(
        "GMOSgmorcntat0123456789 -+()@:.ABZaz_\n\r\t\u{0B}\u{0C}\u{85}\u{A0}\u{2028}\u{3000}٣éÅ😀")

    @Test func everyPatternAgreesWithItsRegularExpression() {
        var random = SplitMix(seed: 7)
        var samples = Self.valid
        for _ in 0..<4_000 {
            var text = Array(Self.valid[random.below(Self.valid.count)])
            for _ in 0..<random.below(3) {
                let choice = random.below(4)
                let position = text.isEmpty ? 0 : random.below(text.count)
                let character = Self.alphabet[random.below(Self.alphabet.count)]
                switch choice {
                case 0 where !text.isEmpty: text[position] = character
                case 1: text.insert(character, at: position)
                case 2 where !text.isEmpty: text.remove(at: position)
                default: text.append(character)
                }
            }
            samples.append(String(text))
            samples.append(String((0..<random.below(12)).map { _ in Self.alphabet[random.below(Self.alphabet.count)] }))
        }
        samples += ["", "GM0344\n", "a@b\n", "a@b\r\n", "+31 30 000 2001\u{2028}", "nl\n", "org:x\n", "a b@c"]
        samples += [
            "GM03445", "0511 AB", "3511  AB", "nl-", "n", "nlde-x", "@b", "a@", "a@@b", "+ 31 30 000", "org:-x",
        ]
        samples.append("contact:" + String(repeating: "a", count: 100))
        samples.append("contact:" + String(repeating: "a", count: 101))
        samples.append("+1" + String(repeating: "2", count: 30))
        samples.append("+1" + String(repeating: "2", count: 31))
        for pattern in Self.patterns {
            for text in samples {
                #expect(
                    FieldPatterns.matches(text, pattern) == FieldPatterns.regexMatches(text, pattern),
                    "\(pattern) on \(text.debugDescription)")
            }
        }
    }

    @Test func rfc3339AgreesWithTheCalendarParser() {
        var random = SplitMix(seed: 11)
        let alphabet = Array("0123456789-:TtZz+.x \n٣")
        var samples = [
            "2026-11-23T09:30:00+01:00", "2026-11-23t09:30:00z", "2026-02-29T00:00:00Z", "2024-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z", "2026-12-31T23:59:60Z", "2026-12-30T23:59:60Z", "1500-02-29T12:00:00Z",
            "1582-10-10T00:00:00Z", "1600-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-11-23T09:30:00.123456789Z",
            "2026-11-23T09:30:00.1234567890Z", "2026-11-23T09:30:00.Z", "2026-11-23T24:00:00Z",
            "2026-11-23T09:30:00+24:00", "2026-11-23T09:30:00-23:59", "2026-00-10T00:00:00Z", "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z", "2026-11-23T09:30:00Z\n", "٢٠٢٦-11-23T09:30:00Z", "2026-11-23 09:30:00Z",
        ]
        for _ in 0..<5_000 {
            let year = [random.below(10_000), 1600 + random.below(800), 1500 + random.below(200)][random.below(3)]
            let fraction = random.below(3) == 0 ? "." + String(repeating: "7", count: random.below(11)) : ""
            let zone = ["Z", "z", "+01:00", "-05:30", "+23:59", "+24:00", "-00:60"][random.below(7)]
            var text = Array(
                String(
                    format: "%04d-%02d-%02dT%02d:%02d:%02d", year, random.below(14), random.below(33), random.below(25),
                    random.below(61), random.below(62)) + fraction + zone)
            if random.below(3) == 0 {
                text[random.below(text.count)] = alphabet[random.below(alphabet.count)]
            }
            samples.append(String(text))
        }
        for text in samples {
            #expect(RFC3339.parse(text) == RFC3339.parseWithCalendar(text), "\(text.debugDescription)")
        }
    }
}
