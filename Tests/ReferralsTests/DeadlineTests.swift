import Foundation
import Referrals
import SchakelProtocol
import SocialMap
import Testing

/// The acknowledgement deadline: a reminder on the way, then the offer lapses and moves on, with an escalation to
/// the coordinator of the organisation whose contact let it lapse.
@Suite struct DeadlineTests {
    @Test func theReminderGoesToTheContactWhileTheOfferWaits() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["debt"])
        let offer = submitted.handover(need: 0)
        let t = try fixture.fire(.ackReminder, of: offer.id, in: submitted.referralCase)
        #expect(t.sent == ["contact:anna REMINDER acknowledge"])
        #expect(t.recorded == ["reminded"])
        #expect(t.cancelled == ["\(offer.id):ack_reminder"])
        #expect(t.states == [.offered])

        // Once answered, a late reminder is only consumed.
        let taken = try fixture.handle(.acknowledge(handoverID: offer.id, by: "contact:anna"), submitted.referralCase)
        var late = taken.referralCase
        late.timers[TimerKind.ackReminder.id(for: offer.id)] = fixture.now
        let quiet = try fixture.fire(.ackReminder, of: offer.id, in: late)
        #expect(quiet.sent.isEmpty)
        #expect(quiet.effects == [.timerCancelled(id: "\(offer.id):ack_reminder")])
    }

    @Test func aLapsedOfferMovesOnToTheNextCandidate() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["housing"], urgency: "normal")
        let first = submitted.handover(need: 0)
        let other = first.contact == "contact:bram" ? "contact:carla" : "contact:bram"
        let t = try fixture.fire(.ackExpiry, of: first.id, in: submitted.referralCase)
        #expect(t.states == [.expired, .offered])
        #expect(t.handover(need: 0).contact == other)
        #expect(
            t.sent == [
                "\(first.contact!) CANCELLED expired", "\(other) HANDOVER", "org:huisarts NOTICE rerouted",
            ])
        #expect(t.effects.contains(.offerSettled(handoverID: first.id)))
        #expect(t.loadChanges == ["\(first.contact!) -1", "\(other) +1"])
    }

    @Test func aLapsedCrisisOfferIsEscalatedAtOnceToTheOrganisationsCoordinator() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["housing"], urgency: "crisis")
        let first = submitted.handover(need: 0)
        let coordinator = first.contact == "contact:bram" ? "contact:wonen-a-coord" : "contact:wonen-b-coord"
        let t = try fixture.fire(.ackExpiry, of: first.id, in: submitted.referralCase)
        #expect(t.sent.contains("\(coordinator) ESCALATION not_acknowledged"))
        #expect(t.sent.contains("org:huisarts NOTICE escalated"))
        #expect(t.recorded.contains("escalated"))
    }

    @Test func whenNobodyIsLeftTheNeedIsUnownedAndTheCoordinatorAlerted() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["debt"], urgency: "normal")
        let offer = submitted.handover(need: 0)
        let t = try fixture.fire(.ackExpiry, of: offer.id, in: submitted.referralCase)
        #expect(t.states == [.expired, .unowned])
        #expect(t.referralCase.state == .open)
        #expect(
            t.sent == [
                "contact:anna CANCELLED expired", "org:huisarts NOTICE unowned",
                "contact:schuld-coord ESCALATION unowned", "org:huisarts NOTICE escalated",
            ])
    }

    @Test func anOrganisationWithoutACoordinatorIsLogged() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["legal"], urgency: "crisis")
        let offer = submitted.handover(need: 0)
        let t = try fixture.fire(.ackExpiry, of: offer.id, in: submitted.referralCase)
        #expect(!t.sent.contains { $0.contains("ESCALATION") })
        #expect(
            t.effects.contains {
                if case .logged(let line) = $0 { line.event == "escalation.no_coordinator" } else { false }
            })
    }

    @Test func anOfferWhoseContactLeftTheMapGoesToTheNext() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["housing"])
        let first = submitted.handover(need: 0)
        var document = fixture.machine.map.document
        document.contacts.removeAll { $0.id == first.contact }
        let smaller = try SocialMap(document: document)
        var after = try Fixture(map: smaller)
        after.load = ContactLoad(map: smaller)
        let t = try after.handle(.contactLeftMap(handoverID: first.id), submitted.referralCase)
        #expect(t.states == [.cancelled, .offered])
        #expect(t.sent.first == "\(first.contact!) CANCELLED removed_from_map")
        #expect(t.sent.last == "org:huisarts NOTICE rerouted")
        // A contact still on the map keeps the offer.
        let kept = try fixture.handle(.contactLeftMap(handoverID: first.id), submitted.referralCase)
        #expect(kept.effects.isEmpty)
    }
}
