import Deadlines
import Foundation
import Referrals
import SchakelProtocol
import Testing

/// SUBMIT: a new case, each need offered or recorded, the referrer told; and every refusal.
@Suite struct SubmitTests {
    @Test func eachNeedIsOfferedAndTheReferrerHearsOfEach() throws {
        var fixture = try Fixture()
        let t = try fixture.submit()
        #expect(t.reply?.command == "ACCEPTED")
        #expect(t.reply?.body["duplicate"] == false)
        #expect(t.referralCase.state == .open)
        #expect(t.states == [.offered, .offered])
        let debt = t.handover(need: 0)
        let housing = t.handover(need: 1)
        #expect(debt.contact == "contact:anna")
        #expect(debt.isLead && !housing.isLead)
        #expect(["contact:bram", "contact:carla"].contains(housing.contact))
        #expect(
            t.sent == [
                "contact:anna HANDOVER", "org:huisarts NOTICE offered", "\(housing.contact!) HANDOVER",
                "org:huisarts NOTICE offered",
            ])
        #expect(t.recorded == ["submitted", "offered", "disclosed", "offered", "disclosed"])
        #expect(t.loadChanges == ["contact:anna +1", "\(housing.contact!) +1"])
        #expect(
            t.scheduled == [
                "\(debt.id):ack_reminder", "\(debt.id):ack_expiry", "\(housing.id):ack_reminder",
                "\(housing.id):ack_expiry",
            ])
        #expect(t.effects.first == .referralCreated(canonicalBody: try Fixture.referral().1))
    }

    @Test func oneClockReadingGivesTheOfferItsTimeAndItsDeadline() throws {
        var fixture = try Fixture()
        let t = try fixture.submit(needs: ["housing"])
        let offer = t.handover(need: 0)
        #expect(offer.offeredAt == "2026-11-23T09:00:00Z")
        #expect(offer.createdAt == offer.offeredAt)
        // Urgent: one business day to acknowledge, from the same instant.
        #expect(offer.ackBy == "2026-11-24T09:00:00Z")
        #expect(t.referralCase.timers[TimerKind.ackExpiry.id(for: offer.id)] == RFC3339.parse(offer.ackBy!))
    }

    /// A referral's needs are offered at one clock reading, and the machine works their deadlines out once per set of
    /// rules: an organisation with rules of its own still gets its own deadline and reminder, before and after one
    /// without.
    @Test func eachOfferTakesTheDeadlineOfItsOwnOrganisation() throws {
        var fixture = try Fixture()
        var slower = UrgencyPolicy.standard(.urgent)
        slower.acknowledgeWithin = ISODuration("P3D")!
        fixture.machine.policy.overrides["org:schuld"] = [.urgent: slower]
        let t = try fixture.submit(needs: ["housing", "debt", "housing"])
        let (first, debt, second) = (t.handover(need: 0), t.handover(need: 1), t.handover(need: 2))
        // Monday 10:00 in Utrecht: one working day for the housing corporations, three for the debt counsellor.
        #expect(
            [first.ackBy, debt.ackBy, second.ackBy] == [
                "2026-11-24T09:00:00Z", "2026-11-26T09:00:00Z", "2026-11-24T09:00:00Z",
            ])
        let reminders = [first, debt, second].map { t.referralCase.timers[TimerKind.ackReminder.id(for: $0.id)] }
        #expect(reminders[0] == reminders[2] && reminders[0] != reminders[1], "\(reminders)")
        #expect(reminders[1]! > reminders[0]!)
    }

    @Test func aNeedNobodyServesIsUnroutableAndStartsRetention() throws {
        var fixture = try Fixture()
        let t = try fixture.submit(needs: ["health"])
        #expect(t.states == [.unroutable])
        #expect(t.referralCase.state == .unroutable)
        #expect(t.referralCase.closedAt == "2026-11-23T09:00:00Z")
        #expect(t.sent == ["org:huisarts NOTICE unroutable"])
        #expect(t.scheduled == ["\(t.referralCase.id):retention"])
    }

    @Test func aNeedOutsideTheConsentAsksForConsent() throws {
        let fixture = try Fixture()
        let (referral, body) = try Fixture.referral(needs: ["legal"]) {
            $0["consent"] = [
                "given_at": "2026-11-23T09:30:00+01:00", "recorded_by": "x", "share_with": ["domain:debt"],
            ]
        }
        let t = try fixture.machine.submit(
            referral, from: "org:huisarts", canonicalBody: body, existing: nil, now: fixture.now, load: fixture.load)
        #expect(t.states == [.unroutable])
        #expect(t.recorded.contains("consent_needed"))
        #expect(t.sent == ["org:huisarts NOTICE consent_needed"])
    }

    @Test func aFullContactMakesTheNeedWait() throws {
        var fixture = try Fixture()
        _ = try fixture.submit(needs: ["debt"])  // Anna has room for one
        let t = try fixture.submit(needs: ["debt"])
        #expect(t.states == [.waiting])
        #expect(t.handover(need: 0).contact == nil)
        #expect(t.sent == ["org:huisarts NOTICE waiting"])
        #expect(t.referralCase.state == .open)
    }

    @Test func theSameBodyAgainIsADuplicateThatChangesNothing() throws {
        var fixture = try Fixture()
        let first = try fixture.submit()
        let (referral, body) = try Fixture.referral()
        let again = try fixture.machine.submit(
            referral, from: "org:huisarts", canonicalBody: body, existing: first.referralCase, now: fixture.now,
            load: fixture.load)
        #expect(again.reply?.body["duplicate"] == true)
        #expect(again.reply?.body["referral_id"] == .string(first.referralCase.id))
        #expect(again.effects.isEmpty)
    }

    @Test func refusals() throws {
        var fixture = try Fixture()
        let (referral, body) = try Fixture.referral()
        func refusal(
            from principal: String = "org:huisarts", _ referral: Referral, body: String, existing: ReferralCase? = nil
        ) -> Rejection? {
            do {
                _ = try fixture.machine.submit(
                    referral, from: principal, canonicalBody: body, existing: existing, now: fixture.now,
                    load: fixture.load)
                return nil
            } catch { return error }
        }
        #expect(refusal(from: "contact:anna", referral, body: body)?.code == .forbidden)

        let (expired, expiredBody) = try Fixture.referral {
            $0["consent"] = [
                "given_at": "2026-11-01T09:30:00+01:00", "recorded_by": "x", "share_with": ["domain:debt"],
                "expires_at": "2026-11-20T00:00:00Z",
            ]
        }
        #expect(refusal(expired, body: expiredBody)?.field == "referral.consent.expires_at")

        let first = try fixture.submit()
        let (other, otherBody) = try Fixture.referral(needs: ["housing"])
        let different = refusal(other, body: otherBody, existing: first.referralCase)
        #expect(different?.code == .conflict)
        #expect(different?.message.contains("different body") == true)

        var purged = first.referralCase
        purged.purgedAt = "2026-11-23T10:00:00Z"
        purged.referral = nil
        purged.canonicalBody = nil
        #expect(refusal(referral, body: body, existing: purged)?.message.contains("withdrawn") == true)
    }
}
