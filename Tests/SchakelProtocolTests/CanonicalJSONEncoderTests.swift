import Foundation
import Testing

@testable import SchakelProtocol

/// `CanonicalJSONEncoder` replaces `JSONValueEncoder` + `canonicalBytes()` wherever the daemon stores or sends a
/// body; these tests prove the two paths give the same bytes (or both throw) on every message type, built from
/// every example in Protocols/examples and from randomized variants of them, and on hand-made edge cases.
@Suite struct CanonicalJSONEncoderTests {
    static let examples = CanonicalJSONTests.root.appendingPathComponent("Protocols/examples")

    /// The old path: the `JSONValue` tree, then its canonical text.
    static func treePath<T: Encodable>(_ value: T) throws -> [UInt8] {
        try #require(try JSONValueEncoder.encode(value).canonicalBytes())
    }

    /// Requires both paths to give identical bytes, or both to throw an `EncodingError`; true when they agreed.
    @discardableResult
    static func same<T: Encodable>(_ value: T, _ note: @autoclosure () -> String = "") -> Bool {
        let tree = Result { try JSONValueEncoder.encode(value) }
        let direct = Result { try CanonicalJSONEncoder.encode(value) }
        switch (tree, direct) {
        case (.success(let tree), .success(let bytes)):
            let expected = tree.canonicalBytes()
            #expect(
                expected == bytes,
                "\(T.self) \(note()): \(String(decoding: expected ?? [], as: UTF8.self)) vs \(String(decoding: bytes, as: UTF8.self))"
            )
            return expected == bytes
        case (.failure(let a), .failure(let b)):
            #expect(a is EncodingError && b is EncodingError, "\(T.self) \(note()): \(a) vs \(b)")
            return a is EncodingError && b is EncodingError
        default:
            Issue.record("\(T.self) \(note()): only one path threw: \(tree) vs \(direct)")
            return false
        }
    }

    /// Decodes each example as its message type, then checks it and `rounds` randomized variants of it.
    struct Checker {
        let run: (JSONValue, inout SplitMix, Int) throws -> Int
        static func of<T: Codable>(_ type: T.Type) -> Checker {
            Checker { json, random, rounds in
                let value = try SRPCoding.decoder.decode(T.self, from: json.canonicalData())
                same(value, "example")
                return try CanonicalJSONEncoderTests.fuzz(json, as: T.self, random: &random, rounds: rounds)
            }
        }
    }

    /// Every message the broker sends, by its example file.
    static var typed: [String: Checker] {
        [
            "ACCEPTED.json": .of(Accepted.self), "ACKED.json": .of(Acked.self), "CANCELLED.json": .of(Cancelled.self),
            "CASELIST.json": .of(CaseList.self), "PENDINGLIST.json": .of(PendingList.self),
            "DECLINED.json": .of(Declined.self), "ESCALATION.json": .of(Escalation.self),
            "HANDOVER.json": .of(HandoverOffer.self), "NAZORG.json": .of(Nazorg.self), "NOTED.json": .of(Noted.self),
            "NOTICE.json": .of(Notice.self), "REFERRAL.json": .of(ReferralStatus.self),
            "REJECTED.json": .of(Rejection.self), "REMINDER.json": .of(Reminder.self),
            "WELCOME.json": .of(Welcome.self), "CITIZEN.json": .of(CitizenView.self),
            "CITIZEN_CODE.json": .of(IssuedCitizenCode.self),
            "referral.json": .of(Referral.self),
        ]
    }

    /// Messages peers send: the broker reads them as `JSONValue`, which is `Encodable` too. SIGNALREPORT is the
    /// broker's, but it is made as `JSONValue` too (by the Signals module; ContractTests round-trips it there).
    static let untyped: Set<String> = [
        "ACK.json", "ASSIGN.json", "CASES.json", "PENDING.json", "CONTACTED.json", "DECLINE.json", "HELLO.json",
        "OUTCOME.json", "PING.json",
        "PONG.json",
        "RECEIVED.json", "REOPEN.json", "STATUS.json", "SUBMIT.json", "WITHDRAW.json", "NEW_CITIZEN_CODE.json",
        "CITIZEN_STATUS.json", "CITIZEN_WITHDRAW.json", "CITIZEN_ANSWER.json", "SIGNALS.json", "SIGNALREPORT.json",
    ]

    static func json(_ url: URL) throws -> JSONValue {
        try JSONValue.parse(Data(contentsOf: url))
    }

    @Test func everyMessageExampleAndRandomVariantsEncodeToTheSameBytes() throws {
        let files = try FileManager.default.contentsOfDirectory(at: Self.examples, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
        #expect(files.count >= 26)
        var random = SplitMix(seed: 0xC0DE_C)
        var variants = 0
        for file in files {
            let name = file.lastPathComponent
            let value = try Self.json(file)
            Self.same(value, name)
            if let checker = Self.typed[name] {
                variants += try checker.run(value, &random, 300)
            } else {
                // A new message type must be added to `typed` (or, if peers send it, to `untyped`).
                #expect(Self.untyped.contains(name), "\(name) has no message type in this test")
                variants += try Self.fuzz(value, as: JSONValue.self, random: &random, rounds: 50)
            }
        }
        // The variants really vary: most mutations keep the message decodable.
        #expect(variants > 14 * 100)
    }

    @Test func everyEventAndAdminExampleEncodesToTheSameBytes() throws {
        var random = SplitMix(seed: 0xE7E7)
        for folder in ["events", "admin"] {
            let files = try FileManager.default.contentsOfDirectory(
                at: Self.examples.appendingPathComponent(folder), includingPropertiesForKeys: nil)
            #expect(files.count > 10)
            for file in files where file.pathExtension == "json" {
                let value = try Self.json(file)
                Self.same(value, file.lastPathComponent)
                if let data = value["data"] {
                    _ = try Checker.of(EventData.self).run(data, &random, 100)
                    // The published frame is the event's JSON value, written without the tree.
                    let event = CloudEvent(
                        id: try #require(value["id"]?.stringValue), source: try #require(value["source"]?.stringValue),
                        type: try #require(EventType(rawValue: value["type"]?.stringValue ?? "")),
                        time: try #require(value["time"]?.stringValue), subject: value["subject"]?.stringValue,
                        data: try SRPCoding.decoder.decode(EventData.self, from: data.canonicalData()))
                    #expect(event.frames()[1] == event.json.canonicalData(), "\(file.lastPathComponent)")
                    var unsubjected = event
                    unsubjected.subject = nil
                    #expect(unsubjected.frames()[1] == unsubjected.json.canonicalData())
                }
            }
        }
    }

    @Test func generatedValuesEncodeToTheSameBytes() {
        var random = SplitMix(seed: 0x5EED)
        for _ in 0..<2_000 {
            let value = random.value(depth: 0)
            Self.same(value)
            Self.same(["wrapped": value, "list": [value, value]] as [String: JSONValue])
            Self.same([random.string(): random.number()])
            Self.same([random.string(): [random.number(), -random.number()]])
            Self.same(Optional(Optional(value)))
        }
    }

    @Test func numbersOfEveryWidthEncodeToTheSameBytes() {
        var random = SplitMix(seed: 0x0BAD_F00D)
        for _ in 0..<2_000 {
            let bits = random.next()
            Self.same(Widths(bits: bits))
            Self.same([Double(bitPattern: bits & 0x7FEF_FFFF_FFFF_FFFF), -random.number(), random.number() / 1e9])
            Self.same(
                RankingKeys(
                    contact: random.string(), sameReferral: bits & 1 == 0, otherNeedsCovered: random.below(5),
                    speaksLanguage: bits & 2 == 0, deputyFor: bits & 4 == 0 ? nil : random.string(),
                    load: Double(random.below(7)) / Double(1 + random.below(9)), open: random.below(9),
                    capacity: random.below(9), lastOfferedAt: bits & 8 == 0 ? nil : random.string(),
                    order: Int(bits >> 40)))
        }
        for edge: Double in [
            0, -0.0, 1e15, -1e15, 1e15 - 1, 1e15 + 1, 1e16, 9_007_199_254_740_992, 1e21, .leastNonzeroMagnitude,
            .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 0.1, 1.0 / 3.0, 123456789012345.6,
        ] {
            Self.same(["n": edge])
        }
        Self.same([UInt64.max, UInt64.max / 3])
        Self.same([Int64.min, Int64.max])
        Self.same([Int8.min, Int8.max])
        Self.same([Float.pi, Float.greatestFiniteMagnitude, -Float.leastNonzeroMagnitude])
    }

    @Test func containersOfEveryKindEncodeToTheSameBytes() {
        var random = SplitMix(seed: 0xFEED)
        for _ in 0..<500 {
            Self.same(Shapes(random: &random))
        }
        Self.same([String: Int]())
        Self.same([Int]())
        Self.same([[String: [Int]]]())
        Self.same([[[String: Int]()], []])
        Self.same(Nothing())
        Self.same(Date(timeIntervalSinceReferenceDate: 12_345.678))
        Self.same(["é": 1, "\u{212B}": 3, "": 5, "~": 6, "A": 7, "a": 8, "ea": 9, "e": 10])
        // Keys `String` holds equal (canonically equivalent) but spelled apart are one key in both paths.
        Self.same(Spellings(keys: ["e\u{301}", "ea", "é", "\u{212B}", "b", "\u{00C5}", "e"]))
        Self.same(Spellings(keys: ["\u{00C5}", "é", "e\u{301}", "\u{212B}", "a", "a"]))
    }

    @Test func aNonFiniteNumberIsAnEncodingErrorInBothPaths() {
        for bad in [Double.nan, .infinity, -.infinity] {
            #expect(throws: EncodingError.self) { try CanonicalJSONEncoder.encode(["x": bad]) }
            Self.same(["x": bad])
            Self.same([bad])
            Self.same(bad)
            Self.same(Float(bad))
            Self.same(JSONValue.object(["a": .array([.number(bad)])]))
            Self.same(
                RankingKeys(
                    contact: "c", sameReferral: false, otherNeedsCovered: 0, speaksLanguage: true, deputyFor: nil,
                    load: bad, open: 1, capacity: 0, lastOfferedAt: nil, order: 0))
            var seed = SplitMix(seed: 1)
            var shapes = Shapes(random: &seed)
            shapes.deep = bad
            Self.same(shapes)
        }
    }

    @Test func wireMessagesCarryTheSameBytesAndValueAsBefore() throws {
        let offer = try SRPCoding.decoder.decode(
            HandoverOffer.self, from: Data(contentsOf: Self.examples.appendingPathComponent("HANDOVER.json")))
        let message = WireMessage(.handover, encoding: offer)
        let before = WireMessage(.handover, try JSONValueEncoder.encode(offer))
        #expect(message.frames() == before.frames())
        #expect(message.canonicalBodyString() == before.body.canonicalString())
        #expect(message.body == before.body)
        #expect(message == before)
        #expect(try message.decode(HandoverOffer.self) == offer)
        var changed = message
        changed.body = ["x": .number(1)]
        #expect(changed != message)
        #expect(changed.canonicalBodyString() == #"{"x":1}"#)
        // A body that cannot be encoded is an empty object, as before.
        let broken = WireMessage(.rejected, encoding: ["x": Double.nan])
        #expect(broken.frames()[2] == Data("{}".utf8))
        #expect(broken.body == .object([:]))
    }

    /// Randomly changes leaves and containers of `json`, keeps each change that still decodes as `T`, and checks
    /// every decoded variant; returns how many variants were checked.
    static func fuzz<T: Codable>(_ json: JSONValue, as type: T.Type, random: inout SplitMix, rounds: Int) throws -> Int
    {
        var current = json
        var checked = 0
        for _ in 0..<rounds {
            let paths = Self.paths(current)
            let path = paths[random.below(paths.count)]
            let candidate = Self.modify(current, at: path[...]) { random.mutate($0) }
            guard let value = try? SRPCoding.decoder.decode(T.self, from: candidate.canonicalData()) else { continue }
            current = candidate
            checked += 1
            if !Self.same(value, "variant \(candidate.canonicalString())") { break }
        }
        return checked
    }

    enum Step {
        case key(String)
        case index(Int)
    }

    static func paths(_ value: JSONValue, prefix: [Step] = []) -> [[Step]] {
        var result = [prefix]
        switch value {
        case .object(let fields):
            for (key, child) in fields { result += paths(child, prefix: prefix + [.key(key)]) }
        case .array(let items):
            for (index, child) in items.enumerated() { result += paths(child, prefix: prefix + [.index(index)]) }
        default: break
        }
        return result
    }

    /// `value` with the part at `path` replaced by `change` of it (removed when `change` gives nil).
    static func modify(_ value: JSONValue, at path: ArraySlice<Step>, _ change: (JSONValue) -> JSONValue?) -> JSONValue
    {
        guard let step = path.first else { return change(value) ?? .null }
        switch (step, value) {
        case (.key(let key), .object(var fields)):
            guard let child = fields[key] else { return value }
            if path.count == 1 {
                fields[key] = change(child)
            } else {
                fields[key] = modify(child, at: path.dropFirst(), change)
            }
            return .object(fields)
        case (.index(let index), .array(var items)):
            if path.count == 1 {
                if let changed = change(items[index]) { items[index] = changed } else { items.remove(at: index) }
            } else {
                items[index] = modify(items[index], at: path.dropFirst(), change)
            }
            return .array(items)
        default:
            return value
        }
    }
}

