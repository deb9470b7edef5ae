import Deadlines
import Foundation
import SchakelClient
import SchakelProtocol
import SocialMap
import ZeroMQ

/// The desk's config file (`Config/desk.dev.json`, `/etc/schakel/desk.json`), read once at start. Relative paths
/// are relative to the file, as in the daemon's config.
public struct DeskConfig: Sendable {
    /// How a person proves who they are.
    public enum Login: String, Sendable {
        /// Development: a page lists the contacts of the map to pick from. Only with `insecure_dev`.
        case dev
        /// Production: the reverse proxy authenticates and passes the login in ``userHeader``.
        case proxy
    }

    public var host: String
    public var port: UInt16
    /// Where people reach the desk, for the links in e-mail notices (`https://desk.example.nl/`).
    public var baseURL: String
    public var brokerEndpoints: [String]
    public var socialMapPath: String
    public var policyPath: String?
    public var insecureDev: Bool
    public var login: Login
    /// The header the proxy sets to the authenticated user (nginx: `proxy_set_header X-Remote-User $remote_user`).
    public var userHeader: String
    /// The desk's entry on the map (`desks[].id`): whose contacts it serves. Nil = every contact (development).
    public var deskID: String?
    public var curve: SchakelClient.Curve?
    public var mail: MailSettings?
    /// Log a person out after this long without a request.
    public var sessionIdle: Duration
    /// `Secure` on the session cookie. Browsers treat http://127.0.0.1 as secure, so it stays on in development.
    public var secureCookies: Bool
    /// The portal principal (`portal:<id>`) whose session the desk holds for the citizen's page; nil = no citizen
    /// page (it answers 404). With CURVE the map's `desks[].portal` must name it for the desk's key.
    public var portal: String?
    /// The directory of the citizen page's words, one `<language>.json` each (default `citizen-words` beside this
    /// config); read only when ``portal`` is set.
    public var citizenWordsPath: String
    /// Wrong citizen codes one source may try within ``citizenCodeWindow`` before it must wait.
    public var citizenCodeLimit: Int
    public var citizenCodeWindow: Duration
    /// Where `GET /metrics` is served (loopback only, like the daemon's `metrics`); nil = nowhere.
    public var metrics: (host: String, port: UInt16)?

    /// The `mail` section: how notices leave the machine.
    public struct MailSettings: Sendable {
        public var sendmail: [String]
        public var from: String
    }

