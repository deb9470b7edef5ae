import CZMQ
import Foundation

/// One connection event of a monitored socket (``ZMQSocket/monitor(_:events:)``), as libzmq publishes it on the
/// monitor's `PAIR` endpoint.
///
/// A DEALER reconnects by itself after its peer went away, so without these events a client cannot tell that the
/// peer it talks to was restarted and has forgotten its session. Watching `disconnected` is how it finds out.
public struct ZMQMonitorEvent: Sendable, Equatable {
    /// The events a monitor can report (the non-draft ones of libzmq 4.3), also used to choose which to report.
    public struct Kind: OptionSet, Sendable, Hashable {
        public let rawValue: Int

        /// Builds a set from libzmq's `ZMQ_EVENT_*` bits.
        public init(rawValue: Int) {
            self.rawValue = rawValue
        }

        /// A `connect` reached its peer (`ZMQ_EVENT_CONNECTED`); the ZMTP handshake follows.
        public static let connected = Kind(rawValue: Int(ZMQ_EVENT_CONNECTED))
        /// An established connection broke: the peer closed it, died, or missed its heartbeats
        /// (`ZMQ_EVENT_DISCONNECTED`). libzmq will reconnect on its own.
        public static let disconnected = Kind(rawValue: Int(ZMQ_EVENT_DISCONNECTED))
        /// A listener accepted a connection (`ZMQ_EVENT_ACCEPTED`); the value is its file descriptor.
        public static let accepted = Kind(rawValue: Int(ZMQ_EVENT_ACCEPTED))
        /// The ZMTP handshake (and CURVE, when used) completed (`ZMQ_EVENT_HANDSHAKE_SUCCEEDED`).
        public static let handshakeSucceeded = Kind(rawValue: Int(ZMQ_EVENT_HANDSHAKE_SUCCEEDED))
        /// The handshake failed: a protocol error, or authentication refused (`ZMQ_EVENT_HANDSHAKE_FAILED_*`).
        public static let handshakeFailed = Kind(
            rawValue: Int(
                ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                    | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH))
        /// The monitor was stopped or its socket closed (`ZMQ_EVENT_MONITOR_STOPPED`); no event follows.
        public static let monitorStopped = Kind(rawValue: Int(ZMQ_EVENT_MONITOR_STOPPED))
    }

    /// Which event this is (exactly one bit).
    public let kind: Kind
    /// The event's value: a file descriptor, an errno, or a handshake error code, depending on ``kind``.
    public let value: Int
    /// The endpoint the event is about, e.g. `tcp://127.0.0.1:5710`.
    public let endpoint: String

    /// Builds an event, e.g. as the expected value in a test.
    public init(kind: Kind, value: Int, endpoint: String) {
        self.kind = kind
        self.value = value
        self.endpoint = endpoint
    }

    /// Decodes a message received on the monitor's `PAIR` socket: a 6-byte frame (16-bit event, 32-bit value, in
    /// the machine's byte order) and a frame with the endpoint. `nil` for anything else.
    public init?(frames: [Data]) {
        guard frames.count == 2, frames[0].count == 6 else { return nil }
        let bytes = [UInt8](frames[0])
        let event = bytes[0..<2].withUnsafeBytes { $0.loadUnaligned(as: UInt16.self) }
        let value = bytes[2..<6].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
        self.init(
            kind: Kind(rawValue: Int(event)), value: Int(value), endpoint: String(decoding: frames[1], as: UTF8.self))
    }
}
