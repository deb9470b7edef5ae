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
    /// An optional `tcp://` endpoint serving HTTP `GET /metrics` and `/healthz`; nil for none.
    public var metrics: String?
    /// The event stream (Protocols/EVENTS.md): a PUB socket of CloudEvents for every state change; nil for none.
    public var events: EventStreamSettings?
    /// Publish-only adapters whose SUBMITs the daemon takes in over a SUB socket each (Protocols/SRP1.md).
    public var subscribe: [SubscribeSource] = []
    /// Enables admin commands that exist only for tests (`debug.stall`). Never on in production.
    public var testHooks: Bool
    /// The file this config was read from, so that SIGHUP can read it again.
    public var sourceURL: URL

    /// The admin socket: a REP socket in the state directory, protected by the directory's and its own
    /// file permissions (Protocols/ADMIN.md).
    public var adminEndpoint: String { "ipc://\(stateDirectory.path)/admin.sock" }

    public static let defaultMaxBodyBytes = 256 * 1024

    /// The file name of the SQLite database inside the state directory.
    public var databasePath: String { stateDirectory.appendingPathComponent("schakel.sqlite").path }

    /// Reads and checks a config file. Every error names the field and what is wrong, and all of them are
    /// reported at once (``ConfigError/problems``), so an operator fixes a file in one round.
    public init(contentsOf url: URL) throws(ConfigError) {
        try self.init(contentsOf: url, lenient: false)
    }

    /// The config as far as it can be read, problems ignored (defaults in their place): lets `--check-config`
    /// check the social map even when a setting is wrong. Throws only when the file is not a JSON object.
    public static func lenient(contentsOf url: URL) throws(ConfigError) -> BrokerConfig {
        try BrokerConfig(contentsOf: url, lenient: true)
    }

    private init(contentsOf url: URL, lenient: Bool) throws(ConfigError) {
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
        sourceURL = url
        let base = url.deletingLastPathComponent()
        var problems: [String] = []
        let known: Set<String> = [
            "broker", "state_dir", "social_map", "insecure_dev", "limits", "outbox", "database", "log_level", "comment",
            "metrics", "test_hooks", "policy", "clock", "events", "subscribe",
        ]
        for extra in fields.keys.sorted() where !known.contains(extra) {
            problems.append("unknown setting \"\(extra)\" in \(url.path)")
        }
        for (section, keys) in Self.knownSectionKeys {
            guard let value = fields[section] else { continue }
            guard case .object(let inner) = value else {
                problems.append("\(section) must be an object")
                continue
            }
            for extra in inner.keys.sorted() where !keys.contains(extra) {
                problems.append("unknown setting \"\(section).\(extra)\" in \(url.path)")
            }
        }
        func string(_ value: JSONValue?, _ name: String, default fallback: String? = nil) -> String {
            if let text = value?.stringValue, !text.isEmpty { return text }
            if value == nil, let fallback { return fallback }
            problems.append("\(name) must be a non-empty string")
            return fallback ?? ""
        }
        func int(_ value: JSONValue?, _ name: String, default fallback: Int) -> Int {
            guard let value else { return fallback }
            guard let n = value.numberValue, n >= 1, n <= 1e15, n.rounded() == n else {
                problems.append("\(name) must be a positive whole number")
                return fallback
            }
            return Int(n)
        }
        func bool(_ value: JSONValue?, _ name: String) -> Bool {
            guard let value else { return false }
            guard let flag = value.boolValue else {
                problems.append("\(name) must be true or false")
                return false
            }
            return flag
        }
        broker = string(fields["broker"], "broker")
        stateDirectory = Self.resolve(string(fields["state_dir"], "state_dir"), against: base)
        socialMapPath = Self.resolve(string(fields["social_map"], "social_map"), against: base)
        insecureDev = bool(fields["insecure_dev"], "insecure_dev")
        testHooks = bool(fields["test_hooks"], "test_hooks")
        if let metrics = fields["metrics"] {
            self.metrics = string(metrics, "metrics")
        }
        if let events = fields["events"] {
            self.events = EventStreamSettings.parse(events, problems: &problems)
        }
        if let subscribe = fields["subscribe"] {
            self.subscribe = SubscribeSource.parseList(subscribe, problems: &problems)
        }
        let limits = fields["limits"]
        maxBodyBytes = int(limits?["max_body_bytes"], "limits.max_body_bytes", default: Self.defaultMaxBodyBytes)
        maxMessageBytes = int(
            limits?["max_message_bytes"], "limits.max_message_bytes", default: 4 * Self.defaultMaxBodyBytes)
        batchSize = int(limits?["batch_size"], "limits.batch_size", default: 512)
        let retry = string(fields["outbox"]?["retry_interval"], "outbox.retry_interval", default: "PT30S")
        if let interval = ISODuration(retry), interval.seconds > 0 {
            outboxRetryInterval = interval
        } else {
            problems.append("outbox.retry_interval must be an ISO 8601 duration such as PT30S, not \(retry)")
            outboxRetryInterval = ISODuration("PT30S")!
        }
        let sync = string(fields["database"]?["synchronous"], "database.synchronous", default: "full")
        if sync != "full" && sync != "normal" {
            problems.append("database.synchronous must be \"full\" or \"normal\", not \(sync)")
        }
        synchronousFull = sync != "normal"
        if let pages = fields["database"]?["max_pages"] {
            maxDatabasePages = int(pages, "database.max_pages", default: 0)
        }
        let level = string(fields["log_level"], "log_level", default: "info")
        if let parsed = LogLevel(name: level) {
            logLevel = parsed
        } else {
            problems.append("log_level must be one of \(LogLevel.allCases.map(\.name).joined(separator: ", "))")
            logLevel = .info
        }
        if let policy = fields["policy"] {
            policyPath = Self.resolve(string(policy, "policy"), against: base)
        }
        if let clock = fields["clock"] {
            switch string(clock["mode"], "clock.mode") {
            case "system":
                manualClockStart = nil
            case "manual":
                let start = string(clock["start"], "clock.start", default: "2026-01-05T09:00:00+01:00")
                if let date = RFC3339.parse(start) {
                    manualClockStart = date
                } else {
                    problems.append("clock.start must be an RFC 3339 time such as 2026-01-05T09:00:00+01:00")
                }
            case let mode:
                problems.append("clock.mode must be \"system\" or \"manual\", not \(mode)")
            }
        }
        if !broker.isEmpty { problems += checkProblems() }
        guard problems.isEmpty || lenient else { throw ConfigError(problems: problems) }
    }

    /// The keys each section may hold: a misspelt key in a section is as wrong as one at the top.
    static let knownSectionKeys: [(String, Set<String>)] = [
        ("limits", ["max_body_bytes", "max_message_bytes", "batch_size"]),
        ("outbox", ["retry_interval"]),
        ("database", ["synchronous", "max_pages"]),
        ("clock", ["mode", "start"]),
    ]

    /// The rules that hold whatever the overrides: checked again after `--broker` and friends.
    public func check() throws(ConfigError) {
        let problems = checkProblems()
        guard problems.isEmpty else { throw ConfigError(problems: problems) }
    }

    private func checkProblems() -> [String] {
        var problems: [String] = []
        if maxMessageBytes <= maxBodyBytes {
            problems.append("limits.max_message_bytes must be above limits.max_body_bytes")
        }
        guard broker.hasPrefix("tcp://") || broker.hasPrefix("ipc://") || broker.hasPrefix("inproc://") else {
            return problems + ["broker must be a tcp://, ipc:// or inproc:// endpoint, not \(broker)"]
        }
        if let metrics, !metrics.hasPrefix("tcp://") {
            problems.append("metrics must be a tcp:// endpoint such as tcp://127.0.0.1:9710, not \(metrics)")
        }
        guard insecureDev else {
            return problems + [
                "insecure_dev: this version speaks only the plain development mode: set \"insecure_dev\": true (CURVE authentication is not built yet)"
            ]
        }
        if !Self.isLocal(broker) {
            problems.append(
                "broker: insecure_dev is allowed only on loopback or ipc endpoints; \(broker) would expose unauthenticated access"
            )
        }
        if let events, !Self.isLocal(events.endpoint) {
            problems.append(
                "events: insecure_dev is allowed only on loopback or ipc endpoints; \(events.endpoint) would publish to anyone"
            )
        }
        for (index, source) in subscribe.enumerated() where !Self.isLocal(source.endpoint) {
            problems.append(
                "subscribe[\(index)].endpoint: insecure_dev is allowed only on loopback or ipc endpoints; anyone could publish as \(source.organisation) on \(source.endpoint)"
            )
        }
        return problems
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

/// A configuration the daemon refuses to start with, and every reason why (one line each, with the path of the
/// setting at the start of the line or in it).
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var problems: [String]
    public var description: String { problems.joined(separator: "\n") }
    public init(_ description: String) { self.problems = [description] }
    public init(problems: [String]) { self.problems = problems }
}
