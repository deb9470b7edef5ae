import Foundation
import Testing

@testable import SchakelProtocol

/// The hand-written explanation writer must give exactly the bytes of the `Codable` path it replaces.
@Suite struct MatchExplanationCanonicalTests {
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

    @Test func handWrittenBytesAreTheCodablePathsOnGeneratedExplanations() throws {
        var rng = Generator(state: 20_261_123)
        for _ in 0..<3_000 {
            var removed: [String: Int] = [:]
            for _ in 0..<Int.random(in: 0...9, using: &rng) {
                let name =
                    Bool.random(using: &rng)
                    ? MatchFilter.allCases.randomElement(using: &rng)!.rawValue
                    : Self.awkward.randomElement(using: &rng)!
                removed[name] = Int.random(in: -5...Int(Int32.max), using: &rng)
            }
            let explanation = MatchExplanation(
                considered: Int.random(in: 0...100_000, using: &rng), removed: removed,
                chosen: Bool.random(using: &rng) ? Self.keys(&rng) : nil,
                runnerUp: Bool.random(using: &rng) ? Self.keys(&rng) : nil)
            let expected = try CanonicalJSONEncoder.encode(explanation)
            let actual = try explanation.canonicalBytes()
            #expect(
                actual == expected,
                "\(String(decoding: actual, as: UTF8.self)) != \(String(decoding: expected, as: UTF8.self))")
            if actual != expected { return }
        }
    }

    @Test func fractionalLoadsAndLargeNumbersAreWrittenAsTheEncoderWritesThem() throws {
        var keys = RankingKeys(
            contact: "c", sameReferral: false, otherNeedsCovered: 0, speaksLanguage: true, deputyFor: nil,
            load: 1.0 / 3,
            open: 1, capacity: 3, lastOfferedAt: nil, order: Int(1e15) + 7)
        for load in [0.0, 1.0, 1.0 / 3, 2.0 / 7, 0.1, 1e-7, 12.5, 1e16, -0.0] {
            keys.load = load
            let explanation = MatchExplanation(
                considered: Int(Int32.max), removed: ["capacity": 3], chosen: keys, runnerUp: keys)
            #expect(try explanation.canonicalBytes() == (try CanonicalJSONEncoder.encode(explanation)), "\(load)")
        }
    }

    @Test func aLoadThatIsNotANumberFailsAsTheEncoderFails() {
        let keys = RankingKeys(
            contact: "c", sameReferral: false, otherNeedsCovered: 0, speaksLanguage: true, deputyFor: nil,
            load: .nan, open: 0, capacity: 0, lastOfferedAt: nil, order: 0)
        let explanation = MatchExplanation(considered: 1, removed: [:], chosen: keys)
        #expect(throws: EncodingError.self) { try explanation.canonicalBytes() }
    }
}
