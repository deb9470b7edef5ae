import Deadlines
import Foundation
import Referrals
import SchakelProtocol
import SocialMap
import Testing

/// Issue 23: a need nobody holds keeps escalating, a crisis never waits in silence, the night does not use up the
/// people who could help, and a missed first contact reaches a coordinator.
@Suite struct NoSilenceTests {
    /// The ESCALATIONs and the referrer's NOTICE `escalated` of a transition, as "to level" lines.
    static func escalations(_ t: ReferralMachine.Transition) -> (alerts: [String], notice: Notice?) {
        var alerts: [String] = []
        var notice: Notice?
        for case .sent(let principal, let body, _) in t.effects {
            switch body {
            case .escalation(let e):
                alerts.append("\(principal) \(e.reason.rawValue) \(e.level.map { "\($0)" } ?? "-")")
            case .notice(let n) where n.event == .escalated: notice = n
            default: break
            }
        }
        return (alerts, notice)
    }

    /// A second normal debt referral while Anna (capacity 1) holds the first: it waits.
    static func waitingDebt(urgency: String = "normal") throws -> (Fixture, ReferralMachine.Transition) {
        var fixture = try Fixture()
        _ = try fixture.submit(needs: ["debt"], urgency: urgency)
        let waiting = try fixture.submit(needs: ["debt"], urgency: urgency)
        return (fixture, waiting)
    }

