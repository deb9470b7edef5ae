import Foundation
import SchakelProtocol

/// A JSON Schema (draft 2020-12) validator for the subset Protocols/schemas/ uses, over `JSONValue`.
///
/// It exists so the contract tests can hold the daemon's real messages against the published
/// schemas without a third-party package. Loading refuses a schema that uses a keyword this
/// validator does not implement, so a schema can never pass a value by being misunderstood.
///
/// Where JSON Schema and the Swift code could disagree, this validator follows the code:
/// `minLength`/`maxLength` count `Character`s (`String.count`), and `format: date-time` means
/// what `RFC3339.parse` accepts.
struct JSONSchema: Sendable {
    /// The file the schema was loaded from.
    let url: URL
    private let rootName: String
    /// The root document and every sibling file it refers to, by file name.
    private let documents: [String: JSONValue]

    /// Loads the schema at `url` and every schema file its `$ref`s reach (relative to its folder).
    init(contentsOf url: URL) throws {
        self.url = url
        let folder = url.deletingLastPathComponent()
        rootName = url.lastPathComponent
        var documents: [String: JSONValue] = [:]
        var queue = [rootName]
        while let name = queue.popLast() {
            guard documents[name] == nil else { continue }
            let fileURL = folder.appendingPathComponent(name)
            let document: JSONValue
            do {
                document = try JSONValue.parse(try Data(contentsOf: fileURL))
            } catch {
                throw SchemaLoadError("\(fileURL.path): cannot load: \(error)")
            }
            var references: Set<String> = []
            try Self.check(document, at: "\(name)#", references: &references)
            documents[name] = document
            queue.append(contentsOf: references.subtracting(documents.keys))
        }
        self.documents = documents
    }

    /// Human-readable errors, each starting with the JSON path of the offending value; empty when valid.
    func validate(_ value: JSONValue) -> [String] {
        violations(value).map { "\($0.path.isEmpty ? "(body)" : $0.path): \($0.message)" }
    }

    /// The errors with their paths kept apart (`referral.needs[0].domain`, `""` for the root).
    func violations(_ value: JSONValue) -> [Violation] {
        guard let root = documents[rootName] else { return [Violation(path: "", message: "schema not loaded")] }
        var validator = Validator(documents: documents)
        validator.check(value, root, document: rootName, path: "")
        return validator.violations
    }

    /// One way a value breaks the schema.
    struct Violation: Sendable, Equatable {
        var path: String
        var message: String
    }

    // MARK: Loading

    static let supportedKeywords: Set<String> = [
        "$schema", "$id", "$defs", "$ref", "$comment", "title", "description", "examples", "default",
        "type", "enum", "const", "format",
        "properties", "required", "additionalProperties", "minProperties", "maxProperties",
        "items", "prefixItems", "minItems", "maxItems", "uniqueItems",
        "minLength", "maxLength", "pattern", "minimum", "maximum",
        "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
    ]

    static let supportedTypes: Set<String> = ["null", "boolean", "number", "integer", "string", "array", "object"]

