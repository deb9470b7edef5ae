import Foundation
import SchakelClient
import SchakelProtocol

/// The SRP/1 commands: what an organisation or a contact person does with the broker, one request (or one look at
/// the outbox) per run. Each returns the exit code; what the broker refused is printed as one sentence (or, with
/// `--json`, as the REJECTED line) and exits 1.
struct PeerCommands {
    let invocation: Invocation
    let client: SchakelClient
    let output: Output
    let help: String

    static let names: Set<String> = [
        "submit", "inbox", "offers", "take", "decline", "contacted", "outcome", "reopen", "cases", "status", "explain",
        "withdraw", "pending", "assign", "new-code",
    ]

    func run() throws -> ExitCode {
        let positional = invocation.positional
        _ = try quietTime(default: 0)  // a malformed --wait is a usage error before anything is sent
        switch invocation.command {
        case "submit":
            try invocation.expect(1, "FILE.json --as org:ID", help: help)
            return try submit(file: positional[0])
        case "inbox": return try inbox()
        case "offers": return try offers()
        case "take":
            try invocation.expect(1, "HANDOVER_ID --as contact:ID", help: help)
            return try take(positional[0])
        case "decline":
            try invocation.expect(1, "HANDOVER_ID --as contact:ID [--reason REASON]", help: help)
            let reason = try choice(
                invocation.options["--reason"] ?? "other", DeclineReason.allCases.map(\.rawValue), "--reason")
            return answer(
                try client.decline(handoverID: positional[0], reason: DeclineReason(rawValue: reason) ?? .other)
                    .message)
        case "contacted":
            try invocation.expect(1, "HANDOVER_ID --as contact:ID [--at TIME] [--channel CHANNEL]", help: help)
            let channel = try invocation.options["--channel"].map {
                try choice($0, Channel.allCases.map(\.rawValue), "--channel")
            }
            if let at = invocation.options["--at"], RFC3339.parse(at) == nil {
                throw ClientError.usage("--at needs an RFC 3339 time such as 2026-11-24T10:30:00+01:00, not \(at)")
            }
            return answer(
                try client.contacted(
                    handoverID: positional[0], at: invocation.options["--at"],
                    channel: channel.flatMap(Channel.init(rawValue:))
                ).message)
        case "outcome":
            try invocation.expect(2, "HANDOVER_ID RESULT --as PRINCIPAL [--note TEXT]", help: help)
            let results = OutcomeResult.allCases.filter { $0 != .noAnswer }.map(\.rawValue)
            let result = try choice(positional[1], results, "RESULT")
            return answer(
                try client.outcome(
                    handoverID: positional[0], result: OutcomeResult(rawValue: result) ?? .resolved,
                    note: invocation.options["--note"]
                ).message)
        case "reopen":
            try invocation.expect(1, "REFERRAL_ID --as org:ID --reason TEXT", help: help)
            guard let reason = invocation.options["--reason"], !reason.isEmpty else {
                throw ClientError.usage("reopen needs --reason TEXT: why the needs are routed again\n\n\(help)")
            }
            return answer(try client.reopen(referralID: positional[0], reason: reason).message)
        case "new-code":
            try invocation.expect(1, "REFERRAL_ID --as org:ID", help: help)
            let key = positional[0].hasPrefix("ref-") ? "referral_id" : "external_id"
            return answer(
                try client.request(
                    WireMessage(.newCitizenCode, .object([key: .string(positional[0])])), answers: [.citizenCode]))
        case "cases": return try cases()
        case "pending": return try pending()
        case "assign":
            try invocation.expect(2, "HANDOVER_ID CONTACT --as contact:COORDINATOR", help: help)
            return answer(try client.assign(handoverID: positional[0], to: positional[1]).message)
        case "status", "explain":
            try invocation.expect(1, "ID --as PRINCIPAL", help: help)
            let id = positional[0]
            let reply = try id.hasPrefix("ref-") ? client.status(referralID: id) : client.status(externalID: id)
            guard invocation.command == "explain", reply.rejection == nil, !output.json else {
                return answer(reply.message)
            }
            print(ExplainReport.text(reply.message.body))
            return .ok
        default:
            try invocation.expect(1, "REFERRAL_ID --as org:ID [--reason REASON]", help: help)
            let reason = try choice(
                invocation.options["--reason"] ?? "consent_withdrawn",
                WithdrawReason.allCases.filter { $0 != .consentExpired && $0 != .erased }.map(\.rawValue), "--reason")
            let message = try client.request(
                WireMessage(
                    .withdraw,
                    .object([
                        positional[0].hasPrefix("ref-") ? "referral_id" : "external_id": .string(positional[0]),
                        "reason": .string(reason),
                    ])),
                answers: [.noted])
            return answer(message)
        }
    }

