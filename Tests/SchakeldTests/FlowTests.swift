import Foundation
import SchakelProtocol
import Testing

/// The walking skeleton's promise, end to end against the real daemon: submit, offer,
/// acknowledge, warm handover, status.
@Suite struct FlowTests {
    @Test func referralFlowsFromSubmitToWarmHandover() throws {
        let daemon = try Daemon()
        try daemon.start()
        let anna = try daemon.connect(as: "contact:schuldhulp-anna")
        let gp = try daemon.connect(as: "org:huisarts-de-brug")

        let accepted = try gp.submit(try Referrals.example())
        #expect(accepted.command == "ACCEPTED")
        #expect(accepted.body["duplicate"] == false)
        #expect(accepted.body["external_id"] == "HDB-2026-0042")
        let referralID = try #require(accepted.body["referral_id"]?.stringValue)

        // The offer names the need but not the citizen.
        let offer = try anna.next(.handover)
        #expect(offer.body["referral_id"]?.stringValue == referralID)
        #expect(offer.body["need"]?["domain"] == "debt")
        #expect(offer.body["lead"] == true)
        #expect(offer.body["urgency"] == "urgent")
        #expect(
            Set(offer.body["citizen"]?.objectValue?.keys ?? [:].keys) == [
                "municipality", "language", "preferred_channel",
            ])
        #expect(offer.body["referrer"]?["organisation"] == "org:huisarts-de-brug")
        #expect(offer.body["referrer"]?["phone"] == nil)
        let offerText = offer.body.canonicalString()
        #expect(!offerText.contains(Referrals.citizenName) && !offerText.contains(Referrals.citizenPhone))