    /// Walks a schema, refusing keywords, types, formats and patterns this validator cannot honour,
    /// and collects the sibling files its `$ref`s name.
    private static func check(_ schema: JSONValue, at location: String, references: inout Set<String>) throws {
        if case .bool = schema { return }
        guard case .object(let keywords) = schema else {
            throw SchemaLoadError("\(location): a schema must be an object or a boolean")
        }
        for (keyword, value) in keywords.sorted(by: { $0.key < $1.key }) {
            let here = "\(location)/\(keyword)"
            guard supportedKeywords.contains(keyword) else {
                throw SchemaLoadError("\(here): the keyword \(keyword) is not supported by this validator")
            }
            switch keyword {
            case "properties", "$defs":
                for (name, sub) in value.objectValue ?? [:] {
                    try check(sub, at: "\(here)/\(name)", references: &references)
                }
            case "items", "additionalProperties", "not", "if", "then", "else":
                try check(value, at: here, references: &references)
            case "prefixItems", "allOf", "anyOf", "oneOf":
                guard let subs = value.arrayValue, !subs.isEmpty else {
                    throw SchemaLoadError("\(here): must be a non-empty array of schemas")
                }
                for (i, sub) in subs.enumerated() { try check(sub, at: "\(here)/\(i)", references: &references) }
            case "$ref":
                guard let ref = value.stringValue else { throw SchemaLoadError("\(here): must be a string") }
                let file = ref.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                if !file.isEmpty {
                    guard !file.contains("/"), file.hasSuffix(".json") else {
                        throw SchemaLoadError("\(here): only sibling files are supported, not \(ref)")
                    }
                    references.insert(String(file))
                }
            case "type":
                let names = value.stringValue.map { [$0] } ?? (value.arrayValue ?? []).compactMap(\.stringValue)
                guard !names.isEmpty, names.allSatisfy(supportedTypes.contains) else {
                    throw SchemaLoadError("\(here): unknown type \(value.canonicalString())")
                }
            case "format":
                guard value.stringValue == "date-time" else {
                    throw SchemaLoadError("\(here): only the format date-time is supported")
                }
            case "pattern":
                guard let pattern = value.stringValue, (try? NSRegularExpression(pattern: pattern)) != nil else {
                    throw SchemaLoadError("\(here): not a valid regular expression")
                }
            default:
                break
            }
        }
    }
}

extension JSONSchema {
    /// JSON Schema patterns are ECMA-262 regexes, where a final `$` is the end of the input. In ICU (Foundation's
    /// engine) it also matches before a final line terminator, which would let "GM0344\n" or a trailing U+0085
    /// through; `\z` is ICU's end of input.
    static func endAnchored(_ pattern: String) -> String {
        guard pattern.hasSuffix("$") else { return pattern }
        let backslashes = pattern.dropLast().reversed().prefix { $0 == "\\" }.count
        guard backslashes % 2 == 0 else { return pattern }  // an escaped \$, a literal dollar
        return String(pattern.dropLast()) + "\\z"
    }
}

/// Why a schema file could not be used.
struct SchemaLoadError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// One validation run: walks value and schema together and collects violations.
private struct Validator {
    let documents: [String: JSONValue]
    var violations: [JSONSchema.Violation] = []

    init(documents: [String: JSONValue]) {
        self.documents = documents
    }

    mutating func fail(_ path: String, _ message: String) {
        violations.append(JSONSchema.Violation(path: path, message: message))
    }

    /// Whether `value` is valid against `schema`, without recording anything.
    func isValid(_ value: JSONValue, _ schema: JSONValue, document: String, path: String) -> Bool {
        errors(value, schema, document: document, path: path).isEmpty
    }

    func errors(_ value: JSONValue, _ schema: JSONValue, document: String, path: String) -> [JSONSchema.Violation] {
        var nested = Validator(documents: documents)
        nested.check(value, schema, document: document, path: path)
        return nested.violations
    }

    mutating func check(_ value: JSONValue, _ schema: JSONValue, document: String, path: String) {
        switch schema {
        case .bool(true):
            return
        case .bool(false):
            fail(path, "is not allowed here")
            return
        case .object:
            break
        default:
            fail(path, "the schema is neither an object nor a boolean")
            return
        }
        if let ref = schema["$ref"]?.stringValue {
            if let (target, targetDocument) = resolve(ref, from: document) {
                check(value, target, document: targetDocument, path: path)
            } else {
                fail(path, "the schema reference \(ref) does not resolve")
            }
        }
        checkType(value, schema, path: path)
        if let allowed = schema["enum"]?.arrayValue, !allowed.contains(value) {
            let choices = allowed.map { $0.canonicalString() }.joined(separator: ", ")
            fail(path, "must be one of \(choices), not \(value.canonicalString())")
        }
        if let constant = schema["const"], constant != value {
            fail(path, "must be \(constant.canonicalString()), not \(value.canonicalString())")
        }
        switch value {
        case .string(let text): checkString(text, schema, path: path)
        case .number(let number): checkNumber(number, schema, path: path)
        case .array(let items): checkArray(items, schema, document: document, path: path)
        case .object(let fields): checkObject(fields, schema, document: document, path: path)
        case .null, .bool: break
        }
        checkCombinators(value, schema, document: document, path: path)
    }

