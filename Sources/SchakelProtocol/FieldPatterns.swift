import Foundation

/// Hand-written matchers for the regular expressions SRP/1 checks fields against.
///
/// `String.range(of:options: .regularExpression)` compiles an NSRegularExpression on every
/// call; with six patterns per SUBMIT that was a tenth of the daemon's work. The matchers take
/// only text made of printable ASCII (U+0020 to U+007E), where a pattern's meaning is plain:
/// `\s` is the space, `\d` is 0-9, and `$` has no line terminator to stop before. Anything else
/// (a newline, non-ASCII digits or spaces) goes to the regular expression as before, so every
/// input is accepted or refused exactly as it was; the unit tests check both paths agree.
enum FieldPatterns {
    /// Whether `text` matches `^(?:pattern)$`, as `range(of:options: .regularExpression)` says.
    static func matches(_ text: String, _ pattern: String) -> Bool {
        if let matcher = matchers[pattern], isPrintableASCII(text) {
            return matcher(Array(text.utf8))
        }
        return regexMatches(text, pattern)
    }

    /// The original check, kept for text outside printable ASCII and for other patterns.
    static func regexMatches(_ text: String, _ pattern: String) -> Bool {
        text.range(of: "^(?:\(pattern))$", options: .regularExpression) != nil
    }

    static func isPrintableASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { (0x20...0x7E).contains($0) }
    }

    private static let matchers: [String: @Sendable ([UInt8]) -> Bool] = [
        ReferralValidator.municipalityPattern: municipality,
        ReferralValidator.postcodePattern: postcode,
        ReferralValidator.languagePattern: language,
        ReferralValidator.emailPattern: email,
        ReferralValidator.phonePattern: phone,
        PeerRequest.principalPattern: principal,
    ]

    private static func isDigit(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) }
    private static func isUpper(_ b: UInt8) -> Bool { (0x41...0x5A).contains(b) }
    private static func isLower(_ b: UInt8) -> Bool { (0x61...0x7A).contains(b) }
    private static func isLetter(_ b: UInt8) -> Bool { isUpper(b) || isLower(b) }

    /// `GM[0-9]{4}`
    static func municipality(_ s: [UInt8]) -> Bool {
        s.count == 6 && s[0] == UInt8(ascii: "G") && s[1] == UInt8(ascii: "M") && s[2...].allSatisfy(isDigit)
    }

    /// `[1-9][0-9]{3} ?[A-Z]{2}`
    static func postcode(_ s: [UInt8]) -> Bool {
        guard s.count == 6 || s.count == 7, (0x31...0x39).contains(s[0]), s[1...3].allSatisfy(isDigit) else {
            return false
        }
        if s.count == 7 && s[4] != UInt8(ascii: " ") { return false }
        return s.suffix(2).allSatisfy(isUpper)
    }

    /// `[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*`
    static func language(_ s: [UInt8]) -> Bool {
        let parts = s.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard let first = parts.first, (2...3).contains(first.count), first.allSatisfy(isLetter) else { return false }
        return parts.dropFirst().allSatisfy { part in
            (2...8).contains(part.count) && part.allSatisfy { isLetter($0) || isDigit($0) }
        }
    }

    /// `[^@\s]+@[^@\s]+` (in printable ASCII, `\s` is only the space)
    static func email(_ s: [UInt8]) -> Bool {
        guard !s.contains(UInt8(ascii: " ")) else { return false }
        let parts = s.split(separator: UInt8(ascii: "@"), omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty
    }

    /// `\+?[0-9][0-9 ()-]{5,30}`
    static func phone(_ s: [UInt8]) -> Bool {
        let body = s.first == UInt8(ascii: "+") ? s.dropFirst() : s[...]
        guard let first = body.first, isDigit(first), (5...30).contains(body.count - 1) else { return false }
        return body.dropFirst().allSatisfy {
            isDigit($0) || $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "(") || $0 == UInt8(ascii: ")")
                || $0 == UInt8(ascii: "-")
        }
    }

    /// `(org|contact|portal):[a-z0-9][a-z0-9-]{0,99}`
    static func principal(_ s: [UInt8]) -> Bool {
        let rest: ArraySlice<UInt8>
        if s.starts(with: Array("org:".utf8)) {
            rest = s.dropFirst(4)
        } else if s.starts(with: Array("contact:".utf8)) {
            rest = s.dropFirst(8)
        } else if s.starts(with: Array("portal:".utf8)) {
            rest = s.dropFirst(7)
        } else {
            return false
        }
        guard let first = rest.first, isLower(first) || isDigit(first), (0...99).contains(rest.count - 1) else {
            return false
        }
        return rest.dropFirst().allSatisfy { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "-") }
    }
}
