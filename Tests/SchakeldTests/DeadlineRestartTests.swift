import Foundation
import SchakelProtocol
import Testing

/// Deadlines are rows in the database: one that falls due while the daemon is down fires when
/// it starts again, exactly once. The manual clock is moved here by restarting the daemon with
/// a later start time, which is also how a real outage looks to the broker.
@Suite struct DeadlineRestartTests {
    /// Monday 23 November 2026, 10:00 in Amsterdam.
    static let monday10 = "2026-11-23T10:00:00+01:00"

    static func daemon(at start: String, onSQLite: Bool = false) throws -> Daemon {
        try Daemon(
            settings: ["clock": ["mode": "manual", "start": .string(start)], "policy": .string(Paths.policy.path)],
            onSQLite: onSQLite)
    }

    static func restart(_ daemon: Daemon, at time: String) throws {
        daemon.stop()
        try daemon.reconfigure(["clock": ["mode": "manual", "start": .string(time)]])
        try daemon.start()
    }

    @Test func offerCarriesItsDeadlineOnTheBusinessCalendar() throws {
        let daemon = try Self.daemon(at: Self.monday10)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let accepted = try gp.submit(try Referrals.make(needs: ["housing"]))  // urgent: PT8H business
        let bram = try daemon.connect(as: "contact:wonen-bram")
        let offer = try bram.next(.handover)
        // Seven working hours on Monday, one on Tuesday.
        #expect(offer.body["ack_by"] == "2026-11-24T09:00:00Z")
        let status = try gp.request(.status, ["referral_id": accepted.body["referral_id"]!], expect: .referral)
        #expect(status.body["handovers"]?[0]?["ack_by"] == "2026-11-24T09:00:00Z")
        #expect(bram.violations.isEmpty && gp.violations.isEmpty, "\(bram.violations) \(gp.violations)")
    }

    @Test func deadlinesThatFellDueDuringAnOutageFireAtStartExactlyOnce() throws {
        let daemon = try Self.daemon(at: Self.monday10)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let accepted = try gp.submit(try Referrals.make(needs: ["housing"]))
        let referralID = try #require(accepted.body["referral_id"])

        // Halfway (Monday 14:00) has passed by the restart at 15:00: Bram is reminded, once.
        try Self.restart(daemon, at: "2026-11-23T15:00:00+01:00")
        let bram = try daemon.connect(as: "contact:wonen-bram")
        let offer = try bram.next(.handover)
        let reminder = try bram.next(.reminder)
        #expect(reminder.body["handover_id"] == offer.body["handover_id"])
        #expect(reminder.body["due"] == "2026-11-24T09:00:00Z")
        try bram.confirm(reminder)
        _ = try bram.request(.ping, [:], expect: .pong)
        try Self.restart(daemon, at: "2026-11-23T16:00:00+01:00")
        let bramAgain = try daemon.connect(as: "contact:wonen-bram")
        #expect(try bramAgain.drain(timeout: 0.5).filter { $0.command == "REMINDER" }.isEmpty)

        // Past ack_by: the offer is withdrawn from Bram and goes to Carla; the referrer is told.
        try Self.restart(daemon, at: "2026-11-24T10:30:00+01:00")
        let bramLater = try daemon.connect(as: "contact:wonen-bram")
        let cancelled = try bramLater.next(.cancelled)
        #expect(cancelled.body["handover_id"] == offer.body["handover_id"])
        #expect(cancelled.body["reason"] == "expired")
        let late = try bramLater.request(.ack, ["handover_id": offer.body["handover_id"]!], expect: .acked)
        #expect(late.body["code"] == "conflict")

        let carla = try daemon.connect(as: "contact:wonen-carla")
        let second = try carla.next(.handover)
        #expect(second.body["referral_id"] == referralID)
        #expect(second.body["ack_by"] == "2026-11-25T09:30:00Z")  // 8 working hours from Tuesday 10:30

        let gpAgain = try daemon.connect(as: "org:huisarts-de-brug")
        let events = try gpAgain.drain(timeout: 1.0).filter { $0.command == "NOTICE" }.compactMap {
            $0.body["event"]?.stringValue
        }
        #expect(events.contains("rerouted"))
        let status = try gpAgain.request(.status, ["referral_id": referralID], expect: .referral)
        #expect(status.body["handovers"]?.arrayValue?.map { $0["state"] } == ["expired", "offered"])
        let timeline = status.body["timeline"]?.arrayValue?.compactMap { $0["event"]?.stringValue } ?? []
        #expect(timeline == ["submitted", "offered", "reminded", "expired", "offered"])
        for peer in [bram, bramAgain, bramLater, carla, gpAgain] {
            #expect(peer.violations.isEmpty, "\(peer.violations)")
        }
    }

