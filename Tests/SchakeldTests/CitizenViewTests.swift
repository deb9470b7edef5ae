import Foundation
import SchakelProtocol
import Sodium
import Storage
import Testing

/// The citizen's own view over SRP/1 against the real daemon on the manual clock: the code on ACCEPTED, what a
/// portal sees at each stage, the disclosures as the audit trail has them, withdrawing the consent, a new code,
/// and the refusals (who may ask, wrong and purged codes alike, the rate limit).
@Suite struct CitizenViewTests {
    static let codePattern = "^[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}$"

    static func status(_ portal: Peer, _ code: String) throws -> WireMessage {
        try portal.request(.citizenStatus, ["citizen_code": .string(code)], expect: .citizen)
    }

    @Test func aPortalFollowsTheReferralWithTheCodeFromOfferToNazorg() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let anna = try daemon.connect(as: "contact:schuldhulp-anna")
        let portal = try daemon.connect(as: "portal:lekstroom")
        let referral = try Referrals.make(needs: ["debt", "housing"])
        let accepted = try gp.submit(referral)
        let code = try #require(accepted.body["citizen_code"]?.stringValue)
        #expect(code.range(of: Self.codePattern, options: .regularExpression) != nil, "\(code)")
        let again = try gp.submit(referral)
        #expect(again.body["duplicate"] == true && again.body["citizen_code"] == nil, "a duplicate hands out no code")

        // Offered: we are looking for someone; nobody named, nothing of the citizen.
        let offered = try Self.status(portal, code.lowercased().replacingOccurrences(of: "-", with: " "))
        #expect(offered.command == "CITIZEN", "\(offered.body)")
        #expect(offered.body["needs"]?[0]?["status"] == "searching")
        #expect(offered.body["needs"]?[0]?["contact"] == nil)
        #expect(offered.body["referrer"]?["organisation_name"] == "Huisartsenpraktijk De Brug")
        #expect(offered.body["consent"]?["all"] == true)
        let text = offered.body.canonicalString()
        for personal in [Referrals.citizenName, Referrals.citizenPhone, "3511", "ref-", "ho-"] {
            #expect(!text.contains(personal), "CITIZEN carries \(personal)")
        }

        // Taken: who helps, their direct line, and by when they will call.
        let handover = try anna.next(.handover)
        _ = try anna.request(.ack, ["handover_id": handover.body["handover_id"]!], expect: .acked)
        let taken = try Self.status(portal, code)
        let debt = try #require(taken.body["needs"]?[0])
        #expect(debt["status"] == "taken")
        #expect(debt["contact"]?["name"] == "Anna Visser" && debt["contact"]?["phone"] == "+31 30 000 1001")
        #expect(debt["contact_by"] == "2026-11-30T09:00:00Z", "\(debt)")
        #expect(debt["taken_at"] == "2026-11-23T09:00:00Z")

        // Contacted, then eight weeks on nazorg asks the citizen too.
        _ = try anna.request(.contacted, ["handover_id": handover.body["handover_id"]!], expect: .noted)
        #expect(try Self.status(portal, code).body["needs"]?[0]?["status"] == "contacted")
        _ = try daemon.admin("clock.advance", ["duration": "P8W"])
        let asked = try Self.status(portal, code)
        let answerBy = try #require(asked.body["needs"]?[0]?["question"]?["answer_by"]?.stringValue)
        #expect(!answerBy.isEmpty)
        let wrongNeed = try portal.request(
            .citizenAnswer, ["citizen_code": .string(code), "need": .number(1), "result": "resolved"], expect: .noted)
        #expect(wrongNeed.body["code"] == "conflict" && wrongNeed.body["field"] == "need")
        let answered = try portal.request(
            .citizenAnswer, ["citizen_code": .string(code), "need": .number(0), "result": "partly_resolved"],
            expect: .noted)
        #expect(answered.body["event"] == "citizen_answered", "\(answered.body)")
        let after = try Self.status(portal, code)
        #expect(after.body["needs"]?[0]?["citizen_answer"] == "partly_resolved")
        #expect(after.body["needs"]?[0]?["question"] == nil)
        // The signals report counts it as the third voice (one referral: a hidden row, but a row).
        let signals = try daemon.admin("signals", ["from": "2026-11-01", "to": "2026-11-30"])
        let citizenRows = signals["tables"]?["nazorg_citizen"]?["rows"]?.arrayValue ?? []
        #expect(citizenRows.count == 1 && citizenRows.first?["domain"] == "debt", "\(signals)")

