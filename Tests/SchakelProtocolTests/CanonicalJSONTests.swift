import Foundation
import Testing

@testable import SchakelProtocol

/// The hand-written serializer and `JSONValueEncoder` replace Foundation's coders on the hot
/// path; these tests prove they produce exactly what the Foundation coders produced before, so
/// stored canonical bodies (the idempotency comparison) and wire bytes are unchanged.
@Suite struct CanonicalJSONTests {
    /// What `canonicalData()` was before: JSONEncoder over JSONValue's Encodable conformance.
    static func reference(_ value: JSONValue) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)) ?? Data("null".utf8)
    }

    /// What `WireMessage(_:encoding:)` made of a body before: JSONEncoder, then JSONDecoder.
    static func referenceValue<T: Encodable>(_ body: T) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: SRPCoding.encoder.encode(body))
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func jsonFiles() throws -> [URL] {
        var files: [URL] = []
        for folder in ["Protocols/examples", "Protocols/examples/invalid", "Protocols/schemas", "Config"] {
            let url = root.appendingPathComponent(folder)
            files += try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)
                .filter { $0.pathExtension == "json" }
        }
        return files
    }

    @Test func everyJSONFileInTheRepositorySerializesAsJSONEncoderDid() throws {
        let files = try Self.jsonFiles()
        #expect(files.count > 20)
        for file in files {
            let value = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: file))
            #expect(value.canonicalData() == Self.reference(value), "\(file.lastPathComponent)")
            #expect(value.canonicalString() == String(decoding: Self.reference(value), as: UTF8.self))
        }
    }

    @Test func everyASCIIAndTrickyCharacterIsEscapedAsJSONEncoderDid() {
        var text = ""
        for scalar in 0..<0x80 { text.unicodeScalars.append(Unicode.Scalar(UInt8(scalar))) }
        text += "\u{80}\u{2028}\u{2029}\u{FEFF}é e\u{301} Å \u{212B} 😀 / \\ \" </script>"
        let value: JSONValue = .object([text: .string(text), "k": .array([.string(text), .null])])
        #expect(value.canonicalData() == Self.reference(value))
    }

    /// The writer looks at eight bytes at a time while none needs an escape: every byte that does (and the ones
    /// that look close: DEL, 0x20, bytes of non-ASCII characters), at every offset in and around a word, in strings
    /// of every length up to three words, escaped as `JSONEncoder` escapes it.
    @Test func anEscapeIsFoundAtEveryOffsetOfAWord() {
        let plain = Array("abcdefghijklmnopqrstuvwx")
        let specials: [Character] =
            (0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) } + [
                "\"", "\\", "\u{7F}", " ", "!", "#", "[", "]", "é", "😀", "\u{2028}",
            ]
        for length in 0...plain.count {
            let base = String(plain.prefix(length))
            #expect(JSONValue.string(base).canonicalData() == Self.reference(.string(base)))
            for offset in 0..<length {
                for special in specials {
                    var characters = Array(base)
                    characters[offset] = special
                    let text = String(characters)
                    #expect(
                        JSONValue.string(text).canonicalData() == Self.reference(.string(text)),
                        "\(text.debugDescription)")
                }
            }
        }
    }

    @Test func keysSortByTheirUTF8BytesAsJSONEncoderDid() {
        let keys = [
            "b", "a", "B", "A", "a10", "a9", "_x", "é", "e\u{301}x", "f", "ea", "\u{212B}", "\u{00C5}b", "~", "",
        ]
        let value = JSONValue.object(
            Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, .number(Double($0))) }))
        #expect(value.canonicalData() == Self.reference(value))
    }

    @Test func numbersPrintAsJSONEncoderPrintedThem() {
        let numbers: [Double] = [
            0, -0.0, 1, -1, 0.5, -0.5, 0.1, 1e-7, 2e-300, .leastNonzeroMagnitude, 100.25, 123456789012345.6,
            999_999_999_999_999,
            1e15, -1e15, 1e15 + 1, 1e16, 9_007_199_254_740_992, 1e21, 1e22, 1.5e300, .greatestFiniteMagnitude,
            -.greatestFiniteMagnitude, .leastNormalMagnitude, 3.141592653589793, 1.0 / 3.0,
        ]
        for number in numbers {
            let value = JSONValue.array([.number(number)])
            #expect(value.canonicalData() == Self.reference(value), "\(number)")
        }
    }

    @Test func aNonFiniteNumberMakesTheWholeTextNullAsBefore() {
        for number in [Double.infinity, -.infinity, .nan] {
            let value: JSONValue = ["a": .array([.number(number)])]
            #expect(value.canonicalData() == Self.reference(value))
            #expect(value.canonicalString() == "null")
        }
    }

    @Test func generatedValuesSerializeAsJSONEncoderDid() {
        var random = SplitMix(seed: 0x5C4A_4E1)
        for _ in 0..<2_000 {
            let value = random.value(depth: 0)
            #expect(value.canonicalData() == Self.reference(value), "\(value)")
        }
    }

    @Test func bodiesEncodeToTheSameValueAsTheFoundationRoundTrip() throws {
        let examples = Self.root.appendingPathComponent("Protocols/examples")
        func example<T: Codable>(_ name: String, _ type: T.Type) throws -> T {
            try SRPCoding.decoder.decode(type, from: Data(contentsOf: examples.appendingPathComponent(name)))
        }
        func check<T: Encodable>(_ body: T) throws {
            #expect(try JSONValueEncoder.encode(body) == Self.referenceValue(body), "\(T.self)")
        }
        try check(example("WELCOME.json", Welcome.self))
        try check(example("ACCEPTED.json", Accepted.self))
        try check(example("HANDOVER.json", HandoverOffer.self))
        try check(example("ACKED.json", Acked.self))
        try check(example("DECLINED.json", Declined.self))
        try check(example("NOTICE.json", Notice.self))
        try check(example("REFERRAL.json", ReferralStatus.self))
        try check(example("REJECTED.json", Rejection.self))
        let referral = try example("referral.json", Referral.self)
        try check(referral)
        // Optionals left out entirely, empty collections, nested enums.
        try check(
            Notice(messageID: "m", referralID: "r", externalID: "e", event: .unroutable, at: "2026-11-23T09:30:00Z"))
        try check(
            ReferralStatus(
                referralID: "r", externalID: "e", state: .open, urgency: .normal, handovers: [], timeline: []))
        try check(["x": JSONValue.array([.number(1), "two", nil, ["three": true]])])
        let text = try #require(String(data: SRPCoding.encoder.encode(referral), encoding: .utf8))
        #expect(referral.canonicalString() == text)
    }

    /// The writers print counts and indexes as digits straight into the body (`writeInteger`): every integer must
    /// come out as `JSONEncoder` printed it as a number of a body (a `Double`), the large ones above 10^15 included.
    @Test func anIntegerIsWrittenAsJSONEncoderWroteItsNumber() {
        var random = SplitMix(seed: 22)
        var values: [Int] = [
            0, 1, -1, 9, 10, -10, 999_999_999_999_999, 1_000_000_000_000_000, -999_999_999_999_999,
            -1_000_000_000_000_000, Int.max, Int.min, Int(Int32.max), Int(Int32.min),
        ]
        for _ in 0..<5_000 {
            let shift = Int(random.next() % 64)
            values.append(Int(truncatingIfNeeded: random.next()) >> shift)
        }
        for value in values {
            var digits: [UInt8] = []
            JSONValue.writeInteger(value, into: &digits)
            #expect(Data(digits) == Self.reference(.number(Double(value))), "\(value)")
        }
    }

    @Test func aNonFiniteNumberIsAnEncodingErrorAsInJSONEncoder() {
        #expect(throws: EncodingError.self) { try JSONValueEncoder.encode(["x": Double.nan]) }
        #expect(throws: (any Error).self) { try SRPCoding.encoder.encode(["x": Double.nan]) }
    }
}

