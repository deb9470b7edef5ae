import Foundation
import Referrals
import SchakelProtocol
import Testing

/// CONTACTED, nazorg and OUTCOME, and REOPEN.
@Suite struct AfterAcknowledgementTests {
    /// A debt need, acknowledged by Anna.
    static func taken(_ fixture: inout Fixture) throws -> (ReferralCase, String) {
        let submitted = try fixture.submit(needs: ["debt"])
        let id = submitted.handover(need: 0).id
        return (
            try fixture.handle(.acknowledge(handoverID: id, by: "contact:anna"), submitted.referralCase).referralCase,
            id
        )
    }

    @Test func contactedEndsTheFirstContactDeadline() throws {
        var fixture = try Fixture()
        let (taken, id) = try Self.taken(&fixture)
        let t = try fixture.handle(
            .contacted(handoverID: id, by: "contact:anna", at: "2026-11-23T12:00:00Z", channel: .phone), taken)
        #expect(t.reply?.command == "NOTED")
        #expect(t.states == [.contacted])
        #expect(t.handover(need: 0).contactedAt == "2026-11-23T12:00:00Z")
        #expect(t.handover(need: 0).contactBy == nil)
        #expect(t.cancelled == ["\(id):contact_due"])
        #expect(t.sent == ["org:huisarts NOTICE contacted"])
        let again = try fixture.handle(
            .contacted(handoverID: id, by: "contact:anna", at: nil, channel: nil), t.referralCase)
        #expect(again.effects.isEmpty)
    }

