/// One command line, parsed against what its command accepts: an option another command takes is refused here
/// (a usage error), so that a typo or a misplaced option never passes silently.
struct Invocation {
    var command: String
    var positional: [String] = []
    var options: [String: String] = [:]
    var flags: Set<String> = []
    /// Every value of an option that may be given more than once (`--municipality GM0344 --municipality GM0356`), in
    /// order; `options` holds the last.
    var repeated: [String: [String]] = [:]

    /// Options that take a value.
    static let valued: Set<String> = [
        "--as", "--broker", "--wait", "--reason", "--state-dir", "--admin", "--by", "--out", "--today", "--report",
        "--curve-key", "--server-key", "--older-than", "--config", "--at", "--channel", "--note",
        "--from", "--to", "--period", "--municipality", "--domain", "--csv", "--html",
    ]
    /// Options that stand alone.
    static let switches: Set<String> = ["--ack", "--json", "--dry-run"]

    static let peer: Set<String> = ["--as", "--broker", "--curve-key", "--server-key", "--config", "--json"]
    static let admin: Set<String> = ["--state-dir", "--admin", "--config", "--json"]

    /// Per command, every option it takes (`--help` is always taken).
    static let accepted: [String: Set<String>] = [
        "submit": peer.union(["--wait"]),
        "inbox": peer.union(["--wait", "--ack"]),
        "offers": peer.union(["--wait"]),
        "take": peer,
        "decline": peer.union(["--reason"]),
        "contacted": peer.union(["--at", "--channel"]),
        "outcome": peer.union(["--note"]),
        "reopen": peer.union(["--reason"]),
        "cases": peer,
        "pending": peer,
        "status": peer,
        "explain": peer,
        "withdraw": peer.union(["--reason"]),
        "new-code": peer,
        "stats": admin,
        "backup": admin,
        "assign": admin.union(peer).union(["--by"]),
        "clock": admin,
        "purge": admin.union(["--dry-run", "--older-than"]),
        "audit": admin,
        "export": admin.union(["--out"]),
        "erase": admin,
        "rotate-key": admin.union(["--wait"]),
        "socialmap": admin.union(["--today", "--out", "--report"]),
        "keygen": ["--json"],
        "signals": admin.union(["--from", "--to", "--period", "--municipality", "--domain", "--csv", "--html"]),
    ]

    /// Parses `arguments` (after the command). Throws a usage error naming the option and the command's help.
    init(command: String, arguments: [String], help: String) throws(ClientError) {
        self.command = command
        let allowed = Self.accepted[command] ?? []
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            if argument == "--" {
                positional += rest
                break
            }
            guard argument.hasPrefix("-"), argument.count > 1 else {
                positional.append(argument)
                continue
            }
            guard allowed.contains(argument) else {
                let known = Self.valued.contains(argument) || Self.switches.contains(argument)
                throw .usage(
                    "\(known ? "\(command) does not take" : "unknown option") \(argument)\n\n\(help)")
            }
            if Self.switches.contains(argument) {
                flags.insert(argument)
            } else {
                guard let value = rest.popFirst() else { throw .usage("\(argument) needs a value\n\n\(help)") }
                options[argument] = value
                repeated[argument, default: []].append(value)
            }
        }
    }

    var json: Bool { flags.contains("--json") }

    /// Whether `endpoint` has the form ZeroMQ connects to; anything else would fail as `zmq_connect: EINVAL`.
    static func isEndpoint(_ endpoint: String) -> Bool {
        endpoint.contains(/^(tcp|ipc):\/\/.+/)
    }

    /// Exactly `count` positional arguments, else a usage error that says what they are.
    func expect(_ count: Int, _ names: String, help: String) throws(ClientError) {
        guard positional.count == count else {
            throw .usage("usage: schakelctl \(command) \(names)\n\n\(help)")
        }
    }
}
