import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The `sd_notify` protocol spoken directly, without libsystemd: one datagram per state change to the AF_UNIX
/// socket systemd names in `NOTIFY_SOCKET` (a path, or an abstract name written with a leading `@`).
///
/// Without `NOTIFY_SOCKET` (a daemon started by hand or by a test) every call is a no-op, so callers never need to
/// ask. Failures to send are not errors the daemon can act on; they are counted in ``failedSends`` and otherwise
/// ignored, as `sd_notify(3)` callers do.
///
/// `@unchecked Sendable`: the socket descriptor and the address are set once in `init`; `sendto` on a datagram socket
/// is safe from any thread, and the failure counter is guarded by `lock`.
public final class SystemdNotifier: @unchecked Sendable {
    private let descriptor: Int32
    private var address = sockaddr_un()
    private let addressLength: socklen_t
    private let lock = NSLock()
    private var failures = 0
    /// How often the service manager wants `WATCHDOG=1`: half of `WATCHDOG_USEC`, or nil when no watchdog is set
    /// (or it is meant for another process, per `WATCHDOG_PID`).
    public let watchdogInterval: Duration?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        var interval: Duration?
        if let text = environment["WATCHDOG_USEC"], let usec = Int64(text), usec > 0 {
            let forUs = environment["WATCHDOG_PID"].flatMap { Int32($0) }.map { $0 == getpid() } ?? true
            if forUs { interval = .microseconds(usec / 2) }
        }
        watchdogInterval = interval
        guard let name = environment["NOTIFY_SOCKET"], name.hasPrefix("/") || name.hasPrefix("@"),
            name.utf8.count < MemoryLayout.size(ofValue: address.sun_path)
        else {
            descriptor = -1
            addressLength = 0
            return
        }
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(name.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }  // an abstract socket: the name starts with NUL
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            path.copyBytes(from: bytes)
        }
        // Abstract names are not NUL-terminated: the length says where they end.
        addressLength = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Whether a service manager is listening (`NOTIFY_SOCKET` was set and usable).
    public var isActive: Bool { descriptor >= 0 }

    /// Datagrams that could not be sent since start.
    public var failedSends: Int { lock.withLock { failures } }

    /// Sends `KEY=value` lines as one datagram, e.g. `["READY=1", "STATUS=serving"]`.
    public func notify(_ lines: [String]) {
        guard descriptor >= 0 else { return }
        let payload = Array(lines.joined(separator: "\n").utf8)
        var address = self.address
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                var result: Int
                repeat {
                    result = sendto(
                        descriptor, payload, payload.count, Int32(MSG_NOSIGNAL), socketAddress, addressLength)
                } while result < 0 && errno == EINTR
                return result
            }
        }
        if sent != payload.count { lock.withLock { failures += 1 } }
    }

    /// `READY=1`: start-up (or a reload) is complete; with a `STATUS=` line when given.
    public func ready(status: String? = nil) {
        notify(["READY=1"] + (status.map { ["STATUS=\($0)"] } ?? []))
    }

    /// `STATUS=`: one free-form line systemctl status shows.
    public func status(_ text: String) {
        notify(["STATUS=\(text)"])
    }

    /// `EXTEND_TIMEOUT_USEC=`: the start (or stop) takes longer than the unit's timeout allows; wait `by` from now
    /// before giving up, and show `status` meanwhile. Send it again before that runs out to extend again.
    public func extendTimeout(by duration: Duration, status: String) {
        let usec = duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
        notify(["EXTEND_TIMEOUT_USEC=\(usec)", "STATUS=\(status)"])
    }

    /// `WATCHDOG=1`: the event loop is alive. Send it from the loop itself, never from a timer thread.
    public func watchdog() {
        notify(["WATCHDOG=1"])
    }

    /// `RELOADING=1` with `MONOTONIC_USEC=` (CLOCK_MONOTONIC, as systemd 253+ requires for Type=notify-reload);
    /// follow it with ``ready(status:)`` when the reload is done.
    public func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let usec = Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1_000
        notify(["RELOADING=1", "MONOTONIC_USEC=\(usec)"])
    }

    /// `STOPPING=1`: shutdown has begun.
    public func stopping() {
        notify(["STOPPING=1"])
    }
}
