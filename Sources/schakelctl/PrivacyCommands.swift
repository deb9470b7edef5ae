import Foundation
import SchakelProtocol

#if canImport(Glibc)
    import Glibc
#endif

/// The operator's privacy commands (Protocols/ADMIN.md): purge, audit, export, erase, rotate-key.
enum PrivacyCommands {
    static let names: Set<String> = ["purge", "audit", "export", "erase", "rotate-key"]

    static let usage: [String: String] = [
        "purge": """
        Usage: schakelctl purge [--dry-run]
               [--older-than DURATION] (--state-dir DIR | --admin ENDPOINT | --config FILE) [--json]

        Deletes the personal data of every referral that closed (or became unroutable, or was withdrawn)
        longer ago than the retention period (the daemon's "retention", default P90D; --older-than P30D for
        another period this once) and keeps the pseudonymous rest: states, times, domains, outcome codes.
        The daemon also does this by itself when each referral's period ends. --dry-run only lists what
        would go: referral ids and dates, no personal data.
        """,
        "audit": """
        Usage: schakelctl audit ID (--state-dir DIR | --admin ENDPOINT | --config FILE) [--json]

        ID is a referral_id (ref-…) or the referrer's external_id.
        Prints every event of the referral: its timeline, every disclosure of the citizen's data (which
        principal received which fields, when) and every admin action on it. No personal data.
        """,
        "export": """
        Usage: schakelctl export ID
               [--out FILE] (--state-dir DIR | --admin ENDPOINT | --config FILE) [--json]

        ID is a referral_id (ref-…) or the referrer's external_id.
        The citizen's right of access: writes everything the broker holds about the referral's citizen
        as JSON (the referral, its handovers with notes, the messages sent, the events) to FILE (mode
        0600, must not exist) or stdout. It holds personal data; the export is recorded in the audit trail.
        """,
        "erase": """
        Usage: schakelctl erase ID (--state-dir DIR | --admin ENDPOINT | --config FILE) [--json]

        ID is a referral_id (ref-…) or the referrer's external_id.
        The citizen's right to erasure: cancels every open handover of the referral, deletes the
        citizen's data at once, and tells every contact who holds or held a handover of it (CANCELLED
        erased) and the referrer (NOTICE erased), so that they delete their copies too.
        """,
        "rotate-key": """
        Usage: schakelctl rotate-key KEY_ID (--state-dir DIR | --admin ENDPOINT | --config FILE)
               [--wait SECONDS] [--json]

        Makes the data key KEY_ID.key in the daemon's key directory the one new data is sealed under,
        and waits (default up to 600 s) while the daemon re-seals everything under it in the background,
        serving all the while. When it prints done, the old key file may be removed; see
        deploy/README.md for the whole procedure.
        """,
    ]

    /// Runs one command against the admin socket; returns the exit code.
    static func run(
        _ command: String, positional: [String], options: [String: String], flags: Set<String>, admin: AdminClient
    ) throws -> ExitCode {
        let json = flags.contains("--json")
        switch command {
        case "purge":
            var arguments: [String: JSONValue] = ["dry_run": .bool(flags.contains("--dry-run"))]
            if let olderThan = options["--older-than"] { arguments["older_than"] = .string(olderThan) }
            let reply = try admin.call("purge", arguments, timeout: 120)
            if json {
                print(reply.canonicalString())
                return .ok
            }
            let referrals = reply["referrals"]?.arrayValue ?? []
            let verb = reply["dry_run"] == true ? "would purge" : "purged"
            print(
                "\(verb) \(referrals.count) referral(s) closed longer than \(reply["retention"]?.stringValue ?? "?") ago"
            )
            for item in referrals {
                print(
                    "  \(item["referral_id"]?.stringValue ?? "?")  \(item["state"]?.stringValue ?? "?")  "
                        + "closed \(AmsterdamTime.text(item["closed_at"]?.stringValue ?? "?"))  "
                        + "due \(AmsterdamTime.text(item["purge_at"]?.stringValue ?? "?"))"
                )
            }
        case "audit":
            let reply = try admin.call("audit", try referral(positional, command))
            if flags.contains("--json") {
                print(reply.canonicalString())
                return .ok
            }
            for event in reply["events"]?.arrayValue ?? [] {
                var line =
                    "\(AmsterdamTime.text(event["at"]?.stringValue ?? "?"))  \(event["event"]?.stringValue ?? "?")"
                if let handover = event["handover_id"]?.stringValue { line += "  \(handover)" }
                if let principal = event["principal"]?.stringValue { line += "  \(principal)" }
                if let detail = event["detail"] { line += "  \(detail.canonicalString())" }
                print(line)
            }
        case "export":
            let reply = try admin.call("export", try referral(positional, command))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let export = reply["export"] ?? .null
            let data = try (json ? export.canonicalData() : encoder.encode(export)) + Data("\n".utf8)
            guard let path = options["--out"] else {
                FileHandle.standardOutput.write(data)
                return .ok
            }
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                let problem =
                    errno == EEXIST ? "it exists, and export never overwrites" : String(cString: strerror(errno))
                throw ClientError.usage("cannot create \(path): \(problem); name another file with --out")
            }
            let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
            try handle.write(contentsOf: data)
            let id = reply["referral_id"]?.stringValue ?? positional[0]
            if json {
                print(JSONValue.object(["referral_id": .string(id), "out": .string(path)]).canonicalString())
                return .ok
            }
            print("exported \(id) to \(path) (personal data: keep it safe, delete it when handed over)")
        case "erase":
            let reply = try admin.call("erase", try referral(positional, command))
            let id = reply["referral_id"]?.stringValue ?? positional[0]
            if json {
                print(reply.canonicalString())
                return .ok
            }
            let told = (reply["told"]?.arrayValue ?? []).compactMap(\.stringValue)
            print(
                "erased \(id): \(reply["cancelled"]?.arrayValue?.count ?? 0) open handover(s) cancelled; told "
                    + (told.isEmpty ? "no contact" : told.joined(separator: ", ")) + " and the referrer")
        default:
            guard positional.count == 1 else { throw ClientError.usage("usage: schakelctl rotate-key KEY_ID") }
            let limit = Date().addingTimeInterval(TimeInterval(options["--wait"] ?? "600") ?? 600)
            var reply = try admin.call("key.rotate", ["key_id": .string(positional[0])])
            while reply["done"] != true, Date() < limit {
                Thread.sleep(forTimeInterval: 0.2)
                reply = try admin.call("key.rotate", ["key_id": .string(positional[0])])
            }
            let resealed = Int(reply["resealed"]?.numberValue ?? 0)
            let remaining = Int(reply["remaining"]?.numberValue ?? 0)
            if json {
                print(reply.canonicalString())
                return remaining == 0 ? .ok : .refused
            }
            print(
                "key \(positional[0]): \(resealed) value(s) re-sealed, \(remaining) to go\(remaining == 0 ? ": done" : "")"
            )
            return remaining == 0 ? .ok : .refused
        }
        return .ok
    }

    /// The admin arguments naming the referral: a `ref-…` id as `referral_id`, anything else as the referrer's
    /// `external_id`, so the operator can use whichever id the caller quotes.
    private static func referral(_ positional: [String], _ command: String) throws -> [String: JSONValue] {
        guard positional.count == 1 else { throw ClientError.usage("usage: schakelctl \(command) ID") }
        let id = positional[0]
        return id.hasPrefix("ref-") ? ["referral_id": .string(id)] : ["external_id": .string(id)]
    }
}
