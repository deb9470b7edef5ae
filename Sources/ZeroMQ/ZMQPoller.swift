import CZMQ

/// `zmq_poll` over sockets and plain file descriptors (e.g. a self-pipe for signals), for the event loop that owns
/// the sockets.
///
/// Not `Sendable`: it holds sockets, which belong to one thread. It keeps every added socket alive, and reads each
/// socket's handle afresh on every ``poll(timeoutMilliseconds:)``, so a socket closed after being added makes
/// the poll throw `ENOTSOCK` instead of touching a freed handle.
public struct ZMQPoller {
    /// Readiness conditions, as asked for in `add` and reported by ``ZMQPoller/poll(timeoutMilliseconds:)``.
    public struct Events: OptionSet, Sendable, Hashable {
        public let rawValue: Int

        /// Builds a set from its raw bits (`readable` = 1, `writable` = 2).
        public init(rawValue: Int) {
            self.rawValue = rawValue
        }

        /// A message can be received without blocking, or the file descriptor is readable (`ZMQ_POLLIN`).
        public static let readable = Events(rawValue: 1 << 0)
        /// A message can be sent without blocking, or the file descriptor is writable (`ZMQ_POLLOUT`).
        public static let writable = Events(rawValue: 1 << 1)

        var cValue: Int16 {
            var bits: Int32 = 0
            if contains(.readable) { bits |= ZMQ_POLLIN }
            if contains(.writable) { bits |= ZMQ_POLLOUT }
            return Int16(bits)
        }

        init(cValue: Int16) {
            self = []
            if Int32(cValue) & ZMQ_POLLIN != 0 { insert(.readable) }
            if Int32(cValue) & ZMQ_POLLOUT != 0 { insert(.writable) }
        }
    }

    private enum Source {
        case socket(ZMQSocket)
        case fileDescriptor(Int32)
    }

    private var items: [(source: Source, events: Events)] = []

    /// An empty poller; ``poll(timeoutMilliseconds:)`` on it just waits out the timeout.
    public init() {}

    /// Watches `socket` for `events`; returns its index in the array ``poll(timeoutMilliseconds:)`` answers.
    @discardableResult
    public mutating func add(_ socket: ZMQSocket, events: Events = .readable) -> Int {
        items.append((.socket(socket), events))
        return items.count - 1
    }

    /// Watches a plain file descriptor (a pipe, a signal's self-pipe) for `events`; returns its index in the array
    /// ``poll(timeoutMilliseconds:)`` answers. The caller keeps the descriptor open while it is polled.
    @discardableResult
    public mutating func add(fileDescriptor: Int32, events: Events = .readable) -> Int {
        items.append((.fileDescriptor(fileDescriptor), events))
        return items.count - 1
    }

    /// Waits up to `timeoutMilliseconds` (`-1` = forever, `0` = just check) until any item is ready; returns the ready
    /// events per item index, in the order added (all empty on timeout). `EINTR` is retried with the remaining time.
    public func poll(timeoutMilliseconds: Int) throws -> [Events] {
        var pollItems: [zmq_pollitem_t] = []
        pollItems.reserveCapacity(items.count)
        for (source, events) in items {
            switch source {
            case .socket(let socket):
                let handle = try socket.withUnsafeHandle("zmq_poll(closed socket)") { $0 }
                pollItems.append(zmq_pollitem_t(socket: handle, fd: 0, events: events.cValue, revents: 0))
            case .fileDescriptor(let descriptor):
                pollItems.append(zmq_pollitem_t(socket: nil, fd: descriptor, events: events.cValue, revents: 0))
            }
        }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .milliseconds(max(timeoutMilliseconds, 0)))
        let count = Int32(pollItems.count)
        try zmqCheck("zmq_poll(\(count) items, \(timeoutMilliseconds) ms)", retryingInterrupts: true) { () -> Int32 in
            var timeout = timeoutMilliseconds
            if timeoutMilliseconds > 0 {
                let remaining = clock.now.duration(to: deadline).components
                // Round up, so a retry never turns a short wait into a busy "just check".
                let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
                let fraction = (remaining.attoseconds + attosecondsPerMillisecond - 1) / attosecondsPerMillisecond
                let milliseconds = remaining.seconds * 1000 + fraction
                timeout = Int(max(milliseconds, 0))
            }
            return zmq_poll(&pollItems, count, timeout)
        }
        return pollItems.map { Events(cValue: $0.revents) }
    }
}

/// Sockets are confined to their owning thread, and so is a poller holding them.
@available(*, unavailable, message: "A ZMQPoller holds sockets, which belong to the thread that owns them")
extension ZMQPoller: Sendable {}
