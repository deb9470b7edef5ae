import CZMQ
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Socket options (`zmq_setsockopt`), one method per option the project uses, with Swift types and units in the name.
extension ZMQSocket {
    /// How long unsent messages are kept after ``close()`` (`ZMQ_LINGER`); `-1` waits forever, which makes context
    /// termination hang on an absent peer. Sockets from ``ZMQContext/socket(_:)`` start at 0.
    public func setLinger(milliseconds: Int) throws {
        try setIntOption(ZMQ_LINGER, "ZMQ_LINGER", milliseconds)
    }

    /// Outgoing queue limit per peer in messages (`ZMQ_SNDHWM`; 0 = unlimited). PUB and ROUTER drop above it,
    /// others block or answer ``SendOutcome/wouldBlock``.
    public func setSendHighWaterMark(_ messages: Int) throws {
        try setIntOption(ZMQ_SNDHWM, "ZMQ_SNDHWM", messages)
    }

    /// Incoming queue limit per peer in messages (`ZMQ_RCVHWM`; 0 = unlimited).
    public func setReceiveHighWaterMark(_ messages: Int) throws {
        try setIntOption(ZMQ_RCVHWM, "ZMQ_RCVHWM", messages)
    }

    /// Largest inbound message in bytes (`ZMQ_MAXMSGSIZE`, `-1` = unlimited); a peer that sends more is
    /// disconnected and the message is never delivered. Not enforced over `inproc://`.
    public func setMaxMessageSize(_ bytes: Int) throws {
        var value = Int64(bytes)
        try setOption(ZMQ_MAXMSGSIZE, "ZMQ_MAXMSGSIZE=\(bytes)", &value, MemoryLayout<Int64>.size)
    }

    /// Makes a ROUTER report unroutable messages (`ZMQ_ROUTER_MANDATORY`) as ``SendOutcome/hostUnreachable``
    /// instead of dropping them silently. Send with `dontWait`, or a full peer blocks the send.
    public func setRouterMandatory(_ on: Bool) throws {
        try setIntOption(ZMQ_ROUTER_MANDATORY, "ZMQ_ROUTER_MANDATORY", on ? 1 : 0)
    }

    /// Lets a reconnecting peer take over its routing id from a stale connection (`ZMQ_ROUTER_HANDOVER`) rather
    /// than being refused.
    public func setRouterHandover(_ on: Bool) throws {
        try setIntOption(ZMQ_ROUTER_HANDOVER, "ZMQ_ROUTER_HANDOVER", on ? 1 : 0)
    }

    /// ZMTP heartbeats, to detect dead peers below the application: send a PING every `intervalMilliseconds`
    /// (`ZMQ_HEARTBEAT_IVL`), ask the peer to drop us after `timeToLiveMilliseconds` of silence
    /// (`ZMQ_HEARTBEAT_TTL`, decisecond resolution) and drop the peer after `timeoutMilliseconds` without an answer
    /// (`ZMQ_HEARTBEAT_TIMEOUT`).
    public func setHeartbeat(intervalMilliseconds: Int, timeToLiveMilliseconds: Int, timeoutMilliseconds: Int) throws {
        try setIntOption(ZMQ_HEARTBEAT_IVL, "ZMQ_HEARTBEAT_IVL", intervalMilliseconds)
        try setIntOption(ZMQ_HEARTBEAT_TTL, "ZMQ_HEARTBEAT_TTL", timeToLiveMilliseconds)
        try setIntOption(ZMQ_HEARTBEAT_TIMEOUT, "ZMQ_HEARTBEAT_TIMEOUT", timeoutMilliseconds)
    }

    /// How long a new connection may take for its ZMTP handshake (and CURVE's) before libzmq drops it
    /// (`ZMQ_HANDSHAKE_IVL`; 0 = forever, libzmq's default is 30 s). A listener keeps it short so that connections
    /// that never start a handshake do not hold file descriptors for long.
    public func setHandshakeInterval(milliseconds: Int) throws {
        try setIntOption(ZMQ_HANDSHAKE_IVL, "ZMQ_HANDSHAKE_IVL", milliseconds)
    }

    /// The routing id a ROUTER peer will see for this socket (`ZMQ_ROUTING_ID`, 1 to 255 bytes, not starting with
    /// a zero byte); set before ``connect(_:)``.
    public func setRoutingID(_ id: Data) throws {
        try setBytesOption(ZMQ_ROUTING_ID, "ZMQ_ROUTING_ID", id)
    }

    /// SUB: receive messages whose first frame starts with `prefix` (`ZMQ_SUBSCRIBE`; empty = everything).
    public func subscribe(_ prefix: Data) throws {
        try setBytesOption(ZMQ_SUBSCRIBE, "ZMQ_SUBSCRIBE", prefix)
    }

    /// SUB: undo one matching ``subscribe(_:)`` (`ZMQ_UNSUBSCRIBE`).
    public func unsubscribe(_ prefix: Data) throws {
        try setBytesOption(ZMQ_UNSUBSCRIBE, "ZMQ_UNSUBSCRIBE", prefix)
    }

    /// How long a blocking ``receive(dontWait:)`` waits before answering `nil` (`ZMQ_RCVTIMEO`; `-1` = forever).
    public func setReceiveTimeout(milliseconds: Int) throws {
        try setIntOption(ZMQ_RCVTIMEO, "ZMQ_RCVTIMEO", milliseconds)
    }

    /// How long a blocking ``send(_:dontWait:)`` waits before answering ``SendOutcome/wouldBlock``
    /// (`ZMQ_SNDTIMEO`; `-1` = forever).
    public func setSendTimeout(milliseconds: Int) throws {
        try setIntOption(ZMQ_SNDTIMEO, "ZMQ_SNDTIMEO", milliseconds)
    }

    /// Queue messages only to completed connections (`ZMQ_IMMEDIATE`), so a send to an absent peer answers
    /// ``SendOutcome/wouldBlock`` instead of filling a queue nobody reads.
    public func setImmediate(_ on: Bool) throws {
        try setIntOption(ZMQ_IMMEDIATE, "ZMQ_IMMEDIATE", on ? 1 : 0)
    }

    // MARK: - Plumbing

    /// An `int` option; values outside `Int32` throw `EINVAL` instead of being truncated.
    private func setIntOption(_ option: Int32, _ name: String, _ value: Int) throws(ZMQError) {
        let operation = "zmq_setsockopt(\(name)=\(value))"
        guard var cValue = Int32(exactly: value) else { throw ZMQError(code: EINVAL, operation: operation) }
        try setOption(option, operation, &cValue, MemoryLayout<Int32>.size)
    }

    /// A binary option, passed with its exact length.
    private func setBytesOption(_ option: Int32, _ name: String, _ value: Data) throws(ZMQError) {
        let operation = "zmq_setsockopt(\(name), \(value.count) bytes)"
        var bytes = [UInt8](value)
        try setOption(option, operation, &bytes, bytes.count)
    }

    private func setOption(
        _ option: Int32,
        _ operation: String,
        _ value: UnsafeRawPointer,
        _ size: Int
    ) throws(ZMQError) {
        try withUnsafeHandle(operation) { handle throws(ZMQError) -> Void in
            try zmqCheck(operation) { zmq_setsockopt(handle, option, value, size) }
        }
    }
}
