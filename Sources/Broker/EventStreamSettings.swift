import SchakelProtocol

/// Config `events`: where the PUB socket of the event stream binds and what it calls itself (Protocols/EVENTS.md).
///
/// Written either as an endpoint string (`"events": "tcp://127.0.0.1:5711"`) or as an object with `endpoint`,
/// `source` and `public_keys`.
public struct EventStreamSettings: Sendable, Equatable {
    /// A `tcp://` or `ipc://` endpoint the PUB socket binds.
    public var endpoint: String
    /// The CloudEvents `source` of every event: a URI naming this broker, such as `urn:schakel:lekstroom`.
    public var source: String
    /// In CURVE mode, the CURVE public keys (Z85) of the subscribers the stream admits, and no others: the stream
    /// shows who refers citizens to whom, which is not for every peer on the social map. Required in CURVE mode,
    /// refused in insecure_dev (where nothing could check them).
    public var publicKeys: [String]

    public static let defaultSource = "urn:schakel:schakeld"

    public init(endpoint: String, source: String = Self.defaultSource, publicKeys: [String] = []) {
        self.endpoint = endpoint
        self.source = source
        self.publicKeys = publicKeys
    }

    /// Reads the setting, adding a line to `problems` for each thing wrong with it.
    static func parse(_ value: JSONValue, problems: inout [String]) -> EventStreamSettings? {
        var endpoint: String?
        var source = defaultSource
        var publicKeys: [String] = []
        switch value {
        case .string(let text):
            endpoint = text
        case .object(let fields):
            for extra in fields.keys.sorted() where !["endpoint", "source", "public_keys"].contains(extra) {
                problems.append("unknown setting \"events.\(extra)\"")
            }
            endpoint = fields["endpoint"]?.stringValue
            if let given = fields["source"] {
                if let text = given.stringValue, (1...256).contains(text.count), text.contains(":"),
                    !text.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } ?? false })
                {
                    source = text
                } else {
                    problems.append("events.source must be a URI such as urn:schakel:lekstroom")
                }
            }
            if let given = fields["public_keys"] {
                let keys = given.arrayValue?.compactMap(\.stringValue) ?? []
                if given.arrayValue?.count == keys.count, keys.allSatisfy(SubscribeSource.isZ85Key) {
                    publicKeys = keys
                } else {
                    problems.append(
                        "events.public_keys must be a list of subscribers' CURVE public keys: 40 characters of Z85 each"
                    )
                }
            }
        default:
            problems.append("events must be an endpoint string or an object with endpoint and source")
            return nil
        }
        guard let endpoint, endpoint.hasPrefix("tcp://") || endpoint.hasPrefix("ipc://") else {
            problems.append("events.endpoint must be a tcp:// or ipc:// endpoint such as tcp://127.0.0.1:5711")
            return nil
        }
        return EventStreamSettings(endpoint: endpoint, source: source, publicKeys: publicKeys)
    }
}