    /// Prints an answer; a REJECTED goes to stderr as one sentence (stdout in JSON mode) and exits 1.
    func answer(_ message: WireMessage) -> ExitCode {
        guard message.command == Command.rejected.rawValue else {
            output.message(message)
            return .ok
        }
        if output.json {
            output.message(message)
        } else {
            FileHandle.standardError.write(Data("schakelctl: \(Self.refusal(message.body))\n".utf8))
        }
        return .refused
    }

    /// A REJECTED body as a sentence for people: what the broker said, and its code for a script or a helpdesk.
    static func refusal(_ body: JSONValue) -> String {
        let code = body["code"]?.stringValue ?? "refused"
        let command = body["command"]?.stringValue.map { " \($0)" } ?? ""
        let field = body["field"]?.stringValue.map { ", field \($0)" } ?? ""
        return "the broker refused\(command): \(body["message"]?.stringValue ?? "no reason given") (\(code)\(field))"
    }

    /// `value` when it is one of `allowed`, else a usage error listing them.
    func choice(_ value: String, _ allowed: [String], _ name: String) throws -> String {
        guard allowed.contains(value) else {
            throw ClientError.usage("\(name) must be one of \(allowed.joined(separator: ", ")), not \(value)")
        }
        return value
    }

    func submit(file: String) throws -> ExitCode {
        let referral = try Self.readJSON(file)
        let receipt = try client.submit(referral["referral"] ?? referral)
        let status = answer(receipt.message)
        guard status == .ok else { return status }
        // Each NOTICE is printed, then confirmed with RECEIVED so that it is not sent again.
        while try client.handleNext(timeout: .seconds(quietTime(default: 5)), { output.message($0.message) }) != nil {}
        return .ok
    }

    /// The JSON in `file`, or a usage error that says what is wrong with it in one sentence.
    static func readJSON(_ file: String) throws -> JSONValue {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
            throw ClientError.usage("\(file) does not exist; check the path (a referral is a JSON file)")
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: file) else {
            throw ClientError.usage("\(file) cannot be read; check that it is a file you may read")
        }
        do {
            return try JSONValue.parse(data)
        } catch {
            throw ClientError.usage(
                "\(file) is not valid JSON (\(error.message.replacingOccurrences(of: "the body frame is not valid JSON: ", with: ""))); check that the file is complete, e.g. with jq . \(file)"
            )
        }
    }

    /// `--wait` in seconds (0: practically forever), or `fallback`.
    func quietTime(default fallback: TimeInterval) throws -> TimeInterval {
        guard let text = invocation.options["--wait"] else { return fallback }
        guard let seconds = TimeInterval(text), seconds >= 0 else {
            throw ClientError.usage("--wait needs a number of seconds, such as 2 or 0.5, not \(text)")
        }
        return seconds == 0 ? TimeInterval(Int32.max) : seconds
    }

    /// Hands every message waiting in the outbox to `handle`: the `pending` ones WELCOME announced, or with an
    /// explicit `--wait` everything until nothing came for that long.
    func readOutbox(_ handle: (Incoming) throws -> Void) throws {
        let welcome = try client.connect()
        let follow = invocation.options["--wait"] != nil
        let quiet = try quietTime(default: 2)
        var remaining = welcome.pending
        while follow || remaining > 0 {
            guard let incoming = try client.next(timeout: .seconds(quiet)) else { break }
            remaining -= 1
            try handle(incoming)
        }
    }
}
