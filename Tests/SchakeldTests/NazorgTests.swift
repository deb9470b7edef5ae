import Foundation
import SchakelProtocol
import Testing

/// After the acknowledgement: first contact on time, nazorg weeks later, each outcome, no
/// answer, reopen and close. The manual clock moves by restarting the daemon at a later time.
@Suite struct NazorgTests {
    /// Monday 23 November 2026, 10:00 in Amsterdam.
    static let monday10 = DeadlineRestartTests.monday10

    /// A daemon with one debt referral from the GP acknowledged by Anna at Monday 10:00.
    struct Acknowledged {
        let daemon: Daemon
        let referralID: JSONValue
        let handoverID: JSONValue
    }

    static func acknowledged() throws -> Acknowledged {
        let daemon = try DeadlineRestartTests.daemon(at: monday10)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let accepted = try gp.submit(try Referrals.make(needs: ["debt"]))
        let anna = try daemon.connect(as: "contact:schuldhulp-anna")
        let offer = try anna.next(.handover)
        let handoverID = try #require(offer.body["handover_id"])
        let acked = try anna.request(.ack, ["handover_id": handoverID], expect: .acked)
        #expect(acked.command == "ACKED")
        return Acknowledged(
            daemon: daemon, referralID: try #require(accepted.body["referral_id"]), handoverID: handoverID)
    }

    static func notices(_ peer: Peer) throws -> [WireMessage] {
        try peer.drain(timeout: 0.8).filter { $0.command == "NOTICE" }
    }

    @Test func acknowledgementSetsTheFirstContactAndNazorgDeadlines() throws {
        let setup = try Self.acknowledged()
        let gp = try setup.daemon.connect(as: "org:huisarts-de-brug")
        let status = try gp.request(.status, ["referral_id": setup.referralID], expect: .referral)
        let handover = status.body["handovers"]?[0]
        #expect(handover?["contact_by"] == "2026-11-30T09:00:00Z")  // five working days
        #expect(handover?["nazorg_at"] == "2027-01-18T09:00:00Z")  // eight weeks
        #expect(gp.violations.isEmpty, "\(gp.violations)")
    }

    @Test func missedFirstContactRemindsTheContactAndTellsTheReferrer() throws {
        let setup = try Self.acknowledged()
        try DeadlineRestartTests.restart(setup.daemon, at: "2026-12-01T09:00:00+01:00")
        let anna = try setup.daemon.connect(as: "contact:schuldhulp-anna")
        let reminder = try anna.next(.reminder)
        #expect(reminder.body["about"] == "first_contact")
        #expect(reminder.body["handover_id"] == setup.handoverID)
        let gp = try setup.daemon.connect(as: "org:huisarts-de-brug")
        #expect(try Self.notices(gp).contains { $0.body["event"] == "contact_overdue" })
        #expect(anna.violations.isEmpty && gp.violations.isEmpty, "\(anna.violations) \(gp.violations)")
    }

    @Test func contactedStopsTheFirstContactDeadline() throws {
        let setup = try Self.acknowledged()
        let anna = try setup.daemon.connect(as: "contact:schuldhulp-anna")
        let noted = try anna.request(
            .contacted, ["handover_id": setup.handoverID, "channel": "phone"], expect: .noted)
        #expect(noted.command == "NOTED")
        #expect(noted.body["event"] == "contacted")
        try DeadlineRestartTests.restart(setup.daemon, at: "2026-12-01T09:00:00+01:00")
        let annaLater = try setup.daemon.connect(as: "contact:schuldhulp-anna")
        #expect(try annaLater.drain(timeout: 0.5).filter { $0.command == "REMINDER" }.isEmpty)
        let gp = try setup.daemon.connect(as: "org:huisarts-de-brug")
        let events = try Self.notices(gp).compactMap { $0.body["event"]?.stringValue }
        #expect(events.contains("contacted") && !events.contains("contact_overdue"))
        let status = try gp.request(.status, ["referral_id": setup.referralID], expect: .referral)
        #expect(status.body["handovers"]?[0]?["state"] == "contacted")
    }

    @Test func nazorgQuestionNamesTheDomainInDutch() throws {
        let setup = try Self.acknowledged()
        try DeadlineRestartTests.restart(setup.daemon, at: "2027-01-18T11:00:00+01:00")
        let anna = try setup.daemon.connect(as: "contact:schuldhulp-anna")
        let question = try #require(try anna.next(.nazorg).body["question"]?.stringValue)
        #expect(question.contains("doorverwijzing voor schulden?"), "\(question)")
        #expect(!question.contains("debt"), "\(question)")
    }

    @Test(arguments: OutcomeResult.allCases.filter { $0 != .noAnswer })
    func nazorgAsksBothPartiesAndRecordsTheOutcome(result: OutcomeResult) throws {
        let setup = try Self.acknowledged()
        // Eight weeks later the question goes to the referrer and the contact.
        try DeadlineRestartTests.restart(setup.daemon, at: "2027-01-18T11:00:00+01:00")
        let anna = try setup.daemon.connect(as: "contact:schuldhulp-anna")
        let gp = try setup.daemon.connect(as: "org:huisarts-de-brug")
        let question = try anna.next(.nazorg)
        #expect(question.body["handover_id"] == setup.handoverID)
        #expect(question.body["answer_by"] == "2027-02-01T10:00:00Z")  // P14D after 11:00
        #expect(try gp.next(.nazorg).body["handover_id"] == setup.handoverID)

        let noted = try anna.request(
            .outcome, ["handover_id": setup.handoverID, "result": .string(result.rawValue)], expect: .noted)
        #expect(noted.body["event"] == "outcome")
        let events = try Self.notices(gp)
        #expect(events.contains { $0.body["event"] == "outcome" && $0.body["result"]?.stringValue == result.rawValue })
        #expect(events.contains { $0.body["event"] == "nazorg_unresolved" } == result.isUnresolved)
        #expect(events.contains { $0.body["event"] == "closed" })
        let status = try gp.request(.status, ["referral_id": setup.referralID], expect: .referral)
        #expect(status.body["state"] == "closed")
        #expect(status.body["handovers"]?[0]?["outcome"]?.stringValue == result.rawValue)
        #expect(anna.violations.isEmpty && gp.violations.isEmpty, "\(anna.violations) \(gp.violations)")
    }

    @Test func unansweredNazorgIsRemindedOnceThenNoAnswerAndTheReferrerMayReopen() throws {
        let setup = try Self.acknowledged()
        try DeadlineRestartTests.restart(setup.daemon, at: "2027-01-18T11:00:00+01:00")
        // Past answer_by: one reminder to each party, with a last deadline a week later.
        try DeadlineRestartTests.restart(setup.daemon, at: "2027-02-01T12:00:00+01:00")
        let anna = try setup.daemon.connect(as: "contact:schuldhulp-anna")
        // Anna never recorded CONTACTED either, so the first-contact reminder is among them.
        let reminders = try anna.drain(timeout: 0.8).filter { $0.command == "REMINDER" }
        #expect(reminders.compactMap { $0.body["about"]?.stringValue }.sorted() == ["first_contact", "nazorg"])
        let reminder = try #require(reminders.first { $0.body["about"] == "nazorg" })
        #expect(reminder.body["due"] == "2027-02-08T11:00:00Z")
        let gp = try setup.daemon.connect(as: "org:huisarts-de-brug")
        #expect(try gp.next(.reminder).body["about"] == "nazorg")

        try DeadlineRestartTests.restart(setup.daemon, at: "2027-02-09T09:00:00+01:00")
        let gpLater = try setup.daemon.connect(as: "org:huisarts-de-brug")
        let unresolved = try #require(try Self.notices(gpLater).first { $0.body["event"] == "nazorg_unresolved" })
        #expect(unresolved.body["result"] == "no_answer")
        let closed = try gpLater.request(.status, ["referral_id": setup.referralID], expect: .referral)
        #expect(closed.body["state"] == "closed")
        #expect(closed.body["handovers"]?[0]?["outcome"] == "no_answer")

        // Reopen: the need is matched again, and the referral is open once more.
        let noted = try gpLater.request(
            .reopen, ["referral_id": setup.referralID, "reason": "Nog steeds schulden."], expect: .noted)
        #expect(noted.body["event"] == "reopened")
        #expect(noted.body["handovers"]?.arrayValue?.count == 1)
        let annaAgain = try setup.daemon.connect(as: "contact:schuldhulp-anna")
        let offer = try annaAgain.next(.handover)
        #expect(offer.body["handover_id"] == noted.body["handovers"]?[0])
        let reopened = try gpLater.request(.status, ["referral_id": setup.referralID], expect: .referral)
        #expect(reopened.body["state"] == "open")
        let timeline = reopened.body["timeline"]?.arrayValue?.compactMap { $0["event"]?.stringValue } ?? []
        // Anna never recorded a first contact, so her coordinator was alerted on the way (issue 23).
        #expect(timeline.contains("escalated"))
        #expect(
            timeline.filter { $0 != "escalated" }.suffix(7) == [
                "nazorg.asked", "nazorg.reminded", "outcome", "nazorg.unresolved", "closed", "reopened", "offered",
            ])
        for peer in [anna, gp, gpLater, annaAgain] { #expect(peer.violations.isEmpty, "\(peer.violations)") }
    }

    @Test func onlyTheRightPartiesAnswerAndOnlyWhenItMakesSense() throws {
        let setup = try Self.acknowledged()
        let other = try setup.daemon.connect(as: "org:gemeente-utrecht")
        let bram = try setup.daemon.connect(as: "contact:wonen-bram")
        let gp = try setup.daemon.connect(as: "org:huisarts-de-brug")
        func code(_ m: WireMessage) -> String? { m.body["code"]?.stringValue }
        let outcome: JSONValue = ["handover_id": setup.handoverID, "result": "resolved"]
        #expect(code(try other.request(.outcome, outcome, expect: .noted)) == "forbidden")
        #expect(code(try bram.request(.outcome, outcome, expect: .noted)) == "forbidden")
        #expect(code(try bram.request(.contacted, ["handover_id": setup.handoverID], expect: .noted)) == "forbidden")
        #expect(code(try gp.request(.contacted, ["handover_id": setup.handoverID], expect: .noted)) == "forbidden")
        #expect(
            code(try other.request(.reopen, ["referral_id": setup.referralID, "reason": "x"], expect: .noted))
                == "forbidden")
        #expect(
            code(try gp.request(.reopen, ["referral_id": setup.referralID, "reason": "x"], expect: .noted))
                == "conflict")  // nothing unresolved
        #expect(
            code(try gp.request(.outcome, ["handover_id": setup.handoverID, "result": "no_answer"], expect: .noted))
                == "invalid")
        // A referrer's outcome is recorded as well, and completes the handover.
        #expect(try gp.request(.outcome, outcome, expect: .noted).command == "NOTED")
        // An offer that was never taken has no outcome yet.
        _ = try gp.submit(try Referrals.make(needs: ["housing"]))
        let offer = try bram.next(.handover)
        #expect(
            code(
                try gp.request(
                    .outcome, ["handover_id": offer.body["handover_id"]!, "result": "resolved"], expect: .noted))
                == "conflict")
    }
}
