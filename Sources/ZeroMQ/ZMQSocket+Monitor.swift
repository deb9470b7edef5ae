import CZMQ
import Foundation

/// Connection events of a socket, as `zmq_socket_monitor` reports them.
///
/// A connecting socket reconnects by itself after a network error, but libzmq 4.3 ends the connection for good
/// after a protocol error, such as a message above `ZMQ_MAXMSGSIZE`; the monitor is the only way to notice and
/// connect again.
public struct ZMQMonitorEvent: Sendable, Equatable {
    /// Which kinds of event to report.
    public struct Kinds: OptionSet, Sendable, Hashable {
        public let rawValue: Int32

        public init(rawValue: Int32) {
            self.rawValue = rawValue
        }

        /// A connection was established (`ZMQ_EVENT_CONNECTED`).
        public static let connected = Kinds(rawValue: ZMQ_EVENT_CONNECTED)
        /// A connection ended, for whatever reason (`ZMQ_EVENT_DISCONNECTED`).
        public static let disconnected = Kinds(rawValue: ZMQ_EVENT_DISCONNECTED)
    }

    /// The one kind this event is.
    public var kind: Kinds
    /// The event's value (the file descriptor or errno it concerns).
    public var value: UInt32
    /// The endpoint it is about, as libzmq names it.
    public var endpoint: String

    /// Reads one monitor message: a 6-byte frame (the event as a 16-bit and its value as a 32-bit integer, in the
    /// machine's byte order) and the endpoint. Nil when the frames are not shaped so.
    public init?(frames: [Data]) {
        guard frames.count == 2, frames[0].count == 6 else { return nil }
        let bytes = [UInt8](frames[0])
        let event = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 0, as: UInt16.self) }
        value = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 2, as: UInt32.self) }
        kind = Kinds(rawValue: Int32(event))
        endpoint = String(decoding: frames[1], as: UTF8.self)
    }
}

extension ZMQSocket {
    /// Reports this socket's `kinds` of connection event on `endpoint`, an `inproc://` address for a PAIR socket of
    /// the same context to connect to and read with ``ZMQMonitorEvent/init(frames:)``.
    public func monitor(_ endpoint: String, kinds: ZMQMonitorEvent.Kinds) throws {
        let operation = "zmq_socket_monitor(\(endpoint))"
        try withUnsafeHandle(operation) { handle throws(ZMQError) in
            try zmqCheck(operation) { zmq_socket_monitor(handle, endpoint, kinds.rawValue) }
        }
    }
}
