import Foundation
import SchakelProtocol

#if canImport(Glibc)
    import Glibc
#endif

/// A real `schakeld` process on a fresh state directory and an `ipc://` endpoint.
///
/// Each test gets its own, so tests run in parallel without sharing state. The state
/// directory survives `kill9()` and `restart()`, which is what the durability tests need.
final class Daemon {
    let directory: URL
    let stateDirectory: URL
    let endpoint: String
    let configURL: URL
    let logURL: URL
    private(set) var process: Process?
    private var runs = 0
    /// Set in the daemon's environment on top of the test's own, e.g. `NOTIFY_SOCKET` and `WATCHDOG_USEC`.
    var environment: [String: String]

    /// - Parameters:
    ///   - settings: extra top-level config settings merged over the defaults.
    ///   - environment: variables for the daemon's environment (systemd's `NOTIFY_SOCKET`, `WATCHDOG_USEC`, ...).
    init(settings: [String: JSONValue] = [:], environment: [String: String] = [:]) throws {
        self.environment = environment
        let id = UUID().uuidString.prefix(8).lowercased()
        directory = URL(fileURLWithPath: "/tmp/schakel-test-\(id)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        stateDirectory = directory.appendingPathComponent("state")
        endpoint = "ipc://\(directory.path)/broker.sock"
        configURL = directory.appendingPathComponent("schakeld.json")
        logURL = directory.appendingPathComponent("schakeld.log")
        var config: [String: JSONValue] = [
            "insecure_dev": .bool(true),
            "broker": .string(endpoint),
            "state_dir": .string(stateDirectory.path),
            "social_map": .string(Paths.demoMap.path),
            "log_level": .string("debug"),
            // Encryption at rest: a data key generated on first start in the test's own key directory.
            "encryption": .object([
                "key_dir": .string(directory.appendingPathComponent("keys").path), "key_id": .string("k1"),
                "generate_if_missing": .bool(true),
            ]),
        ]
        config.merge(settings) { $1 }
        self.config = config
        try JSONValue.object(config).canonicalData().write(to: configURL)
    }

    private var config: [String: JSONValue]

    /// Changes settings for the next start (the running daemon is not affected).
    func reconfigure(_ settings: [String: JSONValue]) throws {
        config.merge(settings) { $1 }
        try JSONValue.object(config).canonicalData().write(to: configURL)
    }

    /// The data keys' directory (config `encryption.key_dir`).
    var keyDirectory: URL { directory.appendingPathComponent("keys") }

    /// The SQLite database file; its WAL is beside it with `-wal` appended.
    var databaseURL: URL { stateDirectory.appendingPathComponent("schakel.sqlite") }

    /// The admin socket (Protocols/ADMIN.md) in the state directory.
    var adminEndpoint: String { "ipc://\(stateDirectory.path)/admin.sock" }

    /// Starts the daemon and, unless told not to, waits until it answers PING.
    func start(waitUntilReady wait: Bool = true) throws {
        let process = Process()
        process.executableURL = Paths.executable("schakeld")
        process.arguments = ["--config", configURL.path]
        var variables = ProcessInfo.processInfo.environment
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] { variables[name] = nil }
        process.environment = variables.merging(environment) { $1 }
        if !FileManager.default.fileExists(atPath: logURL.path) {
            _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        }
        let log = try FileHandle(forWritingTo: logURL)
        log.seekToEndOfFile()
        process.standardError = log
        process.standardOutput = log
        try process.run()
        self.process = process
        runs += 1
        if wait { try waitUntilReady() }
    }

    /// Sends `signal` to the running daemon.
    func send(signal: Int32) {
        guard let process else { return }
        kill(process.processIdentifier, signal)
    }

    /// Waits for the daemon to exit by itself; returns its exit status, or nil after `timeout`.
    func waitForExit(timeout: TimeInterval) -> Int32? {
        guard let process else { return nil }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        guard !process.isRunning else { return nil }
        process.waitUntilExit()
        self.process = nil
        return process.terminationStatus
    }

    /// One admin request; returns the whole reply (`ok` true or false). Throws when no reply comes in `timeout`.
    func admin(_ command: String, _ arguments: [String: JSONValue] = [:], timeout: TimeInterval = 10) throws
        -> JSONValue
    {
        let client = try AdminConnection(adminEndpoint)
        var request = arguments
        request["command"] = .string(command)
        try client.send(JSONValue.object(request).canonicalData())
        return try client.reply(timeout: timeout)
    }

    /// Starts the daemon expecting it to refuse: waits up to `timeout` for it to exit and returns
    /// its exit status; throws when it is still running then (it is killed first).
    func startExpectingExit(timeout: TimeInterval = 20) throws -> Int32 {
        let process = Process()
        process.executableURL = Paths.executable("schakeld")
        process.arguments = ["--config", configURL.path]
        if !FileManager.default.fileExists(atPath: logURL.path) {
            _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        }
        let log = try FileHandle(forWritingTo: logURL)
        log.seekToEndOfFile()
        process.standardError = log
        process.standardOutput = log
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw TestError("schakeld was expected to refuse to start but still ran after \(timeout) s:\n\(self.log())")
        }
        // Already reaped, but Foundation's Process keeps itself alive until its termination is seen on this
        // thread's run loop, which only waitUntilExit turns (LeakSanitizer found one Process per call).
        process.waitUntilExit()
        return process.terminationStatus
    }

    private func waitUntilReady() throws {
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            guard process?.isRunning == true else {
                throw TestError("schakeld exited during start-up:\n\(log())")
            }
            let peer = try Peer(endpoint)
            try peer.send(.ping)
            if (try? peer.next(.pong, timeout: 0.2)) != nil { return }
        }
        throw TestError("schakeld did not answer PING within 15 s:\n\(log())")
    }

    /// SIGKILL: no chance to finish anything, like a power cut for the process.
    func kill9() {
        guard let process else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// SIGTERM and wait; returns the exit status.
    @discardableResult
    func stop() -> Int32 {
        guard let process else { return 0 }
        process.terminate()
        process.waitUntilExit()
        self.process = nil
        return process.terminationStatus
    }

    func restart() throws {
        stop()
        try start()
    }

    /// Everything the daemon wrote to stderr so far.
    func log() -> String {
        (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
    }

    /// A new peer connected to this daemon.
    func peer() throws -> Peer {
        try Peer(endpoint)
    }

    /// A new peer that said HELLO as `principal` and got WELCOME.
    func connect(as principal: String) throws -> Peer {
        let peer = try Peer(endpoint)
        try peer.hello(as: principal)
        return peer
    }

    deinit {
        if let process {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()  // also for one that exited by itself: see startExpectingExit
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
