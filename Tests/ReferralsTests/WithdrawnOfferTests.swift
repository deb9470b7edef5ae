import Foundation
import Referrals
import SchakelProtocol
import SocialMap
import Testing

/// An offer taken back from its contact before they answered (it lapsed, they left the map, a coordinator re-offered
/// it, the referral ended) is told with CANCELLED only if the contact received it, and the machine cannot know that:
/// it says so as data (``ReferralEffect/offerWithdrawn(handoverID:contact:entry:cancelled:)``) and the broker decides
/// when it writes. Issue 23: a contact who was away must not wake up to a REMINDER and a CANCELLED about an offer
/// they never saw.
@Suite struct WithdrawnOfferTests {
    /// The effects of a transition that send a CANCELLED whatever the broker knows.
    static func plainCancellations(_ t: ReferralMachine.Transition) -> [String] {
        t.effects.compactMap {
            if case .sent(let to, .cancelled(let body), _) = $0 { "\(to) \(body.reason.rawValue)" } else { nil }
        }
    }

    @Test func aLapsedOfferIsCancelledOnlyIfItsContactReceivedIt() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["housing"], urgency: "normal")
        let first = submitted.handover(need: 0)
        let t = try fixture.fire(.ackExpiry, of: first.id, in: submitted.referralCase)
        #expect(t.withdrawnOffers == ["\(first.contact!) \(first.id) expired expired"])
        #expect(Self.plainCancellations(t).isEmpty)
        // The entry names the offer and its contact, and says nothing of the delivery: the broker adds that.
        let entry = t.effects.compactMap {
            if case .offerWithdrawn(_, _, let entry, _) = $0 { entry } else { nil }
        }
        #expect(
            entry == [AuditEntry("expired", at: "2026-11-26T09:00:00Z", handoverID: first.id, contact: first.contact)])
        // The offer is settled as before, and the referrer hears of the re-offer either way.
        #expect(t.effects.contains(.offerSettled(handoverID: first.id)))
        #expect(t.sent.last == "org:huisarts NOTICE rerouted")
    }

    @Test func anOfferWhoseContactLeftTheMapIsCancelledOnlyIfReceived() throws {
        let fixture = try Fixture()
        var before = fixture
        let submitted = try before.submit(needs: ["housing"])
        let first = submitted.handover(need: 0)
        var document = fixture.machine.map.document
        document.contacts.removeAll { $0.id == first.contact }
        let smaller = try SocialMap(document: document)
        var after = try Fixture(map: smaller)
        after.load = ContactLoad(map: smaller)
        let t = try after.handle(.contactLeftMap(handoverID: first.id), submitted.referralCase)
        #expect(t.withdrawnOffers == ["\(first.contact!) \(first.id) cancelled removed_from_map"])
        #expect(Self.plainCancellations(t).isEmpty)
    }

    @Test func aReOfferedOfferIsCancelledOnlyIfReceived() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["housing"])
        let offer = submitted.handover(need: 0)
        let coordinator = offer.contact == "contact:bram" ? "contact:wonen-a-coord" : "contact:wonen-b-coord"
        let t = try fixture.handle(
            .coordinatorAssign(handoverID: offer.id, to: coordinator, by: coordinator), submitted.referralCase)
        #expect(t.withdrawnOffers == ["\(offer.contact!) \(offer.id) cancelled reassigned"])
        #expect(Self.plainCancellations(t).isEmpty)
        #expect(t.recorded == ["cancelled", "assigned", "offered", "disclosed"])
    }

    @Test func withdrawingAReferralCancelsAnOfferOnlyIfReceivedAndATakenHandoverAlways() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit()
        let debt = submitted.handover(need: 0)
        let housing = submitted.handover(need: 1)
        let taken = try fixture.handle(.acknowledge(handoverID: debt.id, by: "contact:anna"), submitted.referralCase)
        let t = try fixture.handle(.withdraw(by: "org:huisarts", reason: .consentWithdrawn), taken.referralCase)
        // Anna holds the citizen's details: she is told, whatever the broker knows. The offer is the broker's call.
        #expect(Self.plainCancellations(t) == ["contact:anna withdrawn"])
        #expect(t.withdrawnOffers == ["\(housing.contact!) \(housing.id) cancelled withdrawn"])
        #expect(t.recorded == ["cancelled", "cancelled", "withdrawn", "purged"])
    }

    @Test func erasureCancelsAnOfferOnlyIfReceived() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["debt"])
        let offer = submitted.handover(need: 0)
        let t = try fixture.handle(.erase(by: "operator"), submitted.referralCase)
        #expect(t.withdrawnOffers == ["contact:anna \(offer.id) cancelled erased"])
        #expect(Self.plainCancellations(t).isEmpty)
        #expect(t.sent.last == "org:huisarts NOTICE erased")
    }

    @Test func anAnsweredOfferIsNotWithdrawn() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["housing"])
        let offer = submitted.handover(need: 0)
        let declined = try fixture.handle(
            .decline(handoverID: offer.id, by: offer.contact!, reason: .capacity), submitted.referralCase)
        #expect(declined.withdrawnOffers.isEmpty)
        #expect(!declined.sent.contains { $0.contains("CANCELLED") })
    }
}