        // The disclosures are the audit trail's, one for one; the portal's own uses are there without the code.
        let audit = try daemon.admin("audit", ["referral_id": accepted.body["referral_id"]!])
        let trail = audit["events"]?.arrayValue ?? []
        let disclosed = trail.filter { $0["event"] == "disclosed" }
        let shown = after.body["disclosures"]?.arrayValue ?? []
        #expect(shown.count == disclosed.count && !shown.isEmpty)
        #expect(shown.map { $0["at"] } == disclosed.map { $0["at"] })
        #expect(shown.contains { $0["organisation"] == "org:schuldhulp-utrecht" && $0["what"] == "details" })
        #expect(trail.filter { $0["event"] == "citizen.viewed" }.count >= 5)
        #expect(!audit.canonicalString().contains(code) && !daemon.log().contains(code), "the code was kept somewhere")
        let stored = try PrivacyTests.query(daemon, "SELECT citizen_code FROM referrals").first?[0].string
        #expect(stored?.count == 76 && stored?.contains(code.replacingOccurrences(of: "-", with: "")) == false)
        #expect(try PrivacyTests.rawContains(daemon, code).isEmpty, "the code is in the database")
        for peer in [gp, anna, portal] { #expect(peer.violations.isEmpty, "\(peer.violations)") }
    }

    @Test func theCitizenWithdrawsConsentAndEveryoneIsTold() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let bram = try daemon.connect(as: "contact:wonen-bram")
        let portal = try daemon.connect(as: "portal:lekstroom")
        let accepted = try gp.submit(try Referrals.make(needs: ["housing"]))
        let code = try #require(accepted.body["citizen_code"]?.stringValue)
        let offer = try bram.next(.handover)

        let noted = try portal.request(.citizenWithdraw, ["citizen_code": .string(code)], expect: .noted)
        #expect(noted.body["event"] == "withdrawn")
        let cancelled = try bram.next(.cancelled)
        #expect(cancelled.body["handover_id"] == offer.body["handover_id"] && cancelled.body["reason"] == "withdrawn")
        let notices = try gp.drain(timeout: 0.5).filter { $0.command == "NOTICE" }.compactMap {
            $0.body["event"]?.stringValue
        }
        #expect(notices.contains("consent_withdrawn"), "\(notices)")
        let status = try gp.request(.status, ["referral_id": accepted.body["referral_id"]!], expect: .referral)
        #expect(status.body["state"] == "withdrawn")
        // The code stops working, with the same answer as a code that never was.
        let gone = try Self.status(portal, code)
        let never = try Self.status(portal, "ABCD-EFGH-JKLM-NPQR")
        let junk = try Self.status(portal, "not a code at all!")
        for refusal in [gone, never, junk] {
            #expect(refusal.body["code"] == "not_found" && refusal.body["field"] == "citizen_code")
            #expect(refusal.body["message"] == gone.body["message"])
        }
        for peer in [gp, bram, portal] { #expect(peer.violations.isEmpty, "\(peer.violations)") }
    }

    /// Issue 22, part four: a code made from its referral's key is kept after that key, so new codes sort in the
    /// order of their referrals (the index's last page, not a random one); a code handed out before, of which the row
    /// holds only the digest, still opens its referral after the upgrade.
    @Test func newCodesAreKeptInTheirReferralsOrderAndACodeFromBeforeStillOpens() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        var codes: [String] = []
        for _ in 0..<3 {
            let accepted = try gp.submit(try Referrals.make(needs: ["debt"]))
            codes.append(try #require(accepted.body["citizen_code"]?.stringValue))
        }
        let kept = try PrivacyTests.query(daemon, "SELECT citizen_code FROM referrals ORDER BY referral_key")
            .compactMap { $0[0].string }
        #expect(kept.count == 3 && kept.allSatisfy { $0.hasPrefix("k") }, "\(kept)")
        #expect(kept == kept.sorted(), "\(kept)")

        // The first referral as a broker from before left it: only the digest of a code of 80 random bits.
        let before = "K7QM-2XHD-9RTB-4WPA"
        let digest = try Digest.blake2bHex(Array(before.replacingOccurrences(of: "-", with: "").utf8))
        _ = daemon.stop()
        do {
            let db = try daemon.openDatabase(writable: true)
            defer { try? db.close() }
            try db.run(
                "UPDATE referrals SET citizen_code = ? WHERE referral_key = (SELECT MIN(referral_key) FROM referrals)",
                [.text(digest)])
        }
        try daemon.start()
        let portal = try daemon.connect(as: "portal:lekstroom")
        #expect(try Self.status(portal, before).command == "CITIZEN")
        #expect(try Self.status(portal, codes[0]).body["code"] == "not_found", "replaced by the code from before")
        #expect(try Self.status(portal, codes[2]).command == "CITIZEN")
        for peer in [gp, portal] { #expect(peer.violations.isEmpty, "\(peer.violations)") }
    }

    @Test func theReferrerAsksANewCodeAndTheOldOneStopsWorking() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let portal = try daemon.connect(as: "portal:lekstroom")
        let referral = try Referrals.make(needs: ["debt"])
        let accepted = try gp.submit(referral)
        let old = try #require(accepted.body["citizen_code"]?.stringValue)
        let external = try #require(referral["external_id"])
        let renewed = try gp.request(.newCitizenCode, ["external_id": external], expect: .citizenCode)
        let new = try #require(renewed.body["citizen_code"]?.stringValue)
        #expect(new != old && renewed.body["referral_id"] == accepted.body["referral_id"])
        #expect(try Self.status(portal, old).body["code"] == "not_found")
        #expect(try Self.status(portal, new).command == "CITIZEN")
        // The same from the command line, for a referrer without an adapter that knows NEW_CITIZEN_CODE.
        let cli = try CommandLineTests.run(
            "schakelctl",
            ["new-code", external.stringValue ?? "", "--as", "org:huisarts-de-brug", "--broker", daemon.endpoint])
        #expect(cli.status == 0, "\(cli.errors)")
        let third = try #require(
            cli.output.range(of: "[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}", options: .regularExpression).map {
                String(cli.output[$0])
            })
        #expect(try Self.status(portal, new).body["code"] == "not_found")
        #expect(try Self.status(portal, third).command == "CITIZEN")

