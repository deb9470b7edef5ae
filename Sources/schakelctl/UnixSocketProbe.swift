import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Whether anything listens on a Unix-domain socket file.
///
/// A daemon killed with `kill -9` leaves its `admin.sock` behind; ZeroMQ connects to such a file without a word and
/// keeps retrying, so a request would only time out. A plain `connect(2)` answers at once: `ECONNREFUSED` means
/// nobody is behind the file.
enum UnixSocketProbe {
    enum Outcome: Equatable {
        case listening
        /// The file is a socket nobody listens on (a daemon that is gone left it).
        case stale
        /// Could not tell (no permission, not a socket, a path too long): let the real connection say.
        case unknown
    }

    static func probe(_ path: String) -> Outcome {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return .unknown }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: bytes)
            buffer[bytes.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .unknown }
        defer { Glibc.close(fd) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if result == 0 { return .listening }
        return errno == ECONNREFUSED ? .stale : .unknown
    }
}
