import Foundation
import SchakelProtocol

/// Referral bodies for the tests, built from the README's example so that the two stay alike.
enum Referrals {
    /// Personal data in the example, which must never show up where it does not belong.
    static let citizenName = "Fatima El Amrani"
    static let citizenPhone = "+31 6 0000 1234"

    static func example() throws -> JSONValue {
        try JSONValue.parse(Data(contentsOf: Paths.exampleReferral))
    }

    /// The example with another external id and the given needs (domains) and consent.
    static func make(
        externalID: String = "T-\(UUID().uuidString.prefix(8))", needs: [String] = ["debt", "housing"],
        shareWith: [String] = ["*"]
    ) throws -> JSONValue {
        guard case .object(var fields) = try example() else { throw TestError("example is not an object") }
        fields["external_id"] = .string(externalID)
        fields["needs"] = .array(
            needs.map { .object(["domain": .string($0), "summary": .string("Hulp met \($0).")]) })
        if case .object(var consent)? = fields["consent"] {
            consent["share_with"] = .array(shareWith.map { .string($0) })
            fields["consent"] = .object(consent)
        }
        return .object(fields)
    }

    /// `value` with the field at `path` (dot-separated object keys) replaced.
    static func setting(_ path: String, to newValue: JSONValue?, in value: JSONValue) -> JSONValue {
        let keys = path.split(separator: ".").map(String.init)
        func set(_ keys: ArraySlice<String>, _ value: JSONValue) -> JSONValue {
            guard let key = keys.first, case .object(var fields) = value else { return value }
            if keys.count == 1 {
                fields[key] = newValue
            } else {
                fields[key] = set(keys.dropFirst(), fields[key] ?? .object([:]))
            }
            return .object(fields)
        }
        return set(keys[...], value)
    }
}
