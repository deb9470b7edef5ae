import Foundation
import SchakelProtocol
import Testing

/// The strict parser: RFC 8259 and nothing more, bounded in depth, refusing what is ambiguous.
@Suite struct JSONParserTests {
    func parse(_ text: String) throws(Rejection) -> JSONValue {
        try JSONValue.parse(Data(text.utf8))
    }

    func parse(bytes: [UInt8]) throws(Rejection) -> JSONValue {
        try JSONValue.parse(Data(bytes))
    }

    func isMalformed(_ body: () throws(Rejection) -> JSONValue) -> Bool {
        do {
            _ = try body()
            return false
        } catch {
            return error.code == .malformed
        }
    }

    @Test func parsesEveryKindOfValue() throws {
        let value = try parse(
            #" { "a" : [1, -2.5, 3e2, 0, -0, true, false, null], "b": {"c": "d\n\u00e9\ud83d\ude00\/"}, "e": "" } "#)
        #expect(
            value["a"] == .array([.number(1), .number(-2.5), .number(300), .number(0), .number(0), true, false, nil]))
        #expect(value["b"]?["c"] == .string("d\né😀/"))
        #expect(value["e"] == .string(""))
        #expect(try parse("[]") == .array([]))
        #expect(try parse("{}") == .object([:]))
        #expect(try parse("12345678901234567890") == .number(Double("12345678901234567890")!))
        #expect(try parse("1.5E-3") == .number(0.0015))
    }

    @Test func theExamplesParseAsFoundationParsesThem() throws {
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Protocols/examples")
        let files = try FileManager.default.contentsOfDirectory(atPath: examples.path).filter { $0.hasSuffix(".json") }
        #expect(files.count > 10)
        for file in files {
            let data = try Data(contentsOf: examples.appendingPathComponent(file))
            let foundation = try JSONDecoder().decode(JSONValue.self, from: data)
            #expect(try JSONValue.parse(data) == foundation, "\(file)")
        }
    }

    @Test func deepNestingIsRefusedWithoutBlowingTheStack() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(isMalformed { () throws(Rejection) in try parse(deep) })
        let deepObject = String(repeating: "{\"a\":", count: 100_000) + "1" + String(repeating: "}", count: 100_000)
        #expect(isMalformed { () throws(Rejection) in try parse(deepObject) })
        let limit = JSONParser.maxDepth
        let atLimit = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        #expect(!isMalformed { () throws(Rejection) in try parse(atLimit) })
        let overLimit = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        #expect(isMalformed { () throws(Rejection) in try parse(overLimit) })
    }

    @Test func duplicateKeysAreRefused() {
        #expect(isMalformed { () throws(Rejection) in try parse(#"{"a": 1, "a": 2}"#) })
        #expect(isMalformed { () throws(Rejection) in try parse(#"{"x": {"b": 1, "b": 1}}"#) })
        // "é" precomposed and decomposed are the same key to Swift, so they are a duplicate too.
        #expect(isMalformed { () throws(Rejection) in try parse("{\"\u{e9}\": 1, \"e\u{301}\": 2}") })
        #expect(!isMalformed { () throws(Rejection) in try parse(#"{"a": {"a": 1}}"#) })
    }

    @Test func invalidUTF8AndSurrogatesAreRefused() {
        let cases: [[UInt8]] = [
            [0x22, 0xFF, 0x22],  // not UTF-8 at all
            [0x22, 0xC0, 0xAF, 0x22],  // overlong '/'
            [0x22, 0xED, 0xA0, 0x80, 0x22],  // an encoded surrogate
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
            [0x22, 0xE2, 0x82, 0x22],  // truncated sequence
            [0xEF, 0xBB, 0xBF, 0x7B, 0x7D],  // byte order mark
        ]
        for bytes in cases {
            #expect(isMalformed { () throws(Rejection) in try parse(bytes: bytes) }, "\(bytes)")
        }
        for text in [#""\ud800""#, #""\udc00""#, #""\ud800\u0041""#, #""\ud800x""#] {
            #expect(isMalformed { () throws(Rejection) in try parse(text) }, "\(text)")
        }
    }

    @Test func controlCharactersInStringsAreRefusedButEscapesAreFine() {
        for byte: UInt8 in [0x00, 0x01, 0x0A, 0x09, 0x1F] {
            #expect(isMalformed { () throws(Rejection) in try parse(bytes: [0x22, 0x61, byte, 0x22]) }, "\(byte)")
        }
        #expect(!isMalformed { () throws(Rejection) in try parse(#""tab\there\u0001""#) })
    }

    @Test func numbersFollowTheGrammarAndStayFinite() {
        for bad in [
            "01", "1.", ".5", "+1", "-", "1e", "1e+", "NaN", "Infinity", "-Infinity", "0x10", "1e400", "-1e400",
        ] {
            #expect(isMalformed { () throws(Rejection) in try parse(bad) }, "\(bad)")
        }
        let huge = String(repeating: "9", count: 100_000)
        #expect(isMalformed { () throws(Rejection) in try parse(huge) })
        #expect(!isMalformed { () throws(Rejection) in try parse("1e-400") })  // underflows to 0: fine
    }

    @Test func structuralErrorsAreRefused() {
        let cases = [
            "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "[1 2]", "{} {}", "tru", "nul", "\"abc",
            "\"\\x\"", "\"\\u12\"", "{'a':1}", "[1]x",
        ]
        for text in cases {
            #expect(isMalformed { () throws(Rejection) in try parse(text) }, "\(text)")
        }
    }

    @Test func hugeStringsParse() throws {
        let big = String(repeating: "x", count: 1_000_000)
        #expect(try parse("\"\(big)\"") == .string(big))
    }
}
