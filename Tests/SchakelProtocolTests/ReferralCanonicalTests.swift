import Foundation
import Testing

@testable import SchakelProtocol

/// The hand-written canonical referral (what is stored, and what a resubmission is compared with) must be exactly
/// the bytes of the `Codable` path it replaces: a referral stored before would otherwise no longer equal its own
/// resubmission.
@Suite struct ReferralCanonicalTests {
    typealias Generator = MatchExplanationStoredTests.Generator
    typealias Make = BrokerMessagesCanonicalTests

    static func referral(_ rng: inout Generator) -> Referral {
        Referral(
            externalID: Make.text(&rng),
            referrer: Referrer(
                name: Make.text(&rng), phone: Make.maybe(&rng), email: Make.maybe(&rng), role: Make.maybe(&rng)),
            citizen: Citizen(
                displayName: Make.text(&rng), municipality: Make.text(&rng), postcode: Make.maybe(&rng),
                phone: Make.maybe(&rng), email: Make.maybe(&rng), language: Make.maybe(&rng),
                preferredChannel: Make.maybe(&rng) { Channel.allCases.randomElement(using: &$0)! }),
            needs: (0..<Int.random(in: 0...4, using: &rng)).map { _ in
                Need(domain: Make.text(&rng), summary: Make.text(&rng))
            },
            lifeEvent: Make.maybe(&rng), urgency: Urgency.allCases.randomElement(using: &rng)!,
            consent: Consent(
                givenAt: Make.text(&rng), recordedBy: Make.text(&rng),
                shareWith: (0..<Int.random(in: 0...3, using: &rng)).map { _ in
                    [ShareScope.everyone, .domain(Make.text(&rng)), .organisation("org:" + Make.text(&rng))]
                        .randomElement(using: &rng)!
                },
                expiresAt: Make.maybe(&rng)),
            note: Make.maybe(&rng))
    }

    @Test func handWrittenReferralsAreTheCodablePathsBytes() throws {
        try Make.expectSameBytes(seed: 20_261_207, Self.referral) { $0.canonicalBytes() }
    }

    /// The spec's SUBMIT example, validated and written again, is its referral's canonical text.
    @Test func theSpecsSubmitExampleComesOutAsItsCanonicalText() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Protocols/examples/SUBMIT.json")
        let body = try JSONValue.parse(Data(contentsOf: url))
        let value = try #require(body["referral"])
        let referral = try SRPCoding.decoder.decode(Referral.self, from: Data(value.canonicalString().utf8))
        #expect(referral.canonicalString() == value.canonicalString())
        #expect(referral.canonicalBytes() == (try CanonicalJSONEncoder.encode(referral)))
    }

    @Test func aStoredCardIsTheCodablePathsBytes() throws {
        var rng = Generator(state: 20_261_208)
        for _ in 0..<1_000 {
            let card = Make.card(&rng)
            #expect(card.canonicalString() == (try CanonicalJSONEncoder.encodeString(card)))
        }
    }
}
