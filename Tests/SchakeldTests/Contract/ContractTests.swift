import Foundation
import SchakelProtocol
import Signals
import SocialMap
import Testing

/// The published contract in Protocols/ (spec, schemas, examples) checked against the implementation:
/// every example is valid, is what the Swift types read and write, and the negative examples are
/// refused by both the parser and the schema in the same place.
@Suite struct ContractTests {
    // MARK: Coverage

    @Test(arguments: Command.allCases)
    func everyCommandHasASchemaAndAnExample(_ command: Command) throws {
        _ = try ProtocolSpec.schema(for: command.rawValue)
        let example = ContractFiles.exampleURL(command)
        #expect(FileManager.default.fileExists(atPath: example.path), "missing \(example.path)")
    }

    @Test func everySchemaFileLoadsWithOnlySupportedKeywords() throws {
        let files = try ContractFiles.jsonFiles(in: ProtocolSpec.schemasFolder)
        #expect(files.count >= Command.allCases.count + 3)
        for file in files {
            let schema = try JSONSchema(contentsOf: ProtocolSpec.schemasFolder.appendingPathComponent(file))
            let document = try ContractFiles.json(schema.url)
            #expect(document["$id"]?.stringValue == file, "\(file) must have \"$id\": \"\(file)\"")
            #expect(
                document["$schema"]?.stringValue == "https://json-schema.org/draft/2020-12/schema",
                "\(file) must declare draft 2020-12")
        }
    }

    @Test func theSpecNamesEveryCommandAndEveryRejectionCode() throws {
        let spec = try String(contentsOf: ProtocolSpec.root.appendingPathComponent("SRP1.md"), encoding: .utf8)
        for command in Command.allCases {
            #expect(spec.contains("### \(command.rawValue)"), "SRP1.md has no section for \(command.rawValue)")
        }
        for code in RejectionCode.allCases {
            #expect(spec.contains("| `\(code.rawValue)`"), "SRP1.md's codes table lacks \(code.rawValue)")
        }
    }

    // MARK: Examples against schemas

    @Test(arguments: Command.allCases)
    func everyExampleValidatesAgainstItsSchema(_ command: Command) throws {
        let message = try ContractFiles.example(command)
        let errors = ProtocolSpec.validate(message)
        #expect(errors.isEmpty, "\(errors.joined(separator: "\n"))")
    }

    @Test func theReferralExampleIsTheBodyOfTheSubmitExample() throws {
        let referral = try ContractFiles.json(ProtocolSpec.examplesFolder.appendingPathComponent("referral.json"))
        let submit = try ContractFiles.example(.submit)
        #expect(submit.body == .object(["referral": referral]))
        let schema = try JSONSchema(
            contentsOf: ProtocolSpec.schemasFolder.appendingPathComponent("referral.schema.json"))
        #expect(schema.validate(referral).isEmpty)
    }

    @Test func theDemoSocialMapValidatesAgainstItsSchema() throws {
        let schema = try JSONSchema(
            contentsOf: ProtocolSpec.schemasFolder.appendingPathComponent("social-map.schema.json"))
        let errors = schema.validate(try ContractFiles.json(ContractFiles.demoMapURL))
        #expect(errors.isEmpty, "\(errors.joined(separator: "\n"))")
    }

    /// The loader refuses what the schema refuses: each broken variant of the demo map fails both.
    @Test(
        arguments: [
            ("contacts", 0, "capcity", JSONValue.number(3)),
            ("contacts", 0, "municipalities", ["GM344"]),
            ("contacts", 0, "urgencies", ["soon"]),
            ("contacts", 0, "absences", [["from": "2030-01-01", "to": "tomorrow"]]),
            ("contacts", 0, "deputy", "anna"),
            ("contacts", 0, "languages", ["nl", "nl"]),
            ("contacts", 0, "on_call", []),
            ("contacts", 0, "on_call", [["days": ["friday"], "from": "17:00", "to": "09:00"]]),
            ("contacts", 0, "on_call", [["days": ["fri", "fri"], "from": "17:00", "to": "09:00"]]),
            ("contacts", 0, "on_call", [["days": [], "from": "17:00", "to": "09:00"]]),
            ("contacts", 0, "on_call", [["days": ["fri"], "from": "24:00", "to": "09:00"]]),
            ("contacts", 0, "on_call", [["days": ["fri"], "from": "17:00"]]),
            ("contacts", 0, "on_call", [["days": ["fri"], "from": "17:00", "to": "09:00", "note": "x"]]),
            ("organizations", 0, "municipalities", ["0344"]),
            ("organizations", 0, "services", [["id": "s", "name": "S", "domains": ["debt"], "extra": true]]),
            ("organizations", 0, "last_verified", "last year"),
        ] as [(String, Int, String, JSONValue)])
    func theLoaderAndTheSchemaAgreeOnBrokenMaps(list: String, index: Int, field: String, value: JSONValue) throws {
        let schema = try JSONSchema(
            contentsOf: ProtocolSpec.schemasFolder.appendingPathComponent("social-map.schema.json"))
        guard case .object(var map) = try ContractFiles.json(ContractFiles.demoMapURL),
            var items = map[list]?.arrayValue, case .object(var item) = items[index]
        else { throw TestError("the demo map is not shaped as expected") }
        item[field] = value
        items[index] = .object(item)
        map[list] = .array(items)
        let broken = JSONValue.object(map)
        #expect(!schema.validate(broken).isEmpty, "the schema accepts \(field) = \(value.canonicalString())")
        #expect(
            !SocialMap.problems(data: broken.canonicalData()).isEmpty,
            "the loader accepts \(field) = \(value.canonicalString())")
    }

    // MARK: Examples against the implementation

    @Test(arguments: Command.fromPeer.sorted { $0.rawValue < $1.rawValue })
    func everyPeerExampleIsAcceptedByTheParser(_ command: Command) throws {
        let message = try ContractFiles.example(command)
        #expect(throws: Never.self) { try PeerRequest.parse(message, referrals: try ContractFiles.validator()) }
    }

    @Test(arguments: Set(Command.allCases).subtracting(Command.fromPeer).sorted { $0.rawValue < $1.rawValue })
    func everyBrokerExampleIsExactlyWhatTheImplementationEncodes(_ command: Command) throws {
        let message = try ContractFiles.example(command)
        let reencoded = try ContractFiles.roundTrip(message)
        #expect(
            reencoded.body == message.body, "\(command.rawValue): re-encoded as \(reencoded.body.canonicalString())")
    }

    @Test func theSubmitExampleParsesIntoTheReferralItDescribes() throws {
        guard
            case .submit(let referral, _) = try PeerRequest.parse(
                try ContractFiles.example(.submit), referrals: try ContractFiles.validator())
        else {
            Issue.record("SUBMIT did not parse as a submit")
            return
        }
        #expect(referral.externalID == "HDB-2026-0042")
        #expect(referral.needs.map(\.domain) == ["debt", "housing"])
        #expect(referral.consent.shareWith == [.domain("debt"), .domain("housing")])
    }

    // MARK: Vocabularies

    @Test func matchFiltersAndTheReferralSchemasExplanationAgree() throws {
        let schema = try ContractFiles.json(ProtocolSpec.schemasFolder.appendingPathComponent("REFERRAL.schema.json"))
        let removed = schema["$defs"]?["explanation"]?["properties"]?["removed"]
        let names = try #require(removed?["properties"]?.objectValue?.keys)
        #expect(Set(names) == Set(MatchFilter.allCases.map(\.rawValue)))
        // In filter order in the description, as the explanation's readers see them.
        let description = try #require(removed?["description"]?.stringValue)
        #expect(description.contains(MatchFilter.allCases.map(\.rawValue).joined(separator: ", ")), "\(description)")
    }

    @Test func rejectionCodesAndTheRejectedSchemaAgree() throws {
        let codes = try ContractFiles.enumeration("REJECTED.schema.json", "#/properties/code")
        #expect(codes == Set(RejectionCode.allCases.map(\.rawValue)))
    }

    @Test func everyVocabularyInTheSchemasMatchesItsSwiftEnum() throws {
        #expect(
            try ContractFiles.enumeration("referral.schema.json", "#/$defs/urgency")
                == Set(Urgency.allCases.map(\.rawValue)))
        #expect(
            try ContractFiles.enumeration("referral.schema.json", "#/$defs/channel")
                == Set(Channel.allCases.map(\.rawValue)))
        #expect(
            try ContractFiles.enumeration("common.schema.json", "#/$defs/decline-reason")
                == Set(DeclineReason.allCases.map(\.rawValue)))
        #expect(
            try ContractFiles.enumeration("NOTICE.schema.json", "#/properties/event")
                == Set(NoticeEvent.allCases.map(\.rawValue)))
        #expect(
            try ContractFiles.enumeration("REFERRAL.schema.json", "#/properties/state")
                == Set(ReferralState.allCases.map(\.rawValue)))
        #expect(
            try ContractFiles.enumeration("REFERRAL.schema.json", "#/$defs/handover/properties/state")
                == Set(HandoverState.allCases.map(\.rawValue)))
    }

    @Test func theDemoDomainsFitTheDomainPatternOfTheReferralSchema() throws {
        let schema = try JSONSchema(
            contentsOf: ProtocolSpec.schemasFolder.appendingPathComponent("referral.schema.json"))
        let referral = try ContractFiles.json(ProtocolSpec.examplesFolder.appendingPathComponent("referral.json"))
        for domain in try ContractFiles.demoMap().domains.sorted() {
            guard case .object(var fields) = referral else { return }
            fields["needs"] = .array([.object(["domain": .string(domain), "summary": .string("Hulp")])])
            #expect(schema.validate(.object(fields)).isEmpty, "domain \(domain)")
        }
    }

    // MARK: Negative examples

    @Test func thereAreNegativeExamplesForEveryCommandWithABody() throws {
        let commands = Set(ContractFiles.invalidExamples.compactMap { $0.split(separator: ".").first.map(String.init) })
        #expect(commands == ["HELLO", "SUBMIT", "ACK", "DECLINE", "RECEIVED", "STATUS", "WITHDRAW"])
    }

    @Test(arguments: ContractFiles.invalidExamples)
    func everyInvalidExampleIsRejectedByTheParserWithItsCodeAndField(_ name: String) throws {
        let (message, code, field) = try ContractFiles.invalidExample(name)
        let validator = try ContractFiles.validator()
        do {
            let request = try PeerRequest.parse(message, referrals: validator)
            Issue.record("\(name) was accepted as \(request)")
        } catch {
            #expect(error.code.rawValue == code, "\(name): \(error.message)")
            #expect(error.field == field, "\(name): \(error.message)")
            #expect(error.command == message.command)
        }
    }

    @Test(arguments: ContractFiles.invalidExamples)
    func everyInvalidExampleIsRejectedByTheSchemaAtOrAboveItsField(_ name: String) throws {
        let (message, _, field) = try ContractFiles.invalidExample(name)
        let violations = try ProtocolSpec.schema(for: message.command).violations(message.body)
        #expect(!violations.isEmpty, "\(name) passes the schema")
        // The schema blames the same field, or (for a rule across fields, like STATUS's oneOf) an ancestor of it.
        let blamesTheField = violations.contains { v in
            v.path == field || v.path.isEmpty || field.hasPrefix(v.path + ".") || field.hasPrefix(v.path + "[")
        }
        #expect(blamesTheField, "\(name): \(violations)")
    }

    // MARK: The worked example in SRP1.md

    @Test func everyMessageOfTheWorkedExampleFollowsTheContract() throws {
        let conversation = try ContractFiles.workedExample()
        #expect(conversation.count >= 12)
        let validator = try ContractFiles.validator()
        for (sender, message) in conversation {
            let errors = ProtocolSpec.validate(message)
            #expect(errors.isEmpty, "\(sender) \(message.command): \(errors)")
            if sender == "schakeld" {
                let reencoded = try ContractFiles.roundTrip(message)
                #expect(reencoded.body == message.body, "\(message.command) in SRP1.md is not what the broker encodes")
            } else {
                #expect(throws: Never.self) { try PeerRequest.parse(message, referrals: validator) }
            }
        }
    }

    // MARK: The validator can fail

    @Test func theValidatorReportsAMissingRequiredField() throws {
        let errors = ProtocolSpec.validate(WireMessage(.ack, .object([:])))
        #expect(errors == ["ACK handover_id: is required"])
    }

    @Test func theValidatorReportsAWrongType() throws {
        let body = JSONValue.object(["principal": .string("org:x"), "server": .string("s"), "pending": .number(1.5)])
        #expect(
            ProtocolSpec.validate(WireMessage(.welcome, body)) == [
                "WELCOME pending: must be of type integer, not number"
            ])
        let wrong = JSONValue.object(["handover_id": .array([])])
        #expect(
            ProtocolSpec.validate(WireMessage(.ack, wrong)) == ["ACK handover_id: must be of type string, not array"])
    }

    @Test func theValidatorReportsAPatternMismatchThroughASiblingFileReference() throws {
        let errors = ProtocolSpec.validate(WireMessage(.hello, .object(["as": .string("ORG:Brug")])))
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("HELLO as: must match the pattern") == true)
    }

    @Test func theValidatorReportsAnAdditionalProperty() throws {
        let errors = ProtocolSpec.validate(WireMessage(.ping, .object(["extra": .bool(true)])))
        #expect(errors == ["PING extra: is not a known field here"])
    }

    @Test func theValidatorReportsAnEnumMismatchAndABrokenTimestamp() throws {
        var body = try ContractFiles.example(.handover).body.objectValue ?? [:]
        body["urgency"] = .string("asap")
        body["offered_at"] = .string("2026-02-30T10:00:00Z")
        let errors = ProtocolSpec.validate(WireMessage(.handover, .object(body)))
        #expect(errors.contains { $0.hasPrefix("HANDOVER urgency: must be one of") })
        #expect(errors.contains("HANDOVER offered_at: must be an RFC 3339 date-time"))
    }

    @Test func theValidatorEnforcesConditionalRulesSuchAsTheDirectLineOnlyAfterAcknowledgement() throws {
        var body = try ContractFiles.example(.notice).body.objectValue ?? [:]
        body["event"] = .string("offered")
        let errors = ProtocolSpec.validate(WireMessage(.notice, .object(body)))
        #expect(errors.contains("NOTICE contact.phone: is not allowed here"))
        #expect(errors.contains("NOTICE contact.email: is not allowed here"))
    }

    @Test func theValidatorRequiresExactlyOneAlternativeOfOneOf() throws {
        let both = JSONValue.object(["referral_id": .string("ref-1"), "external_id": .string("E-1")])
        let errors = ProtocolSpec.validate(WireMessage(.status, both))
        #expect(errors == ["STATUS (body): must match exactly one of 2 alternatives, but matches 2"])
        #expect(ProtocolSpec.validate(WireMessage(.status, .object(["external_id": .string("E-1")]))).isEmpty)
    }

    @Test func theValidatorCountsCharactersLikeSwift() throws {
        // "é" written as e + combining acute: two Unicode scalars, one Character, as FieldReader counts.
        let decomposed = String(repeating: "e\u{301}", count: 128)
        #expect(ProtocolSpec.validate(WireMessage(.status, .object(["external_id": .string(decomposed)]))).isEmpty)
        let tooLong = decomposed + "x"
        #expect(ProtocolSpec.validate(WireMessage(.status, .object(["external_id": .string(tooLong)]))).count == 1)
    }

    @Test func theValidatorHasNoSchemaForAnUnknownCommand() {
        let errors = ProtocolSpec.validate(WireMessage(command: "TELEPORT", body: .object([:])))
        #expect(errors.count == 1)
        #expect(errors.first?.contains("no schema for TELEPORT") == true)
    }

    @Test func theValidatorRefusesASchemaWithAnUnsupportedKeyword() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("x.schema.json")
        try Data(#"{"type": "object", "dependentRequired": {"a": ["b"]}}"#.utf8).write(to: file)
        #expect(throws: SchemaLoadError.self) { try JSONSchema(contentsOf: file) }
    }
}

