import Foundation
import SchakelProtocol
import Testing

/// schakelctl as people and scripts meet it: one sentence per mistake with an exit code that says whose it is,
/// messages shown once, and a man page that names every command and option `--help` does.
@Suite struct SchakelctlTests {
    static func ctl(_ arguments: [String]) throws -> CommandLineTests.Run {
        try CommandLineTests.run("schakelctl", arguments, environment: ["SCHAKEL_BROKER": ""])
    }

    /// Swift's own words (`NSCocoaErrorDomain`, `Rejection(code:`, `SQLite error`) tell a person nothing.
    static func expectOneSentence(_ run: CommandLineTests.Run, _ status: Int32, saying words: String) {
        #expect(run.status == status, "\(run.errors)")
        #expect(run.errors.contains(words), "\(run.errors)")
        for raw in ["NSCocoaErrorDomain", "Rejection(", "SQLite error", "Error Domain", "SchakelProtocol."] {
            #expect(!run.errors.contains(raw), "\(run.errors)")
        }
    }

    @Test func mistakesOnTheCommandLineAreUsageErrorsInOneSentence() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ctl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let truncated = directory.appendingPathComponent("referral.json")
        try Data(try Data(contentsOf: Paths.exampleReferral).prefix(40)).write(to: truncated)
        let gp = ["--as", "org:huisarts-de-brug", "--broker", "ipc://\(directory.path)/none.sock"]

