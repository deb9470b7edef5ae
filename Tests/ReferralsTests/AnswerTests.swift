import Foundation
import Referrals
import SchakelProtocol
import Testing

/// ACK and DECLINE in every state a handover can be in.
@Suite struct AnswerTests {
    @Test func anAcknowledgementTakesTheOfferAndSetsTheNextDeadlines() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["debt"])
        let offer = submitted.handover(need: 0)
        let t = try fixture.handle(.acknowledge(handoverID: offer.id, by: "contact:anna"), submitted.referralCase)
        #expect(t.reply?.command == "ACKED")
        #expect(t.reply?.body["citizen"]?["display_name"] == "Burger Test")
        #expect(t.reply?.body["acknowledged_at"] == "2026-11-23T09:00:00Z")
        let taken = t.handover(need: 0)
        #expect(taken.state == .accepted)
        #expect(taken.ackBy == nil)
        #expect(taken.contactBy != nil && taken.nazorgAt != nil)
        #expect(t.effects.contains(.offerSettled(handoverID: offer.id)))
        #expect(t.cancelled == ["\(offer.id):ack_reminder", "\(offer.id):ack_expiry"])
        #expect(t.scheduled == ["\(offer.id):contact_due", "\(offer.id):nazorg"])
        #expect(t.recorded == ["acknowledged", "disclosed"])
        #expect(t.sent == ["org:huisarts NOTICE acknowledged"])
        #expect(t.referralCase.state == .accepted)
        #expect(t.loadChanges.isEmpty)
    }

    @Test func anAcknowledgementAgainAnswersAgainAndChangesNothing() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["debt"])
        let offer = submitted.handover(need: 0)
        let first = try fixture.handle(.acknowledge(handoverID: offer.id, by: "contact:anna"), submitted.referralCase)
        let again = try fixture.handle(.acknowledge(handoverID: offer.id, by: "contact:anna"), first.referralCase)
        #expect(again.reply == first.reply)
        #expect(again.referralCase == first.referralCase)
        // Only the disclosure, and the store writes it only when it is not on record yet.
        #expect(again.effects.count == 1)
        guard case .recorded(let entry, let once) = again.effects.first else {
            Issue.record("expected the disclosure")
            return
        }
        #expect(entry.event == "disclosed" && once)
    }

    @Test func aDeclineGoesToTheNextCandidateAndNeverBack() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["housing"])
        let first = submitted.handover(need: 0)
        let other = first.contact == "contact:bram" ? "contact:carla" : "contact:bram"
        let t = try fixture.handle(
            .decline(handoverID: first.id, by: first.contact!, reason: .capacity), submitted.referralCase)
        #expect(t.reply?.body["reason"] == "capacity")
        #expect(t.states == [.declined, .offered])
        #expect(t.handover(need: 0).contact == other)
        #expect(t.handover(need: 0).isLead)
        #expect(t.loadChanges == ["\(first.contact!) -1", "\(other) +1"])
        #expect(
            t.sent == ["org:huisarts NOTICE declined", "\(other) HANDOVER", "org:huisarts NOTICE offered"])

        // The last candidate declines too: nobody is left, and the first is not asked again. Candidates existed, so
        // the need is unowned, not unroutable, and the decliner's coordinator is alerted.
        let last = try fixture.handle(
            .decline(handoverID: t.handover(need: 0).id, by: other, reason: .notOurService), t.referralCase)
        #expect(last.states == [.declined, .declined, .unowned])
        #expect(last.referralCase.state == .open)
        let coordinator = other == "contact:bram" ? "contact:wonen-a-coord" : "contact:wonen-b-coord"
        #expect(
            last.sent == [
                "org:huisarts NOTICE declined", "org:huisarts NOTICE unowned", "\(coordinator) ESCALATION unowned",
                "org:huisarts NOTICE escalated",
            ])
    }

    @Test func aDeclineAgainAnswersWithTheFirstReason() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["debt"])
        let offer = submitted.handover(need: 0)
        let first = try fixture.handle(
            .decline(handoverID: offer.id, by: "contact:anna", reason: .capacity), submitted.referralCase)
        let again = try fixture.handle(
            .decline(handoverID: offer.id, by: "contact:anna", reason: .notEligible), first.referralCase)
        #expect(again.reply?.body["reason"] == "capacity")
        #expect(again.effects.isEmpty)
    }

    /// Each state an answered handover can be in, with the code an ACK and a DECLINE then get.
    @Test(arguments: [
        (HandoverState.declined, RejectionCode?.some(.conflict), RejectionCode?.none),
        (.expired, .conflict, .conflict),
        (.cancelled, .conflict, .conflict),
        (.unroutable, .notFound, .notFound),
        (.unowned, .notFound, .notFound),
        (.waiting, .notFound, .notFound),
        (.accepted, RejectionCode?.none, RejectionCode?.some(.conflict)),
        (.contacted, RejectionCode?.none, RejectionCode?.some(.conflict)),
        (.completed, RejectionCode?.none, RejectionCode?.some(.conflict)),
    ])
    func answersInEachState(state: HandoverState, ack: RejectionCode?, decline: RejectionCode?) throws {
        var fixture = try Fixture()
        var referralCase = try fixture.submit(needs: ["debt"]).referralCase
        referralCase.handovers[0].state = state
        let id = referralCase.handovers[0].id
        func code(_ event: ReferralEvent) -> RejectionCode? {
            do {
                _ = try fixture.machine.handle(event, in: referralCase, now: fixture.now, load: fixture.load)
                return nil
            } catch { return error.code }
        }
        #expect(code(.acknowledge(handoverID: id, by: "contact:anna")) == ack)
        #expect(code(.decline(handoverID: id, by: "contact:anna", reason: .capacity)) == decline)
    }

    @Test func onlyTheContactOfferedItAnswers() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["debt"])
        let id = submitted.handover(need: 0).id
        for (principal, field) in [("contact:bram", "handover_id" as String?), ("org:huisarts", nil)] {
            #expect(throws: Rejection.self) {
                try fixture.machine.handle(
                    .acknowledge(handoverID: id, by: principal), in: submitted.referralCase, now: fixture.now,
                    load: fixture.load)
            }
            do {
                _ = try fixture.machine.handle(
                    .decline(handoverID: id, by: principal, reason: .capacity), in: submitted.referralCase,
                    now: fixture.now, load: fixture.load)
            } catch {
                #expect(error.code == .forbidden)
                #expect(error.field == field)
            }
        }
        #expect(
            ReferralMachine.refusalForMissing(.acknowledge(handoverID: "ho-x", by: "org:huisarts")).code == .forbidden)
        #expect(
            ReferralMachine.refusalForMissing(.acknowledge(handoverID: "ho-x", by: "contact:anna")).code == .notFound)
    }
}

