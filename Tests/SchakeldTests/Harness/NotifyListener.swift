import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The test's side of `NOTIFY_SOCKET`: a bound AF_UNIX datagram socket that records what the daemon tells
/// systemd, each datagram with the time it arrived.
final class NotifyListener {
    struct Datagram {
        var at: Date
        var lines: [String]
        func has(_ line: String) -> Bool { lines.contains(line) }
    }

    /// What to put in `NOTIFY_SOCKET`: the path, or `@name` for an abstract socket.
    let address: String
    private let descriptor: Int32
    private(set) var received: [Datagram] = []

    /// Binds a socket at `path`, or in the abstract namespace when `abstract` is set.
    init(path: String, abstract: Bool = false) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        descriptor = fd
        guard fd >= 0 else { throw TestError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if abstract { bytes.insert(0, at: 0) }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + (abstract ? 0 : 1))
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard rc == 0 else {
            close(fd)
            throw TestError("bind \(path): \(String(cString: strerror(errno)))")
        }
        self.address = abstract ? "@" + path : path
    }

    deinit {
        close(descriptor)
        if !address.hasPrefix("@") { unlink(address) }
    }

    /// Reads datagrams until `timeout` passes; returns the ones that came in this call.
    @discardableResult
    func collect(for timeout: TimeInterval) -> [Datagram] {
        var new: [Datagram] = []
        let deadline = Date().addingTimeInterval(timeout)
        while case let left = deadline.timeIntervalSinceNow, left > 0 {
            var item = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&item, 1, Int32(left * 1_000) + 1) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = recv(descriptor, &buffer, buffer.count, 0)
            guard n > 0 else { continue }
            let text = String(decoding: buffer[0..<n], as: UTF8.self)
            new.append(Datagram(at: Date(), lines: text.split(separator: "\n").map(String.init)))
        }
        received += new
        return new
    }

    /// Waits until a datagram holding `line` arrives; returns it, or throws after `timeout`.
    @discardableResult
    func waitFor(_ line: String, timeout: TimeInterval = 10) throws -> Datagram {
        if let old = received.first(where: { $0.has(line) }) { return old }
        let deadline = Date().addingTimeInterval(timeout)
        while deadline.timeIntervalSinceNow > 0 {
            for datagram in collect(for: 0.05) where datagram.has(line) { return datagram }
        }
        throw TestError("no \(line) within \(timeout) s; got \(received.map(\.lines))")
    }

    /// Forgets what came so far (waitFor then looks only at what comes next).
    func reset() { received = [] }
}
