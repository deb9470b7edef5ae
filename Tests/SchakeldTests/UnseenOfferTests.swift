import Foundation
import SchakelProtocol
import Testing

/// Issue 23, "Offers never seen": an offer withdrawn before its contact received it (it lapsed, the referral was
/// withdrawn or erased) leaves that contact's outbox with its REMINDER, and no CANCELLED is sent for it; a contact
/// who did receive it is told (SRP1.md, CANCELLED). Against the real daemon, on the demo map: an urgent housing need
/// goes to Bram first (`ack_by` eight working hours on, the reminder halfway), then to Carla.
@Suite struct UnseenOfferTests {
    /// Past the reminder point (Monday 14:00), then past `ack_by` (Tuesday 10:00, 09:00 UTC).
    static func letTheOfferLapse(_ daemon: Daemon) throws {
        _ = try daemon.admin("clock.advance", ["duration": "PT4H"])
        _ = try daemon.admin("clock.advance", ["duration": "PT21H"])
    }

    /// The messages about `handoverID` among `messages`, by command.
    static func about(_ handoverID: JSONValue?, in messages: [WireMessage]) -> [String] {
        messages.filter { $0.body["handover_id"] == handoverID }.map(\.command)
    }

    /// The audit trail's `expired` or `cancelled` entry of `handoverID`.
    static func withdrawal(of handoverID: JSONValue?, referral: JSONValue, in daemon: Daemon) throws -> JSONValue? {
        let trail = try daemon.admin("audit", ["referral_id": referral])
        return trail["events"]?.arrayValue?.first {
            $0["handover_id"] == handoverID && ($0["event"] == "expired" || $0["event"] == "cancelled")
        }
    }