/// Reading the files of Protocols/ and Config/ for the contract tests.
enum ContractFiles {
    static var demoMapURL: URL {
        ProtocolSpec.root.deletingLastPathComponent().appendingPathComponent("Config/social-map.demo.json")
    }

    static func demoMap() throws -> SocialMap {
        try SocialMap(contentsOf: demoMapURL)
    }

    /// The parser's referral rules with the demo map's domain vocabulary.
    static func validator() throws -> ReferralValidator {
        ReferralValidator(knownDomains: try demoMap().domains)
    }

    static func json(_ url: URL) throws -> JSONValue {
        try JSONValue.parse(try Data(contentsOf: url))
    }

    static func jsonFiles(in folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
    }

    static func exampleURL(_ command: Command) -> URL {
        ProtocolSpec.examplesFolder.appendingPathComponent("\(command.rawValue).json")
    }

    static func example(_ command: Command) throws -> WireMessage {
        WireMessage(command, try json(exampleURL(command)))
    }

    static var invalidFolder: URL { ProtocolSpec.examplesFolder.appendingPathComponent("invalid", isDirectory: true) }

    /// The file names in examples/invalid/, read when the tests are collected.
    static let invalidExamples: [String] = (try? jsonFiles(in: invalidFolder)) ?? []

    /// A negative example: the message, and the code and field the broker must answer with.
    static func invalidExample(_ name: String) throws -> (message: WireMessage, code: String, field: String) {
        let document = try json(invalidFolder.appendingPathComponent(name))
        let command = name.split(separator: ".").first.map(String.init) ?? ""
        guard let body = document["body"], let code = document["code"]?.stringValue,
            let field = document["field"]?.stringValue
        else {
            throw SchemaLoadError("\(name) must hold body, code and field")
        }
        return (WireMessage(command: command, body: body), code, field)
    }

