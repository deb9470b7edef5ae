import Foundation
import SchakelProtocol

#if canImport(Glibc)
    import Glibc
#endif

/// A real `schakel-desk` beside a test's ``Daemon``: its config in the daemon's directory, an ephemeral port on
/// loopback (read from its `desk.started` log line), and a plain HTTP client for the tests that check headers.
final class DeskProcess {
    let daemon: Daemon
    let configURL: URL
    let logURL: URL
    private(set) var process: Process?
    private(set) var port: UInt16 = 0
    /// The `metrics` listener's port, when the config has one.
    private(set) var metricsPort: UInt16?

    /// - Parameter settings: config fields over the development defaults (dev login, the daemon's endpoint, the
    ///   demo map's portal for the citizen's page; `"portal": null` for a desk without it).
    init(daemon: Daemon, settings: [String: JSONValue] = [:]) throws {
        self.daemon = daemon
        configURL = daemon.directory.appendingPathComponent("desk.json")
        logURL = daemon.directory.appendingPathComponent("desk.log")
        var config: [String: JSONValue] = [
            "insecure_dev": true, "listen": "127.0.0.1:0", "broker": .string(daemon.endpoint),
            "social_map": .string(Paths.demoMap.path), "policy": .string(Paths.policy.path), "login": "dev",
            "portal": "portal:lekstroom",
            "citizen_words": .string(Paths.packageRoot.appendingPathComponent("Config/citizen-words").path),
        ]
        config.merge(settings) { $1 }
        config = config.filter { $0.value != .null }
        try JSONValue.object(config).canonicalData().write(to: configURL)
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// Starts the desk and waits until it answers `/healthz`.
    func start() throws {
        let process = Process()
        process.executableURL = Paths.executable("schakel-desk")
        process.arguments = ["--config", configURL.path]
        var variables = ProcessInfo.processInfo.environment
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] { variables[name] = nil }
        process.environment = variables
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: logURL)
        process.standardError = output
        process.standardOutput = output
        try process.runGated()
        self.process = process
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            guard process.isRunning else { throw TestError("schakel-desk exited during start-up:\n\(self.log())") }
            if let line = self.log().components(separatedBy: "\n").first(where: { $0.contains("event=desk.started") }),
                let listen = line.components(separatedBy: " ").first(where: { $0.hasPrefix("listen=") }),
                let port = listen.split(separator: ":").last.flatMap({ UInt16($0) })
            {
                self.port = port
                metricsPort = line.components(separatedBy: " ").first(where: { $0.hasPrefix("metrics=") })
                    .flatMap { $0.split(separator: ":").last }.flatMap { UInt16($0) }
                if (try? get("/healthz").status) == 200 { return }
            }
            usleep(20_000)
        }
        throw TestError("schakel-desk did not answer /healthz within 15 s:\n\(log())")
    }

    /// SIGTERM and wait for the exit; its status.
    @discardableResult
    func stop() -> Int32? {
        guard let process else { return nil }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExitPolling()
        self.process = nil
        return process.terminationStatus
    }

    deinit {
        stop()
    }

    func log() -> String {
        (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
    }

    /// One HTTP exchange on its own connection.
    struct Answer {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: String

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        /// Every `Set-Cookie` header.
        var cookies: [String] { headers.filter { $0.name.lowercased() == "set-cookie" }.map(\.value) }

        /// `name=value` of the cookie `name` as set here, for the next request's `Cookie` header.
        func cookie(_ name: String) -> String? {
            cookies.first { $0.hasPrefix("\(name)=") }?.split(separator: ";").first.map(String.init)
        }
    }

    func get(_ path: String, headers: [String: String] = [:]) throws -> Answer {
        try exchange("GET \(path) HTTP/1.1", headers: headers, body: nil)
    }

    func post(_ path: String, form: [String: String], headers: [String: String] = [:]) throws -> Answer {
        let body = form.map {
            "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        }
        .joined(separator: "&")
        var all = headers
        all["Content-Type"] = "application/x-www-form-urlencoded"
        return try exchange("POST \(path) HTTP/1.1", headers: all, body: body)
    }

    /// Sends `raw` as it is (for the limit tests) and reads the answer until the desk closes the connection.
    func raw(_ raw: [UInt8]) throws -> Answer {
        try DeskProcess.exchange(port: port, raw)
    }

    private func exchange(_ line: String, headers: [String: String], body: String?) throws -> Answer {
        var text = "\(line)\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body { text += "Content-Length: \(body.utf8.count)\r\n" }
        text += "\r\n" + (body ?? "")
        return try DeskProcess.exchange(port: port, Array(text.utf8))
    }

    static func exchange(port: UInt16, _ request: [UInt8]) throws -> Answer {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestError("socket: \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw TestError("cannot connect to the desk on port \(port): \(errno)") }
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            received += buffer[0..<n]
        }
        let text = String(decoding: received, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw TestError("no HTTP answer: \(text)") }
        var lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let status = Int(lines.removeFirst().split(separator: " ").dropFirst().first ?? "") ?? 0
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return Answer(status: status, headers: headers, body: String(text[split.upperBound...]))
    }
}
