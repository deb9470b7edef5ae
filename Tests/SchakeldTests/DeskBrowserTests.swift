import Foundation
import SchakelProtocol
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The desk in a real browser (Debian's chromium through chromium-driver and Selenium) against the real daemon on
/// the manual clock and the real schakel-desk: Tests/Browser/desk_walkthrough.py says what each person sees.
/// `make test` sets SCHAKEL_PYTHON, and then a missing browser fails the test instead of skipping it.
@Suite struct DeskBrowserTests {
    static let chromium =
        FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")
        && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")
    static let walkthrough = Paths.packageRoot.appendingPathComponent("Tests/Browser/desk_walkthrough.py")

    @Test(
        .enabled(
            if: PythonAdapterTests.required != nil || (PythonAdapterTests.python != nil && chromium),
            "no Python virtualenv with selenium, or no chromium: run make python-venv, apt-get install chromium chromium-driver"
        ))
    func annaBramCarlaACoordinatorAndTheCitizenWorkAtTheDeskInABrowser() throws {
        let python = try #require(PythonAdapterTests.python, "no Python virtualenv: run make python-venv")
        try #require(Self.chromium, "no browser: apt-get install chromium chromium-driver")
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10)
        try daemon.start()
        let desk = try DeskProcess(daemon: daemon)
        try desk.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let accepted = try gp.submit(try Referrals.make(needs: ["debt", "housing"]))
        let referralID = try #require(accepted.body["referral_id"])
        let citizenCode = try #require(accepted.body["citizen_code"]?.stringValue, "ACCEPTED carries no citizen_code")
        let second = daemon.directory.appendingPathComponent("second.json")
        try Referrals.make(needs: ["debt"]).canonicalData().write(to: second)

        let screenshots = ProcessInfo.processInfo.environment["SCHAKEL_SCREENSHOTS"]
        let script = try BrowserScript(
            python, walkthrough: Self.walkthrough,
            [
                "--desk", desk.url.replacingOccurrences(of: "127.0.0.1", with: "localhost"), "--schakelctl",
                Paths.executable("schakelctl").path,
                "--state-dir", daemon.stateDirectory.path, "--broker", daemon.endpoint,
                "--second-referral", second.path, "--citizen", Referrals.citizenName,
                "--citizen-phone", Referrals.citizenPhone, "--citizen-code", citizenCode,
                "--referral-id", referralID.stringValue ?? "", "--social-map", Paths.demoMap.path,
            ] + (screenshots.map { ["--screenshots", $0] } ?? []),
            in: daemon.directory)
        let result = try script.wait(timeout: 240)
        #expect(result.status == 0, "\(result.output)\n\(result.errors)\n--- desk log ---\n\(desk.log())")
        #expect(result.output.contains("walkthrough: every step passed"))

        // What the browser did is what the broker recorded. (schakelctl submit took the practice's session over.)
        // The citizen withdrew at the end: Carla's open case was cancelled, Anna's completed one stays completed,
        // and the practice was told with NOTICE consent_withdrawn.
        let practice = try daemon.connect(as: "org:huisarts-de-brug")
        let status = try practice.request(.status, ["referral_id": referralID], expect: .referral)
        #expect(status.body["state"] == "withdrawn", "\(status.body)")
        let states = (status.body["handovers"]?.arrayValue ?? []).map {
            "\($0["contact"]?["id"]?.stringValue ?? "-") \($0["state"]?.stringValue ?? "?")"
        }
        #expect(states.contains("contact:schuldhulp-anna completed"), "\(states)")
        #expect(states.contains("contact:wonen-bram declined"), "\(states)")
        #expect(states.contains("contact:wonen-carla cancelled"), "\(states)")
        let notices = try practice.drain(timeout: 1.0).filter { $0.command == "NOTICE" }
        #expect(
            notices.contains { $0.body["event"] == "consent_withdrawn" && $0.body["referral_id"] == referralID },
            "\(notices.map(\.body))")
        #expect(desk.stop() == 0, "\(desk.log())")
        #expect(!desk.log().contains(Referrals.citizenName), "the desk's log names the citizen")
        #expect(!desk.log().contains(citizenCode), "the desk's log holds the citizen's code")
    }
}

/// A Python script with its output in files, waited for by polling (no waitUntilExit: it hangs under faketime).
/// The browser runs on the real clock: libfaketime is taken out of its environment.
final class BrowserScript {
    let process = Process()
    let output: URL
    let errors: URL

    init(_ python: URL, walkthrough: URL, _ arguments: [String], in directory: URL) throws {
        output = directory.appendingPathComponent("browser.out")
        errors = directory.appendingPathComponent("browser.err")
        for file in [output, errors] { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }
        process.executableURL = python
        process.arguments = [walkthrough.path] + arguments
        var environment = ProcessInfo.processInfo.environment
        for name in environment.keys where name.hasPrefix("FAKETIME") || name == "LD_PRELOAD" {
            environment[name] = nil
        }
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.runGated()
    }

    func wait(timeout: TimeInterval) throws -> (status: Int32, output: String, errors: String) {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExitPolling()
        return (
            process.terminationStatus, (try? String(contentsOf: output, encoding: .utf8)) ?? "",
            (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        )
    }
}
