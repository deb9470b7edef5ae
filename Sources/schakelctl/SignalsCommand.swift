import Foundation
import SchakelProtocol
import Signals

/// `schakelctl signals`: the admin command `signals` (Protocols/ADMIN.md), rendered here, on the client: a table for
/// people, `--json` (the reply as it came), `--csv DIR` (one file per table) or `--html FILE` (one self-contained page
/// with charts, for policy readers and for printing).
struct SignalsCommand {
    let invocation: Invocation
    let admin: AdminClient
    let help: String

    func run() throws -> ExitCode {
        try invocation.expect(0, "--from YYYY-MM-DD --to YYYY-MM-DD", help: help)
        guard let from = invocation.options["--from"], let to = invocation.options["--to"] else {
            throw ClientError.usage(
                "signals needs --from YYYY-MM-DD and --to YYYY-MM-DD: the first and last day\n\n\(help)")
        }
        var arguments: [String: JSONValue] = ["from": .string(from), "to": .string(to)]
        if let period = invocation.options["--period"] { arguments["period"] = .string(period) }
        for (option, field) in [("--municipality", "municipalities"), ("--domain", "domains")] {
            let values = (invocation.repeated[option] ?? []).flatMap { $0.split(separator: ",").map(String.init) }
            if !values.isEmpty { arguments[field] = .array(values.map { .string($0) }) }
        }
        let reply = try admin.call("signals", arguments, timeout: 120)
        let report: SignalsReport
        do {
            report = try SignalsReport(json: reply)
        } catch {
            throw ClientError(
                "the daemon's signals reply could not be read (\(error.message)); is it the same version?")
        }
        var wrote: [String] = []
        if let directory = invocation.options["--csv"] {
            let folder = URL(fileURLWithPath: directory)
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                for (name, text) in report.csvFiles.sorted(by: { $0.key < $1.key }) {
                    try Data(text.utf8).write(to: folder.appendingPathComponent(name))
                }
            } catch {
                throw ClientError("could not write the CSV files into \(directory): name a directory you may write")
            }
            wrote.append("\(report.csvFiles.count) CSV files in \(directory)")
        }
        if let file = invocation.options["--html"] {
            do {
                try Data(report.html.utf8).write(to: URL(fileURLWithPath: file))
            } catch {
                throw ClientError("could not write \(file): name a file in a directory you may write")
            }
            wrote.append(file)
        }
        if invocation.json {
            FileHandle.standardOutput.write(Data((reply.canonicalString() + "\n").utf8))
        } else if wrote.isEmpty {
            FileHandle.standardOutput.write(Data(report.text.utf8))
        } else {
            FileHandle.standardOutput.write(Data("signals written: \(wrote.joined(separator: ", "))\n".utf8))
        }
        return .ok
    }
}