    /// Reads and checks the config file; every problem is one sentence that names the field.
    public init(contentsOf path: String) throws(DeskConfigError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DeskConfigError("cannot read the desk's config \(path); check the path and its permissions")
        }
        let json: JSONValue
        do {
            json = try JSONValue.parse(data)
        } catch {
            throw DeskConfigError("\(path) is not valid JSON: \(error.message)")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        func resolve(_ file: String) -> String {
            file.hasPrefix("/") ? file : base.appendingPathComponent(file).standardizedFileURL.path
        }
        func string(_ key: String) -> String? { json[key]?.stringValue }
        let known: Set<String> = [
            "comment", "listen", "base_url", "broker", "social_map", "policy", "insecure_dev", "login", "user_header",
            "desk", "curve", "mail", "session_idle", "secure_cookies", "portal", "citizen_words", "citizen_code_limit",
            "metrics",
        ]
        for key in json.objectValue?.keys.sorted() ?? [] where !known.contains(key) {
            throw DeskConfigError(
                "\(key): not a field of the desk's config; the fields are \(known.sorted().joined(separator: ", "))")
        }

        let listen = string("listen") ?? "127.0.0.1:5780"
        guard let address = Self.hostAndPort(listen) else {
            throw DeskConfigError("listen: write HOST:PORT, such as 127.0.0.1:5780")
        }
        (host, port) = address
        baseURL = string("base_url") ?? "http://\(listen)/"
        if let one = string("broker") {
            brokerEndpoints = [one]
        } else {
            brokerEndpoints = json["broker"]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        guard !brokerEndpoints.isEmpty else {
            throw DeskConfigError("broker: name the daemon's endpoint, such as tcp://127.0.0.1:5710")
        }
        guard let map = string("social_map") else {
            throw DeskConfigError("social_map: name the social map file the daemon uses")
        }
        socialMapPath = resolve(map)
        policyPath = string("policy").map(resolve)
        insecureDev = json["insecure_dev"]?.boolValue ?? false
        guard let login = Login(rawValue: string("login") ?? (insecureDev ? "dev" : "proxy")) else {
            throw DeskConfigError("login: write \"dev\" (a page to pick a contact) or \"proxy\" (the proxy's header)")
        }
        if login == .dev, !insecureDev {
            throw DeskConfigError("login: \"dev\" lets anyone pick anyone; it needs \"insecure_dev\": true")
        }
        self.login = login
        userHeader = string("user_header") ?? "X-Remote-User"
        deskID = string("desk")
        if let curve = json["curve"] {
            guard let keyFile = curve["secret_key_file"]?.stringValue, let server = curve["server_key"]?.stringValue
            else {
                throw DeskConfigError("curve: give secret_key_file (schakelctl keygen) and server_key (the daemon's)")
            }
            self.curve = try Self.curve(keyFile: resolve(keyFile), serverKey: server)
        } else {
            curve = nil
        }
        if !insecureDev, curve == nil {
            throw DeskConfigError(
                "curve: a desk in production proves its key to the daemon; add curve or set insecure_dev")
        }
        if !insecureDev, deskID == nil {
            throw DeskConfigError("desk: name the desk's entry on the social map (desks[].id), such as desk:lekstroom")
        }
        if login == .proxy, !Self.isLoopback(host) {
            throw DeskConfigError(
                "listen: behind a proxy the desk listens on loopback only (127.0.0.1 or ::1), where only the proxy reaches it"
            )
        }
        if let mail = json["mail"] {
            let argv = mail["sendmail"]?.arrayValue?.compactMap(\.stringValue) ?? ["/usr/sbin/sendmail", "-t", "-i"]
            guard let from = mail["from"]?.stringValue, !argv.isEmpty else {
                throw DeskConfigError("mail: give from (the sender address of notices) and optionally sendmail")
            }
            self.mail = MailSettings(sendmail: argv, from: from)
        }
        let idle = string("session_idle") ?? "PT30M"
        guard let duration = ISODuration(idle), duration.totalDays == 0, duration.timeSeconds > 0 else {
            throw DeskConfigError("session_idle: an ISO 8601 duration under a day, such as PT30M")
        }
        sessionIdle = .seconds(Int(duration.timeSeconds))
        secureCookies = json["secure_cookies"]?.boolValue ?? true
        portal = string("portal")
        if let portal, portal.range(of: "^portal:[a-z0-9][a-z0-9-]{0,99}$", options: .regularExpression) == nil {
            throw DeskConfigError("portal: name the portal of the social map (portals[].id), such as portal:lekstroom")
        }
        citizenWordsPath = resolve(string("citizen_words") ?? "citizen-words")
        let limit = json["citizen_code_limit"]
        citizenCodeLimit = limit?["failures"]?.numberValue.map { Int($0) } ?? 5
        let window = limit?["window"]?.stringValue ?? "PT15M"
        guard citizenCodeLimit >= 1, let span = ISODuration(window), span.totalDays == 0, span.timeSeconds > 0 else {
            throw DeskConfigError(
                "citizen_code_limit: give failures (at least 1) and window (an ISO 8601 duration such as PT15M)")
        }
        citizenCodeWindow = .seconds(Int(span.timeSeconds))
        if let metrics = string("metrics") {
            guard let address = Self.hostAndPort(metrics), Self.isLoopback(address.host) else {
                throw DeskConfigError("metrics: write a loopback HOST:PORT, such as 127.0.0.1:5781")
            }
            self.metrics = address
        }
    }

    /// `127.0.0.1:5780` or `[::1]:5780` as host and port.
    static func hostAndPort(_ text: String) -> (host: String, port: UInt16)? {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
            return nil
        }
        return (String(text[..<colon]).trimmingCharacters(in: ["[", "]"]), port)
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "::1" || host == "localhost" || host.hasPrefix("127.")
    }

    private static func curve(keyFile: String, serverKey: String) throws(DeskConfigError) -> SchakelClient.Curve {
        guard let data = FileManager.default.contents(atPath: keyFile) else {
            throw DeskConfigError(
                "curve.secret_key_file: cannot read \(keyFile) (schakelctl keygen NAME writes NAME.key)")
        }
        let secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard CurveKeyPair.isValidKey(serverKey), CurveKeyPair.isValidKey(secret),
            let derived = try? CurveKeyPair.publicKey(forSecretKey: secret),
            let pair = try? CurveKeyPair(publicKey: derived, secretKey: secret)
        else {
            throw DeskConfigError("curve: the secret key file or server_key is not a Z85 CURVE key (40 characters)")
        }
        return SchakelClient.Curve(serverKey: serverKey, keyPair: pair)
    }
}

/// A problem with the desk's config, for the person who wrote it.
public struct DeskConfigError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
