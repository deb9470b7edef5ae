import Foundation
import Referrals
import SchakelProtocol
import Testing

/// WITHDRAW, the consent's own clock, erasure and retention.
@Suite struct PrivacyTests {
    @Test func withdrawCancelsEveryOpenHandoverAndPurges() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit()
        let debt = submitted.handover(need: 0)
        let housing = submitted.handover(need: 1)
        let t = try fixture.handle(.withdraw(by: "org:huisarts", reason: .consentWithdrawn), submitted.referralCase)
        #expect(t.reply?.body["handovers"] == .array([.string(debt.id), .string(housing.id)]))
        #expect(t.states == [.cancelled, .cancelled])
        #expect(t.referralCase.state == .withdrawn)
        #expect(t.referralCase.referral == nil && t.referralCase.isPurged)
        #expect(t.referralCase.timers.isEmpty)
        #expect(t.effects.contains(.purged))
        #expect(t.sent == ["contact:anna CANCELLED withdrawn", "\(housing.contact!) CANCELLED withdrawn"])
        #expect(t.loadChanges == ["contact:anna -1", "\(housing.contact!) -1"])
        #expect(t.recorded == ["cancelled", "cancelled", "withdrawn", "purged"])

        let again = try fixture.handle(.withdraw(by: "org:huisarts", reason: .consentWithdrawn), t.referralCase)
        #expect(again.effects.isEmpty)
        #expect(again.reply?.body["handovers"] == .array([]))
        #expect(throws: Rejection.self) {
            try fixture.machine.handle(
                .withdraw(by: "org:wonen-a", reason: .consentWithdrawn), in: submitted.referralCase, now: fixture.now,
                load: fixture.load)
        }
    }

    @Test func theConsentsExpiryWithdrawsAndTellsTheReferrer() throws {
        var fixture = try Fixture()
        let (referral, body) = try Fixture.referral(needs: ["debt"]) {
            $0["consent"] = [
                "given_at": "2026-11-23T09:30:00+01:00", "recorded_by": "x", "share_with": ["domain:debt"],
                "expires_at": "2026-12-01T00:00:00Z",
            ]
        }
        let submitted = try fixture.machine.submit(
            referral, from: "org:huisarts", canonicalBody: body, existing: nil, now: fixture.now, load: fixture.load)
        #expect(submitted.scheduled.first == "\(submitted.referralCase.id):consent_expiry")
        let t = try fixture.fire(.consentExpiry, of: "", in: submitted.referralCase)
        #expect(t.referralCase.state == .withdrawn)
        #expect(t.sent == ["contact:anna CANCELLED withdrawn", "org:huisarts NOTICE consent_expired"])
    }

    @Test func erasureTellsEveryoneWhoHeldTheData() throws {
        var fixture = try Fixture()
        let (taken, id) = try AfterAcknowledgementTests.taken(&fixture)
        let done = try fixture.handle(.outcome(handoverID: id, by: "contact:anna", result: .resolved, note: nil), taken)
        #expect(done.referralCase.state == .closed)
        let t = try fixture.handle(.erase(by: "operator"), done.referralCase)
        #expect(t.sent == ["contact:anna CANCELLED erased", "org:huisarts NOTICE erased"])
        #expect(t.referralCase.state == .closed)  // a closed referral stays closed, only purged
        #expect(t.recorded == ["erased", "purged"])
    }

    @Test func retentionPurgesOnceAndAReopenedReferralStopsIt() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["health"])  // unroutable: final
        let purged = try fixture.fire(.retention, of: "", in: submitted.referralCase)
        #expect(purged.effects.contains(.purged))
        #expect(purged.referralCase.purgedAt != nil)
        let again = try fixture.handle(.purge(reason: "purge"), purged.referralCase)
        #expect(again.effects.isEmpty)
    }
}