    @Test func aWaitingNeedEscalatesAfterItsPolicyAndEachRepeatGoesOneLevelFurther() throws {
        var (fixture, submitted) = try Self.waitingDebt()
        let id = submitted.handover(need: 0).id
        #expect(submitted.handover(need: 0).state == .waiting)
        #expect(Self.escalations(submitted).alerts.isEmpty, "a normal need may wait two working days first")
        let due = try #require(submitted.referralCase.timers[TimerKind.escalation.id(for: id)])
        // Monday 10:00 plus two working days.
        #expect(RFC3339.format(due) == "2026-11-25T09:00:00Z")

        var referralCase = submitted.referralCase
        var levels: [[String]] = []
        var operatorAlerted: [Bool] = []
        for _ in 0..<4 {
            let t = try fixture.fire(.escalation, of: id, in: referralCase)
            referralCase = t.referralCase
            let (alerts, notice) = Self.escalations(t)
            levels.append(alerts)
            operatorAlerted.append(notice?.operatorAlerted ?? false)
            #expect(notice?.alerted?.map(\.id) == alerts.map { String($0.split(separator: " ")[0]) })
            #expect(t.handover(need: 0).state == .waiting)
            #expect(t.referralCase.timers[TimerKind.escalation.id(for: id)] != nil, "the clock goes on")
        }
        #expect(
            levels == [
                ["contact:schuld-coord waiting 1"],  // the organisation whose contact it waits for
                ["contact:schuld-coord waiting 2"],  // every organisation serving debt in Utrecht, and the GP's
                ["contact:schuld-coord waiting 3"], ["contact:schuld-coord waiting 4"],
            ])
        #expect(operatorAlerted == [false, false, true, true])
    }

    @Test func theOperatorIsAlertedWithALogLineAndAnEventWithoutContact() throws {
        var (fixture, submitted) = try Self.waitingDebt()
        let id = submitted.handover(need: 0).id
        var referralCase = submitted.referralCase
        var last: ReferralMachine.Transition?
        for _ in 0..<3 {
            last = try fixture.fire(.escalation, of: id, in: referralCase)
            referralCase = last!.referralCase
        }
        let t = try #require(last)
        #expect(
            t.effects.contains {
                if case .logged(let line) = $0 {
                    line.level == .warning && line.event == "need.escalated_to_operator"
                } else {
                    false
                }
            })
        #expect(
            t.effects.contains {
                if case .recorded(let entry, _) = $0 {
                    entry.event == "escalated" && entry.contact == nil && entry.detail?["operator"] == .bool(true)
                } else {
                    false
                }
            })
        #expect(t.handover(need: 0).escalationLevel == 3)
    }

    @Test func aWaitingNeedIsOfferedWhenItsClockRunsAndSomeoneHasRoom() throws {
        var (fixture, submitted) = try Self.waitingDebt()
        let id = submitted.handover(need: 0).id
        fixture.load = ContactLoad(map: fixture.machine.map)  // Anna has room again; nobody told the broker yet
        let t = try fixture.fire(.escalation, of: id, in: submitted.referralCase)
        #expect(t.handover(need: 0).state == .offered)
        #expect(t.handover(need: 0).id == id)
        #expect(Self.escalations(t).alerts.isEmpty)
        #expect(t.referralCase.timers[TimerKind.escalation.id(for: id)] == nil)
    }

    @Test func aCrisisGoesPastCapacityRatherThanWait() throws {
        let (_, submitted) = try Self.waitingDebt(urgency: "crisis")
        #expect(submitted.handover(need: 0).state == .offered)
        #expect(submitted.handover(need: 0).contact == "contact:anna")
        #expect(submitted.loadChanges == ["contact:anna +1"])
    }

    @Test func aCrisisThatMustWaitEscalatesAtOnce() throws {
        // Anna is away: nobody can take the debt need, not even past capacity.
        var document = try SocialMap(data: Data(Fixture.mapJSON.utf8)).document
        let index = try #require(document.contacts.firstIndex { $0.id == "contact:anna" })
        document.contacts[index].absences = [Absence(from: "2026-11-20", to: "2026-12-31")]
        var fixture = try Fixture(map: try SocialMap(document: document))
        let t = try fixture.submit(needs: ["debt"], urgency: "crisis")
        #expect(t.handover(need: 0).state == .waiting)
        #expect(Self.escalations(t).alerts == ["contact:schuld-coord waiting 1"])
        #expect(Self.escalations(t).notice?.escalation == .waiting)
    }

    @Test func anUnownedNeedEscalatesAgainAndNeverToWhoLetItLapse() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["debt"], urgency: "normal")
        let lapsed = try fixture.fire(.ackExpiry, of: submitted.handover(need: 0).id, in: submitted.referralCase)
        let unowned = lapsed.handover(need: 0)
        #expect(unowned.state == .unowned)
        #expect(Self.escalations(lapsed).alerts == ["contact:schuld-coord unowned 1"])
        #expect(Self.escalations(lapsed).notice?.level == 1)
        let again = try fixture.fire(.escalation, of: unowned.id, in: lapsed.referralCase)
        #expect(again.handover(need: 0).state == .unowned, "Anna let it lapse in office hours: not her again")
        #expect(Self.escalations(again).alerts == ["contact:schuld-coord unowned 2"])
        #expect(!Self.escalations(again).alerts.contains { $0.hasPrefix("contact:anna") })
    }

    @Test func assigningAnUnownedNeedStopsItsClock() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["debt"], urgency: "normal")
        let lapsed = try fixture.fire(.ackExpiry, of: submitted.handover(need: 0).id, in: submitted.referralCase)
        let unowned = lapsed.handover(need: 0)
        let assigned = try fixture.handle(
            .coordinatorAssign(handoverID: unowned.id, to: "contact:schuld-coord", by: "contact:schuld-coord"),
            lapsed.referralCase)
        #expect(assigned.cancelled.contains(TimerKind.escalation.id(for: unowned.id)))
        #expect(assigned.referralCase.timers[TimerKind.escalation.id(for: unowned.id)] == nil)
    }

    @Test func twoNeedsThatBothWaitHaveOneLead() throws {
        var fixture = try Fixture()
        // Anna and both housing contacts are full: a second referral's two needs both wait.
        _ = try fixture.submit(needs: ["debt", "housing"])
        _ = try fixture.submit(needs: ["housing"])
        _ = try fixture.submit(needs: ["housing"])
        _ = try fixture.submit(needs: ["housing"])
        let both = try fixture.submit(needs: ["debt", "housing"])
        #expect(both.states == [.waiting, .waiting])
        #expect(both.referralCase.handovers.filter(\.isLead).map(\.needIndex) == [0])
        // Housing gets room first: it is offered, and the lead goes to the need a contact was offered.
        fixture.load.setOpen(0, for: "contact:bram")
        let offered = try fixture.handle(
            .capacityFreed(handoverID: both.handover(need: 1).id), both.referralCase)
        #expect(offered.states == [.waiting, .offered])
        #expect(offered.referralCase.handovers.filter(\.isLead).map(\.needIndex) == [1])
    }

    // MARK: Out of hours

    /// The fixture's map with a night service for debt: Nina, on call every evening and night.
    static func withNightService() throws -> Fixture {
        var document = try SocialMap(data: Data(Fixture.mapJSON.utf8)).document
        var nina = try #require(document.contacts.first { $0.id == "contact:anna" })
        nina.id = "contact:nina"
        nina.name = "Nina"
        nina.capacity = 3
        nina.onCall = [
            OnCallWindow(days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], from: "17:00", to: "09:00")
        ]
        document.contacts.append(nina)
        return try Fixture(map: try SocialMap(document: document))
    }

    @Test func aCrisisAtNightGoesToTheContactOnCallFirst() throws {
        var fixture = try Self.withNightService()
        let day = try fixture.submit(needs: ["debt"], urgency: "crisis")
        #expect(day.handover(need: 0).contact == "contact:anna", "in office hours the usual ranking")
        var night = try Self.withNightService()
        night.now = RFC3339.parse("2026-11-23T22:00:00Z")!  // Monday 23:00 in Utrecht
        let t = try night.submit(needs: ["debt"], urgency: "crisis")
        #expect(t.handover(need: 0).contact == "contact:nina")
        // A normal need at night is not a crisis: no night service needed.
        var calm = try Self.withNightService()
        calm.now = RFC3339.parse("2026-11-23T22:00:00Z")!
        #expect(try calm.submit(needs: ["debt"], urgency: "normal").handover(need: 0).contact == "contact:anna")
    }

    @Test func aLapseOutsideTheContactsHoursDoesNotBarThemInTheMorning() throws {
        var fixture = try Fixture()
        fixture.now = RFC3339.parse("2026-11-23T21:00:00Z")!  // Monday 22:00: Anna is off duty
        let submitted = try fixture.submit(needs: ["debt"], urgency: "crisis")
        let offer = submitted.handover(need: 0)
        #expect(offer.contact == "contact:anna")
        let lapsed = try fixture.fire(.ackExpiry, of: offer.id, in: submitted.referralCase)  // midnight
        let unowned = lapsed.handover(need: 0)
        #expect(unowned.state == .unowned, "at night she is not offered it again at once")
        // An hour later, still night: still nobody, one level further.
        let night = try fixture.fire(.escalation, of: unowned.id, in: lapsed.referralCase)
        #expect(night.handover(need: 0).state == .unowned)
        // Tuesday 09:30: Anna is on duty and may have it again, nobody else having taken it.
        fixture.now = RFC3339.parse("2026-11-24T08:30:00Z")!
        let morning = try fixture.fire(.escalation, of: unowned.id, in: night.referralCase)
        #expect(morning.handover(need: 0).state == .offered)
        #expect(morning.handover(need: 0).contact == "contact:anna")
    }

    @Test func aLapseInOfficeHoursStillBars() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["debt"], urgency: "crisis")  // Monday 10:00, lapses at 12:00
        let lapsed = try fixture.fire(.ackExpiry, of: submitted.handover(need: 0).id, in: submitted.referralCase)
        fixture.now = RFC3339.parse("2026-11-24T08:30:00Z")!
        let later = try fixture.fire(.escalation, of: lapsed.handover(need: 0).id, in: lapsed.referralCase)
        #expect(later.handover(need: 0).state == .unowned)
    }

    // MARK: A missed first contact

    @Test func aMissedFirstContactReachesTheCoordinatorAfterItsGrace() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["debt"], urgency: "normal")
        let id = submitted.handover(need: 0).id
        let taken = try fixture.handle(.acknowledge(handoverID: id, by: "contact:anna"), submitted.referralCase)
        let overdue = try fixture.fire(.contactDue, of: id, in: taken.referralCase)
        #expect(Self.escalations(overdue).alerts.isEmpty, "first the reminder and the referrer's notice")
        #expect(overdue.scheduled.contains(TimerKind.contactEscalation.id(for: id)))
        let escalated = try fixture.fire(.contactEscalation, of: id, in: overdue.referralCase)
        #expect(Self.escalations(escalated).alerts == ["contact:schuld-coord no_first_contact -"])
        #expect(Self.escalations(escalated).notice?.escalation == .noFirstContact)
        #expect(escalated.handover(need: 0).state == .accepted)

        // CONTACTED in the grace: nobody is alerted.
        let contacted = try fixture.handle(
            .contacted(handoverID: id, by: "contact:anna", at: nil, channel: nil), overdue.referralCase)
        #expect(contacted.cancelled.contains(TimerKind.contactEscalation.id(for: id)))
    }

    @Test func nazorgSaysWhenNoFirstContactWasRecorded() throws {
        var fixture = try Fixture()
        let submitted = try fixture.submit(needs: ["debt"], urgency: "normal")
        let id = submitted.handover(need: 0).id
        let taken = try fixture.handle(.acknowledge(handoverID: id, by: "contact:anna"), submitted.referralCase)
        func nazorg(_ t: ReferralMachine.Transition) -> [Nazorg] {
            t.effects.compactMap { if case .sent(_, .nazorg(let n), _) = $0 { n } else { nil } }
        }
        let empty = nazorg(try fixture.fire(.nazorg, of: id, in: taken.referralCase))
        #expect(empty.count == 2)
        #expect(empty.allSatisfy { $0.firstContactRecorded == false && $0.question.contains("geen eerste contact") })
        let reached = try fixture.handle(
            .contacted(handoverID: id, by: "contact:anna", at: nil, channel: nil), taken.referralCase)
        let asked = nazorg(try fixture.fire(.nazorg, of: id, in: reached.referralCase))
        #expect(asked.allSatisfy { $0.firstContactRecorded == nil && !$0.question.contains("geen eerste contact") })
    }
}
