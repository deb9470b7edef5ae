import Foundation
import SchakelProtocol
import Testing

/// schakelctl and schakeld as an operator or a demo uses them.
@Suite struct CommandLineTests {
    struct Run {
        var status: Int32
        var output: String
        var errors: String
    }

    static func run(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        // A bare name is one of the package's executables; a path is any program (curl).
        process.executableURL = name.hasPrefix("/") ? URL(fileURLWithPath: name) : Paths.executable(name)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.runGated()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExitPolling()
        return Run(
            status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
            errors: String(decoding: errors, as: UTF8.self))
    }

    /// The README's walkthrough, command by command as a person types it (the daemon found through its config, as
    /// on an installed machine), then its manual-clock part: nazorg asks and the contact answers.
    @Test func schakelctlWalksThroughTheReadme() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10)
        try daemon.start()
        let config = ["--config", daemon.configURL.path]
        func ctl(_ arguments: [String]) throws -> Run {
            try Self.run("schakelctl", arguments + config, environment: ["SCHAKEL_BROKER": ""])
        }
        let path = Paths.exampleReferral.path
        let anna = ["--as", "contact:schuldhulp-anna"]
        let bram = ["--as", "contact:wonen-bram"]
        let gp = ["--as", "org:huisarts-de-brug"]

        let submit = try ctl(["submit", path, "--wait", "0.5"] + gp)
        #expect(submit.status == 0, "\(submit.errors)")
        #expect(submit.output.hasPrefix("ACCEPTED\n"), "\(submit.output)")
        #expect(submit.output.contains("duplicate     no"))
        #expect(submit.output.range(of: "citizen_code  [2-9A-HJ-NP-Z]{4}-", options: .regularExpression) != nil)
        #expect(submit.output.components(separatedBy: "\nNOTICE  offered: need ").count - 1 == 2, "\(submit.output)")

        // Anna's offer: the need and its deadline in Amsterdam time, nobody named.
        let offers = try ctl(["offers"] + anna)
        #expect(offers.status == 0, "\(offers.errors)")
        #expect(offers.output.contains("0 debt  urgent"), "\(offers.output)")
        #expect(offers.output.contains("2026-11-24 10:00 +01:00"), "\(offers.output)")
        #expect(!offers.output.contains(Referrals.citizenName))
        let annaID = try Self.handoverIDs(try ctl(["offers", "--json"] + anna)).first ?? ""
        #expect(annaID.hasPrefix("ho-"))

        let take = try ctl(["take", annaID] + anna)
        #expect(take.status == 0, "\(take.errors)")
        #expect(take.output.hasPrefix("ACKED  need 0 (debt) is yours: reach \(Referrals.citizenName)\n"))
        #expect(take.output.contains(Referrals.citizenName))
        #expect(take.output.contains("+31 30 000 2001"), "the referrer's direct line")
        #expect(take.output.contains("contact_by  2026-11-30 10:00 +01:00"), "\(take.output)")
        #expect(try ctl(["offers"] + anna).output == "no offers waiting\n", "a taken offer is not offered again")

        let bramID = try #require(try Self.handoverIDs(try ctl(["offers", "--json"] + bram)).first)
        let decline = try ctl(["decline", bramID, "--reason", "capacity"] + bram)
        #expect(decline.status == 0, "\(decline.errors)")
        #expect(decline.output.hasPrefix("DECLINED\n"))

        // Carla's coordinator finds her unanswered offer and takes it over himself.
        let youri = ["--as", "contact:vechtzicht-youri"]
        let pending = try ctl(["pending"] + youri)
        #expect(pending.status == 0, "\(pending.errors)")
        #expect(
            pending.output.contains("OFFERED") && pending.output.contains("contact:wonen-carla"), "\(pending.output)")
        let pendingJSON = try JSONValue.parse(Data(try ctl(["pending", "--json"] + youri).output.utf8))
        let carlaID = try #require(pendingJSON["handovers"]?[0]?["handover_id"]?.stringValue)
        let assign = try ctl(["assign", carlaID, "contact:vechtzicht-youri"] + youri)
        #expect(assign.status == 0, "\(assign.errors)")
        #expect(assign.output.hasPrefix("NOTED\n") && assign.output.contains("assigned"), "\(assign.output)")
        #expect(try ctl(["offers"] + youri).output.contains("1 housing"), "the offer is Youri's now")

        let contacted = try ctl(["contacted", annaID, "--channel", "phone"] + anna)
        #expect(contacted.status == 0, "\(contacted.errors)")
        #expect(contacted.output.contains("contacted"))
        let cases = try ctl(["cases"] + anna)
        #expect(cases.status == 0, "\(cases.errors)")
        #expect(cases.output.contains(annaID) && cases.output.contains("contacted, lead"), "\(cases.output)")
        #expect(cases.output.contains("nazorg_at 2027-01-18 10:00 +01:00"), "\(cases.output)")
        #expect(!cases.output.contains(Referrals.citizenName))

        let again = try ctl(["submit", path, "--wait", "0.5"] + gp)
        #expect(again.output.contains("duplicate    yes"), "\(again.output)")
        #expect(again.output.contains("acknowledged"))
        #expect(again.output.contains("+31 30 000 1001"), "Anna's direct line: the warm handover")

        let status = try ctl(["status", "HDB-2026-0042"] + gp)
        #expect(status.status == 0, "\(status.errors)")
        #expect(status.output.hasPrefix("REFERRAL\n"))
        #expect(status.output.contains("contact:wonen-carla"))
        let json = try ctl(["status", "HDB-2026-0042", "--json"] + gp)
        let lines = json.output.split(separator: "\n")
        #expect(lines.count == 1, "JSON Lines: \(json.output)")
        #expect(try JSONValue.parse(Data(json.output.utf8))["state"] == "open")

        // The manual clock: eight weeks on, nazorg asks Anna; she answers from the command line.
        let advance = try ctl(["clock", "advance", "P8W"])
        #expect(advance.status == 0, "\(advance.errors)")
        let inbox = try ctl(["inbox"] + anna)
        #expect(
            inbox.output.contains(
                "NAZORG  what came of need 0 (debt)? schakelctl outcome \(annaID) RESULT, by 2027-02-01"),
            "\(inbox.output)")
        #expect(!(try ctl(["inbox"] + anna)).output.contains("NAZORG"), "shown once, confirmed")
        #expect(try ctl(["cases"] + anna).output.contains("answer_by 2027-02-01 10:00 +01:00"))
        let outcome = try ctl(["outcome", annaID, "resolved", "--note", "Betalingsregeling getroffen"] + anna)
        #expect(outcome.status == 0, "\(outcome.errors)")
        #expect(outcome.output.hasPrefix("NOTED\n") && outcome.output.contains("outcome"))
        #expect(try ctl(["cases"] + anna).output.hasPrefix("no cases"))
        let closed = try ctl(["status", "HDB-2026-0042", "--json"] + gp)
        let handovers = try JSONValue.parse(Data(closed.output.utf8))["handovers"]?.arrayValue ?? []
        #expect(handovers.first?["state"] == "completed")
        #expect(handovers.first?["outcome"] == "resolved")
    }

    /// The handover ids of `offers --json`: one JSON object per line.
    static func handoverIDs(_ run: Run) throws -> [String] {
        try run.output.split(separator: "\n").map { line in
            let offer = try JSONValue.parse(Data(line.utf8))
            #expect(offer["kind"] == "HANDOVER")
            return offer["handover_id"]?.stringValue ?? ""
        }
    }

    @Test func everySchakelctlCommandHasHelp() throws {
        for command in ["submit", "inbox", "decline", "status"] {
            let help = try Self.run("schakelctl", [command, "--help"])
            #expect(help.status == 0)
            #expect(help.output.contains("Usage: schakelctl \(command)"))
        }
        #expect(try Self.run("schakelctl", ["--help"]).output.contains("Contact persons"))
        #expect(try Self.run("schakeld", ["--help"]).output.contains("--state-dir"))
    }

    @Test func devConfigAndDemoMapPassTheCheck() throws {
        let check = try Self.run("schakeld", ["--config", Paths.devConfig.path, "--check-config"])
        #expect(check.status == 0, "\(check.errors)")
        #expect(check.output.contains("config ok"))
    }

    @Test func plainModeRefusesToListenBeyondLoopback() throws {
        let check = try Self.run(
            "schakeld", ["--config", Paths.devConfig.path, "--broker", "tcp://0.0.0.0:5710", "--check-config"])
        #expect(check.status != 0)
        #expect(check.errors.contains("insecure_dev is allowed only on loopback or ipc"))
    }

    @Test func aBrokenConfigIsRefusedWithTheReason() throws {
        let daemon = try Daemon(settings: ["outbox": ["retry_interval": "soon"]])
        let run = try Self.run("schakeld", ["--config", daemon.configURL.path])
        #expect(run.status != 0)
        #expect(run.errors.contains("outbox.retry_interval must be an ISO 8601 duration"))
    }

    @Test func stateDirAndBrokerOverridesAreHonoured() throws {
        let daemon = try Daemon()
        let other = daemon.directory.appendingPathComponent("elsewhere")
        let endpoint = "ipc://\(daemon.directory.path)/other.sock"
        let process = Process()
        process.executableURL = Paths.executable("schakeld")
        process.arguments = ["--config", daemon.configURL.path, "--state-dir", other.path, "--broker", endpoint]
        process.standardError = FileHandle.nullDevice
        try process.runGated()
        defer {
            process.terminate()
            process.waitUntilExitPolling()
        }
        let deadline = Date().addingTimeInterval(10)
        var answered = false
        while !answered, Date() < deadline {
            let peer = try Peer(endpoint)
            try peer.send(.ping)
            answered = (try? peer.next(.pong, timeout: 0.2)) != nil
        }
        #expect(answered)
        // The state directory holds SQLite's file, or (on PostgreSQL) at least the lock and the admin socket.
        let kept = TestDatabase.isPostgreSQL ? "schakeld.lock" : "schakel.sqlite"
        #expect(FileManager.default.fileExists(atPath: other.appendingPathComponent(kept).path))
    }
}

