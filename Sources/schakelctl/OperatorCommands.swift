import Foundation
import SchakelProtocol

/// The operator's commands on the admin socket (Protocols/ADMIN.md) other than the privacy ones: stats, backup,
/// assign, clock advance, socialmap reload. Each prints a line for people, or with `--json` the reply.
struct OperatorCommands {
    static let names: Set<String> = ["stats", "backup", "clock", "assign", "socialmap", "signals"]

    let invocation: Invocation
    let admin: AdminClient
    let output: Output
    let help: String

    func run() throws -> ExitCode {
        let positional = invocation.positional
        switch invocation.command {
        case "socialmap":
            guard positional == ["reload"] else {
                throw ClientError.usage(
                    "usage: schakelctl socialmap (reload | check FILE | import-hsds PATH)\n\n\(help)")
            }
            let reply = try admin.request("socialmap.reload")
            guard reply["ok"] == true else {
                output.result(reply) {
                    (reply["problems"]?.arrayValue ?? []).map { problem in
                        let path = problem["path"]?.stringValue ?? ""
                        return "\(path.isEmpty ? "" : "\(path): ")\(problem["message"]?.stringValue ?? "?")"
                    }.joined(separator: "\n")
                }
                throw ClientError(
                    (reply["message"]?.stringValue ?? "the reload was refused")
                        + "; the daemon keeps the map it has: fix the file and reload again")
            }
            output.result(reply) {
                "social map reloaded: \(Int(reply["organisations"]?.numberValue ?? 0)) organisations, "
                    + "\(Int(reply["contacts"]?.numberValue ?? 0)) contacts, "
                    + "\(Int(reply["withdrawn"]?.numberValue ?? 0)) offers withdrawn and re-matched"
            }
        case "assign":
            try invocation.expect(2, "HANDOVER_ID contact:ID --by PRINCIPAL", help: help)
            guard let by = invocation.options["--by"] else {
                throw ClientError.usage("assign needs --by PRINCIPAL: the coordinator who decided\n\n\(help)")
            }
            let reply = try admin.call(
                "assign", ["handover_id": .string(positional[0]), "contact": .string(positional[1]), "by": .string(by)])
            output.result(reply) { "assigned: \(reply["handover_id"]?.stringValue ?? "?") offered to \(positional[1])" }
        case "clock":
            guard positional.count == 2, positional[0] == "advance" else {
                throw ClientError.usage("usage: schakelctl clock advance DURATION\n\n\(help)")
            }
            let reply = try admin.call("clock.advance", ["duration": .string(positional[1])])
            output.result(reply) {
                "clock now \(AmsterdamTime.text(reply["now"]?.stringValue ?? "?")), "
                    + "\(Int(reply["timers_fired"]?.numberValue ?? 0)) deadlines fired"
            }
        case "signals":
            return try SignalsCommand(invocation: invocation, admin: admin, help: help).run()
        case "stats":
            try invocation.expect(0, "", help: help)
            let stats = try admin.call("stats")
            output.result(stats) { StatsReport.text(stats) }
        default:
            try invocation.expect(1, "FILE", help: help)
            let target = URL(fileURLWithPath: positional[0]).standardizedFileURL.path
            // SQLite's own words for this ("SQLite error 1") tell a person nothing: say it before asking.
            guard !FileManager.default.fileExists(atPath: target) else {
                throw ClientError.usage("\(target) exists; backup never overwrites a file: remove it or name another")
            }
            let reply = try admin.call("backup", ["path": .string(target)], timeout: 600)
            output.result(reply) { "backup written: \(target) (\(Int(reply["bytes"]?.numberValue ?? 0)) bytes)" }
        }
        return .ok
    }
}