    @Test func anOfferThatLapsedWhileItsContactWasAwayNeverReachesThem() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let accepted = try gp.submit(try Referrals.make(needs: ["housing"]))
        let referralID = try #require(accepted.body["referral_id"])
        let first = try #require(
            try gp.request(.status, ["referral_id": referralID], expect: .referral).body["handovers"]?[0])
        #expect(first["contact"]?["id"] == "contact:wonen-bram")
        try Self.letTheOfferLapse(daemon)

        // Bram was away the whole time: neither the offer, its reminder nor its cancellation waits for him.
        let bram = try daemon.connect(as: "contact:wonen-bram")
        let messages = try bram.drain(timeout: 1.0)
        #expect(Self.about(first["handover_id"], in: messages) == [], "\(messages.map(\.command))")
        let welcome = try bram.hello(as: "contact:wonen-bram")
        #expect(welcome.body["pending"] == .number(0))

        // Everything else is as before: the need went on to Carla, the referrer heard so, and the timeline and the
        // audit trail record the lapse, the audit trail with the offer unseen.
        let carla = try daemon.connect(as: "contact:wonen-carla")
        #expect(try carla.next(.handover).body["referral_id"] == referralID)
        var noticeIDs: Set<String> = []  // unconfirmed, so they may come again
        let notices = try gp.drain(timeout: 0.5).filter {
            $0.command == "NOTICE" && noticeIDs.insert($0.body["message_id"]?.stringValue ?? "").inserted
        }
        #expect(notices.compactMap { $0.body["event"]?.stringValue } == ["offered", "rerouted"])
        let status = try gp.request(.status, ["referral_id": referralID], expect: .referral)
        let timeline = status.body["timeline"]?.arrayValue?.compactMap { $0["event"]?.stringValue } ?? []
        #expect(timeline == ["submitted", "offered", "reminded", "expired", "offered"])
        let expired = try Self.withdrawal(of: first["handover_id"], referral: referralID, in: daemon)
        #expect(expired?["detail"] == ["offer": "unseen"], "\(String(describing: expired))")
        for peer in [gp, bram, carla] { #expect(peer.violations.isEmpty, "\(peer.violations)") }
    }

    @Test func anOfferDeliveredOnALiveConnectionIsCancelledThoughNotYetConfirmed() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let bram = try daemon.connect(as: "contact:wonen-bram")
        let accepted = try gp.submit(try Referrals.make(needs: ["housing"]))
        let referralID = try #require(accepted.body["referral_id"])
        let offer = try bram.next(.handover)  // received, not confirmed
        try Self.letTheOfferLapse(daemon)

        #expect(try bram.next(.reminder).body["handover_id"] == offer.body["handover_id"])
        let cancelled = try bram.next(.cancelled)
        #expect(cancelled.body["handover_id"] == offer.body["handover_id"])
        #expect(cancelled.body["reason"] == "expired")
        let expired = try Self.withdrawal(of: offer.body["handover_id"], referral: referralID, in: daemon)
        #expect(expired != nil && expired?["detail"] == nil, "\(String(describing: expired))")
        #expect(bram.violations.isEmpty && gp.violations.isEmpty, "\(bram.violations) \(gp.violations)")
    }

    @Test func aConfirmedOfferIsCancelledAfterARestart() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let bram = try daemon.connect(as: "contact:wonen-bram")
        _ = try gp.submit(try Referrals.make(needs: ["housing"]))
        let offer = try bram.next(.handover)
        try bram.confirm(offer)
        _ = try bram.request(.ping, [:], expect: .pong)  // the RECEIVED is committed

        // The lapse fires at the start, before Bram is back: his confirmation in the outbox is what counts.
        try DeadlineRestartTests.restart(daemon, at: "2026-11-24T10:30:00+01:00")
        let bramLater = try daemon.connect(as: "contact:wonen-bram")
        let cancelled = try bramLater.next(.cancelled)
        #expect(cancelled.body["handover_id"] == offer.body["handover_id"])
        #expect(cancelled.body["reason"] == "expired")
        #expect(bramLater.violations.isEmpty, "\(bramLater.violations)")
    }

    /// A restart forgets what the broker sent, not what it made: an offer made before the restart and withdrawn after
    /// it, before it is sent again, may be on the contact's screen, so the contact is told (SRP1.md, CANCELLED).
    @Test func anOfferMadeBeforeARestartIsCancelledAfterItThoughNeverConfirmed() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let bram = try daemon.connect(as: "contact:wonen-bram")
        let accepted = try gp.submit(try Referrals.make(needs: ["housing"]))
        let offer = try bram.next(.handover)  // on Bram's screen, never confirmed
        // The reminder and the lapse fire at the start, before Bram is back.
        try DeadlineRestartTests.restart(daemon, at: "2026-11-24T10:30:00+01:00")
        let bramLater = try daemon.connect(as: "contact:wonen-bram")
        let messages = try bramLater.drain(timeout: 1.0)
        #expect(
            Self.about(offer.body["handover_id"], in: messages) == ["REMINDER", "CANCELLED"],
            "\(messages.map(\.command))")
        #expect(messages.first { $0.command == "CANCELLED" }?.body["reason"] == "expired")
        let expired = try Self.withdrawal(
            of: offer.body["handover_id"], referral: try #require(accepted.body["referral_id"]), in: daemon)
        #expect(expired != nil && expired?["detail"] == nil, "\(String(describing: expired))")
        #expect(bramLater.violations.isEmpty, "\(bramLater.violations)")
    }

    @Test func aWithdrawnReferralsOfferIsDroppedForAContactWhoNeverSawIt() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let accepted = try gp.submit(try Referrals.make(needs: ["housing"]))
        let referralID = try #require(accepted.body["referral_id"])
        _ = try daemon.admin("clock.advance", ["duration": "PT4H"])  // a REMINDER waits for Bram too
        let noted = try gp.request(
            .withdraw, ["referral_id": referralID, "reason": "consent_withdrawn"], expect: .noted)
        #expect(noted.body["event"] == "withdrawn")

        let bram = try daemon.connect(as: "contact:wonen-bram")
        #expect(try bram.drain(timeout: 1.0).map(\.command) == [])
        let status = try gp.request(.status, ["referral_id": referralID], expect: .referral)
        #expect(status.body["handovers"]?[0]?["state"] == "cancelled")
        #expect(gp.violations.isEmpty && bram.violations.isEmpty, "\(gp.violations) \(bram.violations)")
    }

    @Test func erasureTellsOnlyTheContactsWhoReceivedTheirOffer() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let unseen = try gp.submit(try Referrals.make(needs: ["housing"]))
        let erasedUnseen = try daemon.admin("erase", ["referral_id": unseen.body["referral_id"]!])
        #expect(erasedUnseen["told"] == [], "\(erasedUnseen)")

        let peers = [
            "contact:wonen-bram": try daemon.connect(as: "contact:wonen-bram"),
            "contact:wonen-carla": try daemon.connect(as: "contact:wonen-carla"),
        ]
        let seen = try gp.submit(try Referrals.make(needs: ["housing"]))
        let referralID = try #require(seen.body["referral_id"])
        let status = try gp.request(.status, ["referral_id": referralID], expect: .referral)
        let contact = try #require(status.body["handovers"]?[0]?["contact"]?["id"]?.stringValue)
        let holder = try #require(peers[contact])
        #expect(try holder.next(.handover).body["referral_id"] == referralID)
        let erasedSeen = try daemon.admin("erase", ["referral_id": referralID])
        #expect(erasedSeen["told"] == [.string(contact)], "\(erasedSeen)")
        #expect(try holder.next(.cancelled).body["reason"] == "erased")
    }
}
