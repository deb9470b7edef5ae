import Foundation
import SchakelProtocol
import ZeroMQ

/// Variants of the demo social map for tests that need a contact away, full, or gone.
enum SocialMaps {
    /// The demo map as JSON.
    static func demo() throws -> JSONValue {
        try JSONValue.parse(Data(contentsOf: Paths.demoMap))
    }

    /// The demo map with `fields` set on each contact named (a nil value removes the field).
    static func demo(changing contacts: [String: [String: JSONValue?]]) throws -> JSONValue {
        guard case .object(var map) = try demo(), let list = map["contacts"]?.arrayValue else {
            throw TestError("the demo map is not shaped as expected")
        }
        map["contacts"] = .array(
            list.map { contact in
                guard case .object(var fields) = contact, let id = fields["id"]?.stringValue,
                    let changes = contacts[id]
                else { return contact }
                for (key, value) in changes { fields[key] = value }
                return .object(fields)
            })
        return .object(map)
    }

    /// The demo map with CURVE public keys for the principals named (organisations and contacts), and
    /// `adapter_acts_for_contacts` set on the organisations in `actingAdapters`.
    static func demo(keys: [String: [CurveKeyPair]], actingAdapters: Set<String> = []) throws -> JSONValue {
        guard case .object(var map) = try demo() else { throw TestError("the demo map is not shaped as expected") }
        for list in ["organizations", "contacts"] {
            guard let entries = map[list]?.arrayValue else { throw TestError("the demo map has no \(list)") }
            map[list] = .array(
                entries.map { entry in
                    guard case .object(var fields) = entry, let id = fields["id"]?.stringValue else { return entry }
                    if let pairs = keys[id] { fields["public_keys"] = .array(pairs.map { .string($0.publicKey) }) }
                    if actingAdapters.contains(id) { fields["adapter_acts_for_contacts"] = true }
                    return .object(fields)
                })
        }
        return .object(map)
    }

    /// The demo map without the contacts named.
    static func demo(removing ids: Set<String>) throws -> JSONValue {
        guard case .object(var map) = try demo(), let list = map["contacts"]?.arrayValue else {
            throw TestError("the demo map is not shaped as expected")
        }
        map["contacts"] = .array(list.filter { !ids.contains($0["id"]?.stringValue ?? "") })
        return .object(map)
    }
}

extension Daemon {
    /// Writes `map` as this daemon's social map (`social-map.json` in its directory) and points the config at it;
    /// takes effect at the next start or reload.
    @discardableResult
    func useSocialMap(_ map: JSONValue) throws -> URL {
        let url = directory.appendingPathComponent("social-map.json")
        try map.canonicalData().write(to: url)
        try reconfigure(["social_map": .string(url.path)])
        return url
    }
}
