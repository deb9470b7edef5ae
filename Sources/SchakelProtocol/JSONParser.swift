import Foundation

/// A strict RFC 8259 parser over bytes, built for input nobody vouches for.
///
/// Foundation's `JSONDecoder` recurses without a limit (a body of 100,000 `[` overflows the
/// stack and kills the daemon), keeps the last of two equal keys without a word, and
/// allows things RFC 8259 does not. This parser refuses, with `Rejection.malformed` and the
/// byte offset:
/// - nesting deeper than ``maxDepth`` arrays and objects;
/// - an object with the same key twice (two keys that Swift's `String` holds equal, so
///   canonically equivalent spellings count as the same key);
/// - invalid UTF-8 anywhere (overlong forms, encoded surrogates, code points above U+10FFFF),
///   a `\u` escape that leaves a surrogate unpaired, and raw control characters (below U+0020)
///   inside strings;
/// - numbers outside RFC 8259's grammar (`01`, `1.`, `+1`, `.5`, `NaN`) or beyond `Double`'s
///   range (`1e400`);
/// - a byte order mark, anything after the value but whitespace, and the empty document.
///
/// It reads the bytes once, in place, and builds `JSONValue`s directly.
public struct JSONParser {
    /// The deepest nesting of arrays and objects accepted; the top-level object counts as 1.
    /// SRP/1 bodies nest 4 deep and the social map 5, so 64 leaves room and bounds the stack.
    public static let maxDepth = 64

