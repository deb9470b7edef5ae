import Foundation
import SchakelProtocol
import Testing

/// The event stream of Protocols/EVENTS.md, subscribed to on the real daemon: every committed state change comes
/// as a CloudEvent that keeps its type's schema, in the order of the referral's timeline, and none of them carries
/// a word of the citizen's data.
@Suite struct EventStreamTests {
    /// A daemon on the manual clock (Monday 23 November 2026, 10:00) with its event stream on `ipc://`.
    static func daemon(settings: [String: JSONValue] = [:]) throws -> (Daemon, String) {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10)
        let endpoint = "ipc://\(daemon.directory.path)/events.sock"
        try daemon.reconfigure(
            ["events": ["endpoint": .string(endpoint), "source": "urn:schakel:test"]].merging(settings) { $1 })
        return (daemon, endpoint)
    }

    /// Personal data in the submitted referral (Protocols/examples/referral.json and `Referrals.make`).
    static let personalData = [
        Referrals.citizenName, Referrals.citizenPhone, "3511 AB", "Dr. M. de Jong", "+31 30 000 2001", "m.dejong@",
        "Hulp met", "huisuitzetting", "bereikbaar",
    ]

    @Test func aWholeFlowPublishesEveryTimelineEventAsASchemaValidCloudEvent() throws {
        let (daemon, endpoint) = try Self.daemon()
        try daemon.start()
        let listener = try EventListener(endpoint)
        try listener.join(daemon)
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let anna = try daemon.connect(as: "contact:schuldhulp-anna")
        let bram = try daemon.connect(as: "contact:wonen-bram")
        let carla = try daemon.connect(as: "contact:wonen-carla")

        let accepted = try gp.submit(try Referrals.make(needs: ["debt", "housing"]))
        let referralID = try #require(accepted.body["referral_id"]?.stringValue)
        let debt = try anna.next(.handover)
        _ = try anna.request(.ack, ["handover_id": debt.body["handover_id"]!], expect: .acked)
        let housing = try bram.next(.handover)
        _ = try bram.request(
            .decline, ["handover_id": housing.body["handover_id"]!, "reason": "capacity"], expect: .declined)
        _ = try carla.next(.handover)
        _ = try daemon.admin("clock.advance", ["duration": "PT4H"])  // halfway: Carla is reminded
        _ = try daemon.admin("clock.advance", ["duration": "PT20H"])  // past ack_by: expired, nobody left
        _ = try anna.request(.contacted, ["handover_id": debt.body["handover_id"]!], expect: .noted)
        _ = try daemon.admin("clock.advance", ["duration": "P8W"])  // nazorg
        _ = try gp.request(
            .outcome, ["handover_id": debt.body["handover_id"]!, "result": "resolved"], expect: .noted)

        let timeline = try #require(
            try gp.request(.status, ["referral_id": .string(referralID)], expect: .referral).body["timeline"]?
                .arrayValue)
        try listener.wait(for: "the whole timeline of \(referralID)") {
            _ in listener.events(about: referralID).count >= timeline.count
        }
        try listener.collect(timeout: 0.3)  // nothing more may follow
        let events = listener.events(about: referralID)
        // Exactly the committed state changes, in order: one event per timeline entry.
        #expect(
            events.map(\.type)
                == timeline.compactMap { $0["event"]?.stringValue.flatMap(EventType.init(timelineEvent:))?.rawValue })
        #expect(events.map { $0.event["time"] } == timeline.map { $0["at"] })
        for type: EventType in [
            .referralAccepted, .handoverOffered, .handoverAcknowledged, .handoverDeclined, .handoverReminded,
            .handoverExpired, .handoverContacted, .nazorgAsked, .handoverOutcome,
        ] {
            #expect(events.contains { $0.type == type.rawValue }, "no \(type.rawValue) in \(events.map(\.type))")
        }
        #expect(listener.violations.isEmpty, "\(listener.violations)")
        #expect(Set(listener.received.map { $0.event["id"] }).count == listener.received.count, "ids repeat")
        #expect(events.allSatisfy { $0.event["source"] == "urn:schakel:test" })
        #expect(events.allSatisfy { $0.data["external_id"] == accepted.body["external_id"] })
        let offered = events.filter { $0.type == EventType.handoverOffered.rawValue }
        #expect(
            offered.map { $0.data["contact"] } == [
                "contact:schuldhulp-anna", "contact:wonen-bram", "contact:wonen-carla",
            ])
        for event in listener.received {
            for word in Self.personalData {
                #expect(!event.text.contains(word), "\(event.type) carries \(word): \(event.text)")
            }
        }
    }

    /// The rest of the life cycle, through the real daemon: what nobody can take, what nobody answers, the
    /// coordinator's assignment, the overdue first contact, nazorg without an answer, closing and reopening.
    @Test func theRestOfTheLifeCycleIsPublishedToo() throws {
        let (daemon, endpoint) = try Self.daemon()
        try daemon.start()
        let listener = try EventListener(endpoint)
        try listener.join(daemon)
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let carla = try daemon.connect(as: "contact:wonen-carla")
        // Consent for Vechtzicht only: after Carla lets it expire nobody is left.
        let housing = try gp.submit(try Referrals.make(needs: ["housing"], shareWith: ["org:vechtzicht-wonen"]))
        let referralID = try #require(housing.body["referral_id"]?.stringValue)
        // Consent that covers no organisation that takes legal needs: unroutable.
        let legal = try gp.submit(try Referrals.make(needs: ["legal"], shareWith: ["domain:debt"]))
        let legalID = try #require(legal.body["referral_id"]?.stringValue)
        _ = try carla.next(.handover)
        _ = try daemon.admin("clock.advance", ["duration": "P1D"])
        let status = try gp.request(.status, ["referral_id": .string(referralID)], expect: .referral)
        let unowned = try #require(status.body["handovers"]?.arrayValue?.last?["handover_id"])
        let assigned = try daemon.admin(
            "assign", ["handover_id": unowned, "contact": "contact:wonen-carla", "by": "contact:vechtzicht-youri"])
        #expect(assigned["ok"] == true, "\(assigned)")
        let offer = try carla.next(.handover)
        _ = try carla.request(.ack, ["handover_id": offer.body["handover_id"]!], expect: .acked)
        _ = try daemon.admin("clock.advance", ["duration": "P8D"])  // no CONTACTED: overdue
        _ = try daemon.admin("clock.advance", ["duration": "P8W"])  // nazorg asks
        // Each deadline counts from the moment the one before it fired: one step per advance.
        _ = try daemon.admin("clock.advance", ["duration": "P30D"])  // no answer: reminded
        _ = try daemon.admin("clock.advance", ["duration": "P30D"])  // still none: unresolved, closed
        let reopened = try gp.request(
            .reopen, ["referral_id": .string(referralID), "reason": "niemand bereikt"], expect: .noted)
        #expect(reopened.command == "NOTED", "\(reopened.body)")

        var expected: [String] = []
        for id in [referralID, legalID] {
            let timeline = try #require(
                try gp.request(.status, ["referral_id": .string(id)], expect: .referral).body["timeline"]?.arrayValue)
            expected += timeline.compactMap {
                $0["event"]?.stringValue.flatMap(EventType.init(timelineEvent:))?.rawValue
            }
        }
        try listener.wait(for: "both timelines") { _ in
            listener.events(about: referralID).count + listener.events(about: legalID).count >= expected.count
        }
        try listener.collect(timeout: 0.3)
        let events = listener.events(about: referralID) + listener.events(about: legalID)
        #expect(events.map(\.type) == expected)
        // The coordinator's assignment is an admin action too: published with its arguments, without a subject.
        let assign = try #require(listener.events(ofType: .adminAssign).first)
        #expect(assign.event["subject"] == nil)
        #expect(
            assign.data["arguments"] == [
                "handover_id": unowned, "contact": "contact:wonen-carla", "by": "contact:vechtzicht-youri",
            ])
        for type: EventType in [
            .handoverUnroutable, .handoverUnowned, .handoverEscalated, .handoverAssigned, .handoverContactOverdue,
            .nazorgAsked, .nazorgReminded, .nazorgUnresolved, .referralClosed, .referralReopened,
        ] {
            #expect(events.contains { $0.type == type.rawValue }, "no \(type.rawValue) in \(events.map(\.type))")
        }
        #expect(listener.violations.isEmpty, "\(listener.violations)")
        for event in listener.received {
            for word in Self.personalData + ["niemand bereikt"] {
                #expect(!event.text.contains(word), "\(event.type) carries \(word): \(event.text)")
            }
        }
    }

    /// A need that waits for absent contacts, and an offer withdrawn because its contact left the map.
    @Test func waitingAndCancelledArePublishedToo() throws {
        let (daemon, endpoint) = try Self.daemon()
        let back: JSONValue = [["from": "2026-11-20", "to": "2026-11-23T12:00:00+01:00"]]
        try daemon.useSocialMap(
            try SocialMaps.demo(changing: [
                "contact:wonen-bram": ["absences": back], "contact:wonen-carla": ["absences": MatchingTests.away],
            ]))
        try daemon.start()
        let listener = try EventListener(endpoint)
        try listener.join(daemon)
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let bram = try daemon.connect(as: "contact:wonen-bram")
        let accepted = try gp.submit(try MatchingTests.housing())
        let referralID = try #require(accepted.body["referral_id"]?.stringValue)
        _ = try daemon.admin("clock.advance", ["duration": "PT2H"])  // Bram is back: offered
        _ = try bram.next(.handover)
        try daemon.useSocialMap(try SocialMaps.demo(removing: ["contact:wonen-bram"]))
        #expect(try daemon.admin("socialmap.reload")["ok"] == true)  // Bram left: withdrawn, on to Carla

        let timeline = try #require(
            try gp.request(.status, ["referral_id": .string(referralID)], expect: .referral).body["timeline"]?
                .arrayValue)
        try listener.wait(for: "the whole timeline") { _ in listener.events(about: referralID).count >= timeline.count }
        let events = listener.events(about: referralID)
        #expect(
            events.map(\.type)
                == timeline.compactMap { $0["event"]?.stringValue.flatMap(EventType.init(timelineEvent:))?.rawValue })
        let waiting = try #require(events.first { $0.type == EventType.handoverWaiting.rawValue })
        #expect(waiting.data["handover_state"] == "waiting")
        #expect(waiting.data["contact"] == nil)
        let cancelled = try #require(events.first { $0.type == EventType.handoverCancelled.rawValue })
        #expect(cancelled.data["contact"] == "contact:wonen-bram")
        #expect(events.last?.type == EventType.handoverOffered.rawValue)
        #expect(events.last?.data["contact"] == "contact:wonen-carla")
        #expect(listener.violations.isEmpty, "\(listener.violations)")
    }

    @Test func theStreamIsLiveOnlyAndStartsAfterTheNewestEventAtStart() throws {
        let (daemon, endpoint) = try Self.daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let before = try gp.submit(try Referrals.make(needs: ["debt"]))
        daemon.stop()
        try daemon.start()
        let listener = try EventListener(endpoint)
        try listener.join(daemon)
        let again = try daemon.connect(as: "org:huisarts-de-brug")
        let after = try again.submit(try Referrals.make(needs: ["debt"]))
        let afterID = try #require(after.body["referral_id"]?.stringValue)
        try listener.wait(for: "the new referral's acceptance") { _ in !listener.events(about: afterID).isEmpty }
        // What happened before this start is in STATUS, not replayed on the stream.
        let beforeID = try #require(before.body["referral_id"]?.stringValue)
        #expect(listener.events(about: beforeID).count == 0)
        #expect(listener.violations.isEmpty, "\(listener.violations)")
    }

    @Test func anEventsSettingIsCheckedFieldByField() throws {
        let daemon = try Daemon(settings: ["events": ["endpoint": "udp://x", "source": "no uri", "colour": "blue"]])
        let check = try CommandLineTests.run("schakeld", ["--config", daemon.configURL.path, "--check-config"])
        #expect(check.status != 0)
        for problem in [
            "unknown setting \"events.colour\"", "events.source must be a URI such as urn:schakel:lekstroom",
            "events.endpoint must be a tcp:// or ipc:// endpoint",
        ] {
            #expect(check.errors.contains(problem), "missing: \(problem)\n\(check.errors)")
        }
    }

    @Test func aNonLocalEventEndpointIsRefusedInPlainMode() throws {
        let daemon = try Daemon(settings: ["events": "tcp://0.0.0.0:5711"])
        let check = try CommandLineTests.run("schakeld", ["--config", daemon.configURL.path, "--check-config"])
        #expect(check.status != 0)
        #expect(check.errors.contains("events: insecure_dev is allowed only on loopback or ipc endpoints"))
    }
}