extension SplitMix {
    /// A random change of one part of a document: new text, numbers, flags, nulls, emptied or grown containers.
    mutating func mutate(_ value: JSONValue) -> JSONValue? {
        switch below(10) {
        case 0: return nil
        case 1: return .null
        default: break
        }
        switch value {
        case .string: return .string(string())
        case .number: return .number(below(2) == 0 ? Double(below(1_000)) : number())
        case .bool(let flag): return .bool(!flag)
        case .array(let items):
            switch below(3) {
            case 0: return .array([])
            case 1: return .array(items + items.prefix(1))
            default: return .array(items.reversed())
            }
        case .object(var fields):
            if below(3) == 0 { return .object([:]) }
            fields[string()] = self.value(depth: 3)
            return .object(fields)
        case .null: return self.value(depth: 2)
        }
    }
}

/// Every integer and floating-point width, through the keyed container's typed `encode` overloads.
private struct Widths: Encodable {
    let bits: UInt64

    enum CodingKeys: String, CodingKey {
        case i, i8, i16, i32, i64, u, u8, u16, u32, u64, f, d, optionalInt, optionalDouble
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Int(truncatingIfNeeded: bits), forKey: .i)
        try c.encode(Int8(truncatingIfNeeded: bits), forKey: .i8)
        try c.encode(Int16(truncatingIfNeeded: bits), forKey: .i16)
        try c.encode(Int32(truncatingIfNeeded: bits), forKey: .i32)
        try c.encode(Int64(bitPattern: bits) >> (bits % 64), forKey: .i64)
        try c.encode(UInt(bits), forKey: .u)
        try c.encode(UInt8(truncatingIfNeeded: bits), forKey: .u8)
        try c.encode(UInt16(truncatingIfNeeded: bits), forKey: .u16)
        try c.encode(UInt32(truncatingIfNeeded: bits), forKey: .u32)
        try c.encode(bits >> (bits % 64), forKey: .u64)
        try c.encode(Float(bitPattern: UInt32(truncatingIfNeeded: bits) & 0x7F7F_FFFF), forKey: .f)
        try c.encode(Double(bitPattern: bits & 0x7FEF_FFFF_FFFF_FFFF), forKey: .d)
        try c.encodeIfPresent(bits & 1 == 0 ? nil : Int(bits % 1000), forKey: .optionalInt)
        try c.encode(bits & 2 == 0 ? nil : Double(bits % 1000) / 8, forKey: .optionalDouble)
    }
}

