import Foundation

/// Decodes any `Decodable` straight from a `JSONValue`, without going through JSON text again.
///
/// Files the strict ``JSONParser`` has already read (the social map: 28 MiB for the national map) used to be
/// decoded a second time from their bytes with `JSONDecoder`, which was the largest cost of loading them. This
/// decoder walks the parsed tree instead, with the same contract as `JSONDecoder`: a missing key is
/// `DecodingError.keyNotFound`, a wrong type `typeMismatch`, a null where a value is required `valueNotFound`,
/// each with its coding path; a number that does not fit the integer asked for is `dataCorrupted`. The coding path
/// is built only when an error needs it.
public enum JSONValueDecoder {
    public static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try T(from: ValueDecoder(value: value, path: nil))
    }
}

/// A coding path as a chain of parents, materialised only for errors and for callers that ask.
private final class PathNode: Sendable {
    let parent: PathNode?
    let key: PathKey

    init(parent: PathNode?, key: PathKey) {
        self.parent = parent
        self.key = key
    }

    static func path(_ node: PathNode?) -> [any CodingKey] {
        var keys: [any CodingKey] = []
        var current = node
        while let n = current {
            keys.append(n.key)
            current = n.parent
        }
        return keys.reversed()
    }
}

private struct PathKey: CodingKey, Sendable {
    var stringValue: String
    var intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        intValue = nil
    }

    init(intValue: Int) {
        stringValue = "Index \(intValue)"
        self.intValue = intValue
    }
}

private struct ValueDecoder: Decoder {
    let value: JSONValue
    let path: PathNode?
    var codingPath: [any CodingKey] { PathNode.path(path) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let fields) = value else {
            throw mismatch([String: JSONValue].self, value, path)
        }
        return KeyedDecodingContainer(KeyedContainer<Key>(fields: fields, path: path))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw mismatch([JSONValue].self, value, path) }
        return UnkeyedContainer(items: items, path: path)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleContainer(value: value, path: path)
    }
}

private func mismatch(_ type: Any.Type, _ value: JSONValue, _ path: PathNode?) -> DecodingError {
    if value == .null {
        return .valueNotFound(
            type, .init(codingPath: PathNode.path(path), debugDescription: "Expected \(type) but found null instead."))
    }
    return .typeMismatch(
        type,
        .init(
            codingPath: PathNode.path(path),
            debugDescription: "Expected to decode \(type) but found \(value.typeName) instead."))
}

/// The scalar decoding every container shares: one place for the type rules. Metatypes are compared for identity
/// (a pointer comparison) rather than cast with `is`, which costs a dynamic cast per field.
private func scalar<T: Decodable>(_ type: T.Type, _ value: JSONValue, _ path: PathNode?) throws -> T {
    if T.self == String.self { return try string(value, path) as! T }
    if T.self == Int.self { return try integer(Int.self, value, path) as! T }
    if T.self == Bool.self { return try bool(value, path) as! T }
    if T.self == Double.self { return try double(value, path) as! T }
    if T.self == JSONValue.self { return value as! T }
    if T.self == Float.self { return Float(try double(value, path)) as! T }
    if T.self == Int64.self { return try integer(Int64.self, value, path) as! T }
    if T.self == Int32.self { return try integer(Int32.self, value, path) as! T }
    if T.self == UInt64.self { return try integer(UInt64.self, value, path) as! T }
    if T.self == UInt32.self { return try integer(UInt32.self, value, path) as! T }
    if T.self == UInt.self { return try integer(UInt.self, value, path) as! T }
    return try T(from: ValueDecoder(value: value, path: path))
}

private func string(_ value: JSONValue, _ path: PathNode?) throws -> String {
    guard case .string(let s) = value else { throw mismatch(String.self, value, path) }
    return s
}

private func bool(_ value: JSONValue, _ path: PathNode?) throws -> Bool {
    guard case .bool(let b) = value else { throw mismatch(Bool.self, value, path) }
    return b
}

