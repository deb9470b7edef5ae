import Foundation
import SchakelProtocol
import Testing

/// The README's "Running with CURVE", replayed as written: its shell commands in order, its config as the file it
/// names, the daemon started as the section starts it, and the submit it shows. Only the port is the test's own
/// (`tcp://127.0.0.1:*`, read back from the daemon's log), so parallel tests do not collide.
@Suite struct ReadmeCurveTests {
    /// One step of the section: a command (with its expected first output word, if shown) or the config file.
    enum Step {
        case command(String, expected: String?)
        case config(String)
    }

    /// The section's fenced blocks, in order: `$ ` lines of `sh` blocks (continuation lines joined) and the `json`
    /// block.
    static func steps() throws -> [Step] {
        let readme = try String(contentsOf: Paths.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "## Running with CURVE"))
        let rest = readme[start.upperBound...]
        let section = rest.range(of: "\n## ").map { rest[..<$0.lowerBound] } ?? rest
        var steps: [Step] = []
        var fence: String?
        var block: [String] = []
        for line in section.components(separatedBy: "\n") {
            if line.hasPrefix("```") {
                if let kind = fence {
                    if kind == "json" { steps.append(.config(block.joined(separator: "\n"))) }
                    fence = nil
                } else {
                    fence = String(line.dropFirst(3))
                    block = []
                }
                continue
            }
            guard let kind = fence else { continue }
            if kind == "json" {
                block.append(line)
            } else if line.hasPrefix("$ ") {
                steps.append(.command(String(line.dropFirst(2)), expected: nil))
            } else if case .command(let previous, nil)? = steps.last, previous.hasSuffix("\\") {
                steps[steps.count - 1] = .command(
                    String(previous.dropLast()) + line.trimmingCharacters(in: .whitespaces), expected: nil)
            } else if case .command(let previous, nil)? = steps.last, !line.isEmpty {
                steps[steps.count - 1] = .command(previous, expected: line.components(separatedBy: " ").first)
            }
        }
        return steps
    }

    @Test func theCurveSectionOfTheReadmeGivesADaemonThatAcceptsTheGPsReferral() throws {
        let steps = try Self.steps()
        #expect(steps.count >= 8, "\(steps)")
        let directory = URL(fileURLWithPath: "/tmp/schakel-test-\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for name in ["Config", "Protocols"] {
            try FileManager.default.createSymbolicLink(
                at: directory.appendingPathComponent(name),
                withDestinationURL: Paths.packageRoot.appendingPathComponent(name))
        }
        var environment = ProcessInfo.processInfo.environment
        var daemon: Process?
        defer {
            daemon?.terminate()
            daemon?.waitUntilExitPolling()
        }
        var accepted = false
        for step in steps {
            switch step {
            case .config(let text):
                let config = text.replacingOccurrences(of: "tcp://127.0.0.1:5710", with: "tcp://127.0.0.1:*")
                try Data(config.utf8).write(to: directory.appendingPathComponent("curve/schakeld.json"))
            case .command(let line, let expected):
                var command = line
                for name in ["schakelctl", "schakeld"] {
                    command = command.replacingOccurrences(
                        of: ".build/debug/\(name) ", with: "\(Paths.executable(name).path) ")
                }
                if line.contains("schakeld --config") {
                    daemon = try Self.startDaemon(command, in: directory)
                    environment["SCHAKEL_BROKER"] = try Self.boundEndpoint(directory, daemon: daemon!)
                    continue
                }
                let run = try Self.shell(command, in: directory, environment: environment)
                // socialmap check exits 1 for warnings (the demo map's gaps): only errors stop the walk.
                let allowed: Set<Int32> = line.contains("socialmap check") ? [0, 1] : [0]
                #expect(allowed.contains(run.status), "\(line)\n\(run.output)\(run.errors)")
                if let expected {
                    #expect(run.output.hasPrefix(expected), "\(line)\n\(run.output)\(run.errors)")
                    accepted = accepted || expected == "ACCEPTED" && run.output.hasPrefix("ACCEPTED")
                }
            }
        }
        #expect(daemon != nil, "the section starts the daemon")
        #expect(accepted, "the section's submit is ACCEPTED over CURVE")
    }

    static func shell(_ command: String, in directory: URL, environment: [String: String]) throws
        -> CommandLineTests.Run
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = directory
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.runGated()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExitPolling()
        return CommandLineTests.Run(
            status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
            errors: String(decoding: errors, as: UTF8.self))
    }

    /// The daemon "in its own terminal": in the background, its log in a file.
    static func startDaemon(_ command: String, in directory: URL) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exec 2> schakeld.log; exec \(command)"]
        process.currentDirectoryURL = directory
        try process.runGated()
        return process
    }

    /// Waits for the daemon's admin socket to answer, then reads the port it bound from its log.
    static func boundEndpoint(_ directory: URL, daemon: Process) throws -> String {
        let log = directory.appendingPathComponent("schakeld.log")
        let admin = "ipc://\(directory.path)/curve/state/admin.sock"
        let deadline = Date().addingTimeInterval(15 * Sanitizer.slowdown)
        while Date() < deadline {
            guard daemon.isRunning else {
                throw TestError("schakeld refused to start:\n\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            }
            let connection = try AdminConnection(admin)
            try connection.send(Data(#"{"command":"stats"}"#.utf8))
            guard (try? connection.reply(timeout: 0.2)) != nil else { continue }
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let line = text.components(separatedBy: "\n").last(where: { $0.contains("event=daemon.started") }),
                let bound = line.components(separatedBy: " ").first(where: { $0.hasPrefix("bound=") })
            {
                return String(bound.dropFirst("bound=".count))
            }
        }
        throw TestError("schakeld did not answer on \(admin) within 15 s")
    }
}