extension CommandLineTests {
    @Test func theManualClockDemoConfigAndABrokenPolicyAreChecked() throws {
        let demo = Paths.packageRoot.appendingPathComponent("Config/schakeld.manual-clock.json")
        let check = try Self.run("schakeld", ["--config", demo.path, "--check-config"])
        #expect(check.status == 0, "\(check.errors)")
        let short = try Self.run("schakeld", ["--check-config", demo.path])
        #expect(short.status == 0, "\(short.errors)")

        let daemon = try Daemon()
        let policy = daemon.directory.appendingPathComponent("policy.json")
        try Data(#"{"urgency": {"normal": {"acknowledge_within": "three days"}}}"#.utf8).write(to: policy)
        try daemon.reconfigure(["policy": .string(policy.path)])
        let broken = try Self.run("schakeld", ["--config", daemon.configURL.path, "--check-config"])
        #expect(broken.status != 0)
        #expect(broken.errors.contains("urgency.normal.acknowledge_within"))
    }
}

/// `schakelctl socialmap check`: exit codes, paths, `--json`, and decline feedback from the daemon's database.
extension CommandLineTests {
    @Test func socialmapCheckExitsZeroOneOrTwo() throws {
        let daemon = try Daemon()
        let clean = daemon.directory.appendingPathComponent("clean.json")
        let minimal: JSONValue = [
            "version": .number(1), "name": "Eén gemeente",
            "domains": [["id": "debt", "label_nl": "Schulden", "label_en": "Debt"]],
            "municipalities": [["code": "GM0344", "name": "Utrecht"]],
            "organizations": [
                [
                    "id": "org:schuldhulp", "name": "Schuldhulp", "kind": "ngo", "municipalities": ["GM0344"],
                    "domains": ["debt"], "phone": "+31 30 000 0000", "last_verified": "2026-10-01",
                    "coordinator": "contact:coordinator",
                ]
            ],
            "contacts": [
                [
                    "id": "contact:anna", "organization": "org:schuldhulp", "name": "Anna", "phone": "+31 30 000 0001",
                    "email": "anna@example.org", "domains": ["debt"], "languages": ["nl"], "capacity": .number(5),
                    "last_verified": "2026-10-01",
                ],
                // Clean includes an escalation path: a coordinator who does not take needs themselves.
                [
                    "id": "contact:coordinator", "organization": "org:schuldhulp", "name": "Coördinator",
                    "phone": "+31 30 000 0002", "email": "coordinator@example.org", "domains": [],
                    "languages": ["nl"], "capacity": .number(5), "last_verified": "2026-10-01",
                ],
            ],
        ]
        try minimal.canonicalData().write(to: clean)
        let ok = try Self.run("schakelctl", ["socialmap", "check", clean.path, "--today", "2026-11-23"])
        #expect(ok.status == 0, "\(ok.output)")
        #expect(ok.output.contains("0 error(s), 0 warning(s)"))

        let warned = try Self.run("schakelctl", ["socialmap", "check", Paths.demoMap.path, "--today", "2026-11-23"])
        #expect(warned.status == 1, "\(warned.output)\(warned.errors)")
        #expect(warned.output.contains("warning municipalities[3]: gap: nobody serves"))
        let stale = try Self.run("schakelctl", ["socialmap", "check", Paths.demoMap.path, "--today", "2028-01-01"])
        #expect(stale.output.contains("contacts[0].last_verified: last verified"))

        let broken = try SocialMaps.demo(changing: ["contact:wonen-bram": ["deputy": "contact:nobody"]])
        let brokenURL = daemon.directory.appendingPathComponent("broken.json")
        try broken.canonicalData().write(to: brokenURL)
        let refused = try Self.run("schakelctl", ["socialmap", "check", brokenURL.path, "--json"])
        #expect(refused.status == 2)
        let report = try JSONValue.parse(Data(refused.output.utf8))
        #expect(report["errors"] == .number(1))
        #expect(report["findings"]?[0]?["path"]?.stringValue?.hasSuffix(".deputy") == true)
        #expect(report["findings"]?[0]?["severity"] == "error")

        let help = try Self.run("schakelctl", ["socialmap", "check", "--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("schakelctl socialmap check FILE"))
    }

    @Test func declinesAsNotOurServiceAreShownToReverify() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let bram = try daemon.connect(as: "contact:wonen-bram")
        _ = try gp.submit(try Referrals.make(needs: ["housing"]))
        let offer = try bram.next(.handover)
        let id = try #require(offer.body["handover_id"])
        _ = try bram.request(.decline, ["handover_id": id, "reason": "not_our_service"], expect: .declined)

        let check = try Self.run(
            "schakelctl",
            ["socialmap", "check", Paths.demoMap.path]
                + (TestDatabase.isPostgreSQL
                    ? ["--config", daemon.configURL.path] : ["--state-dir", daemon.stateDirectory.path])
                + ["--json"])
        #expect(check.status == 1)
        let report = try JSONValue.parse(Data(check.output.utf8))
        let reverify = (report["findings"]?.arrayValue ?? []).filter {
            $0["message"]?.stringValue?.hasPrefix("re-verify") == true
        }
        #expect(reverify.count == 1, "\(check.output)")
        #expect(reverify.first?["message"]?.stringValue?.contains("contact:wonen-bram") == true)
        #expect(reverify.first?["message"]?.stringValue?.contains("not_our_service 1") == true)
    }
}

/// `schakelctl socialmap import-hsds`: the imported map passes the check and a real daemon routes on it.
extension CommandLineTests {
    static let hsdsFixtures = Paths.packageRoot.appendingPathComponent("Tests/SocialMapTests/Fixtures")