    @Test func crisisEscalatesAtOnceOnTheWallClock() throws {
        // Saturday: crisis deadlines run on wall-clock time, weekend or not.
        let daemon = try Self.daemon(at: "2026-11-21T11:00:00+01:00")
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let crisis = Referrals.setting("urgency", to: "crisis", in: try Referrals.make(needs: ["housing"]))
        _ = try gp.submit(crisis)
        let bram = try daemon.connect(as: "contact:wonen-bram")
        #expect(try bram.next(.handover).body["ack_by"] == "2026-11-21T12:00:00Z")  // PT2H

        try Self.restart(daemon, at: "2026-11-21T13:05:00+01:00")
        let sandra = try daemon.connect(as: "contact:domstad-sandra")  // Domstad Wonen's coordinator
        let escalation = try sandra.next(.escalation)
        #expect(escalation.body["reason"] == "not_acknowledged")
        #expect(escalation.body["contact"] == "contact:wonen-bram")
        #expect(escalation.body["urgency"] == "crisis")
        let text = escalation.body.canonicalString()
        #expect(!text.contains(Referrals.citizenName) && !text.contains(Referrals.citizenPhone))

        let gpAgain = try daemon.connect(as: "org:huisarts-de-brug")
        let notices = try gpAgain.drain(timeout: 1.0).filter { $0.command == "NOTICE" }
        let escalated = try #require(notices.first { $0.body["event"] == "escalated" })
        #expect(escalated.body["contact"]?["id"] == "contact:domstad-sandra")
        #expect(escalated.body["contact"]?["phone"] == "+31 30 000 1190")
        #expect(
            notices.contains { $0.body["event"] == "rerouted" && $0.body["contact"]?["id"] == "contact:wonen-carla" })
        #expect(sandra.violations.isEmpty && gpAgain.violations.isEmpty, "\(sandra.violations) \(gpAgain.violations)")
    }

    @Test func whenNobodyIsLeftTheNeedIsUnownedAndTheCoordinatorIsTold() throws {
        let daemon = try Self.daemon(at: Self.monday10)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        // Only Carla's organisation is within the consent, so there is nobody after her.
        let accepted = try gp.submit(try Referrals.make(needs: ["housing"], shareWith: ["org:vechtzicht-wonen"]))
        try Self.restart(daemon, at: "2026-11-24T10:30:00+01:00")
        let youri = try daemon.connect(as: "contact:vechtzicht-youri")
        let escalation = try youri.next(.escalation)
        #expect(escalation.body["reason"] == "unowned")
        let gpAgain = try daemon.connect(as: "org:huisarts-de-brug")
        let notices = try gpAgain.drain(timeout: 1.0).filter { $0.command == "NOTICE" }
        // Other housing contacts exist, outside the consent: the referrer hears that consent is what is missing.
        #expect(notices.contains { $0.body["event"] == "consent_needed" })
        #expect(!notices.contains { $0.body["event"] == "rerouted" })
        let status = try gpAgain.request(.status, ["referral_id": accepted.body["referral_id"]!], expect: .referral)
        #expect(status.body["state"] == "open")
        #expect(status.body["handovers"]?.arrayValue?.map { $0["state"] } == ["expired", "unowned"])
        #expect(youri.violations.isEmpty && gpAgain.violations.isEmpty, "\(youri.violations) \(gpAgain.violations)")
    }
}

/// A crash between firing a deadline and committing its effects must not lose the deadline nor
/// fire it twice: its effects and the removal of its row commit together.
@Suite struct TimerCrashTests {
    @Test func aCrashBetweenFiringAndCommitFiresTheDeadlineExactlyOnce() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let accepted = try gp.submit(try Referrals.make(needs: ["housing"]))

        // Start after the reminder point with the hook: the daemon dies while firing it.
        daemon.stop()
        try daemon.reconfigure(["clock": ["mode": "manual", "start": "2026-11-23T15:00:00+01:00"]])
        daemon.environment = ["SCHAKEL_TEST_CRASH_BEFORE_TIMER_COMMIT": "1"]
        #expect(throws: TestError.self) { try daemon.start() }
        #expect(daemon.log().contains("test_hook.crash_before_timer_commit"))

        // Without the hook the reminder fires, once.
        daemon.environment = [:]
        try daemon.start()
        let bram = try daemon.connect(as: "contact:wonen-bram")
        let reminders = try bram.drain(timeout: 0.8).filter { $0.command == "REMINDER" }
        #expect(reminders.count == 1)
        let gpAgain = try daemon.connect(as: "org:huisarts-de-brug")
        let status = try gpAgain.request(.status, ["referral_id": accepted.body["referral_id"]!], expect: .referral)
        let timeline = status.body["timeline"]?.arrayValue?.compactMap { $0["event"]?.stringValue } ?? []
        #expect(timeline.filter { $0 == "reminded" }.count == 1)
    }
}
