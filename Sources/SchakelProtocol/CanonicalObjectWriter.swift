/// Opens an object and writes its keys with the commas between them; the caller writes the values, keys in UTF-8
/// order, and the closing brace. The hand-written canonical writers (``HandoverOffer/canonicalBytes()``,
/// ``Notice/canonicalBytes()``) are built on it.
struct CanonicalObjectWriter {
    private var first = true

    init(_ out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
    }

    mutating func key(_ name: String, into out: inout [UInt8]) {
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
        JSONValue.writeString(name, into: &out)
        out.append(UInt8(ascii: ":"))
    }
}

extension CanonicalObjectWriter {
    /// A string member.
    mutating func string(_ name: String, _ value: String, into out: inout [UInt8]) {
        key(name, into: &out)
        JSONValue.writeString(value, into: &out)
    }

    /// A string member when present; absent optionals are absent keys, as `Codable` leaves them.
    mutating func string(_ name: String, _ value: String?, into out: inout [UInt8]) {
        guard let value else { return }
        string(name, value, into: &out)
    }

    /// An integer member.
    mutating func integer(_ name: String, _ value: Int, into out: inout [UInt8]) {
        key(name, into: &out)
        _ = JSONValue.writeNumber(Double(value), into: &out)
    }

    /// A boolean member.
    mutating func bool(_ name: String, _ value: Bool, into out: inout [UInt8]) {
        key(name, into: &out)
        out.append(contentsOf: value ? JSONValue.trueBytes : JSONValue.falseBytes)
    }
}

extension CanonicalObjectWriter {
    /// An array member: `write` writes each element.
    mutating func array<Element>(
        _ name: String, _ elements: [Element], into out: inout [UInt8],
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

    /// A whole object whose members are all strings, given in UTF-8 order of their keys; nil members are left out.
    static func strings(_ members: [(key: String, value: String?)], into out: inout [UInt8]) {
        var fields = CanonicalObjectWriter(&out)
        for member in members { fields.string(member.key, member.value, into: &out) }
        out.append(UInt8(ascii: "}"))
    }
}
