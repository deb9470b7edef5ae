import Foundation
import SchakelProtocol
import Testing

/// The event stream's published contract (Protocols/EVENTS.md, schemas/events/, examples/events/) checked against
/// the implementation: every type has a schema and an example that keeps it, the examples are what `CloudEvent`
/// encodes, every timeline event has a type, and the schemas refuse personal data.
@Suite struct EventContractTests {
    @Test(arguments: EventType.allCases)
    func everyTypeHasASchemaAndAnExampleThatKeepsIt(_ type: EventType) throws {
        let example = try ContractFiles.json(EventSpec.exampleURL(type))
        #expect(example["type"]?.stringValue == type.rawValue)
        let errors = EventSpec.validate(topic: type.rawValue, event: example)
        #expect(errors.isEmpty, "\(errors.joined(separator: "\n"))")
    }

    @Test func everySchemaFileIsDraft2020WithItsOwnNameAsID() throws {
        let files = try ContractFiles.jsonFiles(in: EventSpec.schemasFolder)
        #expect(Set(files) == Set(EventType.allCases.map { "\($0.rawValue).schema.json" } + ["cloudevent.schema.json"]))
        for file in files {
            let document = try ContractFiles.json(EventSpec.schemasFolder.appendingPathComponent(file))
            _ = try JSONSchema(contentsOf: EventSpec.schemasFolder.appendingPathComponent(file))
            #expect(document["$id"]?.stringValue == file)
            #expect(document["$schema"]?.stringValue == "https://json-schema.org/draft/2020-12/schema")
        }
        let examples = try ContractFiles.jsonFiles(in: EventSpec.examplesFolder)
        #expect(Set(examples) == Set(EventType.allCases.map { "\($0.rawValue).json" }))
    }

    /// Each example is exactly what `CloudEvent` writes for its attributes and data.
    @Test(arguments: EventType.allCases)
    func everyExampleIsWhatTheImplementationEncodes(_ type: EventType) throws {
        let example = try ContractFiles.json(EventSpec.exampleURL(type))
        let data = try SRPCoding.decoder.decode(EventData.self, from: try #require(example["data"]).canonicalData())
        let event = CloudEvent(
            id: try #require(example["id"]?.stringValue), source: try #require(example["source"]?.stringValue),
            type: type, time: try #require(example["time"]?.stringValue), subject: example["subject"]?.stringValue,
            data: data)
        #expect(event.json == example, "encoded as \(event.json.canonicalString())")
        #expect(event.frames()[0] == Data(type.rawValue.utf8))
    }

    @Test func everyTimelineEventHasAStreamType() throws {
        let timeline = try ContractFiles.enumeration("REFERRAL.schema.json", "#/$defs/timeline-entry/properties/event")
        var mapped: Set<EventType> = []
        for name in timeline {
            let type = EventType(timelineEvent: name)
            #expect(type != nil, "the timeline event \(name) has no stream type")
            if let type { mapped.insert(type) }
        }
        let auditOnly = Set(EventType.allCases.filter(\.isAuditOnly))
        #expect(mapped == Set(EventType.allCases).subtracting(auditOnly).subtracting([.submissionRejected]))
        #expect(EventType(timelineEvent: "disclosed") == .referralDisclosed)
    }

    /// Every admin command the broker audits (all but `help`, `stats` and `signals`) has its `nl.schakel.admin.<command>`
    /// type, and there is no admin type without a command; a command that does not exist has none.
    @Test func everyAuditedAdminCommandHasAStreamType() throws {
        let folder = ProtocolSpec.schemasFolder.appendingPathComponent("admin", isDirectory: true)
        let commands = Set(
            try ContractFiles.jsonFiles(in: folder).filter { $0.hasSuffix(".request.schema.json") }.map {
                String($0.dropLast(".request.schema.json".count))
            }
        ).subtracting(["help", "stats", "signals"])
        #expect(!commands.isEmpty)
        for command in commands {
            #expect(EventType(timelineEvent: "admin.\(command)")?.adminCommand == command, "admin.\(command)")
        }
        #expect(Set(EventType.allCases.compactMap(\.adminCommand)) == commands)
        #expect(EventType(timelineEvent: "admin.no.such.command") == nil)
        #expect(EventType(timelineEvent: "admin.") == nil)
    }

    @Test func theHandoverStateInAnEventIsTheOneItsTypeImplies() throws {
        for type in EventType.allCases {
            let example = try ContractFiles.json(EventSpec.exampleURL(type))
            #expect(example["data"]?["handover_state"]?.stringValue == type.handoverState?.rawValue, "\(type)")
        }
    }

    /// No schema lets personal data in: a citizen's name, a summary or a note in `data` is refused.
    @Test(arguments: ["display_name", "phone", "summary", "note", "citizen", "referrer", "result"])
    func theSchemasRefuseCitizenFields(_ field: String) throws {
        for type in EventType.allCases {
            let example = try ContractFiles.json(EventSpec.exampleURL(type))
            guard case .object(var event) = example, case .object(var data)? = event["data"] else {
                throw TestError("\(type.rawValue) example is not an object with data")
            }
            data[field] = "Fatima El Amrani"
            event["data"] = .object(data)
            #expect(!EventSpec.validate(topic: type.rawValue, event: .object(event)).isEmpty, "\(type.rawValue)")
        }
    }

    @Test func eventsMDNamesEveryTypeAndItsSchema() throws {
        let spec = try String(contentsOf: ProtocolSpec.root.appendingPathComponent("EVENTS.md"), encoding: .utf8)
        for type in EventType.allCases {
            #expect(spec.contains("`\(type.rawValue)`"), "EVENTS.md does not name \(type.rawValue)")
        }
        let srp1 = try String(contentsOf: ProtocolSpec.root.appendingPathComponent("SRP1.md"), encoding: .utf8)
        #expect(srp1.contains("## Publish-only adapters"))
    }
}