/// A small seeded generator, so a failing value can be reproduced.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    static let pieces = [
        "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{0}", "\u{1F}", "\u{7F}", "é", "e\u{301}", "😀", "ß", "_",
        "~",
    ]

    mutating func string() -> String {
        (0..<below(6)).map { _ in Self.pieces[below(Self.pieces.count)] }.joined()
    }

    mutating func number() -> Double {
        switch below(5) {
        case 0: return Double(Int64(bitPattern: next()) % 1_000_000)
        case 1: return Double(bitPattern: next() & 0x7FEF_FFFF_FFFF_FFFF)  // finite, any magnitude
        case 2: return Double(below(2_000_000)) / 1_000
        case 3: return Double(Int64(bitPattern: next()) >> 10)
        default: return -Double(below(1_000)) / 7
        }
    }

    mutating func value(depth: Int) -> JSONValue {
        switch below(depth > 3 ? 4 : 6) {
        case 0: return .null
        case 1: return .bool(below(2) == 0)
        case 2: return .number(number())
        case 3: return .string(string())
        case 4: return .array((0..<below(4)).map { _ in value(depth: depth + 1) })
        default:
            var fields: [String: JSONValue] = [:]
            for _ in 0..<below(5) { fields[string()] = value(depth: depth + 1) }
            return .object(fields)
        }
    }
}
