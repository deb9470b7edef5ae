/// Encodes any `Encodable` straight into its canonical JSON text, without building a `JSONValue`.
///
/// Every body the daemon stores or sends used to go `Encodable` → `JSONValue` tree (a class per value, a
/// dictionary per object) → sorted text; under load that was about 30% of the daemon's instructions. This
/// writes each container's members into one byte buffer and sorts the keys (by UTF-8 bytes) when the
/// container is written out. The bytes are exactly `JSONValueEncoder.encode(value).canonicalBytes()`
/// (the unit tests compare the two on every message type and on generated values): the same number
/// formatting and string escaping, absent optionals are absent keys, a repeated key keeps its last value,
/// and a non-finite number is the same `EncodingError`. Use `JSONValueEncoder` when the tree is needed.
public enum CanonicalJSONEncoder {
    /// The canonical UTF-8 text of `value`.
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        try CanonicalNode.render(value, at: nil, key: nil, into: &out)
        return out
    }

    /// The canonical text of `value` as a `String`.
    public static func encodeString<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }
}

/// One container being filled: leaves are written into `buffer` at once, containers opened with
/// `nestedContainer`/`superEncoder` (which the caller fills later) are kept as nodes until written out.
private final class CanonicalNode {
    enum Entry {
        case span(Range<Int>)
        case node(CanonicalNode)
    }

    /// Unowned: the parent holds its children (`fields`, `items`), so a strong reference back would be a cycle that
    /// leaked every nested container; a child is only used while its parent is encoding.
    unowned let parent: CanonicalNode?
    let key: (any CodingKey)?
    var buffer: [UInt8] = []
    var fields: [(key: String, entry: Entry)]?
    var items: [Entry]?
    var value: Entry?

    init(parent: CanonicalNode?, key: (any CodingKey)?) {
        self.parent = parent
        self.key = key
    }

    /// Built only when something asks: on the hot path nobody does.
    var codingPath: [any CodingKey] {
        var path: [any CodingKey] = []
        var node: CanonicalNode? = self
        while let current = node, let key = current.key {
            path.append(key)
            node = current.parent
        }
        return path.reversed()
    }

    func path(adding key: any CodingKey) -> [any CodingKey] { codingPath + [key] }

    /// Writes a leaf into the buffer and returns where it is.
    func append(_ write: (inout [UInt8]) throws -> Void) rethrows -> Entry {
        let start = buffer.count
        try write(&buffer)
        return .span(start..<buffer.count)
    }

    /// Encodes `value` (a member at `key` of `parent`) into the buffer; what `JSONValueEncoder`'s `slot(for:at:)` is.
    func appendEncoded<T: Encodable>(_ value: T, key: (any CodingKey)?) throws -> Entry {
        let start = buffer.count
        try Self.render(value, at: self, key: key, into: &buffer)
        return .span(start..<buffer.count)
    }

    static func render<T: Encodable>(
        _ value: T, at parent: CanonicalNode?, key: (any CodingKey)?, into out: inout [UInt8]
    ) throws {
        // One cast to the protocol instead of one per primitive type; like those casts it also sees through
        // `Optional` (a present `String?` is written as its string, an absent one goes on to `Optional.encode`).
        if let leaf = value as? any CanonicalLeaf {
            guard leaf.write(into: &out) else {
                throw nonFinite(.nan, at: CanonicalNode(parent: parent, key: key).codingPath)
            }
            return
        }
        let node = CanonicalNode(parent: parent, key: key)
        try value.encode(to: CanonicalNodeEncoder(node: node))
        try node.write(into: &out)
    }