/// Writes each key in turn, spelled as given.
private struct Spellings: Encodable {
    let keys: [String]

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        for (index, key) in keys.enumerated() { try c.encode(index, forKey: Key(stringValue: key)) }
    }
}

/// A value that asks for no container at all.
private struct Nothing: Encodable {
    func encode(to encoder: any Encoder) throws {}
}

/// A single value wrapping a struct, as a `RawRepresentable` or property wrapper would.
private struct Wrapper: Encodable {
    let inner: Shapes?
    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(inner)
    }
}

/// Nested keyed and unkeyed containers, super encoders, repeated keys, nils and nested optionals.
private struct Shapes: Encodable {
    var text: String
    var maybe: String??
    var list: [Int?]
    var map: [String: [String: Bool]]
    var deep: Double
    var repeatKey: Bool
    var wrapped: Bool

    init(random: inout SplitMix) {
        text = random.string()
        switch random.below(3) {
        case 0: maybe = .none
        case 1: maybe = .some(.none)
        default: maybe = .some(.some(random.string()))
        }
        list = (0..<random.below(4)).map { _ in random.below(2) == 0 ? nil : random.below(100) - 50 }
        map = [:]
        for _ in 0..<random.below(3) {
            map[random.string()] = random.below(2) == 0 ? [:] : [random.string(): random.below(2) == 0]
        }
        deep = random.number()
        repeatKey = random.below(2) == 0
        wrapped = random.below(3) == 0
    }

