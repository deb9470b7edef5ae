import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A real PostgreSQL 15 server for one test or suite, run by `Tests/PostgreSQL/cluster` in a directory of its own
/// on a free port; ``destroy()`` (or the last reference going away) shuts it down and removes the directory.
public final class TestCluster: Sendable {
    /// The cluster's directory: its data, its socket and `server.log`.
    public let directory: URL
    public let port: Int
    /// `host=127.0.0.1 port=... user=postgres`, without a database name.
    public let conninfo: String
    private let destroyed = Mutex(false)

    private static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("PostgreSQL/cluster")

    private init(directory: URL, port: Int, conninfo: String) {
        self.directory = directory
        self.port = port
        self.conninfo = conninfo
    }

    deinit {
        destroy()
    }

    /// Initializes and starts a new server. A free port can be taken by someone else before the server binds it,
    /// so a failed start is tried again on another port.
    public static func start() throws -> TestCluster {
        try onFreePort { directory, port in
            let conninfo = try run("start", directory.path, String(port))
            return TestCluster(directory: directory, port: port, conninfo: conninfo)
        }
    }

    /// A streaming hot standby of this server, started and accepting read-only connections.
    public func standby() throws -> TestCluster {
        try Self.onFreePort { directory, port in
            let conninfo = try Self.run("standby", String(self.port), directory.path, String(port))
            return TestCluster(directory: directory, port: port, conninfo: conninfo)
        }
    }

    /// A new, empty database on this server; returns its conninfo.
    public func createDatabase() throws -> String {
        let name = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        return try Self.run("createdb", String(port), name)
    }

    /// Makes this standby a primary.
    public func promote() throws { _ = try Self.run("promote", directory.path) }

    /// Shuts the server down (fast: sessions are told and closed).
    public func stop() throws { _ = try Self.run("stop", directory.path) }

    /// Shuts the server down at once, like a crash (the next start replays its WAL).
    public func kill() throws { _ = try Self.run("kill", directory.path) }

    /// Starts the stopped server again on the same port.
    public func restart() throws { _ = try Self.run("start", directory.path, String(port)) }

    /// Shuts the server down at once and removes its directory; calling it again does nothing.
    public func destroy() {
        guard
            destroyed.withLock({ done in
                defer { done = true }; return !done
            })
        else { return }
        do {
            _ = try Self.run("destroy", directory.path)
        } catch {
            // A cluster left behind is destroyed by the next run (staleClustersRemoved); say so, never fail silently.
            FileHandle.standardError.write(Data("destroying the cluster in \(directory.path) failed: \(error)\n".utf8))
        }
    }

    /// Calls `body` with a new directory (mode 755, so the server's user can reach it) and a free port, up to three
    /// times while it fails; the directory is removed after a failure.
    private static func onFreePort(_ body: (URL, Int) throws -> TestCluster) throws -> TestCluster {
        _ = staleClustersRemoved
        var lastError: any Error = ClusterError("no attempt was made")
        for _ in 0..<3 {
            // A short name: the server's unix socket lives here, and socket paths end at 107 bytes.
            let directory = URL(fileURLWithPath: NSTemporaryDirectory())
                .appendingPathComponent(prefix + UUID().uuidString.prefix(8).lowercased(), isDirectory: true)
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            try String(getpid()).write(to: directory.appendingPathComponent("owner"), atomically: true, encoding: .utf8)
            do {
                return try body(directory, try freePort())
            } catch {
                lastError = error
                _ = try? run("destroy", directory.path)
            }
        }
        throw lastError
    }

    private static let prefix = "schakel-pg-"

    /// Destroys, once per test process, the clusters of earlier runs that died before destroying them (a `swift
    /// test` killed mid-run): each cluster's directory names the test process that owns it in `owner`.
    private static let staleClustersRemoved: Void = {
        let temporary = URL(fileURLWithPath: NSTemporaryDirectory())
        let names = (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
        for name in names where name.hasPrefix(prefix) {
            let directory = temporary.appendingPathComponent(name)
            guard let owner = try? String(contentsOf: directory.appendingPathComponent("owner"), encoding: .utf8),
                let pid = pid_t(owner), Glibc.kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            _ = try? run("destroy", directory.path)
        }
    }()

    /// Runs the cluster script and returns its standard output (a conninfo, or nothing), trimmed.
    @discardableResult
    private static func run(_ arguments: String...) throws -> String {
        let files = FileManager.default
        let base = files.temporaryDirectory.appendingPathComponent("cluster-\(UUID().uuidString)").path
        let (outputPath, errorPath) = (base + ".out", base + ".err")
        defer {
            try? files.removeItem(atPath: outputPath)
            try? files.removeItem(atPath: errorPath)
        }
        // Files rather than pipes: a server the script starts must not hold the test's pipe open.
        guard files.createFile(atPath: outputPath, contents: nil), files.createFile(atPath: errorPath, contents: nil),
            let stdout = FileHandle(forWritingAtPath: outputPath), let stderr = FileHandle(forWritingAtPath: errorPath)
        else { throw ClusterError("cannot create \(base).out and .err") }
        defer {
            try? stdout.close()
            try? stderr.close()
        }
        let process = Process()
        process.executableURL = script
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        while process.isRunning { usleep(5_000) }
        process.waitUntilExit()
        let printed = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            let complaint = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
            throw ClusterError(
                "cluster \(arguments.joined(separator: " ")) exited with \(process.terminationStatus): \(complaint)")
        }
        return printed.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A TCP port on 127.0.0.1 that nothing listens on right now (the kernel picks it).
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClusterError("socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw ClusterError("bind 127.0.0.1:0: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A harness failure with a message that says what went wrong with the test's server.
public struct ClusterError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