    /// Appends this container's canonical text.
    func write(into out: inout [UInt8]) throws {
        if let fields {
            out.append(UInt8(ascii: "{"))
            // A repeated key keeps its first spelling and its last value, as a `Dictionary` does (`==` on `String`
            // is canonical equivalence, so "é" and "e\u{301}" are one key); then sorted by the keys' UTF-8 bytes.
            var unique: [(key: String, entry: Entry)] = []
            unique.reserveCapacity(fields.count)
            for field in fields {
                if let index = unique.firstIndex(where: { $0.key == field.key }) {
                    unique[index].entry = field.entry
                } else {
                    unique.append(field)
                }
            }
            unique.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (index, field) in unique.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.writeString(field.key, into: &out)
                out.append(UInt8(ascii: ":"))
                try write(field.entry, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        } else if let items {
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                try write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        } else if let value {
            try write(value, into: &out)
        } else {
            // A value that asked for no container is an empty object, as in `JSONValueEncoder`.
            out.append(UInt8(ascii: "{"))
            out.append(UInt8(ascii: "}"))
        }
    }

    private func write(_ entry: Entry, into out: inout [UInt8]) throws {
        switch entry {
        case .span(let range): out.append(contentsOf: buffer[range])
        case .node(let node): try node.write(into: &out)
        }
    }
}

/// The types `JSONValueEncoder` writes directly (its `primitive(_:at:)`), plus `JSONValue`, whose `Encodable`
/// conformance gives its own canonical text.
private protocol CanonicalLeaf {
    /// Appends the canonical text; false when a number is not finite.
    func write(into out: inout [UInt8]) -> Bool
}

extension String: CanonicalLeaf {
    fileprivate func write(into out: inout [UInt8]) -> Bool {
        JSONValue.writeString(self, into: &out)
        return true
    }
}

extension Bool: CanonicalLeaf {
    fileprivate func write(into out: inout [UInt8]) -> Bool {
        JSONValue.writeBool(self, into: &out)
        return true
    }
}

extension Int: CanonicalLeaf {
    fileprivate func write(into out: inout [UInt8]) -> Bool {
        JSONValue.writeInteger(self, into: &out)
        return true
    }
}

extension Int64: CanonicalLeaf {
    fileprivate func write(into out: inout [UInt8]) -> Bool {
        JSONValue.writeInteger(self, into: &out)
        return true
    }
}

extension Double: CanonicalLeaf {
    fileprivate func write(into out: inout [UInt8]) -> Bool { JSONValue.writeNumber(self, into: &out) }
}

extension JSONValue: CanonicalLeaf {}

private func nonFinite(_ value: Double, at path: [any CodingKey]) -> EncodingError {
    EncodingError.invalidValue(
        value, EncodingError.Context(codingPath: path, debugDescription: "\(value) is not a JSON number"))
}

extension JSONValue {
    fileprivate static func writeBool(_ value: Bool, into out: inout [UInt8]) {
        out.append(contentsOf: value ? trueBytes : falseBytes)
    }
}

private struct CanonicalNodeEncoder: Encoder {
    let node: CanonicalNode
    var codingPath: [any CodingKey] { node.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if node.fields == nil { node.fields = [] }
        return KeyedEncodingContainer(KeyedCanonicalContainer<Key>(node: node))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if node.items == nil { node.items = [] }
        return UnkeyedCanonicalContainer(node: node)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleCanonicalContainer(node: node)
    }
}

private struct KeyedCanonicalContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: CanonicalNode
    var codingPath: [any CodingKey] { node.codingPath }

    private func set(_ entry: CanonicalNode.Entry, _ key: Key) {
        node.fields?.append((key.stringValue, entry))
    }

    private func number(_ value: Double, _ key: Key) throws {
        var finite = true
        let entry = node.append { finite = JSONValue.writeNumber(value, into: &$0) }
        guard finite else { throw nonFinite(value, at: node.path(adding: key)) }
        set(entry, key)
    }