        Self.expectOneSentence(try Self.ctl(["status", "X", "--bogus"] + gp), 2, saying: "unknown option --bogus")
        Self.expectOneSentence(
            try Self.ctl(["status", "X", "--by", "contact:x"] + gp), 2, saying: "status does not take --by")
        Self.expectOneSentence(try Self.ctl(["frobnicate"]), 2, saying: "unknown command frobnicate")
        Self.expectOneSentence(
            try Self.ctl(["submit", directory.appendingPathComponent("missing.json").path] + gp), 2,
            saying: "missing.json does not exist; check the path")
        Self.expectOneSentence(
            try Self.ctl(["submit", truncated.path] + gp), 2, saying: "is not valid JSON")
        Self.expectOneSentence(
            try Self.ctl(["outcome", "ho-1", "fine"] + gp), 2, saying: "RESULT must be one of resolved")
        Self.expectOneSentence(try Self.ctl(["cases"]), 2, saying: "--as org:ID or --as contact:ID")
        Self.expectOneSentence(
            try Self.ctl(["status", "X", "--as", "org:x", "--broker", "localhost:5710"]), 2,
            saying: "localhost:5710 is not a ZeroMQ endpoint")
        Self.expectOneSentence(
            try Self.ctl(["offers", "--wait", "soon"] + gp), 2, saying: "--wait needs a number of seconds")
        Self.expectOneSentence(
            try Self.ctl(["stats", "--config", directory.appendingPathComponent("nope.json").path]), 2,
            saying: "cannot read the config")
    }

    @Test func theExitCodeSaysWhetherTheBrokerRefusedOrWasNotThere() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10)
        try daemon.start()
        let broker = ["--broker", daemon.endpoint]
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let accepted = try gp.submit(try Referrals.make(needs: ["housing"]))
        let referralID = try #require(accepted.body["referral_id"]?.stringValue)

        // Refused by the broker: 1, with its code and message as a sentence; with --json the REJECTED line.
        let forbidden = try Self.ctl(["status", referralID, "--as", "org:gemeente-utrecht"] + broker)
        Self.expectOneSentence(forbidden, 1, saying: "the broker refused STATUS: ")
        #expect(forbidden.errors.hasSuffix("(forbidden, field referral_id)\n"), "\(forbidden.errors)")
        let json = try Self.ctl(["status", referralID, "--as", "org:gemeente-utrecht", "--json"] + broker)
        #expect(json.status == 1)
        #expect(try JSONValue.parse(Data(json.output.utf8))["code"] == "forbidden")
        // The handshake refused (a principal not on the map), or nobody there: 3.
        let stranger = try Self.ctl(["status", referralID, "--as", "org:nobody"] + broker)
        Self.expectOneSentence(stranger, 3, saying: "not on the social map")
        let nobody = try Self.ctl(
            ["status", referralID, "--as", "org:huisarts-de-brug", "--broker", "ipc://\(daemon.directory.path)/x"])
        Self.expectOneSentence(nobody, 3, saying: "is schakeld running?")
        let noAdmin = try Self.ctl(["stats", "--state-dir", daemon.directory.appendingPathComponent("x").path])
        Self.expectOneSentence(noAdmin, 3, saying: "no admin socket")

        // A backup onto an existing file: said before the daemon's SQLite is asked.
        let existing = daemon.directory.appendingPathComponent("copy.sqlite")
        try Data("keep me".utf8).write(to: existing)
        let backup = try Self.ctl(["backup", existing.path, "--state-dir", daemon.stateDirectory.path])
        Self.expectOneSentence(backup, 2, saying: "exists; backup never overwrites a file")
        #expect(try Data(contentsOf: existing) == Data("keep me".utf8))
        let export = try Self.ctl(
            ["export", referralID, "--out", existing.path, "--state-dir", daemon.stateDirectory.path])
        Self.expectOneSentence(export, 2, saying: "it exists, and export never overwrites")
        #expect(try Data(contentsOf: existing) == Data("keep me".utf8))
    }

    /// A REMINDER, like every message but an offer, is confirmed once shown; the offer stays until acted on.
    @Test func inboxShowsEachMessageOnceAndKeepsOffersUntilTakenOrDeclined() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        _ = try gp.submit(try Referrals.make(needs: ["housing"]))
        _ = try daemon.admin("clock.advance", ["duration": "PT4H"])  // halfway to ack_by: a REMINDER
        let bram = ["--as", "contact:wonen-bram", "--broker", daemon.endpoint]

        let first = try Self.ctl(["inbox"] + bram)
        #expect(first.status == 0, "\(first.errors)")
        #expect(first.output.hasPrefix("HANDOVER  an offer of need 0 (housing), urgent: take or decline it by "))
        #expect(first.output.contains("\nREMINDER  the offer ho-"), "\(first.output)")
        #expect(first.output.contains("2026-11-24 10:00 +01:00"), "times in Amsterdam: \(first.output)")
        let second = try Self.ctl(["inbox", "--json"] + bram)
        let kinds = try second.output.split(separator: "\n").map {
            try JSONValue.parse(Data($0.utf8))["kind"]?.stringValue ?? "?"
        }
        #expect(kinds == ["HANDOVER"], "\(second.output)")
        #expect(second.output.contains("\"ack_by\":\"2026-11-24T09:00:00Z\""), "UTC in JSON: \(second.output)")

        let offer = try #require(CommandLineTests.handoverIDs(try Self.ctl(["offers", "--json"] + bram)).first)
        #expect(try Self.ctl(["decline", offer, "--reason", "capacity"] + bram).status == 0)
        #expect(try Self.ctl(["inbox"] + bram).output.isEmpty, "a declined offer is not shown again")
        let notYours = try Self.ctl(["take", offer, "--as", "contact:schuldhulp-anna", "--broker", daemon.endpoint])
        Self.expectOneSentence(
            notYours, 1, saying: "was not offered to contact:schuldhulp-anna (forbidden, field handover_id)")
    }

    /// A first contact missed stays in `cases`, marked overdue, until CONTACTED; then nazorg is what comes next.
    @Test func casesKeepAMissedFirstContactVisibleAsOverdue() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        _ = try gp.submit(try Referrals.make(needs: ["debt"]))
        let anna = ["--as", "contact:schuldhulp-anna", "--broker", daemon.endpoint]
        let id = try #require(CommandLineTests.handoverIDs(try Self.ctl(["offers", "--json"] + anna)).first)
        #expect(try Self.ctl(["take", id] + anna).status == 0)
        let due = try Self.ctl(["cases"] + anna)
        #expect(due.output.contains("contact_by 2026-11-30 10:00 +01:00"), "\(due.output)")
        #expect(!due.output.contains("OVERDUE"), "\(due.output)")

        _ = try daemon.admin("clock.advance", ["duration": "P7D"])  // to contact_by: Monday 30 November, 10:00
        let late = try Self.ctl(["cases"] + anna)
        #expect(late.output.contains("contact_by 2026-11-30 10:00 +01:00 OVERDUE"), "\(late.output)")
        let json = try JSONValue.parse(Data(try Self.ctl(["cases", "--json"] + anna).output.utf8))
        #expect(json["kind"] == "CASELIST")
        #expect(json["cases"]?[0]?["next"]?["overdue"] == true, "\(json)")

        let contacted = try Self.ctl(
            ["contacted", id, "--at", "2026-12-01T11:00:00+01:00", "--channel", "visit"] + anna)
        #expect(contacted.status == 0, "\(contacted.errors)")
        let after = try Self.ctl(["cases"] + anna)
        #expect(after.output.contains("contacted, lead") && after.output.contains("nazorg_at"), "\(after.output)")
        #expect(!after.output.contains("OVERDUE"), "\(after.output)")
    }

    /// The referrer's side of nazorg: an unresolved outcome, then the need routed again.
    @Test func theReferrerAnswersNazorgAndReopensFromTheCommandLine() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10)
        try daemon.start()
        let gp = ["--as", "org:huisarts-de-brug", "--broker", daemon.endpoint]
        let submit = try Self.ctl(["submit", Paths.exampleReferral.path, "--json", "--wait", "0.3"] + gp)
        let receipt = try JSONValue.parse(Data((submit.output.split(separator: "\n").first ?? "").utf8))
        let referralID = try #require(receipt["referral_id"]?.stringValue)
        let anna = ["--as", "contact:schuldhulp-anna", "--broker", daemon.endpoint]
        let id = try #require(CommandLineTests.handoverIDs(try Self.ctl(["offers", "--json"] + anna)).first)
        #expect(try Self.ctl(["take", id] + anna).status == 0)

        let outcome = try Self.ctl(["outcome", id, "not_resolved"] + gp)
        #expect(outcome.status == 0, "\(outcome.errors)")
        let noReason = try Self.ctl(["reopen", referralID] + gp)
        Self.expectOneSentence(noReason, 2, saying: "reopen needs --reason TEXT")
        let reopen = try Self.ctl(["reopen", referralID, "--reason", "schuld niet opgelost", "--json"] + gp)
        #expect(reopen.status == 0, "\(reopen.errors)")
        let noted = try JSONValue.parse(Data(reopen.output.utf8))
        #expect(noted["kind"] == "NOTED" && noted["event"] == "reopened", "\(reopen.output)")
        #expect(noted["handovers"]?.arrayValue?.count == 1)
    }

    /// schakelctl(1) names every command and every option that `--help` and each command's help name.
    @Test func theManPageListsEveryCommandAndOptionOfTheHelp() throws {
        let page = try String(
            contentsOf: Paths.packageRoot.appendingPathComponent("deploy/man/schakelctl.1"), encoding: .utf8)
        let man = page.replacingOccurrences(of: "\\-", with: "-").replacingOccurrences(of: "\\fB", with: "")
            .replacingOccurrences(of: "\\fR", with: "").replacingOccurrences(of: "\\fI", with: "")
        let summary = try Self.ctl(["--help"]).output
        let commands = summary.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let first = line.split(separator: " ").first,
                first.first?.isLowercase == true
            else { return nil }
            return String(first)
        }
        #expect(
            Set(commands).isSuperset(of: ["offers", "take", "cases", "contacted", "outcome", "explain", "socialmap"]))
        var options: Set<String> = []
        for command in Set(commands) {
            let help = try Self.ctl([command, "--help"])
            #expect(help.status == 0 && help.output.contains("Usage: schakelctl \(command)"), "\(command)")
            #expect(man.contains(".B schakelctl \(command)") || man.contains("schakelctl \(command)"), "\(command)")
            #expect(man.contains("\n.BI \"\(command)") || man.contains("\n.B \(command)"), "COMMANDS lacks \(command)")
            options.formUnion(Self.options(in: help.output))
        }
        options.formUnion(Self.options(in: summary))
        #expect(options.contains("--json") && options.contains("--config"))
        for option in options.sorted() {
            let entries = [".BI \(option) ", ".B \(option)\n", ".BR \(option) "]
            #expect(entries.contains { man.contains("\n.TP\n\($0)") }, "OPTIONS lacks \(option)")
        }
    }

    static func options(in text: String) -> Set<String> {
        Set(text.matches(of: /--[a-z][a-z-]*/).map { String($0.output) })
    }
}
