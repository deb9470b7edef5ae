import Foundation
import Testing

@testable import SchakelProtocol

/// The hand-written HANDOVER, NOTICE and ACCEPTED writers must give exactly the bytes of the `Codable` path they replace.
@Suite struct BrokerMessagesCanonicalTests {
    typealias Generator = MatchExplanationStoredTests.Generator
    static let awkward = MatchExplanationStoredTests.awkward

    static func text(_ rng: inout Generator) -> String { awkward.randomElement(using: &rng)! }
    static func maybe(_ rng: inout Generator) -> String? { Bool.random(using: &rng) ? text(&rng) : nil }
    static func maybe<T>(_ rng: inout Generator, _ make: (inout Generator) -> T) -> T? {
        Bool.random(using: &rng) ? make(&rng) : nil
    }

    static func card(_ rng: inout Generator) -> ContactCard {
        ContactCard(
            id: text(&rng), name: text(&rng), organisation: text(&rng), organisationName: text(&rng),
            role: maybe(&rng), phone: maybe(&rng), email: maybe(&rng))
    }

    static func need(_ rng: inout Generator) -> NeedRef {
        NeedRef(index: Int.random(in: 0...9, using: &rng), domain: text(&rng), summary: maybe(&rng))
    }

    static func offer(_ rng: inout Generator) -> HandoverOffer {
        HandoverOffer(
            messageID: text(&rng), handoverID: text(&rng), referralID: text(&rng), need: need(&rng),
            urgency: Urgency.allCases.randomElement(using: &rng)!, lifeEvent: maybe(&rng),
            citizen: CitizenOfferView(
                municipality: text(&rng), language: maybe(&rng),
                preferredChannel: maybe(&rng) { Channel.allCases.randomElement(using: &$0)! }),
            referrer: ReferrerView(
                organisation: text(&rng), organisationName: text(&rng), name: maybe(&rng), phone: maybe(&rng),
                email: maybe(&rng), role: maybe(&rng)),
            lead: Bool.random(using: &rng), leadContact: maybe(&rng, card), offeredAt: text(&rng),
            ackBy: maybe(&rng))
    }

    static func notice(_ rng: inout Generator) -> Notice {
        Notice(
            messageID: text(&rng), referralID: text(&rng), externalID: text(&rng),
            event: NoticeEvent.allCases.randomElement(using: &rng)!, handoverID: maybe(&rng),
            need: maybe(&rng, need), contact: maybe(&rng, card),
            reason: maybe(&rng) { DeclineReason.allCases.randomElement(using: &$0)! },
            result: maybe(&rng) { OutcomeResult.allCases.randomElement(using: &$0)! },
            escalation: maybe(&rng) { EscalationReason.allCases.randomElement(using: &$0)! },
            level: maybe(&rng) { Int.random(in: -3...1_000_000, using: &$0) },
            alerted: maybe(&rng) { rng in (0..<Int.random(in: 0...3, using: &rng)).map { _ in card(&rng) } },
            operatorAlerted: maybe(&rng) { Bool.random(using: &$0) }, at: text(&rng))
    }

    static func accepted(_ rng: inout Generator) -> Accepted {
        Accepted(
            externalID: text(&rng), referralID: text(&rng), duplicate: Bool.random(using: &rng),
            messageID: maybe(&rng), citizenCode: maybe(&rng))
    }

    /// 3,000 generated messages from `seed`: the hand-written bytes are the `Codable` path's, or the first that is not.
    static func expectSameBytes<Message: Encodable>(
        seed: UInt64, _ make: (inout Generator) -> Message, _ written: (Message) -> [UInt8]
    ) throws {
        var rng = Generator(state: seed)
        for _ in 0..<3_000 {
            let message = make(&rng)
            let expected = try CanonicalJSONEncoder.encode(message)
            #expect(written(message) == expected, "\(String(decoding: expected, as: UTF8.self))")
            if written(message) != expected { return }
        }
    }

    @Test func handWrittenOffersAreTheCodablePathsBytes() throws {
        try Self.expectSameBytes(seed: 20_261_205, Self.offer) { $0.canonicalBytes() }
    }

    @Test func handWrittenAnswersToASubmitAreTheCodablePathsBytes() throws {
        try Self.expectSameBytes(seed: 20_261_208, Self.accepted) { $0.canonicalBytes() }
    }

