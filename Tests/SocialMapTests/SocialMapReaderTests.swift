import Foundation
import SchakelProtocol
import Testing

@testable import SocialMap

/// The shortcut that reads a social map's bytes straight into the model (`SocialMapReader`) against the strict path
/// (parser, shape checks, decoder) it stands in for: on every input, loading and listing problems give exactly what
/// the strict path gives, because the reader either builds the strict path's document or gives up; and on the valid
/// maps we ship or generate it does not give up, so loading is fast where it matters.
@Suite struct SocialMapReaderTests {
    /// The whole contract on one input: `decode` and `problems(data:)` equal their strict versions, the reader
    /// never returns a document the strict path refuses or one it decodes differently, and, for `fast`, it reads
    /// the file rather than leaving it to the strict path.
    static func expectSame(
        _ data: Data, fast: Bool = false, _ what: @autoclosure () -> String = "",
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let strict = SocialMap.decodeStrictly(data)
        let read = SocialMapReader.read(data)
        if let read {
            #expect(strict == .success(read), "\(what())", sourceLocation: sourceLocation)
        }
        #expect(SocialMap.decode(data) == strict, "\(what())", sourceLocation: sourceLocation)
        #expect(
            SocialMap.problems(data: data) == SocialMap.problemsStrictly(data: data), "\(what())",
            sourceLocation: sourceLocation)
        if fast {
            #expect(read != nil, "the reader gave up on a valid map: \(what())", sourceLocation: sourceLocation)
        }
    }

    static func demoData() throws -> Data { try Data(contentsOf: DemoMapTests.demoURL) }

    /// The demo map cut down to the first organisation and contact that has each field, so the tests that try
    /// thousands of changes run in seconds: every field still appears, and cross-references may break (both paths
    /// leave those to the same check).
    static func smallDemo() throws -> JSONValue {
        guard case .object(var fields) = try JSONValue.parse(try demoData()) else { return .null }
        for list in ["organizations", "contacts"] {
            let items = fields[list]?.arrayValue ?? []
            var places: Set<Int> = [0]
            for key in Set(items.flatMap { $0.objectValue?.keys.map { $0 } ?? [] }) {
                if let first = items.firstIndex(where: { $0[key] != nil }) { places.insert(first) }
            }
            fields[list] = .array(places.sorted().map { items[$0] })
        }
        return .object(fields)
    }

    /// The same document written the ways a map reaches the broker: as a person writes it, canonical (sorted keys,
    /// compact), by `JSONEncoder` (slashes escaped), pretty-printed with sorted keys.
    static func spellings(of document: SocialMapDocument) throws -> [(String, Data)] {
        let pretty = JSONEncoder()
        pretty.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return [
            ("canonical", try JSONValueEncoder.encode(document).canonicalData()),
            ("JSONEncoder", try JSONEncoder().encode(document)),
            ("pretty", try pretty.encode(document)),
        ]
    }

    // MARK: Valid maps: the same document, and no fallback

    @Test func theDemoMapReadsToTheStrictDocumentInEverySpelling() throws {
        let data = try Self.demoData()
        Self.expectSame(data, fast: true, "the file as shipped")
        let document = try SocialMap.decodeStrictly(data).get()
        for (name, spelling) in try Self.spellings(of: document) { Self.expectSame(spelling, fast: true, name) }
    }

    @Test(arguments: [
        (UInt64(1), NationalMap.Sizes(municipalities: 12, organizations: 60, contacts: 300)),
        (UInt64(2), NationalMap.Sizes(municipalities: 40, organizations: 400, contacts: 2_000)),
        (UInt64(20_261_123), NationalMap.Sizes(municipalities: 342, organizations: 500, contacts: 2_500)),
    ])
    func generatedNationalMapsReadToTheStrictDocument(seed: UInt64, sizes: NationalMap.Sizes) throws {
        let document = NationalMap.generate(seed: seed, sizes: sizes)
        for (name, spelling) in try Self.spellings(of: document) {
            Self.expectSame(spelling, fast: true, "seed \(seed), \(name)")
        }
    }

    @Test func theHSDSImportsReadToTheStrictDocument() throws {
        for result in [try HSDSImportTests.jsonForm(), try HSDSImportTests.tabularForm()] {
            for (name, spelling) in try Self.spellings(of: result.document) {
                Self.expectSame(spelling, fast: true, name)
            }
        }
    }

    /// Random valid variants of the demo map: text with quotes, backslashes, slashes, control characters, accents,
    /// other scripts and emoji (so escapes and multi-byte UTF-8), optional fields dropped or added.
    @Test func randomValidVariantsReadToTheStrictDocument() throws {
        let base = try SocialMap.decodeStrictly(Self.demoData()).get()
        var rng = NationalMap.Generator(seed: 7)
        let texts = [
            "De \"Brug\"", "C:\\pad", "a/b", "regel\neen\ttab", "Café Zoë", "Ĳsselstein", "مركز", "😀 hulp", "\u{7F}",
            "x\u{1}y",
        ]
        for round in 0..<60 {
            var document = base
            func text() -> String { texts[Int.random(in: 0..<texts.count, using: &rng)] }
            let c = Int.random(in: 0..<document.contacts.count, using: &rng)
            let o = Int.random(in: 0..<document.organizations.count, using: &rng)
            document.name = text()
            document.description = Bool.random(using: &rng) ? nil : text()
            document.contacts[c].name = text()
            document.contacts[c].role = Bool.random(using: &rng) ? nil : text()
            document.contacts[c].email = text()
            document.contacts[c].lastVerified = Bool.random(using: &rng) ? nil : "2026-0\(round % 9 + 1)-15"
            document.organizations[o].kind = text()
            document.organizations[o].phone = Bool.random(using: &rng) ? nil : text()
            document.organizations[o].adapterActsForContacts = [nil, true, false][round % 3]
            document.organizations[o].services =
                Bool.random(using: &rng) ? nil : [Service(id: text(), name: text(), domains: [])]
            document.domains[0].labelNL = text()
            document.contacts[c].onCall =
                Bool.random(using: &rng)
                ? nil
                : [OnCallWindow(days: ["sat", "sun"], from: "0\(round % 10):00", to: "\(10 + round % 14):45")]
            for (name, spelling) in try Self.spellings(of: document) {
                Self.expectSame(spelling, fast: true, "round \(round), \(name)")
            }
        }
    }

    @Test func escapesAreDecodedAsTheStrictParserDecodesThem() throws {
        let data = try Self.demoData()
        let text = try #require(String(data: data, encoding: .utf8))
        for escaped in [
            #"Gemeente \u0055trecht"#, #"caf\u00e9 \u00C9"#, #"\u20ac \u0000 \u001f"#, #"\/\b\f\n\r\t\"\\"#,
            #"\ud83d\ude00"#,
        ] {
            let variant = text.replacingOccurrences(of: "\"name\": \"Utrecht\"", with: "\"name\": \"\(escaped)\"")
            #expect(variant != text)
            Self.expectSame(Data(variant.utf8), escaped)
        }
    }

    // MARK: Invalid maps: the strict path's errors, unchanged

    /// Every field of every kind of object in the demo map replaced by each kind of JSON value, removed, or joined by
    /// an unknown field.
    @Test func wrongTypesMissingAndUnknownFieldsGetTheStrictErrors() throws {
        let json = try Self.smallDemo()
        let replacements: [JSONValue?] = [
            nil, .null, true, .number(1), .number(1.5), .number(-1), .number(0), .number(2), "", "x", "GM0344",
            "contact:x", "org:x", "2026-01-01", [], ["x"], ["nl", "nl"], [.number(1)], [:], ["from": "2026-01-01"],
        ]
        var checked = 0
        for path in Self.objectPaths(in: json) {
            guard let object = Self.value(at: path, in: json)?.objectValue else { continue }
            for key in object.keys.sorted() + ["unknown_field"] {
                for replacement in replacements {
                    var copy = object
                    copy[key] = replacement
                    let mutated = Self.replacing(at: path, in: json, with: .object(copy))
                    Self.expectSame(mutated.canonicalData(), "\(path) \(key) = \(String(describing: replacement))")
                    checked += 1
                }
            }
        }
        #expect(checked > 800)
    }

    /// What only the bytes can say wrong: syntax, numbers, encodings, keys the tree cannot hold twice. Written
    /// into the demo map's canonical spelling (compact, keys sorted).
    @Test func malformedBytesGetTheStrictErrors() throws {
        let text = try JSONValue.parse(try Self.demoData()).canonicalString()
        var cases: [(String, Data)] = []
        func replace(_ what: String, _ with: String, _ name: String) {
            #expect(text.contains(what), "\(what) is not in the demo map")
            cases.append((name, Data(text.replacingOccurrences(of: what, with: with).utf8)))
        }
        for number in [
            "01", "1.0", "2.5", "1e1", "1E1", "-1", "-0", "0", "+1", ".5", "1e400", "99999999999999999999",
            "1234567890123456", "123456789012345", "NaN", "\"3\"", "true", "null", "[5]",
        ] {
            replace("\"capacity\":5", "\"capacity\":\(number)", "capacity \(number)")
            replace("\"version\":1", "\"version\":\(number)", "version \(number)")
        }
        replace("{\"capacity\":", "{\"name\":\"Twee\",\"capacity\":", "a duplicate key")
        replace("\"id\":\"org:", "\"id\":\"org:x\",\"id\":\"org:", "a duplicate id key")
        replace("\"name\":\"Utrecht\"", "\"n\\u0061me\":\"Utrecht\"", "an escaped key")
        replace("\"name\":\"Utrecht\"", "\"name\":\"Utrecht\",\"name\":\"Utrecht\"", "the same key twice")
        replace("\"name\":\"Utrecht\"", "\"name\":\"Ut\\x\"", "an invalid escape")
        replace("\"name\":\"Utrecht\"", "\"name\":\"\\ud800\"", "a lone surrogate")
        replace("\"name\":\"Utrecht\"", "\"name\":\"\\udc00\\ud800\"", "surrogates the wrong way round")
        replace("\"name\":\"Utrecht\"", "\"name\":\"\\u12\"", "a short escape")
        replace("\"name\":\"Utrecht\"", "\"name\":\"a\u{1}b\"", "a raw control character")
        replace("\"name\":\"Utrecht\"", "\"name\":\"Utrecht\",", "a trailing comma in an object")
        replace("\"name\":\"Utrecht\"", "\"name\":\"Utrecht\"}", "an object closed twice")
        replace("\"name\":\"Utrecht\"", "\"name\":\"Utrecht", "an unterminated string")
        replace("\"name\":\"Utrecht\"", "\"name\" \"Utrecht\"", "a missing colon")
        replace("\"name\":\"Utrecht\"", "\"name\": \t\r\n \"Utrecht\" ", "whitespace everywhere")
        replace("\"name\":\"Utrecht\"", "\"name\":\u{A0}\"Utrecht\"", "a non-breaking space")
        replace("[\"nl\",\"en\"]", "[\"nl\",\"en\",]", "a trailing comma in an array")
        replace("[\"nl\",\"en\"]", "[\"nl\" \"en\"]", "a missing comma")
        replace("[\"nl\",\"en\"]", "[,\"nl\",\"en\"]", "a leading comma")
        replace("[\"nl\",\"en\"]", "[[[[[[\"nl\"]]]]]]", "nested arrays")
        replace(
            "\"description\":",
            "\"description\":\(String(repeating: "[", count: 70)) 1 \(String(repeating: "]", count: 70)),\"x\":",
            "deep nesting")
        replace("\"kind\":", "\"adapter_acts_for_contacts\":tru,\"kind\":", "a broken literal")
        replace("\"kind\":", "\"adapter_acts_for_contacts\":truex,\"kind\":", "a literal run on")
        replace("\"kind\":", "\"adapter_acts_for_contacts\":\"true\",\"kind\":", "a string for a boolean")
        replace("\"kind\":", "\"adapter_acts_for_contacts\":null,\"kind\":", "null for a boolean")
        replace("\"kind\":", "\"adapter_acts_for_contacts\":false,\"kind\":", "a valid boolean")
        cases.append(("a byte order mark", Data([0xEF, 0xBB, 0xBF]) + Data(text.utf8)))
        cases.append(("text after the value", Data((text + " {}").utf8)))
        cases.append(("whitespace around the value", Data((" \n" + text + " \n\t\r").utf8)))
        cases.append(("the empty document", Data()))
        cases.append(("an array", Data("[]".utf8)))
        cases.append(("an empty object", Data("{}".utf8)))
        let utrecht = try #require(text.utf8.firstRange(of: "Utrecht".utf8)).lowerBound
        let offset = text.utf8.distance(from: text.utf8.startIndex, to: utrecht)
        for bad: [UInt8] in [
            [0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80],
        ] {
            var bytes = Array(text.utf8)
            bytes.insert(contentsOf: bad, at: offset)
            cases.append(("bad UTF-8 \(bad)", Data(bytes)))
        }
        for (name, data) in cases { Self.expectSame(data, name) }
        #expect(cases.count > 60)
    }

    /// Every prefix of a small map, and thousands of random byte changes to the demo map.
    @Test func truncatedAndRandomlyDamagedFilesGetTheStrictErrors() throws {
        let small = try JSONValueEncoder.encode(
            NationalMap.generate(seed: 3, sizes: .init(municipalities: 2, organizations: 3, contacts: 4))
        ).canonicalData()
        for length in 0..<small.count { Self.expectSame(small.prefix(length), "the first \(length) bytes") }
        let data = Array(try Self.smallDemo().canonicalData())
        var rng = NationalMap.Generator(seed: 11)
        let interesting = Array("{}[],:\"\\ 0123456789-.eEtrufalsn".utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xFF]
        for round in 0..<1_000 {
            var bytes = data
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                let byte = interesting[Int.random(in: 0..<interesting.count, using: &rng)]
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[at] = byte
                case 1: bytes.insert(byte, at: at)
                default: bytes.remove(at: at)
                }
            }
            Self.expectSame(Data(bytes), "round \(round)")
        }
    }

    /// Shape problems the decoder cannot see (patterns, empty strings, repeats) on a map that decodes; and problems
    /// of cross-reference, which both paths leave to the same check.
    @Test func shapeAndCrossReferenceProblemsGetTheStrictErrors() throws {
        let base = try SocialMap.decodeStrictly(Self.demoData()).get()
        var documents: [(String, SocialMapDocument)] = []
        func variant(_ name: String, _ change: (inout SocialMapDocument) -> Void) {
            var document = base
            change(&document)
            documents.append((name, document))
        }
        variant("version 0") { $0.version = 0 }
        variant("no domains") { $0.domains = [] }
        variant("empty name") { $0.name = "" }
        variant("a bad domain id") { $0.domains[0].id = "Debt" }
        variant("an empty label") { $0.domains[1].labelEN = "" }
        variant("a bad CBS code") { $0.municipalities[0].code = "GM034" }
        variant("an empty municipality name") { $0.municipalities[0].name = "" }
        variant("no municipalities for an org") { $0.organizations[0].municipalities = [] }
        variant("a repeated municipality") { $0.organizations[0].municipalities += $0.organizations[0].municipalities }
        variant("a bad org domain") { $0.organizations[0].domains.append("Bad") }
        variant("an empty phone") { $0.organizations[0].phone = "" }
        variant("a bad coordinator") { $0.organizations[0].coordinator = "org:x" }
        variant("a bad date") { $0.organizations[0].lastVerified = "2026-1-01" }
        variant("no keys") { $0.organizations[0].publicKeys = [] }
        variant("a bad key") { $0.organizations[0].publicKeys = ["short"] }
        variant("an empty service id") { $0.organizations[0].services = [Service(id: "", name: "x", domains: [])] }
        variant("a repeated service") {
            $0.organizations[0].services = [
                Service(id: "a", name: "x", domains: []), Service(id: "a", name: "y", domains: []),
            ]
        }
        variant("an empty role") { $0.contacts[0].role = "" }
        variant("a bad organisation id") { $0.contacts[0].organization = "org:Bad" }
        variant("a bad deputy id") { $0.contacts[0].deputy = "contact:" }
        variant("a bad language") { $0.contacts[0].languages = ["nl-"] }
        variant("a repeated language") { $0.contacts[0].languages = ["nl", "nl"] }
        variant("a bad urgency") { $0.contacts[0].urgencies = ["soon"] }
        variant("no contact municipalities") { $0.contacts[0].municipalities = [] }
        variant("a bad absence") { $0.contacts[0].absences = [Absence(from: "2026-02-30", to: "2026-03-01")] }
        variant("an absence that ends first") {
            $0.contacts[0].absences = [Absence(from: "2026-03-02", to: "2026-03-01")]
        }
        let night = OnCallWindow(days: ["fri"], from: "17:00", to: "09:00")
        variant("no on-call windows") { $0.contacts[0].onCall = [] }
        variant("an on-call window without days") {
            $0.contacts[0].onCall = [OnCallWindow(days: [], from: "17:00", to: "09:00")]
        }
        variant("a bad on-call day") {
            $0.contacts[0].onCall = [night, OnCallWindow(days: ["Fri"], from: "17:00", to: "09:00")]
        }
        variant("a repeated on-call day") {
            $0.contacts[0].onCall = [OnCallWindow(days: ["fri", "fri"], from: "17:00", to: "09:00")]
        }
        variant("a bad on-call start") {
            $0.contacts[0].onCall = [OnCallWindow(days: ["fri"], from: "7:00", to: "09:00")]
        }
        variant("a bad on-call end") {
            $0.contacts[0].onCall = [OnCallWindow(days: ["fri"], from: "17:00", to: "09:60")]
        }
        variant("an unknown organisation") { $0.contacts[0].organization = "org:nowhere" }
        variant("capacity 0") { $0.contacts[1].capacity = 0 }
        variant("a twice-listed contact") { $0.contacts.append($0.contacts[0]) }
        variant("a missing deputy") { $0.contacts[0].deputy = "contact:nobody" }
        for (name, document) in documents {
            for (spelling, data) in try Self.spellings(of: document) { Self.expectSame(data, "\(name), \(spelling)") }
            #expect(!SocialMap.problems(data: try JSONEncoder().encode(document)).isEmpty, "\(name)")
        }
    }

    // MARK: The byte checks against the schema's patterns

    /// The hand-written checks (made allocation-free for the reader) against the patterns of
    /// social-map.schema.json, on random strings over the characters that matter.
    @Test func theByteChecksAgreeWithTheSchemaPatterns() throws {
        let checks: [(String, (String) -> Bool)] = [
            ("^GM[0-9]{4}$", SocialMap.isCBSCode),
            ("^[a-z][a-z_]{0,63}$", SocialMap.isDomainID),
            ("^org:[a-z0-9][a-z0-9-]{0,99}$", { SocialMap.isID($0, prefix: "org:") }),
            ("^contact:[a-z0-9][a-z0-9-]{0,99}$", { SocialMap.isID($0, prefix: "contact:") }),
            ("^[0-9]{4}-[0-9]{2}-[0-9]{2}$", SocialMap.isDate),
            ("^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", SocialMap.isLanguage),
            ("^([01][0-9]|2[0-3]):[0-5][0-9]$", OnCallWindow.isTimeOfDay),
        ]
        var rng = NationalMap.Generator(seed: 5)
        let alphabet = Array("GMorgcntact:-_0123456789azAZé\n".map(String.init))
        let seeds = [
            "GM0344", "debt", "org:de-brug", "contact:anna-1", "2026-11-23", "nl", "nl-BE", "zh-Hant-TW", "17:00",
            "23:59", "09:05",
        ]
        for (pattern, check) in checks {
            let regex = try NSRegularExpression(pattern: pattern)
            func matches(_ s: String) -> Bool {
                let whole = NSRange(s.startIndex..., in: s)
                return regex.firstMatch(in: s, options: [.anchored], range: whole)?.range == whole
            }
            for _ in 0..<4_000 {
                var s = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
                for _ in 0..<Int.random(in: 0...3, using: &rng) {
                    let piece = alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]
                    var characters = Array(s)
                    let at = Int.random(in: 0...characters.count, using: &rng)
                    if Bool.random(using: &rng) || characters.isEmpty {
                        characters.insert(contentsOf: piece, at: at)
                    } else {
                        characters.remove(at: min(at, characters.count - 1))
                    }
                    s = String(characters)
                }
                #expect(check(s) == matches(s), "\(pattern) on \(s.debugDescription)")
            }
        }
    }

    // MARK: Paths into a parsed map

    enum Step: CustomStringConvertible {
        case key(String)
        case index(Int)
        var description: String {
            switch self {
            case .key(let k): ".\(k)"
            case .index(let i): "[\(i)]"
            }
        }
    }

    /// The path of the top object and of the first object of each kind below it.
    static func objectPaths(in json: JSONValue) -> [[Step]] {
        var paths: [[Step]] = [[]]
        func walk(_ value: JSONValue, _ path: [Step]) {
            guard case .object(let fields) = value else { return }
            for (key, child) in fields.sorted(by: { $0.key < $1.key }) {
                guard let first = child.arrayValue?.first, first.objectValue != nil else { continue }
                let itemPath = path + [.key(key), .index(0)]
                paths.append(itemPath)
                walk(first, itemPath)
            }
        }
        walk(json, [])
        // A contact with absences, one with on-call windows and an organisation with services, wherever they are in
        // the file.
        for (list, field) in [("contacts", "absences"), ("contacts", "on_call"), ("organizations", "services")] {
            let items = json[list]?.arrayValue ?? []
            if let i = items.firstIndex(where: { $0[field]?.arrayValue?.isEmpty == false }) {
                paths.append([.key(list), .index(i), .key(field), .index(0)])
            }
        }
        return paths
    }

    static func value(at path: [Step], in json: JSONValue) -> JSONValue? {
        var current: JSONValue? = json
        for step in path {
            switch step {
            case .key(let k): current = current?[k]
            case .index(let i): current = current?[i]
            }
        }
        return current
    }

    static func replacing(at path: [Step], in json: JSONValue, with value: JSONValue) -> JSONValue {
        guard let step = path.first else { return value }
        let rest = Array(path.dropFirst())
        switch (step, json) {
        case (.key(let k), .object(var fields)):
            fields[k] = replacing(at: rest, in: fields[k] ?? .null, with: value)
            return .object(fields)
        case (.index(let i), .array(var items)):
            items[i] = replacing(at: rest, in: items[i], with: value)
            return .array(items)
        default:
            return json
        }
    }
}
