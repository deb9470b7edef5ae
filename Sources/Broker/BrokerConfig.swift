import Foundation
import SchakelProtocol

/// The daemon's configuration, read from one JSON file (see Config/schakeld.dev.json).
///
/// Relative paths in the file are resolved against the directory of the file itself, so a
/// config works the same from whatever directory the daemon is started in.
public struct BrokerConfig: Sendable {
    /// The ROUTER endpoint every peer connects to.
    public var broker: String
    public var stateDirectory: URL
    public var socialMapPath: URL
    /// Plain mode: peers name their own principal in HELLO. Allowed only on loopback and ipc.
    public var insecureDev: Bool
    /// Bodies above this are answered with `too_large`.
    public var maxBodyBytes: Int
    /// ZMQ_MAXMSGSIZE: a peer sending more than this is disconnected by libzmq.
    public var maxMessageBytes: Int
    /// The most messages handled in one loop turn, and so committed in one transaction.
    public var batchSize: Int
    /// How often unconfirmed outbox messages are sent again to connected peers.
    public var outboxRetryInterval: ISODuration
    public var synchronousFull: Bool
    /// A hard cap on the database size in pages (`PRAGMA max_page_count`), nil for none.
    /// When it is reached, writes fail and peers get `unavailable` instead of a silent loss.
    public var maxDatabasePages: Int?
    public var logLevel: LogLevel
    /// The deadline policy file (Config/policy.json); nil means the built-in defaults.
    public var policyPath: URL?
    /// Set in the `manual` clock mode: the moment the daemon's clock starts at. Nil: the wall clock.
    public var manualClockStart: Date?

    public static let defaultMaxBodyBytes = 256 * 1024

    /// The file name of the SQLite database inside the state directory.
    public var databasePath: String { stateDirectory.appendingPathComponent("schakel.sqlite").path }

    /// Reads and checks a config file; every error names the field and what is wrong.
    public init(contentsOf url: URL) throws(ConfigError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ConfigError("cannot read \(url.path): \(error.localizedDescription)")
        }
        let json: JSONValue
        do {
            json = try JSONValue.parse(data)
        } catch {
            throw ConfigError("\(url.path) is not valid JSON")
        }
        guard case .object(let fields) = json else { throw ConfigError("\(url.path) must hold a JSON object") }
        let base = url.deletingLastPathComponent()
        let known: Set<String> = [
            "broker", "state_dir", "social_map", "insecure_dev", "limits", "outbox", "database", "log_level", "comment",
            "policy", "clock",
        ]
        if let extra = fields.keys.sorted().first(where: { !known.contains($0) }) {
            throw ConfigError("unknown setting \"\(extra)\" in \(url.path)")
        }
        func string(_ value: JSONValue?, _ name: String, default fallback: String? = nil) throws(ConfigError) -> String
        {
            if let text = value?.stringValue, !text.isEmpty { return text }
            if value == nil, let fallback { return fallback }
            throw ConfigError("\(name) must be a non-empty string")
        }
        func int(_ value: JSONValue?, _ name: String, default fallback: Int) throws(ConfigError) -> Int {
            guard let value else { return fallback }
            guard let n = value.numberValue, n >= 1, n.rounded() == n else {
                throw ConfigError("\(name) must be a positive whole number")
            }
            return Int(n)
        }
        broker = try string(fields["broker"], "broker")
        stateDirectory = Self.resolve(try string(fields["state_dir"], "state_dir"), against: base)
        socialMapPath = Self.resolve(try string(fields["social_map"], "social_map"), against: base)
        insecureDev = fields["insecure_dev"]?.boolValue ?? false
        let limits = fields["limits"]
        maxBodyBytes = try int(limits?["max_body_bytes"], "limits.max_body_bytes", default: Self.defaultMaxBodyBytes)
        maxMessageBytes = try int(
            limits?["max_message_bytes"], "limits.max_message_bytes", default: 4 * Self.defaultMaxBodyBytes)
        batchSize = try int(limits?["batch_size"], "limits.batch_size", default: 512)
        let retry = try string(fields["outbox"]?["retry_interval"], "outbox.retry_interval", default: "PT30S")
        guard let interval = ISODuration(retry), interval.seconds > 0 else {
            throw ConfigError("outbox.retry_interval must be an ISO 8601 duration such as PT30S, not \(retry)")
        }
        outboxRetryInterval = interval
        let sync = try string(fields["database"]?["synchronous"], "database.synchronous", default: "full")
        guard sync == "full" || sync == "normal" else {
            throw ConfigError("database.synchronous must be \"full\" or \"normal\", not \(sync)")
        }
        synchronousFull = sync == "full"
        if let pages = fields["database"]?["max_pages"] {
            maxDatabasePages = try int(pages, "database.max_pages", default: 0)
        }
        let level = try string(fields["log_level"], "log_level", default: "info")
        guard let parsed = LogLevel(name: level) else {
            throw ConfigError("log_level must be one of \(LogLevel.allCases.map(\.name).joined(separator: ", "))")
        }
        logLevel = parsed
        if let policy = fields["policy"] {
            policyPath = Self.resolve(try string(policy, "policy"), against: base)
        }
        if let clock = fields["clock"] {
            let mode = try string(clock["mode"], "clock.mode")
            switch mode {
            case "system":
                manualClockStart = nil
            case "manual":
                let start = try string(clock["start"], "clock.start", default: "2026-01-05T09:00:00+01:00")
                guard let date = RFC3339.parse(start) else {
                    throw ConfigError("clock.start must be an RFC 3339 time such as 2026-01-05T09:00:00+01:00")
                }
                manualClockStart = date
            default:
                throw ConfigError("clock.mode must be \"system\" or \"manual\", not \(mode)")
            }
        }
        try check()
    }

    /// The rules that hold whatever the overrides: checked again after `--broker` and friends.
    public func check() throws(ConfigError) {
        guard maxMessageBytes > maxBodyBytes else {
            throw ConfigError("limits.max_message_bytes must be above limits.max_body_bytes")
        }
        guard broker.hasPrefix("tcp://") || broker.hasPrefix("ipc://") || broker.hasPrefix("inproc://") else {
            throw ConfigError("broker must be a tcp://, ipc:// or inproc:// endpoint, not \(broker)")
        }
        guard insecureDev else {
            throw ConfigError(
                "this version speaks only the plain development mode: set \"insecure_dev\": true (CURVE authentication is not built yet)"
            )
        }
        guard Self.isLocal(broker) else {
            throw ConfigError(
                "insecure_dev is allowed only on loopback or ipc endpoints; \(broker) would expose unauthenticated access"
            )
        }
    }

    /// Loopback TCP, ipc and inproc endpoints: the only places plain mode may listen.
    public static func isLocal(_ endpoint: String) -> Bool {
        if endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://") { return true }
        guard endpoint.hasPrefix("tcp://") else { return false }
        let hostPort = endpoint.dropFirst("tcp://".count)
        let host: Substring
        if hostPort.hasPrefix("[") {
            host = hostPort.dropFirst().prefix { $0 != "]" }
        } else {
            host = hostPort.prefix { $0 != ":" }
        }
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    static func resolve(_ path: String, against base: URL) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path).standardizedFileURL
    }
}

/// A configuration the daemon refuses to start with, and why.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
