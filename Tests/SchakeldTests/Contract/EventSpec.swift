import Foundation
import SchakelProtocol

/// The event stream's contract in Protocols/: one JSON Schema per CloudEvents type in schemas/events/ and an
/// example per type in examples/events/ (Protocols/EVENTS.md).
enum EventSpec {
    static var schemasFolder: URL { ProtocolSpec.schemasFolder.appendingPathComponent("events", isDirectory: true) }
    static var examplesFolder: URL {
        ProtocolSpec.examplesFolder.appendingPathComponent("events", isDirectory: true)
    }

    static func schemaURL(_ type: String) -> URL {
        schemasFolder.appendingPathComponent("\(type).schema.json")
    }

    static func exampleURL(_ type: EventType) -> URL {
        examplesFolder.appendingPathComponent("\(type.rawValue).json")
    }

    /// The schema of an event type, loaded once and then kept.
    static func schema(for type: String) throws -> JSONSchema {
        guard type.range(of: "^nl\\.schakel\\.[a-z_.]{1,64}$", options: .regularExpression) != nil else {
            throw SchemaLoadError("\(type) is not an event type")
        }
        return try cache.schema(type)
    }

    /// Every way one received event breaks the contract: its topic frame is not its type, its type has no
    /// schema, or it breaks its schema. Empty when it is right.
    static func validate(topic: String, event: JSONValue) -> [String] {
        guard let type = event["type"]?.stringValue else { return ["\(topic): the event has no type"] }
        var errors: [String] = []
        if topic != type { errors.append("topic frame \(topic) is not the event's type \(type)") }
        do {
            errors += try schema(for: type).validate(event).map { "\(type) \($0)" }
        } catch {
            errors.append("\(type): \(error)")
        }
        return errors
    }

    private static let cache = EventSchemaCache()
}

/// Loaded event schemas by type.
///
/// `@unchecked Sendable`: the dictionary is only read or written while `lock` is held, so tests running in
/// parallel may share it.
private final class EventSchemaCache: @unchecked Sendable {
    private let lock = NSLock()
    private var schemas: [String: JSONSchema] = [:]

    func schema(_ type: String) throws -> JSONSchema {
        if let cached = lock.withLock({ schemas[type] }) { return cached }
        let url = EventSpec.schemaURL(type)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw SchemaLoadError("no schema for \(type): \(url.path) does not exist")
        }
        let schema = try JSONSchema(contentsOf: url)
        lock.withLock { schemas[type] = schema }
        return schema
    }
}