    @Test func handWrittenNoticesAreTheCodablePathsBytes() throws {
        try Self.expectSameBytes(seed: 20_261_206, Self.notice) { $0.canonicalBytes() }
    }

    /// What the outbox keeps of an offer (issue 22) is exactly its `ack_by`, `lead`, `lead_contact` and `referrer` as
    /// the offer's own canonical text has them; put back on any other offer, they make this one again.
    @Test func anOffersChangeableFieldsAreKeptAndPutBackExactly() throws {
        var rng = Generator(state: 20_261_207)
        for _ in 0..<3_000 {
            let offer = Self.offer(&rng)
            let kept = offer.changeableBytes()
            guard case .object(let whole) = try JSONValue.parse(Data(offer.canonicalBytes())) else {
                Issue.record("an offer is an object")
                return
            }
            let expected = JSONValue.object(
                whole.filter { ["ack_by", "lead", "lead_contact", "referrer"].contains($0.key) })
            #expect(kept == Array(expected.canonicalData()), "\(String(decoding: kept, as: UTF8.self))")

            var other = Self.offer(&rng)
            (other.messageID, other.handoverID, other.referralID, other.need) =
                (offer.messageID, offer.handoverID, offer.referralID, offer.need)
            (other.urgency, other.lifeEvent, other.citizen, other.offeredAt) =
                (offer.urgency, offer.lifeEvent, offer.citizen, offer.offeredAt)
            let again = other.withChangeable(String(decoding: kept, as: UTF8.self))
            #expect(again == offer)
            if again != offer { return }
        }
        let base = Self.offer(&rng)
        for broken in [
            "", "{}", #"{"lead":1,"referrer":{}}"#, #"{"lead":true}"#,
            #"{"lead":true,"referrer":{"organisation":"o","organisation_name":"n"},"lead_contact":{}}"#,
            #"{"ack_by":1,"lead":true,"referrer":{"organisation":"o","organisation_name":"n"}}"#,
        ] {
            #expect(base.withChangeable(broken) == nil, "\(broken)")
        }
    }

    /// A card's canonical text without its direct line, taken from the stored text, is exactly the text of the card
    /// without it (quotes, backslashes and keys inside values included); anything but a flat object of strings is nil.
    @Test func aStoredCardsTextWithoutTheDirectLineIsThatCardsText() {
        var rng = Generator(state: 20_261_208)
        for _ in 0..<3_000 {
            let card = Self.card(&rng)
            let text = ContactCard.canonicalStringWithoutDirectLine(stored: card.canonicalString())
            #expect(text == card.withoutDirectLine.canonicalString(), "\(card.canonicalString())")
            if text != card.withoutDirectLine.canonicalString() { return }
        }
        let tricky = ContactCard(
            id: "c", name: #"a","phone":"x"#, organisation: #"\"#, organisationName: "email", phone: "+31",
            email: #"e@x","id":"y"#)
        #expect(
            ContactCard.canonicalStringWithoutDirectLine(stored: tricky.canonicalString())
                == tricky.withoutDirectLine.canonicalString())
        for broken in ["", "{", "[]", #"{"id":1}"#, #"{"id":"a""#, #"{"id":"a"x}"#, #"{"id":"a",}"#, #"{"id"}"#] {
            #expect(ContactCard.canonicalStringWithoutDirectLine(stored: broken) == nil, "\(broken)")
        }
        #expect(ContactCard.canonicalStringWithoutDirectLine(stored: "{}") == "{}")
    }

    /// Every HANDOVER and NOTICE example of the protocol spec, decoded and written again, is its canonical text.
    @Test func theSpecsExamplesComeOutAsTheirCanonicalText() throws {
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Protocols/examples")
        let offer = try Data(contentsOf: examples.appendingPathComponent("HANDOVER.json"))
        #expect(
            try SRPCoding.decoder.decode(HandoverOffer.self, from: offer).canonicalBytes()
                == Array(try JSONValue.parse(offer).canonicalData()))
        let notice = try Data(contentsOf: examples.appendingPathComponent("NOTICE.json"))
        #expect(
            try SRPCoding.decoder.decode(Notice.self, from: notice).canonicalBytes()
                == Array(try JSONValue.parse(notice).canonicalData()))
    }
}
