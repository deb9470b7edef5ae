import Foundation
import SchakelProtocol
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// schakeld as a systemd service: readiness, the watchdog, reload and stop, as systemd would see them.
@Suite struct ServiceTests {
    static func listener(_ daemon: Daemon) throws -> NotifyListener {
        try NotifyListener(path: daemon.directory.appendingPathComponent("notify.sock").path)
    }

    @Test func readyComesOnlyOnceTheSocketsAreBound() throws {
        let daemon = try Daemon()
        let notify = try Self.listener(daemon)
        daemon.environment = ["NOTIFY_SOCKET": notify.address]
        try daemon.start(waitUntilReady: false)
        let ready = try notify.waitFor("READY=1", timeout: 15)
        #expect(ready.lines.contains { $0.hasPrefix("STATUS=serving: 0 open referrals") })
        // At READY both sockets answer at once, without any retry.
        #expect(FileManager.default.fileExists(atPath: daemon.stateDirectory.appendingPathComponent("admin.sock").path))
        #expect(try daemon.admin("stats", timeout: 1)["ok"] == true)
        let peer = try daemon.peer()
        try peer.send(.ping)
        try peer.next(.pong, timeout: 1)

        #expect(daemon.stop() == 0)
        try notify.waitFor("STOPPING=1", timeout: 5)
    }

    /// A start that migrates the database asks systemd to wait longer than TimeoutStartSec and says why (a large
    /// database's migration takes longer than the unit allows), and stops asking before READY=1; a start on a
    /// current database does not ask at all. The first start of a new database migrates it from version 0.
    @Test func aMigratingStartAsksSystemdToWaitAndSaysWhy() throws {
        let daemon = try Daemon()
        let notify = try Self.listener(daemon)
        daemon.environment = ["NOTIFY_SOCKET": notify.address]
        try daemon.start(waitUntilReady: false)
        _ = try notify.waitFor("READY=1", timeout: 15)
        let ready = try #require(notify.received.firstIndex { $0.has("READY=1") })
        let extensions = notify.received.indices.filter {
            notify.received[$0].lines.contains { $0.hasPrefix("EXTEND_TIMEOUT_USEC=") }
        }
        let first = try #require(extensions.first, "no EXTEND_TIMEOUT_USEC while migrating")
        #expect(notify.received[first].has("EXTEND_TIMEOUT_USEC=30000000"))
        #expect(
            notify.received[first].lines.contains {
                $0.hasPrefix("STATUS=migrating the database from schema version 0 to ")
            })
        #expect(extensions.allSatisfy { $0 < ready }, "an extension after READY=1")
        #expect(notify.collect(for: 0.3).allSatisfy { !$0.lines.contains { $0.hasPrefix("EXTEND_TIMEOUT_USEC=") } })
        #expect(daemon.log().contains("event=database.migrating from=0 to="))
        #expect(daemon.log().contains("event=database.migrated"))
        #expect(daemon.stop() == 0)

