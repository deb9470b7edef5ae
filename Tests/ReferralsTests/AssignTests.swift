import Foundation
import Referrals
import SchakelProtocol
import Testing

/// Waiting needs offered when room frees, and needs a coordinator assigns by hand.
@Suite struct AssignTests {
    @Test func aWaitingNeedIsOfferedInPlaceWhenRoomFrees() throws {
        var fixture = try Fixture()
        let first = try fixture.submit(needs: ["debt"])
        let waiting = try fixture.submit(needs: ["debt"])
        let waitingID = waiting.handover(need: 0).id
        // Still full: it keeps waiting, quietly.
        let still = try fixture.handle(.capacityFreed(handoverID: waitingID), waiting.referralCase)
        #expect(still.states == [.waiting])
        #expect(still.sent.isEmpty)
        // Anna declines the first: she has room, but she may not get the need she declined, only the other one.
        _ = try fixture.handle(
            .decline(handoverID: first.handover(need: 0).id, by: "contact:anna", reason: .capacity),
            first.referralCase)
        let offered = try fixture.handle(.capacityFreed(handoverID: waitingID), waiting.referralCase)
        #expect(offered.states == [.offered])
        #expect(offered.handover(need: 0).id == waitingID)
        #expect(offered.handover(need: 0).contact == "contact:anna")
        #expect(offered.sent == ["contact:anna HANDOVER", "org:huisarts NOTICE offered"])
    }

    @Test func aCoordinatorAssignsAnUnroutableNeedWithinTheConsent() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["debt"], urgency: "normal")
        let lapsed = try fixture.fire(.ackExpiry, of: submitted.handover(need: 0).id, in: submitted.referralCase)
        let unowned = lapsed.handover(need: 0)
        #expect(unowned.state == .unowned)
        // Anna let it lapse, but a coordinator may still name her.
        let t = try fixture.handle(
            .assign(handoverID: unowned.id, to: "contact:anna", by: "contact:schuld-coord"), lapsed.referralCase)
        #expect(t.handovers == [t.handover(need: 0).id])
        #expect(t.states == [.expired, .unowned, .offered])
        #expect(t.recorded.first == "assigned")

        func code(_ event: ReferralEvent, _ referralCase: ReferralCase) -> RejectionCode? {
            do {
                _ = try fixture.machine.handle(event, in: referralCase, now: fixture.now, load: fixture.load)
                return nil
            } catch { return error.code }
        }
        // Moved on, unknown contact, unknown coordinator, outside the consent.
        #expect(
            code(.assign(handoverID: unowned.id, to: "contact:anna", by: "org:schuld"), t.referralCase) == .conflict)
        #expect(
            code(.assign(handoverID: unowned.id, to: "contact:nobody", by: "org:schuld"), lapsed.referralCase)
                == .notFound)
        #expect(
            code(.assign(handoverID: unowned.id, to: "contact:anna", by: "contact:x"), lapsed.referralCase) == .notFound
        )
        #expect(code(.assign(handoverID: unowned.id, to: "contact:bram", by: "org:schuld"), lapsed.referralCase) == nil)
        let (narrow, body) = try Fixture.referral(needs: ["debt"]) {
            $0["consent"] = ["given_at": "2026-11-23T09:30:00+01:00", "recorded_by": "x", "share_with": ["org:schuld"]]
        }
        let narrowCase = try fixture.machine.submit(
            narrow, from: "org:huisarts", canonicalBody: body, existing: nil, now: fixture.now, load: fixture.load)
        var unroutable = narrowCase.referralCase
        unroutable.handovers[0].state = .unroutable
        unroutable.handovers[0].contact = nil
        #expect(
            code(.assign(handoverID: unroutable.handovers[0].id, to: "contact:bram", by: "org:schuld"), unroutable)
                == .forbidden)
        #expect(
            code(
                .assign(handoverID: submitted.handover(need: 0).id, to: "contact:anna", by: "org:schuld"),
                submitted.referralCase) == .conflict)
    }
}
