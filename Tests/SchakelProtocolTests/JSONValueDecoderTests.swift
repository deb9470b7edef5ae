import Foundation
import SchakelProtocol
import Testing

/// `JSONValueDecoder` must decode what `JSONDecoder` decodes, and fail where it fails with the same kind of error at
/// the same coding path, because the social map's error messages are built from those paths.
@Suite struct JSONValueDecoderTests {
    struct Inner: Codable, Equatable {
        var code: String
        var weight: Int?
        var tags: [String]
    }

    struct Outer: Codable, Equatable {
        var name: String
        var count: Int
        var ratio: Double
        var on: Bool
        var inner: [Inner]
        var map: [String: Int]
        var maybe: String?
        var anything: JSONValue?
    }

    static let good = #"""
        {"name": "n", "count": 3, "ratio": 0.5, "on": true, "map": {"a": 1},
         "inner": [{"code": "x", "tags": []}, {"code": "y", "weight": 2, "tags": ["p", "q"]}],
         "maybe": null, "anything": {"deep": [1, "two", null]}}
        """#

    static func both(_ text: String) -> (Result<Outer, any Error>, Result<Outer, any Error>) {
        let data = Data(text.utf8)
        let viaFoundation = Result { try JSONDecoder().decode(Outer.self, from: data) }
        let viaValue = Result { try JSONValueDecoder.decode(Outer.self, from: try JSONValue.parse(data)) }
        return (viaFoundation, viaValue)
    }

    static func path(_ error: any Error) -> String? {
        switch error as? DecodingError {
        case .keyNotFound(let key, let context):
            (context.codingPath + [key]).map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        default: nil
        }
    }

    static func kind(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound: "keyNotFound"
        case .typeMismatch: "typeMismatch"
        case .valueNotFound: "valueNotFound"
        case .dataCorrupted: "dataCorrupted"
        default: "other"
        }
    }

    @Test func decodesWhatJSONDecoderDecodes() throws {
        let (foundation, value) = Self.both(Self.good)
        let expected = try foundation.get()
        #expect(try value.get() == expected)
        #expect(expected.inner[1].tags == ["p", "q"])
        #expect(expected.anything?["deep"]?[1]?.stringValue == "two")
    }

    @Test(arguments: [
        (#""inner": [{"code": "x", "tags": []}, {"tags": []}]"#, "keyNotFound", ".inner[1].code"),
        (#""inner": [{"code": 7, "tags": []}]"#, "typeMismatch", ".inner[0].code"),
        (#""inner": [{"code": null, "tags": []}]"#, "valueNotFound", ".inner[0].code"),
        (#""inner": [{"code": "x", "tags": [1]}]"#, "typeMismatch", ".inner[0].tags[0]"),
        (#""inner": [{"code": "x", "weight": 1.5, "tags": []}]"#, "dataCorrupted", ".inner[0].weight"),
        (#""inner": {"code": "x"}"#, "typeMismatch", ".inner"),
    ])
    func failsLikeJSONDecoderWithTheSamePath(replacement: String, kind: String, path: String) throws {
        let text = Self.good.replacingOccurrences(
            of: #""inner": [{"code": "x", "tags": []}, {"code": "y", "weight": 2, "tags": ["p", "q"]}]"#,
            with: replacement)
        let (foundation, value) = Self.both(text)
        let foundationError = try #require(foundation.failure)
        let valueError = try #require(value.failure)
        #expect(Self.kind(valueError) == kind)
        #expect(Self.kind(foundationError) == kind)
        #expect(Self.path(valueError) == path)
        // JSONDecoder leaves the path empty for a number that does not fit; this decoder names the field.
        if kind != "dataCorrupted" { #expect(Self.path(foundationError) == path) }
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
