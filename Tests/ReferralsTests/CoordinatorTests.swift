import Foundation
import Referrals
import SchakelProtocol
import SocialMap
import Testing

/// Who an escalation goes to, and what a coordinator can do about it (SRP/1 ASSIGN).
@Suite struct CoordinatorTests {
    /// The fixture's map with Anna as her own organisation's coordinator, and a coordinator for the GP.
    static func annaCoordinates() throws -> Fixture {
        var document = try Fixture().machine.map.document
        for i in document.organizations.indices {
            if document.organizations[i].id == "org:schuld" { document.organizations[i].coordinator = "contact:anna" }
        }
        return try Fixture(map: try SocialMap(document: document))
    }

    @Test func anEscalationNeverGoesToTheContactWhoLetTheOfferLapse() throws {
        var fixture = try Self.annaCoordinates()
        let submitted = try fixture.submit(needs: ["debt"], urgency: "crisis")
        let t = try fixture.fire(.ackExpiry, of: submitted.handover(need: 0).id, in: submitted.referralCase)
        #expect(!t.sent.contains { $0.hasPrefix("contact:anna ESCALATION") }, "\(t.sent)")
        // The referrer's organisation has no coordinator either: the operator's log says so for the lapse, and the
        // unowned need, with nobody to alert at levels 1 and 2, goes to the operator at once.
        let warnings = t.effects.compactMap { effect -> String? in
            guard case .logged(let line) = effect, line.level == .warning else { return nil }
            return line.event
        }
        #expect(warnings == ["need.escalated_to_operator", "escalation.no_coordinator"])
    }

    @Test func theReferrersCoordinatorIsNextInLine() throws {
        var document = try Self.annaCoordinates().machine.map.document
        document.contacts.append(
            ContactPerson(
                id: "contact:huisarts-coord", organization: "org:huisarts", name: "Coordinator H", role: nil,
                phone: "+31 30 000 0200", email: "h@example.org", domains: [], languages: ["nl"], capacity: 5))
        for i in document.organizations.indices where document.organizations[i].id == "org:huisarts" {
            document.organizations[i].coordinator = "contact:huisarts-coord"
        }
        var fixture = try Fixture(map: try SocialMap(document: document))
        let submitted = try fixture.submit(needs: ["debt"], urgency: "normal")
        let t = try fixture.fire(.ackExpiry, of: submitted.handover(need: 0).id, in: submitted.referralCase)
        #expect(t.sent.contains("contact:huisarts-coord ESCALATION unowned"))
        let escalation = t.effects.compactMap { effect -> Escalation? in
            if case .sent(_, .escalation(let body), _) = effect { body } else { nil }
        }.first
        #expect(escalation?.needHandoverID == t.handover(need: 0).id)
        #expect(t.handover(need: 0).state == .unowned)
    }

