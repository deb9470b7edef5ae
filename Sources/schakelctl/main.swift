import Foundation
import SchakelClient
import SchakelProtocol

#if canImport(Glibc)
    import Glibc
#endif

/// schakelctl: a command-line client of the real protocol, for demos, scripts and operators.

let usage = """
    Usage: schakelctl COMMAND [OPTIONS]

    Commands:
      submit FILE.json --as org:ID      submit a referral; print the receipt, then NOTICEs as they come
      inbox --as contact:ID [--ack]     print the offers waiting for a contact; --ack takes each one
      decline HANDOVER_ID --as contact:ID [--reason REASON]
                                        decline an offer so it goes to the next candidate
      status ID --as PRINCIPAL          print a referral's state, handovers and timeline
                                        (ID is a referral_id ref-…, or your own external_id)
      explain ID --as org:ID            say why each need went to whom (or waits), for people
      withdraw REFERRAL_ID --as org:ID [--reason REASON]
                                        withdraw a referral (consent withdrawn): cancel its handovers,
                                        delete the citizen's data

    Operator commands (the admin socket, see Protocols/ADMIN.md):
      stats --state-dir DIR             counts per state, outbox depth, peers, commit latency, uptime
      backup FILE --state-dir DIR       write a consistent copy of the running daemon's database to FILE
      assign HANDOVER_ID CONTACT --by COORDINATOR --state-dir DIR
                                        offer an unowned need to a contact of the coordinator's choice
      clock advance DURATION --state-dir DIR
                                        manual clock mode only: move the clock forward (PT2H, P3D)
      socialmap reload --state-dir DIR  check the social map file and swap it in (or list its problems)
      purge [--dry-run] [--older-than DURATION] --state-dir DIR
                                        delete personal data past the retention period (or list it)
      audit REFERRAL_ID --state-dir DIR every event of a referral: disclosures and admin actions too
      export REFERRAL_ID [--out FILE] --state-dir DIR
                                        everything held about the referral's citizen, as JSON (access)
      erase REFERRAL_ID --state-dir DIR erase the citizen's data and tell every holder (erasure)
      rotate-key KEY_ID --state-dir DIR seal under a new data key and re-seal everything, online

    Keys (no daemon needed):
      keygen NAME                       a CURVE key pair: NAME.key (secret, mode 0600) and NAME.pub

    Social map files (no daemon needed):
      socialmap check FILE [--state-dir DIR] [--json]
                                        errors and warnings with their JSON paths (exit 0, 1 or 2);
                                        --state-dir adds the contacts to re-verify after declines
      socialmap import-hsds PATH [--out FILE]
                                        turn an Open Referral HSDS 3.x publication into a social map

    Common options:
      --broker ENDPOINT   where schakeld listens (default $SCHAKEL_BROKER or tcp://127.0.0.1:5710)
      --curve-key FILE    for a daemon in CURVE mode: your secret key file from keygen ($SCHAKEL_CURVE_KEY)
      --server-key KEY    ... and the daemon's public key, or its .pub file ($SCHAKEL_SERVER_KEY)
      --wait SECONDS      how long to wait for more messages once quiet (submit: 5, inbox: 2; 0 = forever)
      --state-dir DIR     the daemon's state directory: its admin socket is DIR/admin.sock
      --admin ENDPOINT    the admin socket itself, e.g. ipc:///var/lib/schakel/admin.sock
      --help              this text; `schakelctl COMMAND --help` for one command
      --version           the version of schakelctl
    """