    /// The enum values at a JSON pointer of a schema file.
    static func enumeration(_ file: String, _ pointer: String) throws -> Set<String> {
        var node = try json(ProtocolSpec.schemasFolder.appendingPathComponent(file))
        for key in pointer.dropFirst(2).split(separator: "/") {
            guard let next = node[String(key)] else { throw SchemaLoadError("\(file)\(pointer) does not exist") }
            node = next
        }
        return Set((node["enum"]?.arrayValue ?? []).compactMap(\.stringValue))
    }

    /// Decodes a broker message into its Swift type and encodes it again, as the broker would send it.
    static func roundTrip(_ message: WireMessage) throws -> WireMessage {
        guard let command = Command(rawValue: message.command) else {
            throw SchemaLoadError("\(message.command) is not a command")
        }
        switch command {
        case .welcome: return WireMessage(command, encoding: try message.decode(Welcome.self))
        case .pong: return WireMessage(.pong)
        // The three bodies every referral writes, through the hand-written writers the broker uses for them.
        case .accepted: return try message.decode(Accepted.self).wireMessage
        case .rejected: return WireMessage(command, encoding: try message.decode(Rejection.self))
        case .handover:
            return WireMessage(command, canonicalBytes: try message.decode(HandoverOffer.self).canonicalBytes())
        case .acked: return WireMessage(command, encoding: try message.decode(Acked.self))
        case .declined: return WireMessage(command, encoding: try message.decode(Declined.self))
        case .notice: return WireMessage(command, canonicalBytes: try message.decode(Notice.self).canonicalBytes())
        case .referral: return WireMessage(command, encoding: try message.decode(ReferralStatus.self))
        case .reminder: return WireMessage(command, encoding: try message.decode(Reminder.self))
        case .cancelled: return WireMessage(command, encoding: try message.decode(Cancelled.self))
        case .escalation: return WireMessage(command, encoding: try message.decode(Escalation.self))
        case .nazorg: return WireMessage(command, encoding: try message.decode(Nazorg.self))
        case .noted: return WireMessage(command, encoding: try message.decode(Noted.self))
        case .caseList: return WireMessage(command, encoding: try message.decode(CaseList.self))
        case .pendingList: return WireMessage(command, encoding: try message.decode(PendingList.self))
        case .citizen: return WireMessage(command, encoding: try message.decode(CitizenView.self))
        case .citizenCode: return WireMessage(command, encoding: try message.decode(IssuedCitizenCode.self))
        case .signalReport:
            return WireMessage(command: command.rawValue, body: .object(try SignalsReport(json: message.body).json))
        case .hello, .ping, .submit, .ack, .decline, .received, .status, .contacted, .outcome, .reopen, .withdraw,
            .cases, .pending, .assign, .newCitizenCode, .citizenStatus, .citizenWithdraw, .citizenAnswer, .signals:
            throw SchemaLoadError("\(command.rawValue) is sent by peers, not by the broker")
        }
    }