    @Test func aCoordinatorAssignsAnUnownedNeedToAColleague() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["debt"], urgency: "normal")
        let lapsed = try fixture.fire(.ackExpiry, of: submitted.handover(need: 0).id, in: submitted.referralCase)
        let unowned = lapsed.handover(need: 0)
        let t = try fixture.handle(
            .coordinatorAssign(handoverID: unowned.id, to: "contact:anna", by: "contact:schuld-coord"),
            lapsed.referralCase)
        #expect(t.reply?.command == "NOTED")
        #expect(t.reply?.body["event"] == "assigned")
        #expect(t.reply?.body["handover_id"] == .string(t.handover(need: 0).id))
        #expect(t.handover(need: 0).state == .offered && t.handover(need: 0).contact == "contact:anna")
        #expect(t.sent == ["contact:anna HANDOVER", "org:huisarts NOTICE offered"])
    }

    @Test func aCoordinatorReOffersAColleaguesUnansweredOffer() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["housing"])
        let offer = submitted.handover(need: 0)
        let coordinator = offer.contact == "contact:bram" ? "contact:wonen-a-coord" : "contact:wonen-b-coord"
        let t = try fixture.handle(
            .coordinatorAssign(handoverID: offer.id, to: coordinator, by: coordinator), submitted.referralCase)
        #expect(t.states == [.cancelled, .offered])
        #expect(t.handover(need: 0).contact == coordinator)
        #expect(t.handover(need: 0).isLead)
        #expect(
            t.sent == [
                "\(offer.contact!) CANCELLED reassigned", "\(coordinator) HANDOVER", "org:huisarts NOTICE rerouted",
            ])
        #expect(t.loadChanges == ["\(offer.contact!) -1", "\(coordinator) +1"])
    }

    @Test func aWaitingNeedIsAssignedInPlace() throws {
        var fixture = try Fixture()
        _ = try fixture.submit(needs: ["debt"])
        let waiting = try fixture.submit(needs: ["debt"])
        let id = waiting.handover(need: 0).id
        let t = try fixture.handle(
            .coordinatorAssign(handoverID: id, to: "contact:schuld-coord", by: "contact:schuld-coord"),
            waiting.referralCase)
        #expect(t.states == [.offered])
        #expect(t.handover(need: 0).id == id)
    }

    @Test func refusals() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["housing"])
        let offer = submitted.handover(need: 0)
        let own = offer.contact == "contact:bram" ? "contact:wonen-a-coord" : "contact:wonen-b-coord"
        let other = offer.contact == "contact:bram" ? "contact:wonen-b-coord" : "contact:wonen-a-coord"
        func refusal(_ id: String, to contact: String, by coordinator: String, _ referralCase: ReferralCase)
            -> Rejection?
        {
            do {
                _ = try fixture.machine.handle(
                    .coordinatorAssign(handoverID: id, to: contact, by: coordinator), in: referralCase,
                    now: fixture.now, load: fixture.load)
                return nil
            } catch { return error }
        }
        // Not a coordinator; another organisation's offer; a colleague of another organisation; already theirs.
        #expect(refusal(offer.id, to: own, by: "contact:bram", submitted.referralCase)?.code == .forbidden)
        #expect(refusal(offer.id, to: other, by: other, submitted.referralCase)?.field == "handover_id")
        #expect(refusal(offer.id, to: "contact:anna", by: own, submitted.referralCase)?.field == "contact")
        #expect(refusal(offer.id, to: offer.contact!, by: own, submitted.referralCase)?.code == .conflict)
        // Acknowledged: it is the contact's now.
        let taken = try fixture.handle(.acknowledge(handoverID: offer.id, by: offer.contact!), submitted.referralCase)
        #expect(refusal(offer.id, to: own, by: own, taken.referralCase)?.code == .conflict)
        // Outside the consent.
        let (narrow, body) = try Fixture.referral(needs: ["housing"]) {
            $0["consent"] = [
                "given_at": "2026-11-23T09:30:00+01:00", "recorded_by": "x", "share_with": ["org:wonen-b"],
            ]
        }
        let onlyB = try fixture.machine.submit(
            narrow, from: "org:huisarts", canonicalBody: body, existing: nil, now: fixture.now, load: fixture.load)
        let carlaOffer = onlyB.handover(need: 0)
        #expect(carlaOffer.contact == "contact:carla")
        #expect(
            refusal(carlaOffer.id, to: "contact:wonen-b-coord", by: "contact:wonen-b-coord", onlyB.referralCase) == nil)
    }

    @Test func aCoordinatorSeesTheirOrganisationsReferralsAndWhatIsOverdue() throws {
        var fixture = try Fixture()
        let (taken, id) = try AfterAcknowledgementTests.taken(&fixture)
        #expect(
            throws: Rejection.self,
            performing: {
                try fixture.machine.status(of: taken, timeline: [], for: "contact:wonen-a-coord", now: fixture.now)
            })
        let early = try fixture.machine.status(of: taken, timeline: [], for: "contact:schuld-coord", now: fixture.now)
        #expect(early.externalID == nil)
        #expect(early.handovers[0].overdue == nil)
        let late = try fixture.machine.status(
            of: taken, timeline: [], for: "contact:schuld-coord", now: RFC3339.parse(taken.handover(id)!.contactBy!)!)
        #expect(late.handovers[0].overdue == true)
    }
}