    enum Keys: String, CodingKey {
        case text, maybe, list, map, nested, items, parent, again, wrapped
        case superKey = "super"
    }

    enum Inner: String, CodingKey {
        case deep, none, empty
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(text, forKey: .text)
        try c.encode(maybe, forKey: .maybe)
        try c.encode(list, forKey: .list)
        try c.encode(map, forKey: .map)
        var nested = c.nestedContainer(keyedBy: Inner.self, forKey: .nested)
        var items = c.nestedUnkeyedContainer(forKey: .items)
        // Filled after their parent moved on, as the protocol allows.
        try c.encode("later", forKey: .again)
        try nested.encode(deep, forKey: .deep)
        try nested.encodeNil(forKey: .none)
        _ = nested.nestedUnkeyedContainer(forKey: .empty)
        try items.encode(text)
        try items.encodeNil()
        var row = items.nestedContainer(keyedBy: Inner.self)
        try row.encode([deep], forKey: .deep)
        _ = items.nestedUnkeyedContainer()
        try items.encode(maybe)
        try items.encode(["k": maybe])
        try items.encode(-0.0 as Double)
        try "from super".encode(to: c.superEncoder(forKey: .parent))
        try [1, 2].encode(to: c.superEncoder())
        if repeatKey {
            try c.encode(list.count, forKey: .again)
            try c.encode(text, forKey: .text)
        }
        if wrapped {
            var copy = self
            copy.wrapped = false
            try c.encode(Wrapper(inner: copy), forKey: .wrapped)
            try c.encode(Wrapper(inner: nil), forKey: .map)
        }
    }
}
