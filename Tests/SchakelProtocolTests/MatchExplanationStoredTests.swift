import Foundation
import Testing

@testable import SchakelProtocol

/// What a handover keeps of its explanation (issue 22: its values without the keys) must read back as the very
/// explanation, and what older handovers kept (the canonical JSON object) must read as before.
@Suite struct MatchExplanationStoredTests {
    /// Strings that exercise the writers: escapes, control characters, non-ASCII, and keys whose UTF-8 order
    /// differs from `String` order.
    static let awkward = [
        "", "a", "contact:schuldhulp-anna", "quote\"and\\backslash", "tab\tnew\nline", "\u{1}\u{1f}", "/slash",
        "é", "Z", "zz", "ﬀ", "😀", "Ωmega", "declined_before", "a\u{0}b",
    ]

    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func keys(_ rng: inout Generator) -> RankingKeys {
        let capacity = Int.random(in: 0...40, using: &rng)
        let open = Int.random(in: 0...45, using: &rng)
        return RankingKeys(
            contact: awkward.randomElement(using: &rng)!, sameReferral: Bool.random(using: &rng),
            otherNeedsCovered: Int.random(in: 0...5, using: &rng), speaksLanguage: Bool.random(using: &rng),
            deputyFor: Bool.random(using: &rng) ? awkward.randomElement(using: &rng) : nil,
            load: Double(open) / Double(max(capacity, 1)), open: open, capacity: capacity,
            lastOfferedAt: Bool.random(using: &rng)
                ? "2026-11-\(Int.random(in: 10...28, using: &rng))T08:00:00Z" : nil,
            order: Int.random(in: 0...2_000_000, using: &rng))
    }

    /// An explanation as the matcher makes it, or with `removed` naming other filters than the matcher's or some
    /// of them only.
    static func explanation(_ rng: inout Generator) -> MatchExplanation {
        var removed: [String: Int] = [:]
        if Bool.random(using: &rng) {
            for filter in MatchFilter.allCases { removed[filter.rawValue] = Int.random(in: 0...40, using: &rng) }
        } else {
            for _ in 0..<Int.random(in: 0...9, using: &rng) {
                let name =
                    Bool.random(using: &rng)
                    ? MatchFilter.allCases.randomElement(using: &rng)!.rawValue
                    : Self.awkward.randomElement(using: &rng)!
                removed[name] = Int.random(in: -5...Int(Int32.max), using: &rng)
            }
        }
        return MatchExplanation(
            considered: Int.random(in: 0...100_000, using: &rng), removed: removed,
            chosen: Bool.random(using: &rng) ? Self.keys(&rng) : nil,
            runnerUp: Bool.random(using: &rng) ? Self.keys(&rng) : nil)
    }

    @Test func whatIsStoredReadsBackAsTheSameExplanation() throws {
        var rng = Generator(state: 20_261_123)
        var stored = 0
        var canonical = 0
        for _ in 0..<3_000 {
            let explanation = Self.explanation(&rng)
            let bytes = try #require(explanation.storedBytes())
            #expect(MatchExplanation(stored: String(decoding: bytes, as: UTF8.self)) == explanation)
            // What handovers kept before: the canonical JSON object, read as before.
            let old = try CanonicalJSONEncoder.encode(explanation)
            #expect(MatchExplanation(stored: String(decoding: old, as: UTF8.self)) == explanation)
            (stored, canonical) = (stored + bytes.count, canonical + old.count)
        }
        #expect(
            stored * 2 < canonical, "the values alone are less than half the object: \(stored) against \(canonical)")
    }

    @Test func fractionalLoadsAndLargeNumbersReadBackExactly() throws {
        var keys = RankingKeys(
            contact: "c", sameReferral: false, otherNeedsCovered: 0, speaksLanguage: true, deputyFor: nil,
            load: 1.0 / 3,
            open: 1, capacity: 3, lastOfferedAt: nil, order: Int(1e15) + 7)
        for load in [
            0.0, 1.0, 1.0 / 3, 2.0 / 7, 0.1, 1e-7, 5e-06, 12.5, 1e16, -0.0, .ulpOfOne, .greatestFiniteMagnitude,
        ] {
            keys.load = load
            let explanation = MatchExplanation(
                considered: Int(Int32.max), removed: ["capacity": 3], chosen: keys, runnerUp: keys)
            let bytes = try #require(explanation.storedBytes())
            let back = MatchExplanation(stored: String(decoding: bytes, as: UTF8.self))
            #expect(back == explanation, "\(load)")
        }
    }

    @Test func aLoadThatIsNotANumberIsNotStored() {
        let keys = RankingKeys(
            contact: "c", sameReferral: false, otherNeedsCovered: 0, speaksLanguage: true, deputyFor: nil,
            load: .nan, open: 0, capacity: 0, lastOfferedAt: nil, order: 0)
        #expect(MatchExplanation(considered: 1, removed: [:], chosen: keys).storedBytes() == nil)
    }

    @Test func anythingElseReadsAsNoExplanation() {
        for text in [
            "", "[]", "null", "[1,[],null,null]", "[1,[0,0,0,0,0,0,0],null,null]", "[1.5,{},null,null]",
            #"[1,{"domain":"x"},null,null]"#, #"[1,{},["c"],null]"#, #"[1,{},null,null,null]"#, #"{"considered":"x"}"#,
        ] {
            #expect(MatchExplanation(stored: text) == nil, "\(text)")
        }
    }
}