    @Test func anImportedHSDSMapRoutesAReferral() throws {
        let daemon = try Daemon()
        let mapURL = daemon.directory.appendingPathComponent("imported.json")
        let imported = try Self.run(
            "schakelctl",
            [
                "socialmap", "import-hsds", Self.hsdsFixtures.appendingPathComponent("hsds-tabular").path, "--out",
                mapURL.path,
            ])
        #expect(imported.status == 0, "\(imported.errors)")
        #expect(imported.errors.contains("not mapped: contact"))
        #expect(imported.errors.contains("imported 4 organisations, 5 contacts"))
        let fromJSON = try Self.run(
            "schakelctl",
            ["socialmap", "import-hsds", Self.hsdsFixtures.appendingPathComponent("hsds-json/organizations.json").path])
        #expect(fromJSON.status == 0)
        #expect(fromJSON.output.contains("\"contact:anna-visser\""))

        let check = try Self.run("schakelctl", ["socialmap", "check", mapURL.path, "--today", "2026-11-23"])
        #expect(check.status == 1, "\(check.output)")
        #expect(!check.output.contains("error "))

        try daemon.reconfigure(["social_map": .string(mapURL.path)])
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let anna = try daemon.connect(as: "contact:anna-visser")
        let referral = Referrals.setting(
            "citizen.language", to: "en", in: try Referrals.make(needs: ["debt", "housing"]))
        let accepted = try gp.submit(referral)
        #expect(accepted.command == "ACCEPTED")
        let offer = try anna.next(.handover)
        #expect(offer.body["need"]?["domain"] == "debt")
        var offered: Set<String> = []
        for _ in 0..<2 {
            let notice = try gp.next(.notice)
            if let id = notice.body["contact"]?["id"]?.stringValue { offered.insert(id) }
        }
        #expect(offered.contains("contact:anna-visser"))
        #expect(offered.isDisjoint(with: ["contact:ahmed-benali", "contact:dewi-kusuma"]))
        #expect(offered.count == 2, "\(offered)")

        let help = try Self.run("schakelctl", ["socialmap", "import-hsds", "--help"])
        #expect(help.output.contains("schakelctl socialmap import-hsds PATH"))
    }
}

extension CommandLineTests {
    /// A daemon whose PostgreSQL server cannot be reached does not start, and says in one sentence what to check
    /// (issue 21's promise; no server is needed to prove it, so it runs on every store).
    @Test func anUnreachablePostgreSQLServerStopsTheStartWithWhatToCheck() throws {
        let daemon = try Daemon()
        try daemon.reconfigure([
            "database": ["postgresql": ["conninfo": "host=127.0.0.1 port=1 dbname=schakel connect_timeout=2"]]
        ])
        let started = try Self.run("schakeld", ["--config", daemon.configURL.path])
        #expect(started.status != 0)
        #expect(
            started.errors.contains("cannot connect to PostgreSQL (database.postgresql.conninfo)"), "\(started.errors)")
        #expect(started.errors.contains("check the host, the port, the database name and the password file"))
        #expect(!started.errors.contains("Fatal error"), "a refusal, not a crash")
    }
}
