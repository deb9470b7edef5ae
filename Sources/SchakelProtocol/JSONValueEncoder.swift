/// Encodes any `Encodable` straight into a `JSONValue`, without going through JSON text.
///
/// `WireMessage(_:encoding:)` used to encode a body with `JSONEncoder` and decode the text
/// again into a `JSONValue`; on Linux the two Foundation coders were the largest cost in the
/// daemon. The result is the same value (the unit tests compare the two on every message type):
/// absent optionals are absent keys, integers and floating-point numbers become `.number`, and
/// a non-finite number is an error, as `JSONEncoder` makes it.
public enum JSONValueEncoder {
    public static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        let root = Slot()
        try value.encode(to: SlotEncoder(slot: root, codingPath: []))
        return root.resolved
    }
}

/// One place in the value being built; containers fill it in.
private final class Slot {
    var value: JSONValue = .object([:])
    var fields: [String: Slot]?
    var items: [Slot]?

    init() {}

    init(_ value: JSONValue) {
        self.value = value
    }

    var resolved: JSONValue {
        if let fields { return .object(fields.mapValues(\.resolved)) }
        if let items { return .array(items.map(\.resolved)) }
        return value
    }
}

private struct SlotEncoder: Encoder {
    let slot: Slot
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if slot.fields == nil { slot.fields = [:] }
        return KeyedEncodingContainer(KeyedSlotContainer<Key>(slot: slot, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if slot.items == nil { slot.items = [] }
        return UnkeyedSlotContainer(slot: slot, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleSlotContainer(slot: slot, codingPath: codingPath)
    }
}

/// Turns a primitive into its JSON value; nil when `value` is not a primitive.
private func primitive<T: Encodable>(_ value: T, at path: [any CodingKey]) throws -> JSONValue? {
    switch value {
    case let v as String: return .string(v)
    case let v as Bool: return .bool(v)
    case let v as Int: return .number(Double(v))
    case let v as Int64: return .number(Double(v))
    case let v as Double: return try finite(v, at: path)
    default: return nil
    }
}

private func finite(_ value: Double, at path: [any CodingKey]) throws -> JSONValue {
    guard value.isFinite else {
        throw EncodingError.invalidValue(
            value, EncodingError.Context(codingPath: path, debugDescription: "\(value) is not a JSON number"))
    }
    return .number(value)
}

/// Encodes `value` into a new slot.
private func slot<T: Encodable>(for value: T, at path: [any CodingKey]) throws -> Slot {
    if let simple = try primitive(value, at: path) { return Slot(simple) }
    let child = Slot()
    try value.encode(to: SlotEncoder(slot: child, codingPath: path))
    return child
}

private struct KeyedSlotContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let slot: Slot
    var codingPath: [any CodingKey]

    private func set(_ value: JSONValue, _ key: Key) {
        slot.fields?[key.stringValue] = Slot(value)
    }

    mutating func encodeNil(forKey key: Key) throws { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        set(try finite(value, at: codingPath + [key]), key)
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        set(try finite(Double(value), at: codingPath + [key]), key)
    }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(.number(Double(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(.number(Double(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(.number(Double(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(.number(Double(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(.number(Double(value)), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(.number(Double(value)), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(.number(Double(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(.number(Double(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(.number(Double(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(.number(Double(value)), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        let child = try SchakelProtocol.slot(for: value, at: codingPath + [key])
        slot.fields?[key.stringValue] = child
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let child = Slot()
        child.fields = [:]
        slot.fields?[key.stringValue] = child
        return KeyedEncodingContainer(KeyedSlotContainer<NestedKey>(slot: child, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = Slot()
        child.items = []
        slot.fields?[key.stringValue] = child
        return UnkeyedSlotContainer(slot: child, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        superEncoder(forKey: Key(stringValue: "super")!)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let child = Slot()
        slot.fields?[key.stringValue] = child
        return SlotEncoder(slot: child, codingPath: codingPath + [key])
    }
}

private struct IndexKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ index: Int) {
        stringValue = "Index \(index)"
        intValue = index
    }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.init(intValue) }
}

private struct UnkeyedSlotContainer: UnkeyedEncodingContainer {
    let slot: Slot
    var codingPath: [any CodingKey]
    var count: Int { slot.items?.count ?? 0 }

    private var nextPath: [any CodingKey] { codingPath + [IndexKey(count)] }

    mutating func encodeNil() throws { slot.items?.append(Slot(.null)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        // Built before the append: reading `nextPath` during it would overlap the access to `items`.
        let child = try SchakelProtocol.slot(for: value, at: nextPath)
        slot.items?.append(child)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey>
    {
        let path = nextPath
        let child = Slot()
        child.fields = [:]
        slot.items?.append(child)
        return KeyedEncodingContainer(KeyedSlotContainer<NestedKey>(slot: child, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = nextPath
        let child = Slot()
        child.items = []
        slot.items?.append(child)
        return UnkeyedSlotContainer(slot: child, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let path = nextPath
        let child = Slot()
        slot.items?.append(child)
        return SlotEncoder(slot: child, codingPath: path)
    }
}

private struct SingleSlotContainer: SingleValueEncodingContainer {
    let slot: Slot
    var codingPath: [any CodingKey]

    mutating func encodeNil() throws { slot.value = .null }
    mutating func encode(_ value: Bool) throws { slot.value = .bool(value) }
    mutating func encode(_ value: String) throws { slot.value = .string(value) }
    mutating func encode(_ value: Double) throws { slot.value = try finite(value, at: codingPath) }
    mutating func encode(_ value: Float) throws { slot.value = try finite(Double(value), at: codingPath) }
    mutating func encode(_ value: Int) throws { slot.value = .number(Double(value)) }
    mutating func encode(_ value: Int8) throws { slot.value = .number(Double(value)) }
    mutating func encode(_ value: Int16) throws { slot.value = .number(Double(value)) }
    mutating func encode(_ value: Int32) throws { slot.value = .number(Double(value)) }
    mutating func encode(_ value: Int64) throws { slot.value = .number(Double(value)) }
    mutating func encode(_ value: UInt) throws { slot.value = .number(Double(value)) }
    mutating func encode(_ value: UInt8) throws { slot.value = .number(Double(value)) }
    mutating func encode(_ value: UInt16) throws { slot.value = .number(Double(value)) }
    mutating func encode(_ value: UInt32) throws { slot.value = .number(Double(value)) }
    mutating func encode(_ value: UInt64) throws { slot.value = .number(Double(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let child = try SchakelProtocol.slot(for: value, at: codingPath)
        slot.value = child.value
        slot.fields = child.fields
        slot.items = child.items
    }
}