    /// Parses one JSON document. Throws `Rejection.malformed` saying what is wrong and where.
    public static func parse(_ data: Data, maxDepth: Int = JSONParser.maxDepth) throws(Rejection) -> JSONValue {
        let result: Result<JSONValue, Rejection> = data.withUnsafeBytes { raw in
            var parser = Scanner(bytes: raw.bindMemory(to: UInt8.self), maxDepth: maxDepth)
            do throws(Rejection) {
                return .success(try parser.document())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        let maxDepth: Int
        var index = 0
        var depth = 0
        /// Reused for strings with escapes, so a body with many of them allocates once.
        var scratch: [UInt8] = []

        init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
            self.bytes = bytes
            self.maxDepth = maxDepth
        }

        func fail(_ what: String) -> Rejection {
            Rejection(.malformed, "the body frame is not valid JSON: \(what) at byte \(index)")
        }

        mutating func document() throws(Rejection) -> JSONValue {
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
                throw fail("a byte order mark")
            }
            skipWhitespace()
            let value = try self.value()
            skipWhitespace()
            guard index == bytes.count else { throw fail("unexpected text after the value") }
            return value
        }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x0A, 0x0D, 0x09: index += 1
                default: return
                }
            }
        }

        mutating func value() throws(Rejection) -> JSONValue {
            guard index < bytes.count else { throw fail("unexpected end") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object()
            case UInt8(ascii: "["): return try array()
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw fail("unexpected character")
            }
        }

        mutating func literal(_ word: StaticString, _ value: JSONValue) throws(Rejection) -> JSONValue {
            let count = word.utf8CodeUnitCount
            guard bytes.count - index >= count else { throw fail("unexpected end") }
            let start = word.utf8Start
            for offset in 0..<count where bytes[index + offset] != start[offset] {
                throw fail("unexpected character")
            }
            index += count
            return value
        }

        mutating func enter() throws(Rejection) {
            depth += 1
            guard depth <= maxDepth else { throw fail("nesting deeper than \(maxDepth)") }
        }

        mutating func object() throws(Rejection) -> JSONValue {
            try enter()
            index += 1  // {
            var fields: [String: JSONValue] = [:]
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                depth -= 1
                return .object(fields)
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                let keyOffset = index
                let key = try string()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                index += 1
                skipWhitespace()
                let value = try self.value()
                guard fields.updateValue(value, forKey: key) == nil else {
                    index = keyOffset
                    throw fail("duplicate key \"\(key.prefix(100))\"")
                }
                skipWhitespace()
                guard index < bytes.count else { throw fail("unexpected end") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
                index += 1
                depth -= 1
                return .object(fields)
            }
        }

        mutating func array() throws(Rejection) -> JSONValue {
            try enter()
            index += 1  // [
            var items: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                depth -= 1
                return .array(items)
            }
            while true {
                skipWhitespace()
                items.append(try value())
                skipWhitespace()
                guard index < bytes.count else { throw fail("unexpected end") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
                index += 1
                depth -= 1
                return .array(items)
            }
        }

        /// A string starting at the opening quote; leaves `index` after the closing quote.
        mutating func string() throws(Rejection) -> String {
            index += 1  // "
            let start = index
            // Fast path: no escapes. Find the closing quote, refusing raw control characters.
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let text = try validated(UnsafeBufferPointer(rebasing: bytes[start..<index]), at: start)
                    index += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { throw fail("a control character in a string") }
                index += 1
            }
            guard index < bytes.count else { throw fail("unterminated string") }
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return try scratch.withUnsafeBufferPointer { buffer throws(Rejection) in
                        try validated(buffer, at: start)
                    }
                case UInt8(ascii: "\\"):
                    try escape()
                case 0..<0x20:
                    throw fail("a control character in a string")
                default:
                    scratch.append(byte)
                    index += 1
                }
            }
            throw fail("unterminated string")
        }

        func validated(_ buffer: UnsafeBufferPointer<UInt8>, at offset: Int) throws(Rejection) -> String {
            guard let text = String(validating: buffer, as: UTF8.self) else {
                throw Rejection(
                    .malformed, "the body frame is not valid UTF-8: a string starting at byte \(offset)")
            }
            return text
        }

        /// One escape sequence starting at the backslash, appended to `scratch` as UTF-8.
        mutating func escape() throws(Rejection) {
            index += 1
            guard index < bytes.count else { throw fail("unterminated string") }
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(byte)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"),
                        bytes[index + 1] == UInt8(ascii: "u")
                    else { throw fail("a lone surrogate escape") }
                    index += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw fail("a lone surrogate escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw fail("a lone surrogate escape")
                }
                appendUTF8(scalar)
            default:
                index -= 1
                throw fail("an invalid escape")
            }
        }

        mutating func hex4() throws(Rejection) -> UInt32 {
            guard bytes.count - index >= 4 else { throw fail("a short \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw fail("a bad \\u escape")
                }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }

        mutating func appendUTF8(_ scalar: UInt32) {
            switch scalar {
            case 0..<0x80:
                scratch.append(UInt8(scalar))
            case 0x80..<0x800:
                scratch.append(UInt8(0xC0 | scalar >> 6))
                scratch.append(UInt8(0x80 | scalar & 0x3F))
            case 0x800..<0x10000:
                scratch.append(UInt8(0xE0 | scalar >> 12))
                scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
                scratch.append(UInt8(0x80 | scalar & 0x3F))
            default:
                scratch.append(UInt8(0xF0 | scalar >> 18))
                scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
                scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
                scratch.append(UInt8(0x80 | scalar & 0x3F))
            }
        }

        mutating func number() throws(Rejection) -> Double {
            let start = index
            var negative = false
            if bytes[index] == UInt8(ascii: "-") {
                negative = true
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail("a bad number") }
            var integer: UInt64 = 0
            var digits = 0
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
                guard index >= bytes.count || !isDigit(bytes[index]) else { throw fail("a number with a leading zero") }
            } else {
                while index < bytes.count, isDigit(bytes[index]) {
                    if digits < 19 { integer = integer &* 10 &+ UInt64(bytes[index] - UInt8(ascii: "0")) }
                    digits += 1
                    index += 1
                }
            }
            var simple = true
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                simple = false
                index += 1
                guard index < bytes.count, isDigit(bytes[index]) else { throw fail("a bad number") }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                simple = false
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                    index += 1
                }
                guard index < bytes.count, isDigit(bytes[index]) else { throw fail("a bad number") }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            // Integers of up to 15 digits are exact in a Double: no need for strtod.
            if simple, digits <= 15 {
                let magnitude = Double(integer)
                return negative ? -magnitude : magnitude
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            guard let value = Double(text), value.isFinite else {
                index = start
                throw fail("a number too large for a double")
            }
            return value
        }

        func isDigit(_ byte: UInt8) -> Bool {
            byte &- UInt8(ascii: "0") < 10
        }
    }
}
