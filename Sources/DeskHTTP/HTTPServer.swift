import Dispatch
import Foundation
import Glibc

/// The desk's HTTP/1.1 server: listens on one TCP address and answers each request with a handler's response.
///
/// Made for a desk behind a reverse proxy (nginx), not for the open internet: GET, HEAD and form POSTs with a
/// `Content-Length` body, keep-alive, and the strict limits and timeouts of ``HTTPLimits``. It starts serving in
/// `init` and serves until ``stop()``: one accept thread, and one thread per connection, at most
/// ``HTTPLimits/maxConnections`` of them (the next connection gets 503). A thread per connection keeps each
/// connection's code straight-line and every timeout a plain `poll()`; at the desk's scale (a few dozen people)
/// that costs less than an event loop's bookkeeping.
///
/// The handler runs on the connection's thread, so it may block (on the broker, say), and it is called
/// concurrently for different connections. Its threads hold the server, so dropping the last reference does not
/// stop it: call ``stop()``.
///
/// Thread confinement (`@unchecked Sendable`): the listening socket and the wake-up pipe are created in `init`,
/// polled only by the accept and connection threads, and closed only by `stop()` after those threads ended;
/// `activeConnections` and `stopped` are guarded by `lock`; `stopLock` makes `stop()` run once at a time.
public final class HTTPServer: @unchecked Sendable {
    /// Answers one request. Called on a connection thread, concurrently for different connections.
    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse

    /// The port the server listens on: the one asked for, or the one the system chose for port 0.
    public let port: UInt16

    private let listener: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let limits: HTTPLimits
    private let handler: Handler
    private let threads = DispatchGroup()
    private let lock = NSLock()
    private let stopLock = NSLock()
    private var activeConnections = 0
    private var stopped = false

    /// Binds `host` (an IPv4 or IPv6 address literal such as `127.0.0.1` or `::1`) and `port` (0 for one the
    /// system chooses; read it back from ``port``), and starts serving at once.
    ///
    /// - Throws: ``HTTPServerError`` when the host is not an address literal, the address is in use or not this
    ///   machine's, the port needs privileges, or the system refuses a socket, a pipe or a thread.
    public init(host: String, port: UInt16, limits: HTTPLimits = HTTPLimits(), handler: @escaping Handler) throws {
        let listener = try Self.listen(host: host, port: port)
        var boundPort = port
        var wake: [Int32] = [-1, -1]
        do {
            boundPort = try Self.boundPort(of: listener)
            guard pipe(&wake) == 0 else {
                throw HTTPServerError(
                    message: "Cannot start the desk's HTTP server: \(Self.describe(errno)); "
                        + "raise the desk's limit on open files.",
                    code: errno)
            }
        } catch {
            _ = Glibc.close(listener)
            throw error
        }
        for fd in wake { Self.setFlags(of: fd) }
        self.listener = listener
        self.port = boundPort
        self.wakeRead = wake[0]
        self.wakeWrite = wake[1]
        self.limits = limits
        self.handler = handler
        threads.enter()
        let thread = Thread { [self] in
            acceptConnections()
            threads.leave()
        }
        thread.name = "http-accept"
        thread.start()
    }

    /// Stops serving: ends the accept thread and every connection (a connection whose handler is running ends
    /// as soon as the handler returns, without writing its answer), then closes the listening socket. Returns when
    /// all of the server's threads have ended, so that no descriptor of the server is open afterwards. Calling it
    /// again does nothing.
    public func stop() {
        stopLock.lock()
        defer { stopLock.unlock() }
        let first = lock.withLock {
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        var byte: UInt8 = 1
        while Glibc.write(wakeWrite, &byte, 1) < 0 && errno == EINTR {}
        threads.wait()
        _ = Glibc.close(listener)
        _ = Glibc.close(wakeRead)
        _ = Glibc.close(wakeWrite)
    }

    // MARK: - Accepting

    private func acceptConnections() {
        while true {
            var fds = [
                pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
            ]
            guard poll(&fds, 2, -1) >= 0 else {
                if errno != EINTR { pause() }
                continue
            }
            if fds[1].revents != 0 { return }
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                switch errno {
                case EINTR, EAGAIN, EWOULDBLOCK, ECONNABORTED: break
                // Out of descriptors or memory: wait a moment rather than spin; the client waits in the backlog.
                default: pause()
                }
                continue
            }
            Self.setFlags(of: client)
            admit(client)
        }
    }