let commandUsage: [String: String] = [
    "keygen": KeygenCommand.help,
    "submit": """
    Usage: schakelctl submit FILE.json --as org:ID [--broker ENDPOINT] [--wait SECONDS]

    Sends the referral in FILE.json (the referral object itself, or {"referral": {...}}).
    Prints the ACCEPTED or REJECTED receipt, then every NOTICE for your organisation until
    no NOTICE came for --wait seconds (default 5; 0 waits until Ctrl-C). Each NOTICE is
    confirmed with RECEIVED, so it is not sent again. Exit code 0 on ACCEPTED, 1 on REJECTED.
    """,
    "inbox": """
    Usage: schakelctl inbox --as contact:ID [--ack] [--broker ENDPOINT] [--wait SECONDS]

    Prints the handover offers waiting for the contact person (no identity: that is revealed
    only on acknowledgement). Without --ack the offers stay pending and come again next time.
    With --ack each offer is acknowledged and the details (citizen, referrer) are printed.
    Stops when nothing new came for --wait seconds (default 2; 0 waits until Ctrl-C).
    """,
    "decline": """
    Usage: schakelctl decline HANDOVER_ID --as contact:ID [--reason REASON] [--broker ENDPOINT]

    Declines an offer; the need goes to the next candidate. REASON is one of
    \(DeclineReason.allCases.map(\.rawValue).joined(separator: ", ")) (default other).
    """,
    "stats": """
    Usage: schakelctl stats (--state-dir DIR | --admin ENDPOINT) [--json]

    Prints the daemon's statistics: referrals and handovers per state, outbox depth and the age
    of its oldest message, peers connected, commit latency percentiles, uptime. No personal
    data. --json prints the raw reply of the admin socket.
    """,
    "backup": """
    Usage: schakelctl backup FILE (--state-dir DIR | --admin ENDPOINT)

    Asks the running daemon for a consistent copy of its database (SQLite online backup) at
    FILE. The daemon writes the file, so FILE must be a path it may write, and must not exist.
    The copy holds personal data: it gets mode 0600. To restore, stop the daemon, put the copy
    in an empty state directory as schakel.sqlite and start the daemon on that directory.
    """,
    "assign": """
    Usage: schakelctl assign HANDOVER_ID contact:ID --by PRINCIPAL (--state-dir DIR | --admin ENDPOINT)

    When offers went unanswered and nobody is left (NOTICE unowned, ESCALATION to the
    coordinator), or nobody could take a need (unroutable), the coordinator names someone:
    the need is offered to that contact with a fresh deadline, and the referrer is told.
    HANDOVER_ID is the unowned or unroutable handover (see schakelctl status); --by is the
    coordinator who decided, kept in the referral's timeline. The citizen's consent must
    cover the contact's organisation.
    """,
    "clock": """
    Usage: schakelctl clock advance DURATION (--state-dir DIR | --admin ENDPOINT)

    For tests and demos, when the daemon runs with "clock": {"mode": "manual"}: moves its clock
    forward by DURATION (ISO 8601: PT30M, PT8H, P3D, P8W) and fires every deadline that falls
    due, in order, before it answers. Prints the daemon's new time. A daemon on the wall clock
    refuses (disabled).
    """,
    "explain": """
    Usage: schakelctl explain ID --as org:ID [--broker ENDPOINT]

    For the referring organisation: why each need of the referral went to the contact it went
    to, or waits, or went to nobody. Per handover, how many candidates each filter removed and
    the ranking keys of the chosen contact and the runner-up (Protocols/SRP1.md, Explanations).
    ID is a referral_id (ref-…) or your own external_id.
    """,
    "socialmap": """
    Usage: schakelctl socialmap reload (--state-dir DIR | --admin ENDPOINT)
           schakelctl socialmap check FILE [--state-dir DIR] [--json] [--today YYYY-MM-DD]
           schakelctl socialmap import-hsds PATH [--out FILE] [--report FILE]

    reload: asks the running daemon to read its social map file again. The whole file is checked first:
    on any problem every problem is printed with its JSON path, the daemon keeps the map it has,
    and the exit code is 1. On success offers pending to contacts who left the map go to the
    next candidate, and needs waiting for a contact are tried again.

    check: checks FILE without a daemon. Errors are what the daemon refuses (duplicate ids,
    unknown references and domains, malformed CBS codes, absences that end before they start,
    a deputy away at the same time); warnings are what it accepts but an operator should look
    at: last_verified more than 12 months before today (--today to pick the day), a contact
    whose phone is the organisation's general number (no direct line), and gaps: a
    municipality of the map's region where nobody serves a domain. With --state-dir DIR the
    daemon's database is read (read-only, the daemon may run) and every contact who declined
    needs as not_our_service, wrong_contact or outside_service_area is listed to re-verify.
    One line per finding with its JSON path; --json prints one JSON object instead.
    Exit code 0 clean, 1 warnings only, 2 errors.

    import-hsds: reads an Open Referral HSDS 3.x publication, either a JSON file (an array of
    organizations with nested services, or {"organizations": [...]}) or a tabular data
    package (PATH is datapackage.json or its directory, with organization.csv, service.csv,
    contact.csv, phone.csv, language.csv, service_area.csv, service_at_location.csv,
    attribute.csv, taxonomy_term.csv), and writes a social map (to --out FILE, else stdout).
    Everything it could not map is reported on stderr (or in --report FILE). The mapping is
    in Protocols/HSDS-IMPORT.md. Exit code 0, or 1 when no organisation could be mapped.
    """,
    "withdraw": """
    Usage: schakelctl withdraw REFERRAL_ID --as org:ID [--reason REASON] [--broker ENDPOINT]

    Withdraws a referral your organisation submitted, e.g. because the citizen withdrew consent:
    every open handover is cancelled (its contact is told) and the citizen's data is deleted at
    once. REASON is one of consent_withdrawn (default), sent_in_error, no_longer_needed, other.
    """,
    "status": """
    Usage: schakelctl status ID --as PRINCIPAL [--broker ENDPOINT]

    Prints the referral's state, its handovers and its timeline. ID is a referral_id
    (ref-…) or, for the referring organisation, its own external_id.
    """,
]

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("schakelctl: \(message)\n".utf8))
    exit(1)
}

