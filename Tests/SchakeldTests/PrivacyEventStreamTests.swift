import Foundation
import SchakelProtocol
import Testing

/// The privacy events on the stream (Protocols/EVENTS.md): WITHDRAW, erasure, purging, disclosures and admin
/// actions, each published by the real daemon as a CloudEvent that keeps its type's schema, and none of them with
/// a word of the citizen's data, even when an operator typed it into an admin command.
@Suite struct PrivacyEventStreamTests {
    /// No event the listener received carries any of the citizen's or the referrer's details, or `extra`.
    static func expectNoPersonalData(_ listener: EventListener, besides extra: [String] = []) {
        for event in listener.received {
            for word in EventStreamTests.personalData + extra {
                #expect(!event.text.contains(word), "\(event.type) carries \(word): \(event.text)")
            }
        }
    }

    @Test func disclosureWithdrawalAndErasureArePublishedWithFieldNamesOnly() throws {
        let (daemon, endpoint) = try EventStreamTests.daemon()
        try daemon.start()
        let listener = try EventListener(endpoint)
        try listener.join(daemon)
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let anna = try daemon.connect(as: "contact:schuldhulp-anna")

        // Offered and acknowledged: two disclosures to Anna, the offer's fields and then the citizen's details.
        let withdrawnID = try #require(
            try gp.submit(try Referrals.make(needs: ["debt"])).body["referral_id"]?.stringValue)
        let offer = try anna.next(.handover)
        let handoverID = try #require(offer.body["handover_id"])
        _ = try anna.request(.ack, ["handover_id": handoverID], expect: .acked)
        try listener.wait(for: "two disclosures") { _ in
            listener.allEvents(about: withdrawnID).filter { $0.type == EventType.referralDisclosed.rawValue }.count
                >= 2
        }
        let disclosed = listener.allEvents(about: withdrawnID).filter {
            $0.type == EventType.referralDisclosed.rawValue
        }
        #expect(disclosed.allSatisfy { $0.data["contact"] == "contact:schuldhulp-anna" })
        #expect(disclosed.allSatisfy { $0.data["handover_id"] == handoverID && $0.data["domain"] == "debt" })
        let offered = disclosed[0].data["fields"]?.arrayValue ?? []
        let acked = disclosed[1].data["fields"]?.arrayValue ?? []
        #expect(offered.contains("need.summary") && !offered.contains("citizen.display_name"), "\(offered)")
        #expect(acked.contains("citizen.display_name") && acked.contains("citizen.phone"), "\(acked)")

