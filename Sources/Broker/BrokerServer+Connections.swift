import Foundation
import ZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// The broker's file-descriptor budget: how many connections its endpoint may hold, and the guard that keeps it.
///
/// Every connection costs the daemon a descriptor. Without a cap, about 1,100 idle TCP connections exhausted the
/// 1,024 of systemd's default soft limit before anyone authenticated; then SQLite could not open a file either.
extension BrokerServer {
    /// Descriptors kept for everything but the broker endpoint's connections: the database and its log (two
    /// connections), the lock, the key and map files read on reload or rotation, a backup, libzmq's own
    /// (an epoll and a mailbox per socket), the admin socket and the metrics endpoint's connections
    /// (``MetricsEndpoint/maxConnections``).
    static let reservedFileDescriptors = 192

    /// Connections that have not sent anything yet that the broker endpoint holds at once (see ``ConnectionGuard``):
    /// half the budget, at most 1,024. Generous, because a connection counts as silent until the loop has read its
    /// first message, and after a restart every peer reconnects at once.
    static func maxSilentConnections(budget: Int) -> Int {
        max(8, min(1_024, budget / 2))
    }

    /// How long a new connection may take to finish its ZMTP (and CURVE) handshake before libzmq drops it.
    static let handshakeMilliseconds = 10_000

    /// The monitor endpoint of the broker's ROUTER, read by ``serveRouterMonitor()``.
    static let routerMonitorEndpoint = "inproc://schakel-router-monitor"

    /// Raises the soft limit on open files to the hard limit (systemd's default soft limit is 1,024 whatever the
    /// unit's hard limit), and returns the soft limit now in force.
    /// Under the unit's `SystemCallFilter=~@resources` both calls fail (EPERM): `LimitNOFILE=` has set soft and
    /// hard alike there, and the limit is read from /proc/self/limits instead.
    static func raiseFileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return softFileLimitFromProc() ?? 1_024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        // RLIM_INFINITY is all ones; Swift cannot import its C definition (-1 in an unsigned type).
        return limit.rlim_cur >= rlim_t(Int32.max) ? Int(Int32.max) : Int(limit.rlim_cur)
    }

    /// The soft limit on open files as /proc/self/limits gives it ("Max open files  8192  8192  files").
    static func softFileLimitFromProc() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/limits", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") })
        else { return nil }
        return line.dropFirst("Max open files".count).split(separator: " ").first.flatMap { Int($0) }
    }

    /// Connections the broker endpoint may hold: `limits.max_connections`, but never more than the open-file
    /// limit leaves after ``reservedFileDescriptors``.
    static func connectionBudget(fileLimit: Int, configured: Int?) -> Int {
        let available = max(16, fileLimit - reservedFileDescriptors)
        return min(configured ?? available, available)
    }

    /// Reads the ROUTER's monitor events and closes what the guard says to close.
    func serveRouterMonitor() {
        while let message = try? routerMonitor.receive(dontWait: true) {
            guard let event = ZMQMonitorEvent(frames: message.frames) else { continue }
            if let failure = event.handshakeFailure { logRefusedHandshake(failure, endpoint: event.endpoint) }
            guard let closing = connectionGuard.handle(event) else { continue }
            // shutdown, not close: the descriptor stays libzmq's, which sees the end of the stream and closes it.
            _ = Glibc.shutdown(closing.fileDescriptor, Int32(SHUT_RDWR))
            logConnectionClosed(closing.reason)
        }
    }

    /// One log line per reason at most every 10 s, with how many connections were closed since.
    private func logConnectionClosed(_ reason: ConnectionGuard.Reason) {
        let now = ContinuousClock.now
        if let last = connectionLog[reason], now < last.at + .seconds(10) {
            connectionLog[reason]?.since += 1
            return
        }
        logger.warning(
            "connection.closed_by_limit",
            [
                "reason": reason.rawValue, "closed_since_last_line": "\((connectionLog[reason]?.since ?? 0) + 1)",
                "open": "\(connectionGuard.openCount)", "max_connections": "\(connectionGuard.maxConnections)",
                "silent": "\(connectionGuard.silentCount)", "max_silent": "\(connectionGuard.maxSilent)",
            ])
        connectionLog[reason] = (now, 0)
    }
}
