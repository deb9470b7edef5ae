import Foundation

/// The canonical JSON text of a `JSONValue`, written by hand.
///
/// Byte for byte what `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]` made of a
/// `JSONValue` before (the unit tests compare the two on every example and on generated values):
/// keys in UTF-8 byte order, no whitespace, `/` not escaped, `"` `\` and the C0 controls escaped
/// (`\b \t \n \f \r`, else `\u00xx`), whole numbers below 1e15 without a fraction, other numbers
/// as Swift prints them without a trailing `.0`. A non-finite number, which `JSONEncoder` refused,
/// still makes the whole text `null`. `JSONEncoder` cost about a quarter of the daemon's time.
extension JSONValue {
    /// The canonical text as UTF-8 bytes; nil when a number is not finite (the caller's `null`).
    func canonicalBytes() -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(512)
        return write(into: &bytes) ? bytes : nil
    }

    /// Appends the canonical text; false when a number is not finite.
    func write(into out: inout [UInt8]) -> Bool {
        switch self {
        case .null:
            out.append(contentsOf: Self.nullBytes)
        case .bool(let value):
            out.append(contentsOf: value ? Self.trueBytes : Self.falseBytes)
        case .number(let value):
            guard Self.writeNumber(value, into: &out) else { return false }
        case .string(let value):
            Self.writeString(value, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                guard item.write(into: &out) else { return false }
            }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            let keys = fields.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (index, key) in keys.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                // The key came from `fields`, so the value is there.
                guard fields[key]?.write(into: &out) ?? false else { return false }
            }
            out.append(UInt8(ascii: "}"))
        }
        return true
    }

    static let nullBytes = Array("null".utf8)
    static let trueBytes = Array("true".utf8)
    static let falseBytes = Array("false".utf8)
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Appends a number as `JSONEncoder` printed it; false (and nothing written) when it is not finite.
    /// Shared with `CanonicalJSONEncoder`, so both paths print numbers the same way.
    static func writeNumber(_ value: Double, into out: inout [UInt8]) -> Bool {
        guard value.isFinite else { return false }
        if value.rounded() == value, abs(value) < 1e15 {
            writeDigits(of: Int64(value), into: &out)
        } else {
            var text = value.description
            if text.hasSuffix(".0") { text.removeLast(2) }
            out.append(contentsOf: text.utf8)
        }
        return true
    }

    /// Appends an integer as ``writeNumber(_:into:)`` prints it (the same bytes for every value), without the detour
    /// through `Double`: the counts and indexes of every body the broker writes (issue 22).
    static func writeInteger<Integer: BinaryInteger>(_ value: Integer, into out: inout [UInt8]) {
        guard value.magnitude < 1_000_000_000_000_000, let exact = Int64(exactly: value) else {
            _ = writeNumber(Double(value), into: &out)
            return
        }
        writeDigits(of: exact, into: &out)
    }

    /// The decimal digits of `value`, with a `-` when negative, written into `out` without a `String` in between:
    /// worked out from the last digit in a buffer on the stack, then appended at once.
    private static func writeDigits(of value: Int64, into out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var rest = value.magnitude
        guard rest >= 10 else {
            out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest))
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            } while rest > 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    /// Appends a quoted, escaped string; shared with `CanonicalJSONEncoder` and the hand-written writers elsewhere.
    public static func writeString(_ value: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Runs of bytes that need no escape are copied at once; most strings are one such run.
        let copied: Void? = value.utf8.withContiguousStorageIfAvailable { bytes in
            var runStart = 0
            while true {
                let index = firstEscape(in: bytes, from: runStart)
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                guard index < bytes.count else { break }
                writeEscaped(bytes[index], into: &out)
                runStart = index + 1
            }
        }
        if copied == nil {
            for byte in value.utf8 {
                if needsEscape(byte) { writeEscaped(byte, into: &out) } else { out.append(byte) }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// The index of the first byte at or after `start` that needs an escape, or `bytes.count`. Eight bytes are
    /// looked at in one step while none of them does: byte by byte, writing strings took 5% of the loop (issue 22), a
    /// referral's bodies holding kilobytes of strings. A word holds a byte below 0x20, a `"` or a `\` exactly when one
    /// of three "has a zero byte" tests is true (`(w - 0x0101…) & ~w & 0x8080…`, Hacker's Delight 6-1, on `w` and on
    /// `w` xor-ed with each quote byte; for bytes below 0x20 the same with 0x2020…); the byte loop then finds which.
    @inline(__always)
    private static func firstEscape(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start
        if let base = bytes.baseAddress {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            while index + 8 <= bytes.count {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                let quote = word ^ (ones &* UInt64(UInt8(ascii: "\"")))
                let backslash = word ^ (ones &* UInt64(UInt8(ascii: "\\")))
                let control = (word &- ones &* 0x20) & ~word
                let found = (control | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)) & highs
                if found != 0 { break }
                index += 8
            }
        }
        while index < bytes.count, !needsEscape(bytes[index]) { index += 1 }
        return index
    }

    /// `"`, `\` and the C0 controls; everything else (`/`, DEL, all of non-ASCII) is written as it is.
    @inline(__always)
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    private static func writeEscaped(_ byte: UInt8, into out: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""):
            out.append(UInt8(ascii: "\\"))
            out.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"):
            out.append(UInt8(ascii: "\\"))
            out.append(UInt8(ascii: "\\"))
        case 0x08:
            out.append(UInt8(ascii: "\\"))
            out.append(UInt8(ascii: "b"))
        case 0x09:
            out.append(UInt8(ascii: "\\"))
            out.append(UInt8(ascii: "t"))
        case 0x0A:
            out.append(UInt8(ascii: "\\"))
            out.append(UInt8(ascii: "n"))
        case 0x0C:
            out.append(UInt8(ascii: "\\"))
            out.append(UInt8(ascii: "f"))
        case 0x0D:
            out.append(UInt8(ascii: "\\"))
            out.append(UInt8(ascii: "r"))
        default:
            out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
    }
}
