import Foundation
import SchakelClient
import SchakelProtocol

#if canImport(Glibc)
    import Glibc
#endif

/// schakelctl: a command-line client of the real protocols, for contact persons, organisations, scripts and
/// operators. Thin: it parses the command line, finds the daemon and hands over to the command's type.

/// Says `message` on stderr and exits with `code`.
func fail(_ message: String, _ code: ExitCode = .refused) -> Never {
    FileHandle.standardError.write(Data("schakelctl: \(message)\n".utf8))
    exit(code.rawValue)
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first, command != "--help", command != "-h" else {
    print(Help.summary)
    exit(arguments.isEmpty ? ExitCode.usage.rawValue : 0)
}
if command == "--version" {
    print("schakelctl/\(ClientInfo.version)")
    exit(0)
}
guard let help = Help.of(command) else {
    fail("unknown command \(command); schakelctl --help lists them", .usage)
}
if arguments.contains("--help") || arguments.contains("-h") {
    print(help)
    exit(0)
}

do {
    let invocation = try Invocation(command: command, arguments: Array(arguments.dropFirst()), help: help)
    let output = Output(json: invocation.json)
    let options = invocation.options
    let positional = invocation.positional
    if command == "keygen" {
        try invocation.expect(1, "NAME", help: help)
        exit(KeygenCommand.run(name: positional[0], json: invocation.json))
    }
    if command == "socialmap", positional.first == "check" {
        try invocation.expect(2, "check FILE", help: help)
        if let today = options["--today"], !today.contains(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/) {
            throw ClientError.usage("--today needs a date YYYY-MM-DD, not \(today)")
        }
        exit(
            SocialMapCommands.check(
                file: positional[1], stateDirectory: options["--state-dir"], configFile: options["--config"],
                today: options["--today"] ?? SocialMapCommands.today(), json: invocation.json))
    }
    if command == "socialmap", positional.first == "import-hsds" {
        try invocation.expect(2, "import-hsds PATH", help: help)
        exit(SocialMapCommands.importHSDS(path: positional[1], out: options["--out"], report: options["--report"]))
    }
    let needsConfig = options["--config"] != nil || (options["--state-dir"] == nil && options["--admin"] == nil)
    let config = needsConfig ? try DaemonConfig.load(path: options["--config"]) : DaemonConfig()
    // `assign --as contact:…` is a coordinator's ASSIGN over SRP/1; without --as it is the operator's, on the admin socket.
    let asPeer = command == "assign" && options["--as"] != nil
    if (OperatorCommands.names.contains(command) && !asPeer) || PrivacyCommands.names.contains(command) {
        let endpoint = try AdminClient.endpoint(
            admin: options["--admin"], stateDirectory: options["--state-dir"] ?? config.stateDirectory)
        let admin = try AdminClient(endpoint: endpoint)
        defer { admin.close() }
        let status: ExitCode
        if PrivacyCommands.names.contains(command) {
            status = try PrivacyCommands.run(
                command, positional: positional, options: options, flags: invocation.flags, admin: admin)
        } else {
            status = try OperatorCommands(invocation: invocation, admin: admin, output: output, help: help).run()
        }
        admin.close()
        exit(status.rawValue)
    }
    guard let principal = options["--as"] else {
        throw ClientError.usage("say who you are: --as org:ID or --as contact:ID, as on the social map\n\n\(help)")
    }
    let environment = ProcessInfo.processInfo.environment.filter { !$0.value.isEmpty }
    let endpoint = options["--broker"] ?? environment["SCHAKEL_BROKER"] ?? config.broker ?? "tcp://127.0.0.1:5710"
    guard Invocation.isEndpoint(endpoint) else {
        throw ClientError.usage(
            "\(endpoint) is not a ZeroMQ endpoint; give --broker as tcp://HOST:PORT or ipc:///PATH")
    }
    // A person waits at the terminal: two attempts of 4 s say "is schakeld running?" within about 8 s, and a SUBMIT
    // that got no answer is sent once more, unchanged, so the broker records it once.
    var configuration = SchakelClient.Configuration(
        endpoints: [endpoint], principal: principal, clientName: "schakelctl/\(ClientInfo.version)",
        requestTimeout: .seconds(4), maxAttempts: 2, backoff: Backoff(initial: .milliseconds(200), maximum: .seconds(2))
    )
    configuration.curve = try CurveOptions.curve(
        keyFile: options["--curve-key"] ?? environment["SCHAKEL_CURVE_KEY"],
        serverKey: options["--server-key"] ?? environment["SCHAKEL_SERVER_KEY"])
    let client = try SchakelClient(configuration)
    defer { client.close() }
    let status = try PeerCommands(invocation: invocation, client: client, output: output, help: help).run()
    client.close()
    exit(status.rawValue)
} catch let error as ClientError {
    fail(error.description, error.exitCode)
} catch let error as SchakelClientError {
    switch error {
    case .helloRefused(let rejection):
        fail("the broker refused the handshake (\(rejection.code.rawValue)): \(rejection.message)", .unreachable)
    case .gaveUp, .handshakeRefused:
        fail("\(error)", .unreachable)
    case .invalidConfiguration(let problem):
        fail("\(problem); check --broker, --curve-key and --server-key", .usage)
    case .unexpectedAnswer:
        fail("\(error); this is a bug in schakelctl or schakeld, please report it")
    }
} catch {
    fail("\(error)")
}