        // The referrer hears where each need went: debt to Anna, housing to Bram (stable order).
        let offered = [try gp.next(.notice), try gp.next(.notice)]
        #expect(offered.map { $0.body["event"] } == ["offered", "offered"])
        #expect(
            Set(offered.compactMap { $0.body["contact"]?["id"]?.stringValue }) == [
                "contact:schuldhulp-anna", "contact:wonen-bram",
            ])
        #expect(offered.allSatisfy { $0.body["contact"]?["phone"] == nil })

        // Acknowledging reveals the citizen and the referrer's direct line.
        let handoverID = try #require(offer.body["handover_id"]?.stringValue)
        let acked = try anna.request(.ack, ["handover_id": .string(handoverID)], expect: .acked)
        #expect(acked.command == "ACKED")
        #expect(acked.body["citizen"]?["display_name"]?.stringValue == Referrals.citizenName)
        #expect(acked.body["citizen"]?["phone"]?.stringValue == Referrals.citizenPhone)
        #expect(acked.body["referrer"]?["name"] == "Dr. M. de Jong")
        #expect(acked.body["referrer"]?["phone"] == "+31 30 000 2001")
        #expect(acked.body["note"] == "Mevrouw is het best bereikbaar na 15:00.")

        // The warm handover: the referrer gets Anna's direct line.
        let notice = try gp.next(.notice)
        #expect(notice.body["event"] == "acknowledged")
        #expect(notice.body["handover_id"]?.stringValue == handoverID)
        #expect(notice.body["contact"]?["name"] == "Anna Visser")
        #expect(notice.body["contact"]?["organisation"] == "org:schuldhulp-utrecht")
        #expect(notice.body["contact"]?["phone"] == "+31 30 000 1001")
        #expect(notice.body["contact"]?["email"] == "anna.visser@schuldhulp-utrecht.example")

        // STATUS tells the story.
        let status = try gp.request(.status, ["referral_id": .string(referralID)], expect: .referral)
        #expect(status.command == "REFERRAL")
        #expect(status.body["state"] == "open")  // housing still waits for Bram
        let handovers = status.body["handovers"]?.arrayValue ?? []
        #expect(handovers.map { $0["state"] } == ["accepted", "offered"])
        #expect(handovers.map { $0["contact"]?["id"] } == ["contact:schuldhulp-anna", "contact:wonen-bram"])
        #expect(handovers.map { $0["lead"] } == [true, false])
        let timeline = status.body["timeline"]?.arrayValue?.compactMap { $0["event"]?.stringValue }
        #expect(timeline == ["submitted", "offered", "offered", "acknowledged"])

        // By external id as well, and the contact holding a handover may look too.
        let byExternal = try gp.request(.status, ["external_id": "HDB-2026-0042"], expect: .referral)
        #expect(byExternal.body["referral_id"]?.stringValue == referralID)
        let asAnna = try anna.request(.status, ["referral_id": .string(referralID)], expect: .referral)
        #expect(asAnna.command == "REFERRAL")

        #expect(gp.violations.isEmpty, "\(gp.violations)")
        #expect(anna.violations.isEmpty, "\(anna.violations)")
    }

    /// An external id is the referrer's own case number, so it is unique per organisation only: another
    /// organisation that happens to use the same one gets its own referral, never a `conflict` that tells it the
    /// id exists elsewhere and never the other organisation's referral as a "duplicate".
    @Test func twoOrganisationsMayUseTheSameExternalID() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let municipality = try daemon.connect(as: "org:gemeente-utrecht")
        let shared = "CASE-\(UUID().uuidString.prefix(8))"
        let referral = try Referrals.make(externalID: shared, needs: ["debt"])

        let first = try gp.submit(referral)
        let same = try municipality.submit(referral)  // the same body
        let changed = try daemon.connect(as: "org:juridisch-loket").submit(
            Referrals.setting("note", to: "Een andere verwijzing.", in: referral))
        for accepted in [first, same, changed] {
            #expect(accepted.command == "ACCEPTED")
            #expect(accepted.body["duplicate"] == false)
            #expect(accepted.body["external_id"] == .string(shared))
        }
        let ids = [first, same, changed].compactMap { $0.body["referral_id"]?.stringValue }
        #expect(Set(ids).count == 3, "each organisation has its own referral: \(ids)")

        // Each sees its own referral under the shared external id, and a resubmission is still a duplicate.
        for (peer, referralID) in [(gp, ids[0]), (municipality, ids[1])] {
            let status = try peer.request(.status, ["external_id": .string(shared)], expect: .referral)
            #expect(status.body["referral_id"]?.stringValue == referralID)
            let again = try peer.submit(referral)
            #expect(again.body["duplicate"] == true)
            #expect(again.body["referral_id"]?.stringValue == referralID)
        }
    }

    @Test func contactWhoConnectsLaterStillGetsTheOffer() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:gemeente-utrecht")
        let accepted = try gp.submit(try Referrals.make(needs: ["debt"]))
        let referralID = accepted.body["referral_id"]
        let welcome = try daemon.connect(as: "contact:schuldhulp-anna")
        let offer = try welcome.next(.handover)
        #expect(offer.body["referral_id"] == referralID)
        #expect(offer.body["referrer"]?["organisation"] == "org:gemeente-utrecht")
    }

    @Test func welcomeSaysHowManyMessagesAreWaiting() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        _ = try gp.submit(try Referrals.make(needs: ["debt"]))
        _ = try gp.submit(try Referrals.make(needs: ["debt"]))
        let anna = try daemon.peer()
        let welcome = try anna.hello(as: "contact:schuldhulp-anna")
        #expect(welcome.body["pending"] == .number(2))
        #expect(welcome.body["principal"] == "contact:schuldhulp-anna")
        try anna.next(.handover)
        try anna.next(.handover)
    }

    @Test func declineReroutesToTheOtherHousingContactAndNeverBack() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let bram = try daemon.connect(as: "contact:wonen-bram")
        let carla = try daemon.connect(as: "contact:wonen-carla")
        let accepted = try gp.submit(try Referrals.make(needs: ["housing"]))
        let referralID = try #require(accepted.body["referral_id"]?.stringValue)

        // Both have no open handovers: the stable order picks Bram.
        let first = try bram.next(.handover)
        let firstID = try #require(first.body["handover_id"]?.stringValue)
        #expect(try gp.next(.notice).body["contact"]?["id"] == "contact:wonen-bram")

        let declined = try bram.request(
            .decline, ["handover_id": .string(firstID), "reason": "capacity"], expect: .declined)
        #expect(declined.command == "DECLINED")
        #expect(declined.body["handover_id"]?.stringValue == firstID)

        let second = try carla.next(.handover)
        #expect(second.body["referral_id"]?.stringValue == referralID)
        #expect(second.body["need"]?["domain"] == "housing")
        #expect(second.body["lead"] == true)  // the lead moves with the need
        let secondID = try #require(second.body["handover_id"]?.stringValue)
        #expect(secondID != firstID)

        let declinedNotice = try gp.next(.notice)
        #expect(declinedNotice.body["event"] == "declined")
        #expect(declinedNotice.body["reason"] == "capacity")
        #expect(declinedNotice.body["contact"]?["id"] == "contact:wonen-bram")
        let reoffered = try gp.next(.notice)
        #expect(reoffered.body["event"] == "offered")
        #expect(reoffered.body["contact"]?["id"] == "contact:wonen-carla")

        // Carla declines too: nobody is left, and it never goes back to Bram. Candidates existed, so the need is
        // unowned (someone must take it by hand), not unroutable, and the referral stays open.
        _ = try carla.request(
            .decline, ["handover_id": .string(secondID), "reason": "not_our_service"], expect: .declined)
        #expect(try gp.next(.notice).body["event"] == "declined")
        let unowned = try gp.next(.notice)
        #expect(unowned.body["event"] == "unowned")
        #expect(unowned.body["need"]?["domain"] == "housing")
        #expect(try bram.drain(timeout: 0.3).filter { $0.command == "HANDOVER" }.isEmpty)

        let status = try gp.request(.status, ["referral_id": .string(referralID)], expect: .referral)
        #expect(status.body["state"] == "open")
        #expect(status.body["handovers"]?.arrayValue?.map { $0["state"] } == ["declined", "declined", "unowned"])
        #expect(status.body["handovers"]?.arrayValue?.map { $0["lead"] } == [false, false, false])

        // Declining again is answered the same way; acknowledging a declined offer is a conflict.
        let again = try bram.request(
            .decline, ["handover_id": .string(firstID), "reason": "capacity"], expect: .declined)
        #expect(again.command == "DECLINED")
        let late = try bram.request(.ack, ["handover_id": .string(firstID)], expect: .acked)
        #expect(late.body["code"] == "conflict")
        #expect(gp.violations.isEmpty && bram.violations.isEmpty && carla.violations.isEmpty)
    }

    @Test func loadSpreadsHousingBetweenTheTwoContacts() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        _ = try gp.submit(try Referrals.make(needs: ["housing"]))
        _ = try gp.submit(try Referrals.make(needs: ["housing"]))
        let contacts = [try gp.next(.notice), try gp.next(.notice)].compactMap {
            $0.body["contact"]?["id"]?.stringValue
        }
        #expect(contacts == ["contact:wonen-bram", "contact:wonen-carla"])
    }

    /// The open-handover counts matching balances on live in memory; they must come back from
    /// the database after a restart and follow every decline.
    @Test func loadSurvivesARestartAndFollowsDeclines() throws {
        let daemon = try Daemon()
        try daemon.start()
        var gp = try daemon.connect(as: "org:huisarts-de-brug")
        _ = try gp.submit(try Referrals.make(needs: ["housing"]))
        let first = try gp.next(.notice)
        #expect(first.body["contact"]?["id"] == "contact:wonen-bram")
        try gp.confirm(first)
        _ = try gp.request(.ping, [:], expect: .pong)  // the confirmation is committed
        try daemon.restart()

        // Bram holds one open handover, Carla none: Carla gets the next one.
        gp = try daemon.connect(as: "org:huisarts-de-brug")
        let bram = try daemon.connect(as: "contact:wonen-bram")
        _ = try gp.submit(try Referrals.make(needs: ["housing"]))
        #expect(try gp.next(.notice).body["contact"]?["id"] == "contact:wonen-carla")

        // Bram declines his: it goes to Carla (2 open), Bram is down to 0 and gets the next.
        let offer = try bram.next(.handover)
        _ = try bram.request(
            .decline, ["handover_id": offer.body["handover_id"]!, "reason": "capacity"], expect: .declined)
        #expect(try gp.next(.notice).body["event"] == "declined")
        #expect(try gp.next(.notice).body["contact"]?["id"] == "contact:wonen-carla")
        _ = try gp.submit(try Referrals.make(needs: ["housing"]))
        #expect(try gp.next(.notice).body["contact"]?["id"] == "contact:wonen-bram")
    }

    @Test func educationNeedIsUnroutableAndTheReferrerIsTold() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let accepted = try gp.submit(try Referrals.make(needs: ["education"]))
        #expect(accepted.command == "ACCEPTED")
        let notice = try gp.next(.notice)
        #expect(notice.body["event"] == "unroutable")
        #expect(notice.body["need"]?["domain"] == "education")
        #expect(notice.body["contact"] == nil)
        let status = try gp.request(.status, ["referral_id": accepted.body["referral_id"]!], expect: .referral)
        #expect(status.body["state"] == "unroutable")
        let handover = status.body["handovers"]?[0]
        #expect(handover?["state"] == "unroutable")
        #expect(handover?["contact"] == nil)
        #expect(status.body["timeline"]?.arrayValue?.map { $0["event"] } == ["submitted", "unroutable"])
    }

    @Test func routingStaysWithinConsent() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        // Consent covers debt only: the housing need may not be shared with anyone. Housing contacts exist, so
        // the referrer hears that consent is what is missing, and nothing is routed.
        let accepted = try gp.submit(try Referrals.make(needs: ["debt", "housing"], shareWith: ["domain:debt"]))
        let notices = [try gp.next(.notice), try gp.next(.notice)]
        #expect(notices.map { $0.body["event"] } == ["offered", "consent_needed"])
        #expect(notices[1].body["need"]?["domain"] == "housing")
        #expect(notices[1].body["contact"] == nil)
        let status = try gp.request(.status, ["referral_id": accepted.body["referral_id"] ?? .null], expect: .referral)
        let housing = status.body["handovers"]?.arrayValue?.first { $0["need"]?["domain"] == "housing" }
        #expect(housing?["state"] == "unroutable")
        #expect(housing?["contact"] == nil)
        // Consent naming one organisation: only its contact may get the need.
        _ = try gp.submit(try Referrals.make(needs: ["housing"], shareWith: ["org:vechtzicht-wonen"]))
        #expect(try gp.next(.notice).body["contact"]?["id"] == "contact:wonen-carla")
    }
}
