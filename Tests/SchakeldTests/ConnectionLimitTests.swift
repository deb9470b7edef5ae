import Foundation
import SchakelProtocol
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Connections that never start a handshake must not use up the daemon's file descriptors (issue 16, point 1):
/// with its open-file limit set low, a flood of idle TCP connections to the broker and to the metrics endpoint
/// goes on while a good peer still gets WELCOME and ACCEPTED, and `/healthz` still answers.
@Suite(.serialized) struct ConnectionLimitTests {
    /// Opens `count` TCP connections to 127.0.0.1:`port` that never send a byte; returns their descriptors.
    static func idleConnections(_ count: Int, port: Int) throws -> [Int32] {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var descriptors: [Int32] = []
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw TestError("socket(): \(String(cString: strerror(errno)))") }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard connected == 0 else {
                Glibc.close(fd)
                throw TestError("connect(): \(String(cString: strerror(errno)))")
            }
            descriptors.append(fd)
        }
        return descriptors
    }

    /// One HTTP/1.1 GET on a fresh connection; the whole answer, head and body. Done here with a socket rather
    /// than with curl: Foundation's `Process.run` overflows a buffer (AddressSanitizer saw it) when it scans
    /// /proc/self/fd of a process holding this many descriptors.
    static func httpGet(port: Int, path: String) throws -> String {
        let fd = try #require(try idleConnections(1, port: port).first)
        defer { Glibc.close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        _ = request.withCString { write(fd, $0, strlen($0)) }
        var answer = Data()
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while case let got = read(fd, &buffer, buffer.count), got > 0 { answer.append(contentsOf: buffer[0..<got]) }
        return String(decoding: answer, as: UTF8.self)
    }

    /// The test process holds the flood's descriptors itself: give it room for them.
    static func raiseOwnFileLimit(to wanted: rlim_t) {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        if limit.rlim_cur < wanted {
            limit.rlim_cur = min(wanted, limit.rlim_max)
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
    }

    @Test func aFloodOfIdleConnectionsLeavesRoomForAGoodPeer() throws {
        Self.raiseOwnFileLimit(to: 8_192)
        let port = try PythonAdapterTests.freePort()
        let daemon = try Daemon(settings: [
            "broker": .string("tcp://127.0.0.1:\(port)"), "metrics": "tcp://127.0.0.1:*",
        ])
        daemon.fileLimit = 512
        try daemon.start()
        let metricsEndpoint = try #require(try daemon.admin("stats")["endpoints"]?["metrics"]?.stringValue)
        let metricsPort = try #require(metricsEndpoint.split(separator: ":").last.flatMap { Int($0) })

        // More idle connections than the daemon has descriptors, to both endpoints. No other test may spawn a
        // process while this one holds them (SpawnGate): released after they are closed.
        SpawnGate.lock.lock()
        defer { SpawnGate.lock.unlock() }
        var flood = try Self.idleConnections(1_100, port: port)
        flood += try Self.idleConnections(200, port: metricsPort)
        defer { for fd in flood { Glibc.close(fd) } }

        // connect() returns once the kernel has the connection; wait until the daemon has taken in the flood (its
        // descriptors stop changing), so the good peer really comes after it.
        _ = try DaemonProbe.settled(daemon)

        // While the flood holds its connections: a good peer is served at once, and the health check answers.
        let started = Date()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        #expect(try gp.submit(try Referrals.make()).command == "ACCEPTED")
        #expect(
            Date().timeIntervalSince(started) < 5, "WELCOME and ACCEPTED took \(Date().timeIntervalSince(started)) s")
        let health = try Self.httpGet(port: metricsPort, path: "/healthz")
        #expect(health.hasPrefix("HTTP/1.1 200") && health.hasSuffix("\r\n\r\nok\n"), "\(health)")
        // More flood, then the same peer and a new one are still served.
        flood += try Self.idleConnections(300, port: port)
        let anna = try daemon.connect(as: "contact:schuldhulp-anna")
        #expect(try anna.next(.handover).command == "HANDOVER")
        #expect(try gp.submit(try Referrals.make()).command == "ACCEPTED")

        #expect(daemon.log().contains("event=connection.closed_by_limit"), "the cap being hit is logged")
        let metrics = try Self.httpGet(port: metricsPort, path: "/metrics")
        // The silent ones were closed, oldest first, to make room (not merely counted as zero).
        let silentClosed = metrics.split(separator: "\n").first {
            $0.hasPrefix("schakel_connections_closed_total{endpoint=\"broker\",reason=\"silent_while_others_wait\"}")
        }
        #expect(
            silentClosed.flatMap { $0.split(separator: " ").last.flatMap { Int($0) } } ?? 0 > 0,
            "\(silentClosed ?? "no such metric line")")
        let probe = try DaemonProbe(daemon)
        #expect(probe.openFiles < 512 - 64, "the daemon holds \(probe.openFiles) descriptors of 512")
    }

    @Test func aMetricsClientThatNeverFinishesItsRequestIsClosed() throws {
        let daemon = try Daemon(settings: ["metrics": "tcp://127.0.0.1:*"])
        try daemon.start()
        let endpoint = try #require(try daemon.admin("stats")["endpoints"]?["metrics"]?.stringValue)
        let port = try #require(endpoint.split(separator: ":").last.flatMap { Int($0) })
        let fd = try #require(try Self.idleConnections(1, port: port).first)
        defer { Glibc.close(fd) }
        let partial = "GET /metrics HTTP/1.1\r\nHost: x\r\n"
        _ = partial.withCString { write(fd, $0, strlen($0)) }
        // Closed within the request timeout (5 s) plus a margin: read() sees the end of the stream.
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 64)
        let started = Date()
        let got = read(fd, &buffer, buffer.count)
        #expect(got == 0, "read returned \(got) after \(Date().timeIntervalSince(started)) s")
        #expect(Date().timeIntervalSince(started) < 9)
    }

    @Test func aMetricsRequestHeadOver8KiBIsRefusedEvenWhenComplete() throws {
        let daemon = try Daemon(settings: ["metrics": "tcp://127.0.0.1:*"])
        try daemon.start()
        let endpoint = try #require(try daemon.admin("stats")["endpoints"]?["metrics"]?.stringValue)
        let base = endpoint.replacingOccurrences(of: "tcp://", with: "http://")
        let big = String(repeating: "a", count: 9 * 1024)
        let answer = try CommandLineTests.run(
            "/usr/bin/curl",
            [
                "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "-H", "X-Big: \(big)",
                "\(base)/healthz",
            ])
        #expect(answer.output == "431", "\(answer.output) \(answer.errors)")
    }
}
