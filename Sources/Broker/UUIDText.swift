/// The text of a 128-bit id in the UUID form the spec's patterns give (`8-4-4-4-12` lower-case hex digits) after a
/// prefix and a dash: `ref-…`, `ho-…`, `msg-…`. One writer for every id the broker makes, so that they all keep
/// that form byte for byte.
enum UUIDText {
    /// `prefix`, `-`, then `high` and `low` as 32 hex digits with the UUID's dashes.
    static func make(prefix: String, high: UInt64, low: UInt64) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(prefix.utf8.count + 37)
        text.append(contentsOf: prefix.utf8)
        text.append(UInt8(ascii: "-"))
        appendHex(high, into: &text, dashesAfter: (8, 12))
        text.append(UInt8(ascii: "-"))
        appendHex(low, into: &text, dashesAfter: (4, 4))
        return String(decoding: text, as: UTF8.self)
    }

    /// Sixteen lower-case hex digits of `value`, with a dash after the digits counted in `dashesAfter`.
    private static func appendHex(_ value: UInt64, into text: inout [UInt8], dashesAfter: (Int, Int)) {
        for index in 0..<16 {
            if index == dashesAfter.0 || index == dashesAfter.1 { text.append(UInt8(ascii: "-")) }
            let nibble = UInt8(truncatingIfNeeded: value >> UInt64(60 - 4 * index)) & 0xF
            text.append(nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10)
        }
    }
}