        notify.reset()
        try daemon.start(waitUntilReady: false)
        _ = try notify.waitFor("READY=1", timeout: 15)
        #expect(!notify.received.contains { $0.lines.contains { $0.hasPrefix("EXTEND_TIMEOUT_USEC=") } })
        #expect(daemon.stop() == 0)
    }

    @Test func watchdogPingsWhileIdleAndUnderLoadButNotWhileTheLoopIsStuck() throws {
        let daemon = try Daemon(settings: ["test_hooks": true])
        let notify = try Self.listener(daemon)
        // 400 ms: the daemon must ping every 200 ms.
        daemon.environment = ["NOTIFY_SOCKET": notify.address, "WATCHDOG_USEC": "400000"]
        try daemon.start()
        try notify.waitFor("READY=1")

        notify.reset()
        let idle = notify.collect(for: 1.0).filter { $0.has("WATCHDOG=1") }
        #expect(idle.count >= 3, "idle: \(idle.count) pings in 1 s")

        notify.reset()
        let gp = try daemon.connect(as: "org:gemeente-utrecht")
        let loadStart = Date()
        var i = 0
        while Date().timeIntervalSince(loadStart) < 1.0 {
            for _ in 0..<20 {
                try gp.send(.submit, ["referral": try Referrals.make(externalID: "LOAD-\(i)", needs: ["income"])])
                i += 1
            }
            for _ in 0..<20 { try gp.next(.accepted) }
        }
        let underLoad = notify.collect(for: 0.05).filter { $0.has("WATCHDOG=1") }
        #expect(underLoad.count >= 3, "under load: \(underLoad.count) pings in 1 s, \(i) submits")

        // Stuck for 2 s: no ping in that window; they resume afterwards.
        notify.reset()
        let admin = try AdminConnection(daemon.adminEndpoint)
        try admin.send(JSONValue.object(["command": "debug.stall", "seconds": .number(2)]).canonicalData())
        let stallStart = Date()
        let during = notify.collect(for: 1.8).filter {
            $0.has("WATCHDOG=1") && $0.at.timeIntervalSince(stallStart) > 0.3
        }
        #expect(during.isEmpty, "pings during the stall: \(during.map { $0.at.timeIntervalSince(stallStart) })")
        #expect(try admin.reply()["ok"] == true)
        let after = notify.collect(for: 0.8).filter { $0.has("WATCHDOG=1") }
        #expect(after.count >= 2)
    }

    @Test func reloadUnderTrafficLosesAndDuplicatesNothingAndKeepsAGoodMapOverABrokenOne() throws {
        let directory = URL(fileURLWithPath: "/tmp/schakel-map-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let mapURL = directory.appendingPathComponent("map.json")
        let demo = try Data(contentsOf: Paths.demoMap)
        try demo.write(to: mapURL)
        let daemon = try Daemon(settings: ["social_map": .string(mapURL.path)])
        let notify = try Self.listener(daemon)
        daemon.environment = ["NOTIFY_SOCKET": notify.address]
        try daemon.start()
        try notify.waitFor("READY=1")

        // A broken map: two problems. Both are logged with their paths, the old map stays.
        guard case .object(var map) = try JSONValue.parse(demo), case .array(var contacts)? = map["contacts"],
            case .object(var first)? = contacts.first, case .object(var second)? = contacts.dropFirst().first
        else { throw TestError("unexpected demo map shape") }
        first["organization"] = "org:missing"
        second["capacity"] = .number(0)
        contacts[0] = .object(first)
        contacts[1] = .object(second)
        map["contacts"] = .array(contacts)
        try JSONValue.object(map).canonicalData().write(to: mapURL)

        let gp = try daemon.connect(as: "org:gemeente-utrecht")
        let count = 300
        var accepted: [String: String] = [:]
        var answers = 0
        for i in 0..<count {
            try gp.send(.submit, ["referral": try Referrals.make(externalID: "HUP-\(i)", needs: ["income"])])
            if i % 60 == 30 { daemon.send(signal: SIGHUP) }
            if i % 10 == 9 {
                while answers < i - 20 {
                    let answer = try gp.next(.accepted)
                    answers += 1
                    let externalID = answer.body["external_id"]?.stringValue ?? ""
                    #expect(accepted[externalID] == nil, "\(externalID) answered twice")
                    #expect(answer.body["duplicate"] == false)
                    accepted[externalID] = answer.body["referral_id"]?.stringValue
                }
            }
        }
        while answers < count {
            let answer = try gp.next(.accepted)
            answers += 1
            accepted[answer.body["external_id"]?.stringValue ?? ""] = answer.body["referral_id"]?.stringValue
        }
        #expect(accepted.count == count)
        #expect(Set(accepted.values).count == count)
        #expect(try gp.drain(timeout: 0.3).filter { $0.command == "ACCEPTED" }.isEmpty)
        let stats = try daemon.admin("stats")
        let total = ["open", "accepted", "partial", "unroutable"].compactMap { stats["referrals"]?[$0]?.numberValue }
        #expect(total.reduce(0, +) == Double(count))
        #expect(stats["social_map"]?["reload_failures"]?.numberValue ?? 0 >= 1)
        let log = daemon.log()
        #expect(log.contains("event=socialmap.invalid path=contacts[0].organization"))
        #expect(log.contains("event=socialmap.invalid path=contacts[1].capacity"))
        #expect(log.contains("event=socialmap.reload_failed"))
        #expect(!log.contains(Referrals.citizenName))

        // Systemd heard RELOADING=1 (with the monotonic time) and READY=1 again.
        let reloading = try notify.waitFor("RELOADING=1")
        #expect(reloading.lines.contains { $0.hasPrefix("MONOTONIC_USEC=") })

        // A good map without Anna: from the next message on, debt in Utrecht has nobody to go to.
        guard case .object(var original) = try JSONValue.parse(demo) else { throw TestError("map") }
        original["contacts"] = .array(
            (original["contacts"]?.arrayValue ?? []).filter { $0["id"] != "contact:schuldhulp-anna" })
        // Anna also coordinates her organisation: the map names nobody there now.
        original["organizations"] = .array(
            (original["organizations"]?.arrayValue ?? []).map { org in
                guard case .object(var fields) = org, fields["coordinator"] == "contact:schuldhulp-anna" else {
                    return org
                }
                fields["coordinator"] = nil
                return .object(fields)
            })
        try JSONValue.object(original).canonicalData().write(to: mapURL)
        notify.reset()
        daemon.send(signal: SIGHUP)
        try notify.waitFor("READY=1")
        #expect(daemon.log().contains("event=socialmap.reloaded"))
        let debt = try gp.submit(try Referrals.make(externalID: "AFTER-RELOAD", needs: ["debt"]))
        let status = try gp.request(.status, ["referral_id": debt.body["referral_id"]!], expect: .referral)
        #expect(status.body["state"] == "unroutable", "\(status.body)")
    }

    @Test func sigtermUnderTrafficExitsCleanlyAndKeepsEveryAcceptedReferral() throws {
        let daemon = try Daemon()
        let notify = try Self.listener(daemon)
        daemon.environment = ["NOTIFY_SOCKET": notify.address]
        try daemon.start()
        let gp = try daemon.connect(as: "org:gemeente-utrecht")
        let count = 400
        for i in 0..<count {
            try gp.send(.submit, ["referral": try Referrals.make(externalID: "TERM-\(i)", needs: ["income"])])
        }
        var accepted: [String: String] = [:]
        for _ in 0..<20 {
            let answer = try gp.next(.accepted)
            accepted[answer.body["external_id"]?.stringValue ?? ""] = answer.body["referral_id"]?.stringValue
        }
        daemon.send(signal: SIGTERM)
        let status = daemon.waitForExit(timeout: 10)
        #expect(status == 0)
        for message in try gp.drain(timeout: 0.5) where message.command == "ACCEPTED" {
            accepted[message.body["external_id"]?.stringValue ?? ""] = message.body["referral_id"]?.stringValue
        }
        try notify.waitFor("STOPPING=1")
        #expect(daemon.log().contains("event=daemon.stopped"))

        try daemon.start()
        let again = try daemon.connect(as: "org:gemeente-utrecht")
        for (externalID, referralID) in accepted {
            let answer = try again.request(.status, ["external_id": .string(externalID)], expect: .referral)
            #expect(answer.body["referral_id"]?.stringValue == referralID, "\(externalID) lost")
        }
    }

    @Test func metricsAndHealthAreScrapedWithCurl() throws {
        let daemon = try Daemon(settings: ["metrics": "tcp://127.0.0.1:*"])
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        _ = try gp.submit(try Referrals.make(needs: ["debt"]))
        let endpoint = try #require(try daemon.admin("stats")["endpoints"]?["metrics"]?.stringValue)
        let base = endpoint.replacingOccurrences(of: "tcp://", with: "http://")

        let metrics = try CommandLineTests.run(
            "/usr/bin/curl", ["-sS", "--fail", "--max-time", "5", "\(base)/metrics"])
        #expect(metrics.status == 0, "\(metrics.errors)")
        #expect(metrics.output.contains("# TYPE schakel_referrals gauge"))
        #expect(metrics.output.contains("schakel_referrals{state=\"open\"} 1"))
        #expect(metrics.output.contains("schakel_handovers{state=\"offered\"} 1"))
        #expect(metrics.output.contains("schakel_peers_connected 1"))
        #expect(metrics.output.contains("schakel_commit_latency_seconds{quantile=\"0.99\"}"))
        #expect(!metrics.output.contains(Referrals.citizenName))

        let health = try CommandLineTests.run("/usr/bin/curl", ["-sS", "--fail", "--max-time", "5", "\(base)/healthz"])
        #expect(health.status == 0)
        #expect(health.output == "ok\n")
        let missing = try CommandLineTests.run(
            "/usr/bin/curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "\(base)/nothing"])
        #expect(missing.output == "404")
        // The broker keeps serving after the scrapes.
        try gp.send(.ping)
        try gp.next(.pong)
    }

    @Test func checkConfigPrintsEveryProblemWithItsPath() throws {
        let daemon = try Daemon(settings: [
            "outbox": ["retry_interval": "soon"], "limits": ["batch_size": .number(-1), "bacth": .number(1)],
            "colour": "blue",
        ])
        let run = try CommandLineTests.run("schakeld", ["--config", daemon.configURL.path, "--check-config"])
        #expect(run.status != 0)
        for expected in [
            "outbox.retry_interval must be an ISO 8601 duration", "limits.batch_size must be a positive whole number",
            "unknown setting \"limits.bacth\"", "unknown setting \"colour\"",
        ] {
            #expect(run.errors.contains(expected), "missing: \(expected)\n\(run.errors)")
        }
        #expect(run.errors.contains("has 4 problem(s)"))
    }

    @Test func checkConfigListsEveryProblemOfTheSocialMap() throws {
        guard case .object(var map) = try JSONValue.parse(Data(contentsOf: Paths.demoMap)),
            case .array(var contacts)? = map["contacts"], case .object(var first)? = contacts.first
        else { throw TestError("unexpected demo map shape") }
        first["organization"] = "org:missing"
        first["capacity"] = .number(0)
        contacts[0] = .object(first)
        map["contacts"] = .array(contacts)
        let daemon = try Daemon()
        let mapURL = daemon.directory.appendingPathComponent("broken-map.json")
        try JSONValue.object(map).canonicalData().write(to: mapURL)
        let config = daemon.directory.appendingPathComponent("broken.json")
        guard case .object(var settings) = try JSONValue.parse(Data(contentsOf: daemon.configURL)) else { return }
        settings["social_map"] = .string(mapURL.path)
        try JSONValue.object(settings).canonicalData().write(to: config)
        let run = try CommandLineTests.run("schakeld", ["--config", config.path, "--check-config"])
        #expect(run.status != 0)
        #expect(run.errors.contains("contacts[0].organization"))
        #expect(run.errors.contains("contacts[0].capacity"))
    }

    @Test func versionIsPrinted() throws {
        let run = try CommandLineTests.run("schakeld", ["--version"])
        #expect(run.status == 0)
        #expect(run.output.hasPrefix("schakeld/"))
        #expect(try CommandLineTests.run("schakelctl", ["--version"]).output.hasPrefix("schakelctl/"))
    }
}
