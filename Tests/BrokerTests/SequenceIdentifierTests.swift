import Foundation
import Sodium
import Testing

@testable import Broker

/// Outbox message ids made from the row's seq (migration 12): the form the spec gives, unguessable, and read back
/// only when this key made them.
@Suite struct SequenceIdentifierTests {
    static let ids = SequenceIdentifier.messages(try! IdentifierCipher(key: Array(0..<16)))

    /// The spec's pattern, read from the schema every peer validates against.
    static func specPattern() throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Protocols/schemas/common.schema.json")
        let schema = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        let defs = schema?["$defs"] as? [String: Any]
        return try #require((defs?["message-id"] as? [String: Any])?["pattern"] as? String)
    }

    @Test func anIdHasTheSpecsFormAndReadsBackToItsSeq() throws {
        let pattern = try Regex(try Self.specPattern())
        for seq in [Int64(1), 2, 3, 1_000_000, Int64.max] {
            let id = Self.ids.id(seq)
            #expect(id.wholeMatch(of: pattern) != nil, "\(id)")
            #expect(Self.ids.sequence(of: id) == seq)
        }
    }

    @Test func neighbouringSeqsGiveIdsThatShowNoOrder() {
        let ids = (Int64(1)...1_000).map { Self.ids.id($0) }
        #expect(Set(ids).count == 1_000)
        #expect(ids.sorted() != ids, "sorted ids are not in seq order")
        let sharedPrefix = zip(ids[0].utf8, ids[1].utf8).prefix { $0 == $1 }.count
        #expect(sharedPrefix < "msg-".count + 4, "seq 1 and 2 look unrelated: \(ids[0]) \(ids[1])")
    }

    @Test func anIdThisKeyDidNotMakeReadsAsNone() throws {
        let made = Self.ids.id(42)
        let otherKey = SequenceIdentifier.messages(try IdentifierCipher.generate())
        var flipped = Array(made.utf8)
        flipped[10] = flipped[10] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        for id in [
            "msg-b6e3d9a0-2c4f-4e1b-8d7a-9f5c3e1b2a68",  // a random id from before version 12
            otherKey.id(42), made.uppercased(), String(decoding: flipped, as: UTF8.self),
            "ho-" + made.dropFirst(4), made + "0", String(made.dropLast()), "msg-", "",
        ] {
            #expect(Self.ids.sequence(of: id) == nil, "\(id)")
        }
    }
}
