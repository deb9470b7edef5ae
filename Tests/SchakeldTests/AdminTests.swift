import Foundation
import SchakelProtocol
import Testing

/// The admin socket and its clients: stats, backup and restore, and the refusals.
@Suite struct AdminTests {
    @Test func statsCountWhatHappenedWithoutPersonalData() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        _ = try gp.submit(try Referrals.make(needs: ["debt", "housing"]))
        let stats = try daemon.admin("stats")
        #expect(AdminSpec.validate(stats, command: "stats").isEmpty, "\(AdminSpec.validate(stats, command: "stats"))")
        #expect(stats["referrals"]?["open"] == .number(1))
        #expect(stats["handovers"]?["offered"] == .number(2))
        #expect(stats["outbox"]?["pending"]?.numberValue ?? 0 >= 2)
        #expect(stats["peers_connected"] == .number(1))
        #expect(stats["commit_latency_ms"]?["samples"]?.numberValue ?? 0 >= 1)
        #expect(!stats.canonicalString().contains(Referrals.citizenName))

        let text = try CommandLineTests.run("schakelctl", ["stats", "--state-dir", daemon.stateDirectory.path])
        #expect(text.status == 0, "\(text.errors)")
        #expect(text.output.contains("referrals        accepted 0, closed 0, open 1"))
        #expect(text.output.contains("timers pending 4"))  // reminder and expiry of both offers
    }

    @Test func theAdminSocketIsForTheDaemonsUserOnly() throws {
        let daemon = try Daemon()
        try daemon.start()
        let path = daemon.stateDirectory.appendingPathComponent("admin.sock").path
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func badRequestsGetStableCodes() throws {
        let daemon = try Daemon()
        try daemon.start()
        #expect(try daemon.admin("clock.rewind")["code"] == "unknown_command")
        #expect(try daemon.admin("clock.advance", ["duration": "PT1H"])["code"] == "disabled")  // wall clock
        #expect(try daemon.admin("backup")["code"] == "invalid")
        #expect(try daemon.admin("backup", ["path": "relative.sqlite"])["code"] == "invalid")
        #expect(try daemon.admin("debug.stall", ["seconds": .number(1)])["code"] == "disabled")
        let raw = try AdminConnection(daemon.adminEndpoint)
        try raw.send(Data("not json".utf8))
        #expect(try raw.reply()["code"] == "invalid")
        try raw.send(Data("{}".utf8))
        #expect(try raw.reply()["code"] == "invalid")
        // Still serving afterwards.
        #expect(try daemon.admin("stats")["ok"] == true)
    }

    /// SQLite's backup, on SQLite in both runs (PostgreSQL's backups are pg_basebackup's).
    @Test func aRestoredBackupServesEveryReferral() throws {
        let daemon = try Daemon(onSQLite: true)
        try daemon.start()
        let gp = try daemon.connect(as: "org:gemeente-utrecht")
        var accepted: [String: JSONValue] = [:]
        for i in 0..<20 {
            let answer = try gp.submit(try Referrals.make(externalID: "BACKUP-\(i)", needs: ["income"]))
            accepted["BACKUP-\(i)"] = answer.body["referral_id"]
        }
        let file = daemon.directory.appendingPathComponent("copy.sqlite")
        let backup = try CommandLineTests.run(
            "schakelctl", ["backup", file.path, "--state-dir", daemon.stateDirectory.path])
        #expect(backup.status == 0, "\(backup.errors)")
        // Refuses to overwrite.
        let again = try CommandLineTests.run(
            "schakelctl", ["backup", file.path, "--state-dir", daemon.stateDirectory.path])
        #expect(again.status == 2)
        #expect(again.errors.contains("exists; backup never overwrites a file"), "\(again.errors)")
        daemon.stop()

        let restored = try Daemon(onSQLite: true)
        try FileManager.default.createDirectory(
            at: restored.stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileManager.default.copyItem(at: file, to: restored.stateDirectory.appendingPathComponent("schakel.sqlite"))
        try restored.start()
        let peer = try restored.connect(as: "org:gemeente-utrecht")
        for (externalID, referralID) in accepted {
            let status = try peer.request(.status, ["external_id": .string(externalID)], expect: .referral)
            #expect(status.body["referral_id"] == referralID)
        }
        #expect(try restored.admin("stats")["referrals"]?["open"] == .number(20))
    }
}