    private func resolve(_ ref: String, from document: String) -> (JSONValue, String)? {
        let parts = ref.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        let file = parts.first.map(String.init) ?? ""
        let name = file.isEmpty ? document : file
        guard var target = documents[name] else { return nil }
        let pointer = parts.count > 1 ? String(parts[1]) : ""
        for token in pointer.split(separator: "/", omittingEmptySubsequences: true) {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            if let next = target[key] {
                target = next
            } else if let index = Int(key), let next = target[index] {
                target = next
            } else {
                return nil
            }
        }
        return (target, name)
    }

    private mutating func checkType(_ value: JSONValue, _ schema: JSONValue, path: String) {
        guard let type = schema["type"] else { return }
        let names = type.stringValue.map { [$0] } ?? (type.arrayValue ?? []).compactMap(\.stringValue)
        let matches = names.contains { name in
            switch (name, value) {
            case ("integer", .number(let n)): n.isFinite && n.rounded() == n
            default: name == value.typeName
            }
        }
        if !matches {
            fail(path, "must be of type \(names.joined(separator: " or ")), not \(value.typeName)")
        }
    }

    private mutating func checkString(_ text: String, _ schema: JSONValue, path: String) {
        if let min = schema["minLength"]?.numberValue, Double(text.count) < min {
            fail(path, "must be at least \(Int(min)) characters long, not \(text.count)")
        }
        if let max = schema["maxLength"]?.numberValue, Double(text.count) > max {
            fail(path, "must be at most \(Int(max)) characters long, not \(text.count)")
        }
        if let pattern = schema["pattern"]?.stringValue,
            text.range(of: JSONSchema.endAnchored(pattern), options: .regularExpression) == nil
        {
            fail(path, "must match the pattern \(pattern)")
        }
        if schema["format"]?.stringValue == "date-time", RFC3339.parse(text) == nil {
            fail(path, "must be an RFC 3339 date-time")
        }
    }

    private mutating func checkNumber(_ number: Double, _ schema: JSONValue, path: String) {
        if let min = schema["minimum"]?.numberValue, number < min {
            fail(path, "must be at least \(Self.text(min)), not \(Self.text(number))")
        }
        if let max = schema["maximum"]?.numberValue, number > max {
            fail(path, "must be at most \(Self.text(max)), not \(Self.text(number))")
        }
    }

