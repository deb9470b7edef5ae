import Foundation

/// Header fields that survive any mail system: ASCII only, lines of at most 78 characters.
enum MailHeader {
    /// The longest line a header should have (RFC 5322 section 2.1.1).
    static let lineLimit = 78

    /// `Name: value` for unstructured text such as a subject. Plain ASCII is folded at spaces; anything else (a
    /// `ë`, or text that merely looks like an encoded-word) becomes RFC 2047 `=?utf-8?B?…?=` words, each on its own
    /// folded line, so a mail program shows the text exactly and nothing on the way re-encodes it.
    static func unstructured(_ name: String, _ value: String) -> String {
        let plain = value.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7f } && !value.contains("=?")
        let words =
            plain ? value.split(separator: " ", omittingEmptySubsequences: false).map(String.init) : encodedWords(value)
        var lines: [String] = []
        var line = "\(name):"
        for word in words {
            if line.count + 1 + word.count > lineLimit, line.count > name.count + 1 {
                lines.append(line)
                line = ""
            }
            line += " " + word
        }
        lines.append(line)
        // A continuation line starts with the space that `line += " "` put there: that is the fold.
        return lines.joined(separator: "\n")
    }

    /// RFC 2047 B-encoded words of at most 42 UTF-8 bytes each (56 base64 characters, 68 with the markers), split
    /// between characters, never inside one.
    static func encodedWords(_ text: String) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if !chunk.isEmpty, chunk.count + bytes.count > 42 {
                words.append(encodedWord(chunk))
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append(encodedWord(chunk)) }
        return words
    }

    private static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?utf-8?B?\(Data(bytes).base64EncodedString())?="
    }
}
