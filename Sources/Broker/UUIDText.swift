/// The text of a 128-bit id in the UUID form the spec's patterns give (`8-4-4-4-12` lower-case hex digits) after a
/// prefix and a dash: `ref-…`, `ho-…`, `msg-…`. One writer for every id the broker makes, so that they all keep
/// that form byte for byte.
enum UUIDText {
    /// `prefix`, `-`, then `high` and `low` as 32 hex digits with the UUID's dashes. Written into the string's own
    /// storage: appended byte by byte to an array and then copied into a `String`, each id cost 2 k instructions,
    /// and a referral makes four (issue 22).
    static func make(prefix: String, high: UInt64, low: UInt64) -> String {
        var prefix = prefix
        return prefix.withUTF8 { prefixBytes in
            String(unsafeUninitializedCapacity: prefixBytes.count + 37) { text in
                var index = text.initialize(fromContentsOf: prefixBytes)
                text[index] = UInt8(ascii: "-")
                index = writeHex(high, into: text, at: index + 1, dashesAfter: (8, 12))
                text[index] = UInt8(ascii: "-")
                return writeHex(low, into: text, at: index + 1, dashesAfter: (4, 4))
            }
        }
    }

    /// Sixteen lower-case hex digits of `value` from `start`, with a dash after the digits counted in `dashesAfter`;
    /// returns the index after them.
    private static func writeHex(
        _ value: UInt64, into text: UnsafeMutableBufferPointer<UInt8>, at start: Int, dashesAfter: (Int, Int)
    ) -> Int {
        var index = start
        for digit in 0..<16 {
            if digit == dashesAfter.0 || digit == dashesAfter.1 {
                text[index] = UInt8(ascii: "-")
                index += 1
            }
            let nibble = UInt8(truncatingIfNeeded: value >> UInt64(60 - 4 * digit)) & 0xF
            text[index] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
            index += 1
        }
        return index
    }
}
