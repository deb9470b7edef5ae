import Foundation
import SchakelProtocol
import Testing
import ZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// The Python examples in examples/python, written from Protocols/ alone, against the real daemon over TCP: the
/// proof that the spec is enough for an integrator in another language.
///
/// `make test` builds the virtualenv (`make python-venv`: pyzmq from PyPI) and sets `SCHAKEL_PYTHON`; then this
/// test must run, and a missing interpreter fails it. A plain `swift test` without the virtualenv skips it.
@Suite struct PythonAdapterTests {
    static let required = ProcessInfo.processInfo.environment["SCHAKEL_PYTHON"]
    static let python: URL? = {
        let path = required ?? Paths.packageRoot.appendingPathComponent(".build/python-venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: path) ? URL(fileURLWithPath: path) : nil
    }()
    static let examples = Paths.packageRoot.appendingPathComponent("examples/python")

    /// A TCP port on the loopback interface that nothing listens on right now.
    static func freePort() throws -> Int {
        let context = try ZMQContext()
        let socket = try context.socket(.router)
        try socket.bind("tcp://127.0.0.1:*")
        let endpoint = try socket.lastEndpoint()
        socket.close()
        context.close()
        guard let port = endpoint.split(separator: ":").last.flatMap({ Int($0) }) else {
            throw TestError("no port in \(endpoint)")
        }
        return port
    }

    /// Runs a script with its output in files; `wait()` returns the exit status and the output lines.
    final class Script {
        let process = Process()
        let output: URL
        let errors: URL

        init(_ python: URL, _ script: String, _ arguments: [String], in directory: URL) throws {
            output = directory.appendingPathComponent("\(script).out")
            errors = directory.appendingPathComponent("\(script).err")
            for file in [output, errors] { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }
            process.executableURL = python
            process.arguments = [PythonAdapterTests.examples.appendingPathComponent(script).path] + arguments
            process.standardOutput = try FileHandle(forWritingTo: output)
            process.standardError = try FileHandle(forWritingTo: errors)
            try process.runGated()
        }

        func wait(timeout: TimeInterval) throws -> (status: Int32, lines: [String], errors: String) {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExitPolling()
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            let errors = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            return (process.terminationStatus, text.split(separator: "\n").map(String.init), errors)
        }
    }

    /// The `COMMAND {json}` lines the scripts print, as messages.
    static func messages(_ lines: [String]) throws -> [WireMessage] {
        try lines.map { line in
            guard let space = line.firstIndex(of: " ") else { throw TestError("not COMMAND JSON: \(line)") }
            return WireMessage(
                command: String(line[..<space]), body: try JSONValue.parse(Data(line[space...].utf8)))
        }
    }

    @Test(.enabled(if: required != nil || python != nil, "no Python virtualenv: run make python-venv"))
    func thePythonReferrerAndContactInboxCompleteAReferralWithTheRealDaemon() throws {
        let endpoint = "tcp://127.0.0.1:\(try Self.freePort())"
        let daemon = try Daemon(settings: ["broker": .string(endpoint)])
        try daemon.start()
        try Self.referAndAcknowledge(daemon, referrer: [], inbox: [])
    }

    @Test(.enabled(if: required != nil || python != nil, "no Python virtualenv: run make python-venv"))
    func thePythonExamplesSpeakCurveWithKeysListedOnTheMap() throws {
        let gp = try CurveKeyPair.generate()
        let anna = try CurveKeyPair.generate()
        let daemon = try Daemon(curve: true)
        _ = try daemon.useSocialMap(
            try SocialMaps.demo(keys: ["org:huisarts-de-brug": [gp], "contact:schuldhulp-anna": [anna]]))
        try daemon.start()
        let serverKey = try #require(daemon.serverKeys?.publicKey)
        func keyArguments(_ keys: CurveKeyPair, _ name: String) throws -> [String] {
            let file = daemon.directory.appendingPathComponent("\(name).key")
            try Data(keys.secretKey.utf8).write(to: file)
            // KEY=VALUE: a Z85 key may start with "-", which argparse would take for an option.
            return ["--server-key=\(serverKey)", "--public-key=\(keys.publicKey)", "--secret-key-file", file.path]
        }
        try Self.referAndAcknowledge(
            daemon, referrer: try keyArguments(gp, "gp"), inbox: try keyArguments(anna, "anna"),
            status: { try daemon.connect(as: "org:huisarts-de-brug", keys: gp) })
    }

    /// Runs contact_inbox.py (as Anna) and referrer.py (as the GP practice, the example referral) against `daemon`
    /// with `referrer` and `inbox` as extra arguments, and checks what they printed and what STATUS says.
    static func referAndAcknowledge(
        _ daemon: Daemon, referrer referrerArguments: [String], inbox inboxArguments: [String],
        status: (() throws -> Peer)? = nil
    ) throws {
        let python = try #require(Self.python, "SCHAKEL_PYTHON=\(Self.required ?? "") is not an executable")
        let endpoint = daemon.endpoint
        let patience = String(Int(60 * Sanitizer.slowdown))
        let inbox = try Script(
            python, "contact_inbox.py",
            ["--broker", endpoint, "--as", "contact:schuldhulp-anna", "--count", "1", "--timeout", patience]
                + inboxArguments, in: daemon.directory)
        let referrer = try Script(
            python, "referrer.py",
            [
                "--broker", endpoint, "--as", "org:huisarts-de-brug", Paths.exampleReferral.path, "--until",
                "acknowledged", "--timeout", patience,
            ] + referrerArguments, in: daemon.directory)
        let referred = try referrer.wait(timeout: 90 * Sanitizer.slowdown)
        let taken = try inbox.wait(timeout: 90 * Sanitizer.slowdown)
        #expect(referred.status == 0, "\(referred.lines)\n\(referred.errors)")
        #expect(taken.status == 0, "\(taken.lines)\n\(taken.errors)")

        // What they printed is what the broker sent, and it follows the schemas.
        let sent = try Self.messages(referred.lines)
        let received = try Self.messages(taken.lines)
        for message in sent + received {
            #expect(ProtocolSpec.validate(message).isEmpty, "\(message.command): \(ProtocolSpec.validate(message))")
        }
        #expect(sent.first?.command == "ACCEPTED")
        let referralID = try #require(sent.first?.body["referral_id"]?.stringValue)
        let acknowledged = try #require(
            sent.first { $0.command == "NOTICE" && $0.body["event"] == "acknowledged" },
            "the referrer printed no acknowledged NOTICE: \(referred.lines)")
        #expect(acknowledged.body["contact"]?["phone"] == "+31 30 000 1001")

        let offer = try #require(received.first { $0.command == "HANDOVER" })
        #expect(offer.body["citizen"]?["display_name"] == nil)
        let acked = try #require(received.first { $0.command == "ACKED" })
        #expect(acked.body["citizen"]?["display_name"]?.stringValue == Referrals.citizenName)
        #expect(acked.body["handover_id"] == offer.body["handover_id"])
        #expect(acknowledged.body["handover_id"] == offer.body["handover_id"])

        // And the broker agrees: the debt need's handover is accepted, by Anna. (A new session, made now: the
        // referrer's HELLO moved any earlier one of the same principal to its own connection.)
        let gp = try status?() ?? daemon.connect(as: "org:huisarts-de-brug")
        let answer = try gp.request(.status, ["referral_id": .string(referralID)], expect: .referral)
        let debt = try #require(answer.body["handovers"]?.arrayValue?.first { $0["need"]?["domain"] == "debt" })
        #expect(debt["state"] == "accepted")
        #expect(debt["handover_id"] == offer.body["handover_id"])
        #expect(debt["contact"]?["id"] == "contact:schuldhulp-anna")
    }
}
