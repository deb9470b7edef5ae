import Foundation
import SchakelProtocol
import Testing

/// What an operator sees before deploying: every problem of a broken map in one run, each once, from
/// `schakelctl socialmap check` and `schakeld --check-config` alike; and a warning for the demo map in production.
@Suite struct ConfigCheckTests {
    /// The demo map with six problems: two missing fields, a wrong type, an unknown domain, an unknown
    /// organisation and an unknown field.
    static func sixProblems(in directory: URL) throws -> (url: URL, paths: [String]) {
        var json = try #require(try SocialMaps.demo().objectValue)
        var contacts = try #require(json["contacts"]?.arrayValue)
        // Coordinators are left alone: moving one to another organisation is a second, true problem.
        let coordinators = Set((json["organizations"]?.arrayValue ?? []).compactMap { $0["coordinator"]?.stringValue })
        let plain = contacts.indices.filter { !coordinators.contains(contacts[$0]["id"]?.stringValue ?? "") }
        try #require(plain.count >= 6)
        func change(_ index: Int, _ edit: (inout [String: JSONValue]) -> Void) throws {
            var contact = try #require(contacts[index].objectValue)
            edit(&contact)
            contacts[index] = .object(contact)
        }
        try change(plain[0]) { $0["name"] = nil }
        try change(plain[1]) { $0["phone"] = nil }
        try change(plain[2]) { $0["capacity"] = "ten" }
        try change(plain[3]) { $0["domains"] = ["nonsense"] }
        try change(plain[4]) { $0["organization"] = "org:nobody" }
        try change(plain[5]) { $0["favourite"] = "tea" }
        json["contacts"] = .array(contacts)
        let url = directory.appendingPathComponent("six-problems.json")
        try JSONValue.object(json).canonicalData().write(to: url)
        let fields = ["name", "phone", "capacity", "domains", "organization", "favourite"]
        return (url, zip(plain, fields).map { "contacts[\($0)].\($1)" })
    }

    @Test func socialmapCheckReportsAllSixProblemsOnce() throws {
        let daemon = try Daemon()
        let (map, expectedPaths) = try Self.sixProblems(in: daemon.directory)
        let check = try CommandLineTests.run("schakelctl", ["socialmap", "check", map.path, "--json"])
        #expect(check.status == 2)
        let report = try JSONValue.parse(Data(check.output.utf8))
        let errors = (report["findings"]?.arrayValue ?? []).filter { $0["severity"] == "error" }
        let paths = errors.compactMap { $0["path"]?.stringValue }
        #expect(report["errors"] == .number(6), "\(check.output)")
        for path in expectedPaths {
            #expect(paths.filter { $0.hasPrefix(path) }.count == 1, "\(path) in \(paths)")
        }
    }

    @Test func checkConfigPrintsEachProblemOnce() throws {
        let daemon = try Daemon()
        let (map, expectedPaths) = try Self.sixProblems(in: daemon.directory)
        try daemon.reconfigure(["social_map": .string(map.path)])
        let check = try CommandLineTests.run("schakeld", ["--config", daemon.configURL.path, "--check-config"])
        #expect(check.status != 0)
        #expect(check.errors.contains("has 6 problem(s)"), "\(check.errors)")
        for path in expectedPaths {
            let mentions = check.errors.components(separatedBy: "\(path)").count - 1
            #expect(mentions == 1, "\(path) appears \(mentions) times in:\n\(check.errors)")
        }
    }

    @Test func checkConfigOnAMissingFileSaysSoOnce() throws {
        let daemon = try Daemon()
        let missing = daemon.directory.appendingPathComponent("nowhere.json").path
        let check = try CommandLineTests.run("schakeld", ["--check-config", missing])
        #expect(check.status != 0)
        #expect(check.errors.components(separatedBy: "cannot read").count - 1 == 1, "\(check.errors)")
        #expect(!check.errors.contains("event=daemon.refused"), "\(check.errors)")
    }

    @Test func aProductionConfigOnTheDemoMapIsWarnedAbout() throws {
        let production = try Daemon(curve: true)
        let check = try CommandLineTests.run("schakeld", ["--config", production.configURL.path, "--check-config"])
        #expect(check.status == 0, "\(check.errors)")
        #expect(check.output.contains("warning: social_map"), "\(check.output)")
        #expect(check.output.contains("demonstration map of the fictional region Lekstroom"), "\(check.output)")
        // The start says it too, where an operator reads the journal.
        try production.start()
        #expect(production.log().contains("event=config.warning"), "\(production.log())")

        // The development config (insecure_dev) runs the demo map as intended: no warning.
        let development = try CommandLineTests.run("schakeld", ["--config", Paths.devConfig.path, "--check-config"])
        #expect(development.status == 0 && !development.output.contains("warning"), "\(development.output)")
    }
}