private func double(_ value: JSONValue, _ path: PathNode?) throws -> Double {
    guard case .number(let n) = value else { throw mismatch(Double.self, value, path) }
    return n
}

private func integer<I: FixedWidthInteger>(_ type: I.Type, _ value: JSONValue, _ path: PathNode?) throws -> I {
    guard case .number(let n) = value else { throw mismatch(type, value, path) }
    guard let exact = I(exactly: n) else {
        throw DecodingError.dataCorrupted(
            .init(codingPath: PathNode.path(path), debugDescription: "Number \(n) does not fit in \(type)."))
    }
    return exact
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let fields: [String: JSONValue]
    let path: PathNode?
    var codingPath: [any CodingKey] { PathNode.path(path) }
    var allKeys: [Key] { fields.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { fields[key.stringValue] != nil }

    private func child(_ key: Key) -> PathNode {
        PathNode(parent: path, key: PathKey(stringValue: key.stringValue))
    }

    private func value(_ key: Key) throws -> JSONValue {
        guard let value = fields[key.stringValue] else {
            throw DecodingError.keyNotFound(
                key,
                .init(
                    codingPath: PathNode.path(path),
                    debugDescription: "No value associated with key \(key.stringValue)."))
        }
        return value
    }

    func decodeNil(forKey key: Key) throws -> Bool { try value(key) == .null }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try scalar(type, try value(key), child(key))
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let value = fields[key.stringValue], value != .null else { return nil }
        return try scalar(type, value, child(key))
    }

    // The overloads synthesised `init(from:)` calls for the common scalars: no generic dispatch, and a child path
    // node only when an error needs one.
    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        let value = try value(key)
        if case .string(let s) = value { return s }
        throw mismatch(type, value, child(key))
    }

    func decode(_ type: Int.Type, forKey key: Key) throws -> Int {
        try integer(type, try value(key), child(key))
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
        try bool(try value(key), child(key))
    }

    func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
        try double(try value(key), child(key))
    }

    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        guard let value = fields[key.stringValue], value != .null else { return nil }
        if case .string(let s) = value { return s }
        throw mismatch(type, value, child(key))
    }

    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
        guard let value = fields[key.stringValue], value != .null else { return nil }
        return try integer(type, value, child(key))
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try ValueDecoder(value: try value(key), path: child(key)).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try ValueDecoder(value: try value(key), path: child(key)).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        ValueDecoder(value: .object(fields), path: path)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        ValueDecoder(value: fields[key.stringValue] ?? .null, path: child(key))
    }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let items: [JSONValue]
    let path: PathNode?
    var currentIndex = 0
    var codingPath: [any CodingKey] { PathNode.path(path) }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    init(items: [JSONValue], path: PathNode?) {
        self.items = items
        self.path = path
    }

    private mutating func next<T>(_ type: T.Type) throws -> (JSONValue, PathNode) {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                type, .init(codingPath: codingPath, debugDescription: "Unkeyed container is at end."))
        }
        defer { currentIndex += 1 }
        return (items[currentIndex], PathNode(parent: path, key: PathKey(intValue: currentIndex)))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (value, path) = try next(type)
        return try scalar(type, value, path)
    }

    mutating func decode(_ type: String.Type) throws -> String {
        if currentIndex < items.count, case .string(let s) = items[currentIndex] {
            currentIndex += 1
            return s
        }
        let (value, path) = try next(type)
        return try string(value, path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        let (value, path) = try next([String: JSONValue].self)
        return try ValueDecoder(value: value, path: path).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (value, path) = try next([JSONValue].self)
        return try ValueDecoder(value: value, path: path).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (value, path) = try next(JSONValue.self)
        return ValueDecoder(value: value, path: path)
    }
}

private struct SingleContainer: SingleValueDecodingContainer {
    let value: JSONValue
    let path: PathNode?
    var codingPath: [any CodingKey] { PathNode.path(path) }

    func decodeNil() -> Bool { value == .null }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try scalar(type, value, path)
    }
}
