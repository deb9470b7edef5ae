import Foundation
import Testing

@testable import Broker

/// Referral and handover ids (issue 22): the spec's form, unguessable, and growing with time so that a new
/// referral's index entries land on the last pages instead of a random page each.
@Suite struct IdentifierTests {
    /// The spec's pattern for `name` in common.schema.json, which every peer validates against.
    static func specPattern(_ name: String) throws -> Regex<AnyRegexOutput> {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Protocols/schemas/common.schema.json")
        let schema = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        let defs = schema?["$defs"] as? [String: Any]
        return try Regex(try #require((defs?[name] as? [String: Any])?["pattern"] as? String))
    }

    @Test func referralAndHandoverIdsHaveTheSpecsForm() throws {
        let referral = try Self.specPattern("referral-id")
        let handover = try Self.specPattern("handover-id")
        for _ in 0..<100 {
            let id = Identifier.make("ref")
            #expect(id.wholeMatch(of: referral) != nil, "\(id)")
            let handoverID = Identifier.make("ho")
            #expect(handoverID.wholeMatch(of: handover) != nil, "\(handoverID)")
        }
    }

    /// RFC 9562's version 7: the milliseconds in the first twelve digits, version 7, variant 10.
    @Test func anIdIsAVersion7UUIDOfTheMillisecondItWasMade() throws {
        var generator = SystemRandomNumberGenerator()
        let id = Identifier.make("ref", millisecondsSince1970: 0x0193_8F4A_21C5, using: &generator)
        let uuid = try #require(UUID(uuidString: String(id.dropFirst("ref-".count))))
        #expect(id.hasPrefix("ref-01938f4a-21c5-7"))
        #expect(uuid.uuid.6 >> 4 == 7, "version")
        #expect(uuid.uuid.8 >> 6 == 0b10, "variant")
    }

    /// What keeps the primary-key indexes' new entries together: an id made in a later millisecond sorts after
    /// every id made before it, as text (SQLite's and PostgreSQL's `COLLATE "C"` order).
    @Test func idsMadeLaterSortAfterIdsMadeBefore() {
        var generator = SystemRandomNumberGenerator()
        let start: UInt64 = 1_764_979_200_000
        let ids = (0..<2_000).map { step in
            Identifier.make("ho", millisecondsSince1970: start + UInt64(step / 4), using: &generator)
        }
        let byMillisecond = stride(from: 0, to: ids.count, by: 4).map { ids[$0..<$0 + 4].sorted() }
        for (earlier, later) in zip(byMillisecond, byMillisecond.dropFirst()) {
            #expect(earlier.last! < later.first!, "\(earlier.last!) ≥ \(later.first!)")
        }
    }

    /// 74 random bits: ids made in one millisecond differ, and share nothing past the time.
    @Test func idsOfOneMillisecondAreUnguessable() {
        var generator = SystemRandomNumberGenerator()
        let ids = (0..<10_000).map { _ in
            Identifier.make("ref", millisecondsSince1970: 1_764_979_200_000, using: &generator)
        }
        #expect(Set(ids).count == ids.count)
        // After `ref-`, 12 digits of milliseconds with their dashes, a dash and the version digit come 12 random
        // bits (4,096 values, about 3,700 of them drawn by 10,000 ids), then 62 (no two of 10,000 alike in the
        // last 48).
        let afterVersion = "ref-".count + 15
        let randomA = Set(ids.map { $0.utf8.dropFirst(afterVersion).prefix(3).map { $0 } })
        #expect(randomA.count > 3_000, "\(randomA.count) values of the 12 bits after the version")
        let lastDigits = Set(ids.map { $0.suffix(12) })
        #expect(lastDigits.count == ids.count)
    }

    @Test func theWallClocksIdIsOfNow() throws {
        let before = UInt64(Date().timeIntervalSince1970 * 1_000) - 1
        let id = Identifier.make("ref")
        let after = UInt64(Date().timeIntervalSince1970 * 1_000) + 1
        let digits = id.dropFirst("ref-".count).filter { $0 != "-" }.prefix(12)
        let milliseconds = try #require(UInt64(digits, radix: 16))
        #expect((before...after).contains(milliseconds))
    }
}
