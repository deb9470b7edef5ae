import Foundation
import SchakelProtocol
import Testing

/// A referral is named by its `referral_id` or by the referrer's own `external_id` everywhere: STATUS, WITHDRAW and
/// REOPEN over SRP/1, and `audit`, `export` and `erase` on the admin socket, from schakelctl too.
@Suite struct ExternalIDTests {
    /// A referral from the GP under a fresh external id; returns the daemon, both ids and the GP's connection.
    static func submitted() throws -> (daemon: Daemon, referralID: String, externalID: String, gp: Peer) {
        let daemon = try Daemon()
        try daemon.start()
        let externalID = "EXT-\(UUID().uuidString.prefix(8))"
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let accepted = try gp.submit(
            Referrals.setting("external_id", to: .string(externalID), in: try Referrals.example()))
        let referralID = try #require(accepted.body["referral_id"]?.stringValue)
        return (daemon, referralID, externalID, gp)
    }

    @Test func theOperatorAuditsAndExportsByExternalIDFromTheCommandLine() throws {
        let setup = try Self.submitted()
        let stateDir = ["--state-dir", setup.daemon.stateDirectory.path]
        let audit = try CommandLineTests.run("schakelctl", ["audit", setup.externalID] + stateDir)
        #expect(audit.status == 0, "\(audit.output) \(audit.errors)")
        #expect(audit.output.contains("submitted"), "\(audit.output)")
        let export = try CommandLineTests.run("schakelctl", ["export", setup.externalID] + stateDir)
        #expect(export.status == 0, "\(export.errors)")
        #expect(export.output.contains(Referrals.citizenName))
        // The export is recorded on the referral itself, as it is when named by its referral_id.
        let trail = try setup.daemon.admin("audit", ["referral_id": .string(setup.referralID)])
        let events = trail["events"]?.arrayValue?.compactMap { $0["event"]?.stringValue } ?? []
        #expect(events.contains("admin.export") && events.contains("admin.audit"), "\(events)")

        let unknown = try CommandLineTests.run("schakelctl", ["audit", "EXT-NOBODY"] + stateDir)
        #expect(unknown.status != 0)
        #expect(unknown.errors.contains("no referral with external_id EXT-NOBODY"), "\(unknown.errors)")
    }

    @Test func anExternalIDTwoOrganisationsChoseIsRefusedWithBothReferralIDs() throws {
        let setup = try Self.submitted()
        let other = try setup.daemon.connect(as: "org:gemeente-utrecht")
        let second = try other.submit(
            Referrals.setting("external_id", to: .string(setup.externalID), in: try Referrals.example()))
        let secondID = try #require(second.body["referral_id"]?.stringValue)
        let reply = try setup.daemon.admin("erase", ["external_id": .string(setup.externalID)])
        #expect(reply["ok"] == false && reply["code"] == "conflict")
        let message = reply["message"]?.stringValue ?? ""
        #expect(message.contains(setup.referralID) && message.contains(secondID), "\(message)")
        let chosen = try setup.daemon.admin(
            "erase", ["external_id": .string(setup.externalID), "organisation": "org:gemeente-utrecht"])
        #expect(chosen["ok"] == true && chosen["referral_id"]?.stringValue == secondID, "\(chosen)")
    }

    @Test func theReferrerWithdrawsByItsExternalID() throws {
        let setup = try Self.submitted()
        // Another organisation's external_id names nothing for it.
        let stranger = try CommandLineTests.run(
            "schakelctl",
            [
                "withdraw", setup.externalID, "--as", "org:gemeente-utrecht", "--broker", setup.daemon.endpoint,
                "--json",
            ])
        #expect(stranger.status == 1 && stranger.output.contains("not_found"), "\(stranger.output)")

        let withdraw = try CommandLineTests.run(
            "schakelctl",
            [
                "withdraw", setup.externalID, "--as", "org:huisarts-de-brug", "--broker", setup.daemon.endpoint,
                "--json",
            ])
        #expect(withdraw.status == 0 && withdraw.output.contains("\"withdrawn\""), "\(withdraw.output)")
        // schakelctl's HELLO as the GP took over the session, so STATUS comes from a new connection.
        let gp = try setup.daemon.connect(as: "org:huisarts-de-brug")
        let status = try gp.request(.status, ["external_id": .string(setup.externalID)], expect: .referral)
        #expect(status.body["state"] == "withdrawn", "\(status.command) \(status.body)")
        #expect(status.body["referral_id"]?.stringValue == setup.referralID)
    }

    @Test func reopenNeedsExactlyOneOfTheTwoIds() throws {
        let setup = try Self.submitted()
        let both = try setup.gp.request(
            .reopen,
            ["referral_id": .string(setup.referralID), "external_id": .string(setup.externalID), "reason": "vraag"],
            expect: .noted)
        #expect(both.body["code"] == "invalid", "\(both.body)")
        // By external id it reaches the referral: an open referral is not reopened (conflict), not not_found.
        let byExternal = try setup.gp.request(
            .reopen, ["external_id": .string(setup.externalID), "reason": "vraag"], expect: .noted)
        #expect(byExternal.body["code"] == "conflict", "\(byExternal.body)")
    }
}
