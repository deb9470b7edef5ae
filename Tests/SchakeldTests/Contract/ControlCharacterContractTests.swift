import Foundation
import SchakelProtocol
import Testing

/// SRP1.md: escaped, only tab, line feed and carriage return may appear in a field; any other control character
/// (U+0000 to U+001F, U+007F to U+009F) makes the field `invalid`. The parser enforces it in FieldReader; the
/// schemas say it with a `pattern` on every free-text field. These tests hold the two to the same answer.
@Suite struct ControlCharacterContractTests {
    /// A free-text field of a peer message: where it is in the example body, and the field path the broker names.
    struct Field: Sendable, CustomStringConvertible {
        var command: Command
        var path: [String]
        var description: String { "\(command.rawValue) \(fieldPath)" }

        /// `referral.needs[0].summary` from ["referral", "needs", "0", "summary"], as Rejection.field writes it.
        var fieldPath: String {
            path.reduce("") { result, key in
                if Int(key) != nil { return result + "[\(key)]" }
                return result.isEmpty ? key : result + "." + key
            }
        }

        /// The command's example with this field set to `text`.
        func message(with text: String) throws -> WireMessage {
            let example = try ContractFiles.example(command)
            var body = Self.setting(example.body, path[...], to: .string(text))
            if command == .status { body = .object([path[0]: .string(text)]) }  // one of the two ids, not both
            return WireMessage(command, body)
        }

        private static func setting(_ value: JSONValue, _ path: ArraySlice<String>, to new: JSONValue) -> JSONValue {
            guard let key = path.first else { return new }
            switch value {
            case .object(var fields):
                fields[key] = setting(fields[key] ?? .null, path.dropFirst(), to: new)
                return .object(fields)
            case .array(var items):
                guard let index = Int(key), items.indices.contains(index) else { return value }
                items[index] = setting(items[index], path.dropFirst(), to: new)
                return .array(items)
            default:
                return value
            }
        }
    }

    static let fields: [Field] = [
        Field(command: .submit, path: ["referral", "external_id"]),
        Field(command: .submit, path: ["referral", "referrer", "name"]),
        Field(command: .submit, path: ["referral", "referrer", "role"]),
        Field(command: .submit, path: ["referral", "citizen", "display_name"]),
        Field(command: .submit, path: ["referral", "needs", "0", "summary"]),
        Field(command: .submit, path: ["referral", "life_event"]),
        Field(command: .submit, path: ["referral", "consent", "recorded_by"]),
        Field(command: .submit, path: ["referral", "note"]),
        Field(command: .hello, path: ["client"]),
        Field(command: .status, path: ["external_id"]),
        Field(command: .ack, path: ["handover_id"]),
        Field(command: .outcome, path: ["note"]),
        Field(command: .reopen, path: ["reason"]),
        Field(command: .reopen, path: ["referral_id"]),
        Field(command: .contacted, path: ["handover_id"]),
    ]

    /// First and last of each forbidden range, and DEL, escape, vertical tab, form feed and NEL (which a regex
    /// engine may take for a line end).
    static let forbidden: [Unicode.Scalar] = [0x00, 0x07, 0x08, 0x0B, 0x0C, 0x0E, 0x1B, 0x1F, 0x7F, 0x80, 0x85, 0x9F]
        .map { Unicode.Scalar(UInt8($0)) }

    @Test(arguments: fields)
    func anEscapedControlCharacterIsInvalidForTheParserAndTheSchemaAlike(_ field: Field) throws {
        let schema = try ProtocolSpec.schema(for: field.command.rawValue)
        let validator = try ContractFiles.validator()
        for scalar in Self.forbidden {
            let hex = String(format: "U+%04X", scalar.value)
            // In the middle and at the very end (where a lenient `$` would let a line terminator through).
            for text in ["ab\(Character(scalar))cd", "abcd\(Character(scalar))"] {
                let message = try field.message(with: text)
                do {
                    let request = try PeerRequest.parse(message, referrals: validator)
                    Issue.record("\(field) with \(hex) was accepted as \(request)")
                } catch {
                    #expect(error.code == .invalid, "\(field) \(hex): \(error.message)")
                    #expect(error.field == field.fieldPath, "\(field) \(hex): \(error.message)")
                }
                let violations = schema.violations(message.body)
                #expect(
                    violations.contains { $0.path == field.fieldPath }, "\(field) with \(hex) passes: \(violations)")
            }
        }
    }

    @Test(arguments: fields)
    func tabLineFeedAndCarriageReturnAreFineForTheParserAndTheSchemaAlike(_ field: Field) throws {
        let message = try field.message(with: "a\tb\nc\r\nd\n")
        #expect(throws: Never.self) { try PeerRequest.parse(message, referrals: try ContractFiles.validator()) }
        let violations = try ProtocolSpec.schema(for: field.command.rawValue).violations(message.body)
        #expect(violations.isEmpty, "\(field): \(violations)")
    }

    @Test func aFinalDollarInASchemaPatternIsTheEndOfTheInputAsInECMA262() {
        // ICU alone would match "org:brug\n" against ^...$; JSON Schema's regex dialect does not.
        let errors = ProtocolSpec.validate(WireMessage(.hello, .object(["as": .string("org:huisarts-de-brug\n")])))
        #expect(errors.count == 1, "\(errors)")
        #expect(JSONSchema.endAnchored("^a$") == "^a\\z")
        #expect(JSONSchema.endAnchored("^a\\$") == "^a\\$")
        #expect(JSONSchema.endAnchored("^a\\\\$") == "^a\\\\\\z")
    }
}