    private mutating func checkArray(_ items: [JSONValue], _ schema: JSONValue, document: String, path: String) {
        if let min = schema["minItems"]?.numberValue, Double(items.count) < min {
            fail(path, "must have at least \(Int(min)) items, not \(items.count)")
        }
        if let max = schema["maxItems"]?.numberValue, Double(items.count) > max {
            fail(path, "must have at most \(Int(max)) items, not \(items.count)")
        }
        if schema["uniqueItems"]?.boolValue == true, Set(items).count != items.count {
            fail(path, "must not repeat an item")
        }
        let prefix = schema["prefixItems"]?.arrayValue ?? []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            if index < prefix.count {
                check(item, prefix[index], document: document, path: itemPath)
            } else if let itemSchema = schema["items"] {
                check(item, itemSchema, document: document, path: itemPath)
            }
        }
    }

    private mutating func checkObject(
        _ fields: [String: JSONValue], _ schema: JSONValue, document: String, path: String
    ) {
        func pathOf(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
        if let min = schema["minProperties"]?.numberValue, Double(fields.count) < min {
            fail(path, "must have at least \(Int(min)) properties, not \(fields.count)")
        }
        if let max = schema["maxProperties"]?.numberValue, Double(fields.count) > max {
            fail(path, "must have at most \(Int(max)) properties, not \(fields.count)")
        }
        for key in (schema["required"]?.arrayValue ?? []).compactMap(\.stringValue) where fields[key] == nil {
            fail(pathOf(key), "is required")
        }
        let properties = schema["properties"]?.objectValue ?? [:]
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            if let propertySchema = properties[key] {
                check(value, propertySchema, document: document, path: pathOf(key))
            } else if let additional = schema["additionalProperties"] {
                if additional == .bool(false) {
                    fail(pathOf(key), "is not a known field here")
                } else {
                    check(value, additional, document: document, path: pathOf(key))
                }
            }
        }
    }

    private mutating func checkCombinators(_ value: JSONValue, _ schema: JSONValue, document: String, path: String) {
        for sub in schema["allOf"]?.arrayValue ?? [] {
            check(value, sub, document: document, path: path)
        }
        if let alternatives = schema["anyOf"]?.arrayValue {
            let results = alternatives.map { errors(value, $0, document: document, path: path) }
            if !results.contains(where: \.isEmpty) {
                fail(path, "must match at least one of \(alternatives.count) alternatives: \(Self.summary(results))")
            }
        }
        if let alternatives = schema["oneOf"]?.arrayValue {
            let results = alternatives.map { errors(value, $0, document: document, path: path) }
            let matched = results.filter(\.isEmpty).count
            if matched == 0 {
                fail(path, "must match exactly one of \(alternatives.count) alternatives: \(Self.summary(results))")
            } else if matched > 1 {
                fail(path, "must match exactly one of \(alternatives.count) alternatives, but matches \(matched)")
            }
        }
        if let negated = schema["not"], isValid(value, negated, document: document, path: path) {
            fail(path, "must not match \(negated.canonicalString())")
        }
        if let condition = schema["if"] {
            if isValid(value, condition, document: document, path: path) {
                if let then = schema["then"] { check(value, then, document: document, path: path) }
            } else if let otherwise = schema["else"] {
                check(value, otherwise, document: document, path: path)
            }
        }
    }

    private static func text(_ number: Double) -> String {
        JSONValue.number(number).canonicalString()
    }

    private static func summary(_ results: [[JSONSchema.Violation]]) -> String {
        results.enumerated().map { index, violations in
            let reasons = violations.map { "\($0.path.isEmpty ? "(body)" : $0.path) \($0.message)" }
            return "(\(index + 1)) \(reasons.joined(separator: "; "))"
        }.joined(separator: " ")
    }
}

/// The published contract in Protocols/: where it is, and checking a message against it.
enum ProtocolSpec {
    /// The Protocols/ folder of this checkout, found from this file's place in Tests/SchakeldTests/Contract/.
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Contract
        .deletingLastPathComponent()  // SchakeldTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // the package
        .appendingPathComponent("Protocols", isDirectory: true)

    static var schemasFolder: URL { root.appendingPathComponent("schemas", isDirectory: true) }
    static var examplesFolder: URL { root.appendingPathComponent("examples", isDirectory: true) }

    /// The schema of a command's body, loaded once and then kept.
    static func schema(for command: String) throws -> JSONSchema {
        guard command.range(of: "^[A-Z_]{1,32}$", options: .regularExpression) != nil else {
            throw SchemaLoadError("\(command) is not a command name")
        }
        if let cached = cache.schema(for: command) { return cached }
        let url = schemasFolder.appendingPathComponent("\(command).schema.json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw SchemaLoadError("no schema for \(command): \(url.path) does not exist")
        }
        let schema = try JSONSchema(contentsOf: url)
        cache.store(schema, for: command)
        return schema
    }

    /// Validates a message body against Protocols/schemas/<command>.schema.json; errors, empty
    /// when valid; an error if no schema exists.
    static func validate(_ message: WireMessage) -> [String] {
        do {
            return try schema(for: message.command).validate(message.body).map { "\(message.command) \($0)" }
        } catch {
            return ["\(message.command): \(error)"]
        }
    }

    private static let cache = SchemaCache()
}

/// Loaded schemas by command.
///
/// `@unchecked Sendable`: the dictionary is only read or written while `lock` is held, so
/// tests running in parallel may share it.
private final class SchemaCache: @unchecked Sendable {
    private let lock = NSLock()
    private var schemas: [String: JSONSchema] = [:]

    func schema(for command: String) -> JSONSchema? {
        lock.withLock { schemas[command] }
    }

    func store(_ schema: JSONSchema, for command: String) {
        lock.withLock { schemas[command] = schema }
    }
}