    /// The messages of the ```srp1 blocks in `document` (SRP1.md, INTEGRATORS.md): a line
    /// `SENDER → RECEIVER: COMMAND`, then the JSON body.
    static func workedExample(in document: String = "SRP1.md") throws -> [(sender: String, message: WireMessage)] {
        let spec = try String(contentsOf: ProtocolSpec.root.appendingPathComponent(document), encoding: .utf8)
        var messages: [(String, WireMessage)] = []
        var inBlock = false
        var header: (sender: String, command: String)?
        var body: [String] = []
        func flush() throws {
            guard let current = header else { return }
            let json = try JSONValue.parse(Data(body.joined(separator: "\n").utf8))
            messages.append((current.sender, WireMessage(command: current.command, body: json)))
            header = nil
            body = []
        }
        for line in spec.components(separatedBy: "\n") {
            if line.hasPrefix("```") {
                if inBlock { try flush() }
                inBlock = !inBlock && line == "```srp1"
                continue
            }
            guard inBlock else { continue }
            let parts = line.split(separator: " ")
            if parts.count == 4, parts[1] == "→", parts[2].hasSuffix(":") {
                try flush()
                header = (String(parts[0]), String(parts[3]))
            } else if header != nil {
                body.append(line)
            }
        }
        return messages
    }
}
