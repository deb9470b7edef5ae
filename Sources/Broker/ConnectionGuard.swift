import ZeroMQ

/// Keeps the connections of one listening socket within its share of the daemon's file descriptors.
///
/// libzmq accepts every connection it can, and one that never starts its handshake holds a descriptor until the
/// handshake interval ends. A thousand of them exhaust the daemon's descriptors before anyone authenticates: new
/// peers cannot connect and SQLite cannot open a file. libzmq 4.3 has no cap of its own, so the broker watches the
/// socket's monitor (an accepted connection and its descriptor, a disconnect) and the messages it reads (which
/// descriptor they came on), and decides here which connections to close.
///
/// Pure bookkeeping: it returns the descriptors to close, and the server shuts them down (`shutdown(2)`, so libzmq
/// notices and closes the connection itself).
struct ConnectionGuard {
    /// Connections this socket may hold at once; past it a new connection is closed at once.
    let maxConnections: Int
    /// Connections that have not sent a message yet (still in their handshake, or silent) that may be held at
    /// once; past it the oldest of them is closed, so a peer that talks at once always finds room.
    let maxSilent: Int

    /// Every open connection's descriptor, with its order of arrival.
    private var open: [Int32: UInt64] = [:]
    /// The descriptors that have not sent a message yet, by order of arrival.
    private var silent: [Int32: UInt64] = [:]
    private var arrivals: UInt64 = 0
    /// Connections closed by the guard since start, by reason.
    private(set) var closed: [Reason: Int] = [:]

    enum Reason: String, Sendable, CaseIterable {
        /// The socket already held ``maxConnections``.
        case tooManyConnections = "too_many_connections"
        /// The oldest connection that had not said anything, to make room for a new one.
        case silentTooLong = "silent_while_others_wait"
    }

    /// A connection to close, and why.
    struct Closing: Equatable, Sendable {
        var fileDescriptor: Int32
        var reason: Reason
    }

    init(maxConnections: Int, maxSilent: Int) {
        self.maxConnections = maxConnections
        self.maxSilent = maxSilent
    }

    var openCount: Int { open.count }
    var silentCount: Int { silent.count }

    /// Takes one monitor event; returns the connection to close, if any.
    mutating func handle(_ event: ZMQMonitorEvent) -> Closing? {
        let fd = Int32(truncatingIfNeeded: event.value)
        if event.kind == .accepted {
            guard open.count < maxConnections else {
                closed[.tooManyConnections, default: 0] += 1
                return Closing(fileDescriptor: fd, reason: .tooManyConnections)
            }
            arrivals += 1
            open[fd] = arrivals
            silent[fd] = arrivals
            guard silent.count > maxSilent, let oldest = silent.min(by: { $0.value < $1.value })?.key else {
                return nil
            }
            silent[oldest] = nil  // closing: it will not speak now, and its disconnect follows
            closed[.silentTooLong, default: 0] += 1
            return Closing(fileDescriptor: oldest, reason: .silentTooLong)
        }
        if event.kind == .disconnected {
            open[fd] = nil
            silent[fd] = nil
        }
        return nil
    }

    /// A message came on `fileDescriptor`: that connection talks, and is no longer at risk of being closed.
    mutating func heard(from fileDescriptor: Int32) {
        silent[fileDescriptor] = nil
    }
}