func show(_ message: WireMessage) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let text = (try? encoder.encode(message.body)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    // Written straight to the file descriptor so that a pipe sees each message at once.
    FileHandle.standardOutput.write(Data("\(message.command) \(text)\n".utf8))
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first, command != "--help", command != "-h" else {
    print(usage)
    exit(arguments.isEmpty ? 2 : 0)
}
if command == "--version" {
    print("schakelctl/\(ClientInfo.version)")
    exit(0)
}
arguments.removeFirst()
guard let help = commandUsage[command] ?? PrivacyCommands.usage[command] else {
    fail("unknown command \(command)\n\n\(usage)")
}

var positional: [String] = []
var options: [String: String] = [:]
var flags: Set<String> = []
while !arguments.isEmpty {
    let argument = arguments.removeFirst()
    switch argument {
    case "--help", "-h":
        print(help)
        exit(0)
    case "--ack", "--json", "--dry-run":
        flags.insert(argument)
    case "--as", "--broker", "--wait", "--reason", "--state-dir", "--admin", "--by", "--out", "--today", "--report",
        "--curve-key", "--server-key", "--older-than":
        guard !arguments.isEmpty else { fail("\(argument) needs a value\n\n\(help)") }
        options[argument] = arguments.removeFirst()
    default:
        guard !argument.hasPrefix("--") else { fail("unknown option \(argument)\n\n\(help)") }
        positional.append(argument)
    }
}
if command == "keygen" {
    guard positional.count == 1, !positional[0].isEmpty else { fail("usage: schakelctl keygen NAME\n\n\(help)") }
    exit(KeygenCommand.run(name: positional[0]))
}
if command == "socialmap", positional.first == "check" {
    guard positional.count == 2 else { fail("usage: schakelctl socialmap check FILE\n\n\(help)") }
    if let today = options["--today"], !today.contains(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/) {
        fail("--today needs a date YYYY-MM-DD, not \(today)")
    }
    exit(
        SocialMapCommands.check(
            file: positional[1], stateDirectory: options["--state-dir"],
            today: options["--today"] ?? SocialMapCommands.today(),
            json: flags.contains("--json")))
}
if command == "socialmap", positional.first == "import-hsds" {
    guard positional.count == 2 else { fail("usage: schakelctl socialmap import-hsds PATH\n\n\(help)") }
    exit(SocialMapCommands.importHSDS(path: positional[1], out: options["--out"], report: options["--report"]))
}
if ["stats", "backup", "clock", "assign", "socialmap"].contains(command) || PrivacyCommands.names.contains(command) {
    do {
        let endpoint = try AdminClient.endpoint(admin: options["--admin"], stateDirectory: options["--state-dir"])
        let admin = try AdminClient(endpoint: endpoint)
        defer { admin.close() }
        if PrivacyCommands.names.contains(command) {
            let status = try PrivacyCommands.run(
                command, positional: positional, options: options, flags: flags, admin: admin)
            admin.close()
            exit(status)
        } else if command == "socialmap" {
            guard positional == ["reload"] else {
                fail("usage: schakelctl socialmap (reload | check FILE | import-hsds PATH)\n\n\(help)")
            }
            let reply = try admin.request("socialmap.reload")
            guard reply["ok"] == true else {
                for problem in reply["problems"]?.arrayValue ?? [] {
                    let path = problem["path"]?.stringValue ?? ""
                    print("\(path.isEmpty ? "" : "\(path): ")\(problem["message"]?.stringValue ?? "?")")
                }
                fail(reply["message"]?.stringValue ?? "the reload was refused")
            }
            print(
                "social map reloaded: \(Int(reply["organisations"]?.numberValue ?? 0)) organisations, "
                    + "\(Int(reply["contacts"]?.numberValue ?? 0)) contacts, "
                    + "\(Int(reply["withdrawn"]?.numberValue ?? 0)) offers withdrawn and re-matched")
        } else if command == "assign" {
            guard positional.count == 2, let by = options["--by"] else {
                fail("usage: schakelctl assign HANDOVER_ID contact:ID --by PRINCIPAL\n\n\(help)")
            }
            let reply = try admin.call(
                "assign", ["handover_id": .string(positional[0]), "contact": .string(positional[1]), "by": .string(by)])
            print("assigned: \(reply["handover_id"]?.stringValue ?? "?") offered to \(positional[1])")
        } else if command == "clock" {
            guard positional.count == 2, positional[0] == "advance" else {
                fail("usage: schakelctl clock advance DURATION\n\n\(help)")
            }
            let reply = try admin.call("clock.advance", ["duration": .string(positional[1])])
            print(
                "clock now \(reply["now"]?.stringValue ?? "?"), "
                    + "\(Int(reply["timers_fired"]?.numberValue ?? 0)) deadlines fired")
        } else if command == "stats" {
            let stats = try admin.call("stats")
            if flags.contains("--json") {
                print(stats.canonicalString())
            } else {
                print(StatsReport.text(stats))
            }
        } else {
            guard positional.count == 1 else { fail("backup needs exactly one FILE\n\n\(help)") }
            let target = URL(fileURLWithPath: positional[0]).standardizedFileURL.path
            let reply = try admin.call("backup", ["path": .string(target)], timeout: 600)
            print("backup written: \(target) (\(Int(reply["bytes"]?.numberValue ?? 0)) bytes)")
        }
        exit(0)
    } catch {
        fail("\(error)")
    }
}
guard let principal = options["--as"] else { fail("--as PRINCIPAL is required\n\n\(help)") }
let endpoint = options["--broker"] ?? ProcessInfo.processInfo.environment["SCHAKEL_BROKER"] ?? "tcp://127.0.0.1:5710"
let quiet = TimeInterval(options["--wait"] ?? (command == "submit" ? "5" : "2")) ?? 5
let wait = quiet == 0 ? TimeInterval(Int32.max) : quiet

// A person waits at the terminal: two attempts of 4 s say "is schakeld running?" within about 8 s, and a SUBMIT
// that got no answer is sent once more, unchanged, so the broker records it once.
var configuration = SchakelClient.Configuration(
    endpoints: [endpoint], principal: principal, clientName: "schakelctl/\(ClientInfo.version)",
    requestTimeout: .seconds(4), maxAttempts: 2, backoff: Backoff(initial: .milliseconds(200), maximum: .seconds(2)))

do {
    let environment = ProcessInfo.processInfo.environment
    configuration.curve = try CurveOptions.curve(
        keyFile: options["--curve-key"] ?? environment["SCHAKEL_CURVE_KEY"],
        serverKey: options["--server-key"] ?? environment["SCHAKEL_SERVER_KEY"])
    let client = try SchakelClient(configuration)
    defer { client.close() }
    try client.connect()
    switch command {
    case "submit":
        guard positional.count == 1 else { fail("submit needs exactly one FILE.json\n\n\(help)") }
        let data = try Data(contentsOf: URL(fileURLWithPath: positional[0]))
        let json = try JSONValue.parse(data)
        let receipt = try client.submit(json["referral"] ?? json)
        show(receipt.message)
        guard receipt.rejection == nil else { exit(1) }
        // Each NOTICE is printed, then confirmed with RECEIVED so that it is not sent again.
        while try client.handleNext(timeout: .seconds(wait), { show($0.message) }) != nil {}
    case "inbox":
        // Offers are not confirmed: without --ack they stay pending and come again next time.
        while let incoming = try client.next(timeout: .seconds(wait)) {
            show(incoming.message)
            guard flags.contains("--ack"), incoming.message.command == Command.handover.rawValue,
                let id = incoming.message.body["handover_id"]?.stringValue
            else { continue }
            show(try client.ack(handoverID: id).message)
        }
    case "decline":
        guard positional.count == 1 else { fail("decline needs exactly one HANDOVER_ID\n\n\(help)") }
        let reason = options["--reason"] ?? "other"
        let answer: WireMessage
        if let known = DeclineReason(rawValue: reason) {
            answer = try client.decline(handoverID: positional[0], reason: known).message
        } else {
            // Passed through, so the broker's own REJECTED names the valid reasons.
            answer = try client.request(
                WireMessage(.decline, .object(["handover_id": .string(positional[0]), "reason": .string(reason)])),
                answers: [.declined])
        }
        show(answer)
        if answer.command != Command.declined.rawValue { exit(1) }
    case "explain", "status":
        guard positional.count == 1 else { fail("\(command) needs exactly one ID\n\n\(help)") }
        let id = positional[0]
        let answer = try id.hasPrefix("ref-") ? client.status(referralID: id) : client.status(externalID: id)
        guard command == "explain", answer.rejection == nil else {
            show(answer.message)
            if answer.rejection != nil { exit(1) }
            break
        }
        print(ExplainReport.text(answer.message.body))
    case "withdraw":
        guard positional.count == 1 else { fail("withdraw needs exactly one REFERRAL_ID\n\n\(help)") }
        let reason = options["--reason"] ?? "consent_withdrawn"
        let answer = try client.request(
            WireMessage(.withdraw, .object(["referral_id": .string(positional[0]), "reason": .string(reason)])),
            answers: [.noted])
        show(answer)
        if answer.command != Command.noted.rawValue { exit(1) }
    default:
        fail("unknown command \(command)")
    }
} catch {
    fail("\(error)")
}
