import Foundation

/// Reads a JSON object field by field and turns every mistake into a `Rejection.invalid`
/// naming the path of the field, so an integrator sees exactly what to fix.
///
/// Unknown fields are refused too: a misspelt optional field (`urgancy`) would otherwise be
/// silently dropped, and unexpected personal data has no place in a referral.
public struct FieldReader: Sendable {
    public let path: String
    public let fields: [String: JSONValue]

    /// Starts at the root of a command body (an object, which `WireMessage.parse` guarantees).
    public init(body: JSONValue) {
        self.path = ""
        self.fields = body.objectValue ?? [:]
    }

    init(path: String, fields: [String: JSONValue]) {
        self.path = path
        self.fields = fields
    }

    public func pathOf(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// Refuses any field not named in `allowed`.
    public func only(_ allowed: Set<String>) throws(Rejection) {
        if let extra = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw Rejection(.invalid, "unknown field \"\(extra)\"", field: pathOf(extra))
        }
    }

    func value(_ key: String, required: Bool) throws(Rejection) -> JSONValue? {
        guard let value = fields[key], value != .null else {
            if required { throw Rejection(.invalid, "\(pathOf(key)) is required", field: pathOf(key)) }
            return nil
        }
        return value
    }

    /// How many bytes of UTF-8 a string field may hold per character of its length bound.
    ///
    /// Lengths count characters (extended grapheme clusters), and one character may be a base letter with any
    /// number of combining marks: without a bound in bytes too, a 200 KB `external_id` would be "one character",
    /// stored in the clear and copied into every NOTICE and event. Four bytes is one code point at most, so text
    /// whose characters are single code points always fits.
    public static let bytesPerCharacter = 4

    /// Whether `text` is within `length` characters and within the byte bound that comes with it; the check of
    /// `string(_:required:length:)` for values read outside a `FieldReader`.
    public static func fits(_ text: String, _ length: ClosedRange<Int>) -> Bool {
        text.utf8.count <= length.upperBound * bytesPerCharacter && length.contains(text.count)
    }

    /// A string field with its length checked in characters and in bytes of UTF-8 (at most `bytesPerCharacter`
    /// per character of the bound); nil when optional and absent.
    public func string(
        _ key: String, required: Bool = true, length: ClosedRange<Int> = 1...10_000
    ) throws(Rejection) -> String? {
        guard let value = try value(key, required: required) else { return nil }
        guard case .string(let text) = value else {
            throw Rejection(.invalid, "\(pathOf(key)) must be a string, not \(value.typeName)", field: pathOf(key))
        }
        let maxBytes = length.upperBound * Self.bytesPerCharacter
        guard text.utf8.count <= maxBytes else {
            throw Rejection(
                .invalid, "\(pathOf(key)) must be at most \(maxBytes) bytes of UTF-8, not \(text.utf8.count)",
                field: pathOf(key))
        }
        // JSON may escape any control character (`\u0000`); no field of a referral needs one but
        // tab, line feed and carriage return, and the others break logs, terminals and exports.
        if let bad = text.unicodeScalars.first(where: Self.isForbiddenControl) {
            throw Rejection(
                .invalid,
                "\(pathOf(key)) must not contain the control character U+\(String(format: "%04X", bad.value))",
                field: pathOf(key))
        }
        guard length.contains(text.count) else {
            let bound =
                length.lowerBound == length.upperBound
                ? "\(length.lowerBound)" : "\(length.lowerBound) to \(length.upperBound)"
            throw Rejection(
                .invalid, "\(pathOf(key)) must be \(bound) characters long, not \(text.count)", field: pathOf(key))
        }
        return text
    }

    /// C0 controls other than tab, line feed and carriage return; DEL; the C1 controls.
    static func isForbiddenControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: false
        case 0x00...0x1F, 0x7F...0x9F: true
        default: false
        }
    }

    /// A required string field.
    public func requiredString(_ key: String, length: ClosedRange<Int> = 1...10_000) throws(Rejection) -> String {
        // `string` with required: true never returns nil.
        try string(key, required: true, length: length) ?? ""
    }

    /// A string that must match `pattern` (a regular expression anchored at both ends).
    public func string(
        _ key: String, required: Bool = true, length: ClosedRange<Int> = 1...10_000, matching pattern: String,
        described description: String
    ) throws(Rejection) -> String? {
        guard let text = try string(key, required: required, length: length) else { return nil }
        guard FieldPatterns.matches(text, pattern) else {
            throw Rejection(.invalid, "\(pathOf(key)) must be \(description)", field: pathOf(key))
        }
        return text
    }

    /// A string from a fixed vocabulary. The refusal names the allowed values, never the one sent: a phone number
    /// typed into the wrong field would otherwise travel back in the REJECTED, and wait in the outbox with it.
    public func enumeration<E: RawRepresentable & CaseIterable>(
        _ key: String, _ type: E.Type, required: Bool = true
    ) throws(Rejection) -> E? where E.RawValue == String {
        guard let text = try string(key, required: required, length: 1...64) else { return nil }
        guard let value = E(rawValue: text) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
            throw Rejection(.invalid, "\(pathOf(key)) must be one of \(allowed)", field: pathOf(key))
        }
        return value
    }

    /// An RFC 3339 timestamp such as `2026-11-23T09:30:00+01:00`.
    public func timestamp(_ key: String, required: Bool = true) throws(Rejection) -> String? {
        guard let text = try string(key, required: required, length: 1...64) else { return nil }
        guard RFC3339.parse(text) != nil else {
            throw Rejection(
                .invalid, "\(pathOf(key)) must be an RFC 3339 timestamp such as 2026-11-23T09:30:00+01:00",
                field: pathOf(key))
        }
        return text
    }

    /// A nested object.
    public func object(_ key: String, required: Bool = true) throws(Rejection) -> FieldReader? {
        guard let value = try value(key, required: required) else { return nil }
        guard case .object(let nested) = value else {
            throw Rejection(.invalid, "\(pathOf(key)) must be an object, not \(value.typeName)", field: pathOf(key))
        }
        return FieldReader(path: pathOf(key), fields: nested)
    }

    public func requiredObject(_ key: String) throws(Rejection) -> FieldReader {
        try object(key, required: true) ?? FieldReader(path: pathOf(key), fields: [:])
    }

    /// An array with its element count checked; elements come back with their paths.
    public func array(
        _ key: String, required: Bool = true, count: ClosedRange<Int>
    ) throws(Rejection) -> [(path: String, value: JSONValue)]? {
        guard let value = try value(key, required: required) else { return nil }
        guard case .array(let items) = value else {
            throw Rejection(.invalid, "\(pathOf(key)) must be an array, not \(value.typeName)", field: pathOf(key))
        }
        guard count.contains(items.count) else {
            throw Rejection(
                .invalid,
                "\(pathOf(key)) must have \(count.lowerBound) to \(count.upperBound) items, not \(items.count)",
                field: pathOf(key))
        }
        return items.enumerated().map { ("\(pathOf(key))[\($0.offset)]", $0.element) }
    }

    /// Reads an array element as an object.
    public static func object(at path: String, _ value: JSONValue) throws(Rejection) -> FieldReader {
        guard case .object(let fields) = value else {
            throw Rejection(.invalid, "\(path) must be an object, not \(value.typeName)", field: path)
        }
        return FieldReader(path: path, fields: fields)
    }
}
