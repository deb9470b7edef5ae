import Broker
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// schakeld: argument parsing and wiring only; the work happens in `BrokerServer`.

let usage = """
    Usage: schakeld --config FILE [--state-dir DIR] [--broker ENDPOINT] [--log-level LEVEL] [--check-config]
           schakeld --check-config FILE

    Runs the Schakel referral broker until SIGTERM or SIGINT.

      --config FILE        the daemon config (JSON), e.g. Config/schakeld.dev.json
      --state-dir DIR      where the SQLite database lives; overrides state_dir
      --broker ENDPOINT    the ROUTER endpoint peers connect to; overrides broker
      --log-level LEVEL    error, warning, notice, info or debug; overrides log_level
      --check-config       check the config and the social map, print the verdict, exit
      --version            print the version and exit
    """

/// `--check-config`'s verdict on a refused config: each problem once, for a person at a terminal (no log line).
func refuseConfig(_ configPath: String, _ found: [String]) -> Never {
    // The config's own check and the checks of what it names can meet the same problem: say it once.
    var seen: Set<String> = []
    let problems = found.filter { seen.insert($0).inserted }
    FileHandle.standardError.write(
        Data("schakeld: \(configPath) has \(problems.count) problem(s):\n\(problems.joined(separator: "\n"))\n".utf8))
    exit(2)
}

func fail(_ message: String, code: Int32 = 2) -> Never {
    let reason = message.replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    FileHandle.standardError.write(Data("<3>level=error event=daemon.refused reason=\"\(reason)\"\n".utf8))
    FileHandle.standardError.write(Data("schakeld: \(message)\n".utf8))
    exit(code)
}

var arguments = Array(CommandLine.arguments.dropFirst())
var options: [String: String] = [:]
var checkOnly = false
while !arguments.isEmpty {
    let argument = arguments.removeFirst()
    switch argument {
    case "--help", "-h":
        print(usage)
        exit(0)
    case "--version":
        print(BrokerServer.serverName)
        exit(0)
    case "--check-config":
        checkOnly = true
        // `schakeld --check-config FILE` works as well as `--config FILE --check-config`.
        if let next = arguments.first, !next.hasPrefix("--"), options["--config"] == nil {
            options["--config"] = arguments.removeFirst()
        }
    case "--config", "--state-dir", "--broker", "--log-level":
        guard !arguments.isEmpty else { fail("\(argument) needs a value\n\(usage)") }
        options[argument] = arguments.removeFirst()
    default:
        fail("unknown argument \(argument)\n\(usage)")
    }
}
guard let configPath = options["--config"] else { fail("--config FILE is required\n\(usage)") }

signal(SIGPIPE, SIG_IGN)

/// The config file with the command-line overrides applied and checked: at start, and again on SIGHUP.
let loadConfig: () throws -> BrokerConfig = {
    var config = try BrokerConfig(contentsOf: URL(fileURLWithPath: configPath))
    if let dir = options["--state-dir"] { config.stateDirectory = URL(fileURLWithPath: dir).standardizedFileURL }
    if let broker = options["--broker"] { config.broker = broker }
    if let level = options["--log-level"] {
        guard let parsed = LogLevel(name: level) else { throw ConfigError("--log-level: unknown log level \(level)") }
        config.logLevel = parsed
    }
    try config.check()
    return config
}

let config: BrokerConfig
do {
    config = try loadConfig()
} catch {
    if checkOnly, let error = error as? ConfigError {
        // Every problem, not just the first; the social map is checked too when its path could be read.
        var problems = error.problems
        if let partial = try? BrokerConfig.lenient(contentsOf: URL(fileURLWithPath: configPath)) {
            problems +=
                BrokerServer.socialMapProblems(partial) + BrokerServer.policyProblems(partial)
                + BrokerServer.subscribeProblems(partial)
        }
        refuseConfig(configPath, problems)
    }
    if checkOnly { refuseConfig(configPath, ["\(error)"]) }
    fail("\(error)")
}
if checkOnly {
    let database = BrokerServer.databaseCheck(config)
    let problems =
        BrokerServer.socialMapProblems(config) + BrokerServer.policyProblems(config)
        + BrokerServer.subscribeProblems(config) + database.problems
    guard problems.isEmpty else { refuseConfig(configPath, problems) }
    print("config ok: \(configPath)")
    if let note = database.note { print(note) }
    for warning in BrokerServer.deploymentWarnings(config) { print("warning: \(warning)") }
    if let publicKey = try? config.curvePublicKey() {
        print("CURVE: peers connect with the broker's public key \(publicKey)")
    }
    exit(0)
}

let logger = Logger(level: config.logLevel)
do {
    let server = try BrokerServer(
        config: config, logger: logger, configLoader: { try loadConfig() })
    try server.run()
    exit(0)
} catch is StoppedAsStandby {
    exit(0)
} catch {
    fail("\(error)", code: 1)
}
