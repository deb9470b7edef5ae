/// Opens an object and writes its keys with the commas between them; the caller writes the values, keys in UTF-8
/// order, and the closing brace. The hand-written canonical writers (``HandoverOffer/canonicalBytes()``,
/// ``Notice/canonicalBytes()``) are built on it.
struct CanonicalObjectWriter {
    private var first = true

    init(_ out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
    }

    /// `name` is one of the writers' own key literals, which need no escape, so its bytes are copied as they are.
    mutating func key(_ name: StaticString, into out: inout [UInt8]) {
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
        out.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
    }
}

extension CanonicalObjectWriter {
    /// A string member.
    mutating func string(_ name: StaticString, _ value: String, into out: inout [UInt8]) {
        key(name, into: &out)
        JSONValue.writeString(value, into: &out)
    }

    /// A string member when present; absent optionals are absent keys, as `Codable` leaves them.
    mutating func string(_ name: StaticString, _ value: String?, into out: inout [UInt8]) {
        guard let value else { return }
        string(name, value, into: &out)
    }

    /// An integer member.
    mutating func integer(_ name: StaticString, _ value: Int, into out: inout [UInt8]) {
        key(name, into: &out)
        JSONValue.writeInteger(value, into: &out)
    }

    /// A boolean member.
    mutating func bool(_ name: StaticString, _ value: Bool, into out: inout [UInt8]) {
        key(name, into: &out)
        out.append(contentsOf: value ? JSONValue.trueBytes : JSONValue.falseBytes)
    }
}

extension CanonicalObjectWriter {
    /// An array member: `write` writes each element.
    mutating func array<Element>(
        _ name: StaticString, _ elements: [Element], into out: inout [UInt8],
        _ write: (Element, inout [UInt8]) -> Void
    ) {
        key(name, into: &out)
        out.append(UInt8(ascii: "["))
        for (index, element) in elements.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            write(element, &out)
        }
        out.append(UInt8(ascii: "]"))
    }
}