        // WITHDRAW: the open handover is cancelled, the referral withdrawn and purged, each with its reason.
        _ = try gp.request(
            .withdraw, ["referral_id": .string(withdrawnID), "reason": "consent_withdrawn"], expect: .noted)
        try listener.wait(for: "the withdrawal and the purge") { _ in
            listener.events(about: withdrawnID).contains { $0.type == EventType.referralPurged.rawValue }
        }
        let afterWithdraw = listener.events(about: withdrawnID).map(\.type).suffix(3)
        #expect(
            Array(afterWithdraw) == [
                EventType.handoverCancelled.rawValue, EventType.referralWithdrawn.rawValue,
                EventType.referralPurged.rawValue,
            ])
        let withdrawn = try #require(listener.events(about: withdrawnID).first { $0.type.hasSuffix(".withdrawn") })
        #expect(
            withdrawn.data["reason"] == "consent_withdrawn" && withdrawn.data["organisation"] == "org:huisarts-de-brug")
        #expect(listener.events(about: withdrawnID).last?.data["reason"] == "consent_withdrawn")

        // Erasure by the operator: erased, purged, and the admin action itself, all about the referral.
        let erasedID = try #require(
            try gp.submit(try Referrals.make(needs: ["debt"])).body["referral_id"]?.stringValue)
        _ = try anna.next(.handover)
        #expect(try daemon.admin("erase", ["referral_id": .string(erasedID)])["ok"] == true)
        try listener.wait(for: "the erasure") { _ in
            listener.allEvents(about: erasedID).contains { $0.type == EventType.adminErase.rawValue }
        }
        let erasure = listener.allEvents(about: erasedID).map(\.type)
        #expect(erasure.contains(EventType.referralErased.rawValue), "\(erasure)")
        let purged = try #require(listener.events(about: erasedID).first { $0.type.hasSuffix(".purged") })
        #expect(purged.data["reason"] == "erased")
        let adminErase = try #require(listener.events(ofType: .adminErase).last)
        #expect(adminErase.event["subject"]?.stringValue == erasedID)
        #expect(adminErase.data["command"] == "erase" && adminErase.data["ok"] == true)

        #expect(listener.violations.isEmpty, "\(listener.violations)")
        Self.expectNoPersonalData(listener)
    }

    /// Admin actions without a referral have no subject; what the operator typed reaches the stream only in its
    /// documented form, and neither an unknown command nor a failed one stalls the stream.
    @Test func adminActionsArePublishedWithoutSubjectOrTypedText() throws {
        let (daemon, endpoint) = try EventStreamTests.daemon()
        try daemon.start()
        let listener = try EventListener(endpoint)
        try listener.join(daemon)

        _ = try daemon.admin("clock.advance", ["duration": "PT1H"])
        // A name typed where an id belongs: refused, audited, and published without it.
        let mistyped = try daemon.admin("export", ["referral_id": .string(Referrals.citizenName)])
        #expect(mistyped["code"] == "not_found")
        // A command that does not exist is audited under its name but has no type: it is skipped, not stuck on.
        #expect(try daemon.admin("no.such.command", ["referral_id": .string(Referrals.citizenPhone)])["ok"] == false)
        _ = try daemon.admin(
            "purge", ["dry_run": true, "older_than": "P7D", "path": .string("/home/\(Referrals.citizenName)")])

        try listener.wait(for: "the purge dry run") { _ in !listener.events(ofType: .adminPurge).isEmpty }
        let advance = try #require(listener.events(ofType: .adminClockAdvance).first)
        #expect(advance.event["subject"] == nil && advance.data["referral_id"] == nil)
        #expect(advance.data["arguments"] == ["duration": "PT1H"] && advance.data["ok"] == true)
        let export = try #require(listener.events(ofType: .adminExport).first)
        #expect(export.data["ok"] == false && export.data["error"] == "not_found")
        #expect(export.event["subject"] == nil && export.data["arguments"] == nil)
        let purge = try #require(listener.events(ofType: .adminPurge).first)
        #expect(purge.data["arguments"] == ["dry_run": true, "older_than": "P7D"])
        #expect(!listener.received.contains { $0.type.contains("no.such") })
        // The stream goes on after them.
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let after = try #require(try gp.submit(try Referrals.make(needs: ["debt"])).body["referral_id"]?.stringValue)
        try listener.wait(for: "the referral after the admin actions") { _ in
            !listener.events(about: after).isEmpty
        }
        #expect(listener.violations.isEmpty, "\(listener.violations)")
        Self.expectNoPersonalData(listener, besides: ["/home/"])
    }

    @Test func purgingAfterTheRetentionPeriodIsPublished() throws {
        let (daemon, endpoint) = try EventStreamTests.daemon(settings: ["retention": "P30D"])
        try daemon.start()
        let listener = try EventListener(endpoint)
        try listener.join(daemon)
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let anna = try daemon.connect(as: "contact:schuldhulp-anna")
        let referralID = try #require(
            try gp.submit(try Referrals.make(needs: ["debt"])).body["referral_id"]?.stringValue)
        let offer = try anna.next(.handover)
        _ = try anna.request(.ack, ["handover_id": offer.body["handover_id"]!], expect: .acked)
        _ = try gp.request(
            .outcome, ["handover_id": offer.body["handover_id"]!, "result": "resolved", "note": "Goed geholpen."],
            expect: .noted)
        #expect(
            try gp.request(.status, ["referral_id": .string(referralID)], expect: .referral).body["state"] == "closed")
        _ = try daemon.admin("clock.advance", ["duration": "P29D"])
        try listener.wait(for: "the clock advance") { _ in !listener.events(ofType: .adminClockAdvance).isEmpty }
        #expect(!listener.events(about: referralID).contains { $0.type == EventType.referralPurged.rawValue })

        _ = try daemon.admin("clock.advance", ["duration": "P2D"])
        try listener.wait(for: "the purge after retention") { _ in
            listener.events(about: referralID).contains { $0.type == EventType.referralPurged.rawValue }
        }
        let purged = try #require(listener.events(about: referralID).last)
        #expect(purged.type == EventType.referralPurged.rawValue && purged.data["reason"] == "retention")
        #expect(listener.violations.isEmpty, "\(listener.violations)")
        Self.expectNoPersonalData(listener, besides: ["Goed geholpen"])
    }

    /// The consent's own clock withdraws the referral: published like a WITHDRAW, with the reason
    /// `consent_expired`, on the manual clock.
    @Test func anExpiredConsentIsPublishedAsAWithdrawalWithItsReason() throws {
        let (daemon, endpoint) = try EventStreamTests.daemon()
        try daemon.start()
        let listener = try EventListener(endpoint)
        try listener.join(daemon)
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let referral = Referrals.setting(
            "consent.expires_at", to: "2026-11-25T10:00:00+01:00", in: try Referrals.make(needs: ["debt"]))
        let referralID = try #require(try gp.submit(referral).body["referral_id"]?.stringValue)
        _ = try daemon.admin("clock.advance", ["duration": "P1D"])
        try listener.wait(for: "the first clock advance") { _ in !listener.events(ofType: .adminClockAdvance).isEmpty }
        #expect(!listener.events(about: referralID).contains { $0.type == EventType.referralWithdrawn.rawValue })

        _ = try daemon.admin("clock.advance", ["duration": "P1D"])
        try listener.wait(for: "the withdrawal") { _ in
            listener.events(about: referralID).contains { $0.type == EventType.referralPurged.rawValue }
        }
        let withdrawn = try #require(
            listener.events(about: referralID).first { $0.type == EventType.referralWithdrawn.rawValue })
        #expect(withdrawn.data["reason"] == "consent_expired")
        #expect(withdrawn.event["time"] == "2026-11-25T09:00:00Z")
        #expect(listener.events(about: referralID).last?.data["reason"] == "consent_expired")
        #expect(listener.violations.isEmpty, "\(listener.violations)")
        Self.expectNoPersonalData(listener)
    }
}