/// One lead: the handover that replaces the lead takes it over, and a lead whose need goes to nobody moves on.
@Suite struct LeadTests {
    @Test func theReplacementTakesTheLeadOverFromADeclinedOffer() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["housing", "debt"])
        let lead = submitted.handover(need: 0)
        #expect(lead.isLead)
        let t = try fixture.handle(
            .decline(handoverID: lead.id, by: lead.contact!, reason: .capacity), submitted.referralCase)
        #expect(t.referralCase.handover(lead.id)?.isLead == false)
        #expect(t.handover(need: 0).isLead)
        #expect(t.referralCase.handovers.filter(\.isLead).count == 1)
    }

    @Test func aLeadWhoseNeedGoesToNobodyMovesToAnotherNeed() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["debt", "housing"], urgency: "normal")
        let debt = submitted.handover(need: 0)
        #expect(debt.isLead)
        // Anna lets it lapse; nobody else serves debt: the need is unowned, and the housing offer leads now.
        let t = try fixture.fire(.ackExpiry, of: debt.id, in: submitted.referralCase)
        #expect(t.handover(need: 0).state == .unowned)
        #expect(!t.handover(need: 0).isLead)
        #expect(t.handover(need: 1).isLead)
        #expect(t.referralCase.handovers.filter(\.isLead).map(\.id) == [t.handover(need: 1).id])
    }

    @Test func anExpiredOfferLeadsNoMore() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["housing"], urgency: "normal")
        let first = submitted.handover(need: 0)
        let t = try fixture.fire(.ackExpiry, of: first.id, in: submitted.referralCase)
        #expect(t.referralCase.handover(first.id)?.isLead == false)
        #expect(t.handover(need: 0).isLead && t.handover(need: 0).state == .offered)
    }
}