        let other = try daemon.connect(as: "org:gemeente-utrecht")
        let foreign = try other.request(
            .newCitizenCode, ["referral_id": accepted.body["referral_id"]!], expect: .citizenCode)
        #expect(foreign.body["code"] == "forbidden")
        let anna = try daemon.connect(as: "contact:schuldhulp-anna")
        #expect(
            try anna.request(.newCitizenCode, ["referral_id": accepted.body["referral_id"]!], expect: .citizenCode)
                .body["code"] == "forbidden")
        for peer in [gp, portal, other, anna] { #expect(peer.violations.isEmpty, "\(peer.violations)") }
    }

    @Test func onlyAPortalAsksWithACodeAndAPortalDoesNothingElse() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let accepted = try gp.submit(try Referrals.make(needs: ["debt"]))
        let code = try #require(accepted.body["citizen_code"])
        for principal in ["org:huisarts-de-brug", "contact:schuldhulp-anna"] {
            let peer = try daemon.connect(as: principal)
            for command in [Command.citizenStatus, .citizenWithdraw] {
                let refused = try peer.request(command, ["citizen_code": code], expect: .citizen)
                #expect(refused.body["code"] == "forbidden", "\(principal) \(command)")
            }
        }
        let portal = try daemon.connect(as: "portal:lekstroom")
        #expect(try portal.submit(try Referrals.make(needs: ["debt"])).body["code"] == "forbidden")
        let referralID = try #require(accepted.body["referral_id"])
        #expect(try portal.request(.status, ["referral_id": referralID], expect: .referral).body["code"] == "forbidden")
        #expect(
            try portal.request(.withdraw, ["referral_id": referralID, "reason": "other"], expect: .noted).body["code"]
                == "forbidden")
        #expect(try portal.request(.cases, [:], expect: .caseList).body["code"] == "forbidden")
        #expect(try portal.request(.pending, [:], expect: .pendingList).body["code"] == "forbidden")
        // (The loop above moved the practice's session to its own connection.)
        let practice = try daemon.connect(as: "org:huisarts-de-brug")
        let status = try practice.request(.status, ["referral_id": referralID], expect: .referral)
        #expect(status.body["state"] == "open", "a refused request changed the referral")
    }

    @Test func wrongCodesAreRateLimitedPerPortalAndCounted() throws {
        let daemon = try Daemon(settings: ["metrics": "tcp://127.0.0.1:*"])
        guard case .object(var map) = try SocialMaps.demo() else { throw TestError("demo map") }
        map["portals"] = [["id": "portal:lekstroom", "name": "Desk"], ["id": "portal:mijn-gemeente", "name": "Mijn"]]
        try daemon.useSocialMap(.object(map))
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let code = try #require(try gp.submit(try Referrals.make(needs: ["debt"])).body["citizen_code"]?.stringValue)
        let guesser = try daemon.connect(as: "portal:lekstroom")
        for i in 0..<10 {
            let wrong = try Self.status(
                guesser, "ABCD-EFGH-JKLM-NP\(["QR", "QS", "QT", "QU", "QV", "QW", "QX", "QY", "QZ", "Q2"][i])")
            #expect(wrong.body["code"] == "not_found")
        }
        let limited = try Self.status(guesser, code)
        #expect(limited.body["code"] == "rate_limited", "the right code after ten wrong ones: \(limited.body)")
        // Another portal is not held back by this one's guessing.
        let other = try daemon.connect(as: "portal:mijn-gemeente")
        #expect(try Self.status(other, code).command == "CITIZEN")
        #expect(guesser.violations.isEmpty && other.violations.isEmpty, "\(guesser.violations) \(other.violations)")

        let endpoint = try #require(try daemon.admin("stats")["endpoints"]?["metrics"]?.stringValue)
        let port = try #require(endpoint.split(separator: ":").last.flatMap { UInt16($0) })
        let metrics = try DeskProcess.exchange(
            port: port, Array("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)
        ).body
        #expect(metrics.contains("schakel_citizen_code_refusals_total 10"), "\(metrics)")
        #expect(metrics.contains("schakel_citizen_rate_limited_total 1"))
        #expect(daemon.log().contains("event=citizen.rate_limited"))
        #expect(!daemon.log().contains(code))
    }
}