    @Test func contactedRefusals() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["debt"])
        let id = submitted.handover(need: 0).id
        func code(_ principal: String, _ referralCase: ReferralCase) -> RejectionCode? {
            do {
                _ = try fixture.machine.handle(
                    .contacted(handoverID: id, by: principal, at: nil, channel: nil), in: referralCase,
                    now: fixture.now, load: fixture.load)
                return nil
            } catch { return error.code }
        }
        #expect(code("contact:anna", submitted.referralCase) == .conflict)  // before the ACK
        #expect(code("contact:bram", submitted.referralCase) == .forbidden)
        #expect(code("org:huisarts", submitted.referralCase) == .forbidden)
    }

    @Test func theFirstContactDeadlineRemindsAndTellsTheReferrer() throws {
        var fixture = try Fixture()
        let (taken, id) = try Self.taken(&fixture)
        let t = try fixture.fire(.contactDue, of: id, in: taken)
        #expect(t.sent == ["contact:anna REMINDER first_contact", "org:huisarts NOTICE contact_overdue"])
        #expect(t.recorded == ["contact_overdue"])
        // contact_by stays, so that STATUS and PENDING keep the case visible as overdue.
        #expect(t.handover(need: 0).contactBy != nil)
        let status = try fixture.machine.status(
            of: t.referralCase, timeline: [], for: "org:huisarts", now: fixture.now)
        #expect(status.handovers[0].overdue == true)
    }

    @Test func nazorgAsksBothRemindsOnceThenRecordsNoAnswer() throws {
        var fixture = try Fixture()
        let (taken, id) = try Self.taken(&fixture)
        let asked = try fixture.fire(.nazorg, of: id, in: taken)
        #expect(asked.sent == ["org:huisarts NAZORG", "contact:anna NAZORG"])
        #expect(asked.scheduled == ["\(id):nazorg_answer"])
        #expect(asked.handover(need: 0).nazorgAt == nil)
        #expect(asked.handover(need: 0).answerBy != nil)

        let reminded = try fixture.fire(.nazorgAnswer, of: id, in: asked.referralCase)
        #expect(reminded.sent == ["org:huisarts REMINDER nazorg", "contact:anna REMINDER nazorg"])
        #expect(reminded.scheduled == ["\(id):nazorg_final"])

        let final = try fixture.fire(.nazorgFinal, of: id, in: reminded.referralCase)
        #expect(final.states == [.completed])
        #expect(final.handover(need: 0).outcome == .noAnswer)
        #expect(final.loadChanges == ["contact:anna -1"])
        #expect(final.sent == ["org:huisarts NOTICE nazorg_unresolved", "org:huisarts NOTICE closed"])
        #expect(final.referralCase.state == .closed)
        #expect(final.scheduled == ["\(final.referralCase.id):retention"])
    }

    @Test func theFirstOutcomeCompletesAndClosesTheLoop() throws {
        var fixture = try Fixture()
        let (taken, id) = try Self.taken(&fixture)
        let t = try fixture.handle(
            .outcome(handoverID: id, by: "contact:anna", result: .resolved, note: "Regeling getroffen."), taken)
        #expect(t.reply?.command == "NOTED")
        #expect(t.states == [.completed])
        #expect(t.handover(need: 0).outcomeContact == .resolved)
        #expect(t.effects.contains(.noteRecorded(handoverID: id, note: "Regeling getroffen.")))
        #expect(t.cancelled == ["\(id):contact_due", "\(id):nazorg"])
        #expect(t.sent == ["org:huisarts NOTICE outcome", "org:huisarts NOTICE closed"])
        #expect(t.referralCase.state == .closed)

        // The referrer's own answer is recorded beside it; an unresolved one flags the need.
        let referrer = try fixture.handle(
            .outcome(handoverID: id, by: "org:huisarts", result: .notResolved, note: nil), t.referralCase)
        #expect(referrer.handover(need: 0).outcomeReferrer == .notResolved)
        #expect(referrer.handover(need: 0).outcome == .resolved)
        #expect(referrer.sent == ["org:huisarts NOTICE nazorg_unresolved"])
    }

    @Test func outcomeRefusals() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["debt"])
        let id = submitted.handover(need: 0).id
        func code(_ principal: String, note: String? = nil, _ referralCase: ReferralCase) -> RejectionCode? {
            do {
                _ = try fixture.machine.handle(
                    .outcome(handoverID: id, by: principal, result: .resolved, note: note), in: referralCase,
                    now: fixture.now, load: fixture.load)
                return nil
            } catch { return error.code }
        }
        #expect(code("contact:anna", submitted.referralCase) == .conflict)  // not acknowledged yet
        #expect(code("contact:bram", submitted.referralCase) == .forbidden)
        fixture = try Fixture()
        let (taken, _) = try Self.taken(&fixture)
        var purged = taken
        purged.purgedAt = "2026-11-23T10:00:00Z"
        let takenID = taken.handovers[0].id
        do {
            _ = try fixture.machine.handle(
                .outcome(handoverID: takenID, by: "org:huisarts", result: .resolved, note: "x"), in: purged,
                now: fixture.now, load: fixture.load)
            Issue.record("a note after the purge was accepted")
        } catch {
            #expect(error.field == "note")
        }
    }

    @Test func reopenRoutesAnUnresolvedNeedAgain() throws {
        var fixture = try Fixture()
        let (taken, id) = try Self.taken(&fixture)
        let unresolved = try fixture.handle(
            .outcome(handoverID: id, by: "contact:anna", result: .notResolved, note: nil), taken)
        let t = try fixture.handle(.reopen(by: "org:huisarts", reason: "nog niet opgelost"), unresolved.referralCase)
        #expect(t.reply?.body["handovers"] == .array([.string(t.handover(need: 0).id)]))
        #expect(t.states == [.completed, .offered])
        #expect(t.handover(need: 0).contact == "contact:anna")  // she completed it; she did not decline it
        #expect(t.referralCase.state == .open)
        #expect(t.sent.first == "org:huisarts NOTICE reopened")

        func code(_ principal: String, _ referralCase: ReferralCase) -> RejectionCode? {
            do {
                _ = try fixture.machine.handle(
                    .reopen(by: principal, reason: "x"), in: referralCase, now: fixture.now, load: fixture.load)
                return nil
            } catch { return error.code }
        }
        #expect(code("org:wonen-a", unresolved.referralCase) == .forbidden)
        #expect(code("org:huisarts", taken) == .conflict)  // nothing unresolved
        var purged = unresolved.referralCase
        purged.purgedAt = "2026-11-23T10:00:00Z"
        purged.referral = nil
        #expect(code("org:huisarts", purged) == .conflict)
    }
}