    /// Makes `fd` non-blocking and closed on exec. (Glibc's module does not export `accept4` and `pipe2`, which
    /// would do it atomically; the desk does not fork, so the moment between the two calls does not matter.)
    private static func setFlags(of fd: Int32) {
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    /// Waits 100 ms, or less when the server stops.
    private func pause() {
        var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        _ = poll(&fds, 1, 100)
    }

    private func admit(_ client: Int32) {
        let connectedAt = ContinuousClock.now
        let admitted = lock.withLock {
            guard !stopped && activeConnections < limits.maxConnections else { return false }
            activeConnections += 1
            return true
        }
        guard admitted else {
            refuse(client)
            return
        }
        let connection = HTTPConnection(
            socket: HTTPSocket(fd: client, wake: wakeRead), limits: limits, handler: handler,
            connectedAt: connectedAt)
        threads.enter()
        let thread = Thread { [self] in
            connection.run()
            lock.withLock { activeConnections -= 1 }
            threads.leave()
        }
        thread.name = "http-connection"
        thread.start()
    }

    /// Answers 503 on the accept thread without waiting for anything: drops what the client sent so far (so that
    /// closing does not reset the connection before it reads the answer), writes what fits and closes.
    private func refuse(_ client: Int32) {
        var scratch = [UInt8](repeating: 0, count: 4096)
        var drained = 0
        while drained < limits.maxHeaderBytes {
            let count = scratch.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard count > 0 else { break }
            drained += count
        }
        var response = HTTPResponse.text(
            "The desk is serving as many connections as it allows; try again in a moment.", status: 503)
        response.headers.append(("Retry-After", "1"))
        let bytes = response.wireBytes(
            isHead: false, keepAlive: false, date: HTTPDate.imfFixdate(secondsSince1970: Int64(time(nil))))
        _ = bytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
        _ = shutdown(client, Int32(SHUT_WR))
        _ = Glibc.close(client)
    }

    // MARK: - Listening

    /// A listening socket bound to `host`:`port`, or the error that says what to change.
    private static func listen(host: String, port: UInt16) throws -> Int32 {
        let literal = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let shown = literal.contains(":") ? "[\(literal)]:\(port)" : "\(literal):\(port)"
        var address4 = sockaddr_in()
        var address6 = sockaddr_in6()
        let family: Int32
        if inet_pton(AF_INET, literal, &address4.sin_addr) == 1 {
            family = AF_INET
            address4.sin_family = sa_family_t(AF_INET)
            address4.sin_port = port.bigEndian
        } else if inet_pton(AF_INET6, literal, &address6.sin6_addr) == 1 {
            family = AF_INET6
            address6.sin6_family = sa_family_t(AF_INET6)
            address6.sin6_port = port.bigEndian
        } else {
            throw HTTPServerError(
                message: "Cannot listen on \(host): it is not an IPv4 or IPv6 address; "
                    + "write one such as 127.0.0.1 or ::1 in the desk's config.")
        }
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            throw HTTPServerError(
                message: "Cannot listen on \(shown): the system refused a socket (\(describe(errno))); "
                    + "raise the desk's limit on open files.",
                code: errno)
        }
        var yes: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        if family == AF_INET6 {
            _ = setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &yes, socklen_t(MemoryLayout<Int32>.size))
        }
        let bound =
            family == AF_INET
            ? withUnsafePointer(to: &address4) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            : withUnsafePointer(to: &address6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        guard bound == 0, Glibc.listen(fd, 128) == 0, fcntl(fd, F_SETFL, O_NONBLOCK) == 0 else {
            let code = errno
            _ = Glibc.close(fd)
            let advice =
                switch code {
                case EADDRINUSE:
                    "the address is in use; stop the other program or choose another port in the desk's config."
                case EACCES:
                    "the port needs privileges; choose a port above 1023 in the desk's config."
                case EADDRNOTAVAIL:
                    "the address is not one of this machine's; choose one it has, such as 127.0.0.1, "
                        + "in the desk's config."
                default:
                    "\(describe(code)); check the address and port in the desk's config."
                }
            throw HTTPServerError(message: "Cannot listen on \(shown): \(advice)", code: code)
        }
        return fd
    }

    private static func boundPort(of fd: Int32) throws -> UInt16 {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else {
            throw HTTPServerError(
                message: "Cannot start the desk's HTTP server: the system would not say which port it chose "
                    + "(\(describe(errno))); choose a port in the desk's config.",
                code: errno)
        }
        return withUnsafePointer(to: &storage) {
            if Int32($0.pointee.ss_family) == AF_INET6 {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            } else {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
            }
        }
    }

    private static func describe(_ code: Int32) -> String {
        String(cString: strerror(code)).lowercased()
    }
}
