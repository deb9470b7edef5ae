import Foundation
import SchakelProtocol

/// One entry of config `subscribe`: a publish-only adapter the daemon connects a SUB socket to, and the
/// organisation every SUBMIT from it is taken to come from (Protocols/SRP1.md, "Publish-only adapters").
///
/// The organisation comes from here and never from the message, so an adapter cannot submit for another one.
public struct SubscribeSource: Sendable, Equatable {
    /// The adapter's PUB endpoint (`tcp://` or `ipc://`); the daemon connects, the adapter binds.
    public var endpoint: String
    /// The organisation principal (`org:...`); must be on the social map.
    public var organisation: String
    /// The adapter's CURVE public key (40 characters of Z85): the `ZMQ_CURVE_SERVERKEY` of this SUB socket, so the
    /// broker reads only from the adapter holding its secret. Required in CURVE mode for a `tcp://` endpoint.
    public var serverKey: String?

    public init(endpoint: String, organisation: String, serverKey: String? = nil) {
        self.endpoint = endpoint
        self.organisation = organisation
        self.serverKey = serverKey
    }

    /// The 85 characters of Z85 (ZeroMQ RFC 32).
    static let z85Alphabet = Set(
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#")

    /// Whether `key` is a CURVE key in Z85: 40 characters of its alphabet.
    static func isZ85Key(_ key: String) -> Bool {
        key.count == 40 && key.allSatisfy(z85Alphabet.contains)
    }

    /// Reads the `subscribe` list, adding a line to `problems` (with the entry's index) for each thing wrong.
    static func parseList(_ value: JSONValue, problems: inout [String]) -> [SubscribeSource] {
        guard let items = value.arrayValue else {
            problems.append("subscribe must be a list of {\"endpoint\", \"organisation\"} objects")
            return []
        }
        var sources: [SubscribeSource] = []
        var endpoints: Set<String> = []
        for (index, item) in items.enumerated() {
            let name = "subscribe[\(index)]"
            guard case .object(let fields) = item else {
                problems.append("\(name) must be an object with endpoint and organisation")
                continue
            }
            for extra in fields.keys.sorted() where !["endpoint", "organisation", "server_key"].contains(extra) {
                problems.append("unknown setting \"\(name).\(extra)\"")
            }
            let endpoint = fields["endpoint"]?.stringValue ?? ""
            let organisation = fields["organisation"]?.stringValue ?? ""
            var fine = true
            if !(endpoint.hasPrefix("tcp://") || endpoint.hasPrefix("ipc://")) || endpoint.count < 8 {
                problems.append("\(name).endpoint must be the adapter's tcp:// or ipc:// PUB endpoint")
                fine = false
            } else if !endpoints.insert(endpoint).inserted {
                problems.append("\(name).endpoint \(endpoint) is listed twice")
                fine = false
            }
            if organisation.range(of: "^org:[a-z0-9][a-z0-9-]{0,99}$", options: .regularExpression) == nil {
                problems.append("\(name).organisation must be an organisation principal such as org:huisarts-de-brug")
                fine = false
            }
            var serverKey: String?
            if let key = fields["server_key"] {
                if let text = key.stringValue, isZ85Key(text) {
                    serverKey = text
                } else {
                    problems.append("\(name).server_key must be the adapter's CURVE public key: 40 characters of Z85")
                    fine = false
                }
            }
            if fine {
                sources.append(SubscribeSource(endpoint: endpoint, organisation: organisation, serverKey: serverKey))
            }
        }
        return sources
    }
}
