import Foundation
import Sodium
import Testing

@testable import Broker

/// Citizen codes made from their referral's key (issue 22, part four): the spec's 16 characters, read back to the
/// key under the broker's cipher only, different every time, and kept in the row in the order of the keys so that a
/// new referral's entry lands on the last page of the code index.
@Suite struct CitizenCodeTests {
    static let cipher = try! IdentifierCipher(key: Array(0..<16))
    static var pattern: Regex<AnyRegexOutput> { try! Regex(CitizenViewPattern.code) }

    @Test func aCodeMadeFromAKeyHasTheSpecsFormAndReadsBackToTheKey() throws {
        for key in [Int64(1), 2, 1_000_000, CitizenCode.largestKey] {
            let code = try #require(CitizenCode.make(key: key, cipher: Self.cipher))
            #expect(code.wholeMatch(of: Self.pattern) != nil, "\(code)")
            let canonical = try #require(CitizenCode.canonical(code))
            #expect(CitizenCode.key(of: canonical, cipher: Self.cipher) == key)
            #expect(CitizenCode.key(of: canonical.lowercased(), cipher: Self.cipher) == nil, "only canonical")
        }
        #expect(CitizenCode.make(key: 0, cipher: Self.cipher) == nil)
        #expect(CitizenCode.make(key: CitizenCode.largestKey + 1, cipher: Self.cipher) == nil)
    }

    /// 48 random bits per code: a referral's codes differ, and neighbouring keys give unrelated codes.
    @Test func codesShowNothingOfTheirKey() {
        let sameKey = (0..<1_000).compactMap { _ in CitizenCode.make(key: 42, cipher: Self.cipher) }
        #expect(Set(sameKey).count == 1_000)
        let neighbours = (1...1_000).compactMap { CitizenCode.make(key: Int64($0), cipher: Self.cipher) }
        // 32^4 first groups: a thousand unrelated codes share hardly any; codes that carried the key plainly would.
        #expect(Set(neighbours.map { $0.prefix(4) }).count > 950)
        #expect(Set(neighbours.map { $0.suffix(4) }).count > 950)
    }

    @Test func anotherCiphersCodeReadsAsAnotherKey() throws {
        let other = try IdentifierCipher(key: Array(16..<32))
        let keys = (1...100).compactMap { key -> Int64? in
            let code = CitizenCode.make(key: Int64(key), cipher: Self.cipher).flatMap(CitizenCode.canonical)
            return code.flatMap { CitizenCode.key(of: $0, cipher: other) }
        }
        #expect(keys.filter { (1...100).contains($0) }.count < 5, "\(keys)")
    }

    @Test func aRandomCodeKeepsTheSpecsForm() throws {
        let codes = (0..<1_000).map { _ in CitizenCode.make() }
        #expect(Set(codes).count == 1_000)
        for code in codes { #expect(code.wholeMatch(of: Self.pattern) != nil, "\(code)") }
    }

    /// A code is read as typed, byte by byte when it is ASCII (issue 22): exactly as Unicode's upper-casing and a
    /// filter of characters read it, for codes as handed out, in lower case, with spaces, dashes, too few or too many
    /// characters, look-alikes, and letters that Unicode upper-cases into the alphabet.
    @Test func aTypedCodeIsReadAsUnicodeReadsIt() throws {
        func reference(_ typed: String) -> String? {
            let characters = typed.uppercased().filter { $0 != "-" && $0 != " " }
            guard characters.count == 16, characters.allSatisfy(CitizenCode.alphabet.contains) else { return nil }
            return String(characters)
        }
        let code = try #require(CitizenCode.make(key: 7, cipher: Self.cipher))
        var typed = [
            code, code.lowercased(), code.replacingOccurrences(of: "-", with: " "), code.filter { $0 != "-" },
            " \(code) ", code + "-", String(code.dropLast()), code + "A", "ABCD-EFGH-JKLM-NPQ1", "ABCD-EFGH-JKLM-NPQO",
            "abcd efgh jkmn pqrs", "ABCDEFGHJKLMNPQ\u{DF}", "ABCDEFGHJKLMNP\u{DF}", "ABCDEFGHJKLMNP\u{FB00}",
            "ABCD\u{2013}EFGH\u{2013}JKLM\u{2013}NPQR", "ABCDEFGHJKLMNPQ\u{E9}", "\u{0130}BCDEFGHJKLMNPQR",
            "ABCD\r\nEFGHJKLMNPQR", "ABCD\tEFGHJKLMNPQR", "", "----", String(repeating: "A", count: 40),
        ]
        var generator = SystemRandomNumberGenerator()
        // Half from anything, half from the alphabet in either case with separators: many of those are codes.
        let anything = Array("23456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01 -_\u{DF}\u{E9}")
        let near = Array("23456789abcdefghjklmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ -")
        for round in 0..<2_000 {
            let pieces = round % 2 == 0 ? anything : near
            let count = Int.random(in: 14...20, using: &generator)
            typed.append(String((0..<count).map { _ in pieces.randomElement(using: &generator)! }))
        }
        #expect(typed.filter { reference($0) != nil }.count > 100, "the corpus holds codes, not only refusals")
        for text in typed { #expect(CitizenCode.canonical(text) == reference(text), "\(text.debugDescription)") }
        #expect(CitizenCode.canonical("ABCDEFGHJKLMNP\u{DF}") == "ABCDEFGHJKLMNPSS", "Unicode's upper case counts")
    }

    /// What the index holds: the keyed form sorts by key, after every bare digest (the codes from before).
    @Test func whatTheRowKeepsSortsByKeyAfterEveryBareDigest() throws {
        let digest = try CitizenCode.digest("ABCDEFGHJKLMNPQR")
        #expect(digest.count == 64)
        let stored = [Int64(9), 10, 11, 99_999, 100_000, CitizenCode.largestKey].map {
            CitizenCode.stored(digest: digest, key: $0)
        }
        #expect(stored == stored.sorted())
        #expect(stored[0] == "k0000000009:" + digest)
        #expect(stored.allSatisfy { $0 > String(repeating: "f", count: 64) })
    }

    /// Codes already handed out must open their referral for as long as it lives: the construction is pinned.
    @Test func theConstructionIsPinned() {
        let block = Self.cipher.encrypt80(0x12_3456_789A, 0xBC_DEF0_1234)
        // Computed apart from this code (SipHash-2-4 and the eight rounds in Python, from the reference algorithms).
        #expect(block.high == 0x78_1C8C_D5E1 && block.low == 0xC6_7290_E436, "\(block)")
        #expect(Self.cipher.decrypt80(block.high, block.low) == (0x12_3456_789A, 0xBC_DEF0_1234))
    }
}

/// The spec's form of a code, as CitizenViewTests checks it on the wire.
enum CitizenViewPattern {
    static let code = "[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}"
}
