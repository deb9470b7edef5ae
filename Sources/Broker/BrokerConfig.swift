import Foundation
import SchakelProtocol
import Sodium
import ZeroMQ

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
    /// CURVE mode (`curve.secret_key_file`): the broker's secret key file. Every peer proves a public key listed
    /// on the social map; the principal comes from the key. Required unless ``insecureDev``.
    public var curveSecretKeyFile: URL?
    /// `admin.group`: the group that may use the admin socket too (mode 0660 instead of 0600); nil for none.
    public var adminGroup: String?
    /// Bodies above this are answered with `too_large`.
    public var maxBodyBytes: Int
    /// ZMQ_MAXMSGSIZE: a peer sending more than this is disconnected by libzmq.
    public var maxMessageBytes: Int
    /// The most messages handled in one loop turn, and so committed in one transaction.
    public var batchSize: Int
    /// `limits.max_connections`: connections the broker endpoint holds at once; nil means what the open-file
    /// limit allows (BrokerServer+Connections.swift).
    public var maxConnections: Int?
    /// How often unconfirmed outbox messages are sent again to connected peers.
    public var outboxRetryInterval: ISODuration
    public var synchronousFull: Bool
    /// A hard cap on the database size in pages (`PRAGMA max_page_count`), nil for none.
    /// When it is reached, writes fail and peers get `unavailable` instead of a silent loss.
    public var maxDatabasePages: Int?
    /// `database.postgresql`: the state lives in PostgreSQL instead of the SQLite file (issue 21), shared by an
    /// active daemon and its standbys; nil for SQLite.
    public var postgresql: PostgreSQLSettings?
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
    /// Encryption at rest: where the data keys are and which one seals new values.
    public var encryption: EncryptionSettings
    /// How long after a referral closes (or becomes unroutable) its personal data is kept; default P90D.
    public var retention: ISODuration

    /// The admin socket: a REP socket in the state directory, protected by the directory's and its own
    /// file permissions (Protocols/ADMIN.md).
    public var adminEndpoint: String { "ipc://\(stateDirectory.path)/admin.sock" }

    public static let defaultMaxBodyBytes = 256 * 1024

    /// Where the data keys are read from (``EncryptionSettings/keyDirectory``).
    public var keyDirectory: URL { encryption.keyDirectory ?? stateDirectory.appendingPathComponent("keys") }

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
            "metrics", "test_hooks", "policy", "clock", "curve", "admin", "encryption", "retention", "events",
            "subscribe",
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
        if let curve = fields["curve"] {
            let file = string(curve["secret_key_file"], "curve.secret_key_file")
            switch Self.resolveCredential(file, against: base, environment: ProcessInfo.processInfo.environment) {
            case .success(let url): curveSecretKeyFile = url
            case .failure(let problem): problems.append(problem.problems[0])
            }
        }
        if let admin = fields["admin"], admin["group"] != nil {
            adminGroup = string(admin["group"], "admin.group")
        }
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
        maxConnections = limits?["max_connections"].map { int($0, "limits.max_connections", default: 1) }
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
        if let section = fields["database"]?["postgresql"] {
            postgresql = PostgreSQLSettings.parse(section, problems: &problems)
            if postgresql != nil, fields["database"]?["max_pages"] != nil {
                problems.append("database.max_pages is SQLite's: leave it out with database.postgresql")
            }
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
        let retentionText = string(fields["retention"], "retention", default: "P90D")
        if let parsed = ISODuration(retentionText), parsed.seconds > 0 {
            retention = parsed
        } else {
            problems.append("retention must be an ISO 8601 duration such as P90D, not \(retentionText)")
            retention = ISODuration("P90D")!
        }
        let encryptionSection = fields["encryption"]
        if encryptionSection == nil, insecureDev {
            // Development without a key configured: a key generated once in the state directory.
            encryption = EncryptionSettings(keyDirectory: nil, keyID: "dev", generateIfMissing: true)
        } else {
            // Without key_dir: `keys` in the state directory, which follows --state-dir.
            let dir = encryptionSection?["key_dir"].map { string($0, "encryption.key_dir") }
            let id = string(encryptionSection?["key_id"], "encryption.key_id")
            if !id.isEmpty, !SealingKey.isValidID(id) {
                problems.append("encryption.key_id must be 1-32 of a-z, 0-9, - and _, not \(id)")
            }
            let generate = bool(encryptionSection?["generate_if_missing"], "encryption.generate_if_missing")
            encryption = EncryptionSettings(
                keyDirectory: dir.map { Self.resolve(EncryptionSettings.expand($0), against: base) }, keyID: id,
                generateIfMissing: generate)
        }
        if !broker.isEmpty { problems += checkProblems() }
        guard problems.isEmpty || lenient else { throw ConfigError(problems: problems) }
    }

    /// The keys each section may hold: a misspelt key in a section is as wrong as one at the top.
    static let knownSectionKeys: [(String, Set<String>)] = [
        ("limits", ["max_body_bytes", "max_message_bytes", "batch_size", "max_connections"]),
        ("outbox", ["retry_interval"]),
        ("database", ["synchronous", "max_pages", "postgresql"]),
        ("clock", ["mode", "start"]),
        ("curve", ["secret_key_file"]),
        ("admin", ["group"]),
        ("encryption", ["key_dir", "key_id", "generate_if_missing"]),
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
        if encryption.generateIfMissing, !insecureDev {
            problems.append(
                "encryption.generate_if_missing is for development only (insecure_dev); provision the key file instead")
        }
        if let adminGroup, !adminGroup.isEmpty, Self.groupID(named: adminGroup) == nil {
            problems.append(
                "admin.group: there is no group \"\(adminGroup)\" on this system; create it (groupadd) or remove "
                    + "admin.group to keep the admin socket to the daemon's own user")
        }
        if insecureDev {
            if curveSecretKeyFile != nil {
                problems.append(
                    "insecure_dev and curve exclude each other: remove insecure_dev to run with CURVE, or curve to "
                        + "run the plain development mode")
            }
            for (name, endpoint) in endpoints where !Self.isLocal(endpoint) {
                problems.append(
                    "\(name): insecure_dev is allowed only on loopback or ipc endpoints; \(endpoint) would expose "
                        + "unauthenticated access (peers name their own principal); use 127.0.0.1 or ipc://, or "
                        + "configure curve instead of insecure_dev")
            }
            for (index, source) in subscribe.enumerated() where !Self.isLocal(source.endpoint) {
                problems.append(
                    "subscribe[\(index)].endpoint: insecure_dev is allowed only on loopback or ipc endpoints; anyone "
                        + "could publish as \(source.organisation) on \(source.endpoint)")
            }
            if let events, !events.publicKeys.isEmpty {
                problems.append(
                    "events.public_keys: insecure_dev has no CURVE, so nothing would check these keys; remove them, "
                        + "or configure curve instead of insecure_dev")
            }
            return problems
        }
        guard let curveSecretKeyFile else {
            return problems + [
                "curve: required unless insecure_dev is true. Without it a peer could name any principal. Create a key "
                    + "pair with `schakelctl keygen broker`, set \"curve\": {\"secret_key_file\": \"broker.key\"} "
                    + "and list the peers' public keys on the social map (public_keys); or, on a development machine "
                    + "with only loopback or ipc endpoints, set \"insecure_dev\": true"
            ]
        }
        // CURVE mode: every socket authenticates. The event stream admits only the keys listed for it; a
        // publish-only adapter on tcp:// must be known by its key, or anyone on the network could publish as it.
        if let events, events.publicKeys.isEmpty {
            problems.append(
                "events.public_keys: required with curve: list the CURVE public keys (schakelctl keygen) of the "
                    + "subscribers that may read the event stream; no other key is admitted")
        }
        for (index, source) in subscribe.enumerated()
        where source.serverKey == nil && source.endpoint.hasPrefix("tcp://") {
            problems.append(
                "subscribe[\(index)].server_key: required with curve for a tcp:// endpoint: the CURVE public key of the "
                    + "adapter at \(source.endpoint), so that nobody else can publish as \(source.organisation)")
        }
        if !ZMQ.has("curve") {
            problems.append("curve: the libzmq on this machine was built without CURVE; install one with it")
        }
        do {
            _ = try Self.readCurveSecretKey(at: curveSecretKeyFile)
        } catch {
            problems += error.problems
        }
        return problems
    }

    /// Every ZeroMQ and HTTP endpoint the daemon binds, with its setting's name: all must be local in insecure_dev.
    public var endpoints: [(name: String, endpoint: String)] {
        [("broker", broker)] + (metrics.map { [("metrics", $0)] } ?? [])
            + (events.map { [("events", $0.endpoint)] } ?? [])
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

/// Where the data keys of encryption at rest live (Protocols/ADMIN.md, deploy/README.md).
public struct EncryptionSettings: Sendable, Equatable {
    /// A directory of key files named `<key id>.key` (32 raw bytes or 64 hex characters each); every one is
    /// loaded, so values sealed under an older key still open while `rotate-key` re-seals them. Nil (no
    /// `key_dir` in the config): `keys` in the state directory, following `--state-dir`.
    public var keyDirectory: URL?
    /// The key new values are sealed under.
    public var keyID: String
    /// Create `<key_dir>/<key_id>.key` (mode 0600) when it does not exist: development only.
    public var generateIfMissing: Bool

    /// `$CREDENTIALS_DIRECTORY` at the start of a path is the directory systemd's `LoadCredential=` fills.
    static func expand(_ path: String) -> String {
        let variable = "$CREDENTIALS_DIRECTORY"
        guard path.hasPrefix(variable),
            let directory = ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"]
        else { return path }
        return directory + path.dropFirst(variable.count)
    }
}
