import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real SMTP server on loopback that keeps what it receives: aiosmtpd from the test virtualenv
/// (Tests/requirements.txt) with the handler in Fixtures/smtp_sink.py, on a port the system picks.
///
/// Each test starts its own in a fresh directory, so tests run in parallel. The messages are the raw DATA as the
/// server received it (CRLF line ends), in the order received.
final class SMTPSink {
    static let script = Paths.packageRoot.appendingPathComponent("Tests/SchakeldTests/Fixtures/smtp_sink.py")

    let directory: URL
    /// The port it listens on, on 127.0.0.1.
    private(set) var port = 0
    private let process = Process()
    private let logURL: URL
    /// Set once the process runs, cleared when it was reaped: `stop()` must not reap a process never started.
    private var running = false

    /// Starts the server and waits until it accepts connections; throws with its output when it does not.
    init(python: URL, timeout: TimeInterval = 20) throws {
        directory = URL(fileURLWithPath: "/tmp/schakel-smtp-\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        logURL = directory.appendingPathComponent("sink.log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: logURL)
        process.executableURL = python
        process.arguments = [Self.script.path, directory.path]
        process.standardOutput = output
        process.standardError = output
        try process.runGated()
        running = true
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard process.isRunning else {
                stop()
                throw TestError(
                    "the SMTP sink (\(python.path) \(Self.script.lastPathComponent)) exited at start; run "
                        + "make python-venv to install aiosmtpd:\n\(self.log())")
            }
            if let text = try? String(contentsOf: directory.appendingPathComponent("port"), encoding: .utf8),
                let port = Int(text), Self.acceptsConnections(port: port)
            {
                self.port = port
                return
            }
            usleep(20_000)
        }
        stop()
        throw TestError("the SMTP sink did not accept connections within \(Int(timeout)) s:\n\(log())")
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// What the server printed (its errors, if any).
    func log() -> String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    private func files(_ suffix: String) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(suffix) }.sorted().map { directory.appendingPathComponent($0) }
    }

    /// Each message received so far, as raw RFC 5322 text, in the order received.
    func messages() -> [String] {
        files(".eml").compactMap { try? String(contentsOf: $0, encoding: .utf8) }
    }

    /// The SMTP envelope of each message received so far: MAIL FROM and the RCPT TO addresses.
    func envelopes() -> [(from: String, to: [String])] {
        files(".json").compactMap { url in
            guard let data = try? Data(contentsOf: url),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let from = object["mail_from"] as? String, let to = object["rcpt_tos"] as? [String]
            else { return nil }
            return (from, to)
        }
    }

    /// Polls until at least `count` messages arrived; throws after `timeout` saying how many did.
    @discardableResult
    func waitForMessages(count: Int, timeout: TimeInterval) throws -> [String] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let received = messages()
            if received.count >= count { return received }
            if Date() >= deadline {
                throw TestError(
                    "the SMTP sink received \(received.count) of \(count) messages in \(Int(timeout)) s:\n\(log())")
            }
            usleep(20_000)
        }
    }

    /// Kills the server and reaps it. Idempotent.
    func stop() {
        guard running else { return }
        running = false
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExitPolling()
    }

    /// Whether a TCP connection to 127.0.0.1:`port` is accepted now.
    static func acceptsConnections(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