    mutating func encodeNil(forKey key: Key) throws {
        set(node.append { $0.append(contentsOf: JSONValue.nullBytes) }, key)
    }
    mutating func encode(_ value: Bool, forKey key: Key) throws {
        set(node.append { JSONValue.writeBool(value, into: &$0) }, key)
    }
    mutating func encode(_ value: String, forKey key: Key) throws {
        set(node.append { JSONValue.writeString(value, into: &$0) }, key)
    }
    mutating func encode(_ value: Double, forKey key: Key) throws { try number(value, key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try number(Double(value), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try number(Double(value), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try number(Double(value), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try number(Double(value), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try number(Double(value), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try number(Double(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try number(Double(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try number(Double(value), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try number(Double(value), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try number(Double(value), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try number(Double(value), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        set(try node.appendEncoded(value, key: key), key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let child = CanonicalNode(parent: node, key: key)
        child.fields = []
        set(.node(child), key)
        return KeyedEncodingContainer(KeyedCanonicalContainer<NestedKey>(node: child))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = CanonicalNode(parent: node, key: key)
        child.items = []
        set(.node(child), key)
        return UnkeyedCanonicalContainer(node: child)
    }

    mutating func superEncoder() -> any Encoder {
        superEncoder(forKey: Key(stringValue: "super")!)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let child = CanonicalNode(parent: node, key: key)
        set(.node(child), key)
        return CanonicalNodeEncoder(node: child)
    }
}

/// An array position in a coding path; its text is made only when asked for.
private struct CanonicalIndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { "Index \(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.init(intValue) }
}

private struct UnkeyedCanonicalContainer: UnkeyedEncodingContainer {
    let node: CanonicalNode
    var codingPath: [any CodingKey] { node.codingPath }
    var count: Int { node.items?.count ?? 0 }

    private var nextKey: CanonicalIndexKey { CanonicalIndexKey(count) }

    mutating func encodeNil() throws { node.items?.append(node.append { $0.append(contentsOf: JSONValue.nullBytes) }) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let entry = try node.appendEncoded(value, key: nextKey)
        node.items?.append(entry)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey>
    {
        let child = CanonicalNode(parent: node, key: nextKey)
        child.fields = []
        node.items?.append(.node(child))
        return KeyedEncodingContainer(KeyedCanonicalContainer<NestedKey>(node: child))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = CanonicalNode(parent: node, key: nextKey)
        child.items = []
        node.items?.append(.node(child))
        return UnkeyedCanonicalContainer(node: child)
    }

    mutating func superEncoder() -> any Encoder {
        let child = CanonicalNode(parent: node, key: nextKey)
        node.items?.append(.node(child))
        return CanonicalNodeEncoder(node: child)
    }
}

private struct SingleCanonicalContainer: SingleValueEncodingContainer {
    let node: CanonicalNode
    var codingPath: [any CodingKey] { node.codingPath }

    /// A primitive sets the node's value (a keyed or unkeyed container opened on it still wins, as in
    /// `JSONValueEncoder`).
    private func set(_ entry: CanonicalNode.Entry) {
        node.value = entry
    }

    private func number(_ value: Double) throws {
        var finite = true
        let entry = node.append { finite = JSONValue.writeNumber(value, into: &$0) }
        guard finite else { throw nonFinite(value, at: node.codingPath) }
        set(entry)
    }

    mutating func encodeNil() throws { set(node.append { $0.append(contentsOf: JSONValue.nullBytes) }) }
    mutating func encode(_ value: Bool) throws { set(node.append { JSONValue.writeBool(value, into: &$0) }) }
    mutating func encode(_ value: String) throws { set(node.append { JSONValue.writeString(value, into: &$0) }) }
    mutating func encode(_ value: Double) throws { try number(value) }
    mutating func encode(_ value: Float) throws { try number(Double(value)) }
    mutating func encode(_ value: Int) throws { try number(Double(value)) }
    mutating func encode(_ value: Int8) throws { try number(Double(value)) }
    mutating func encode(_ value: Int16) throws { try number(Double(value)) }
    mutating func encode(_ value: Int32) throws { try number(Double(value)) }
    mutating func encode(_ value: Int64) throws { try number(Double(value)) }
    mutating func encode(_ value: UInt) throws { try number(Double(value)) }
    mutating func encode(_ value: UInt8) throws { try number(Double(value)) }
    mutating func encode(_ value: UInt16) throws { try number(Double(value)) }
    mutating func encode(_ value: UInt32) throws { try number(Double(value)) }
    mutating func encode(_ value: UInt64) throws { try number(Double(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        // Written out whole: the child's fields, items or value all become this node's value.
        let start = node.buffer.count
        try CanonicalNode.render(value, at: node.parent, key: node.key, into: &node.buffer)
        // Written out whole: it replaces everything the node held, as in `JSONValueEncoder`.
        node.value = .span(start..<node.buffer.count)
        node.fields = nil
        node.items = nil
    }
}
