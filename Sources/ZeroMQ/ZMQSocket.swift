import CZMQ
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One libzmq socket, the sole owner of its handle.
///
/// Not `Sendable`, by design: libzmq sockets are not thread-safe, so a socket belongs to the one thread that created
/// it (the broker's event loop) and other threads reach that thread through an `inproc://` socket of their own.
/// The socket keeps its ``ZMQContext`` alive. ``close()`` is idempotent and `deinit` runs it if you did not.
public final class ZMQSocket {
    /// The pattern this socket was created with.
    public let type: ZMQSocketType
    /// Kept so the context outlives the socket: `zmq_ctx_term` waits for every socket to be closed.
    private let context: ZMQContext
    /// The `void *` from `zmq_socket`; `nil` once closed.
    private var handle: UnsafeMutableRawPointer?

    init(handle: UnsafeMutableRawPointer, type: ZMQSocketType, context: ZMQContext) {
        self.handle = handle
        self.type = type
        self.context = context
    }

    deinit {
        close()
    }

    /// Runs `body` with the raw handle; throws `ENOTSOCK` for `operation` when the socket is already closed.
    /// The only way code in this module reaches the handle.
    @discardableResult
    func withUnsafeHandle<Result>(
        _ operation: @autoclosure () -> String,
        _ body: (UnsafeMutableRawPointer) throws(ZMQError) -> Result
    ) throws(ZMQError) -> Result {
        guard let handle else { throw ZMQError(code: ENOTSOCK, operation: operation()) }
        return try body(handle)
    }

    /// Whether ``close()`` has run.
    public var isClosed: Bool { handle == nil }

    /// Listens on `endpoint` (`tcp://127.0.0.1:*`, `ipc:///path`, `inproc://name`); see ``lastEndpoint()`` for the
    /// port a wildcard got.
    public func bind(_ endpoint: String) throws {
        let operation = "zmq_bind(\(endpoint))"
        try withUnsafeHandle(operation) { handle throws(ZMQError) in
            try zmqCheck(operation) { zmq_bind(handle, endpoint) }
        }
    }

    /// Connects to `endpoint`; libzmq connects (and reconnects) in the background, so success does not mean the
    /// peer is there.
    public func connect(_ endpoint: String) throws {
        let operation = "zmq_connect(\(endpoint))"
        try withUnsafeHandle(operation) { handle throws(ZMQError) in
            try zmqCheck(operation) { zmq_connect(handle, endpoint) }
        }
    }

    /// Stops listening on an endpoint given to ``bind(_:)`` (use ``lastEndpoint()`` for a wildcard bind).
    public func unbind(_ endpoint: String) throws {
        let operation = "zmq_unbind(\(endpoint))"
        try withUnsafeHandle(operation) { handle throws(ZMQError) in
            try zmqCheck(operation) { zmq_unbind(handle, endpoint) }
        }
    }

    /// Drops a connection made by ``connect(_:)``.
    public func disconnect(_ endpoint: String) throws {
        let operation = "zmq_disconnect(\(endpoint))"
        try withUnsafeHandle(operation) { handle throws(ZMQError) in
            try zmqCheck(operation) { zmq_disconnect(handle, endpoint) }
        }
    }

    /// The endpoint of the last bind or connect, with wildcards resolved (`tcp://127.0.0.1:41234`).
    public func lastEndpoint() throws -> String {
        let operation = "zmq_getsockopt(ZMQ_LAST_ENDPOINT)"
        return try withUnsafeHandle(operation) { handle throws(ZMQError) in
            var buffer = [CChar](repeating: 0, count: 1024)
            var size = buffer.count
            try zmqCheck(operation) { zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size) }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// Closes the socket (`zmq_close`); idempotent. Unsent messages are kept for the socket's linger (0 unless set
    /// with ``setLinger(milliseconds:)``), then dropped. Afterwards every operation throws `ENOTSOCK`.
    public func close() {
        guard let handle else { return }
        self.handle = nil
        do {
            try zmqCheck("zmq_close") { zmq_close(handle) }
        } catch {
            // Only ENOTSOCK is left, which would mean a handle freed behind this wrapper's back.
            preconditionFailure("\(error)")
        }
    }

    // MARK: - Messages

    /// Sends all frames as one multipart message. Returns `.sent`, or `.wouldBlock` (`EAGAIN`: HWM reached /
    /// `dontWait` / `SNDTIMEO`), or `.hostUnreachable` (`EHOSTUNREACH` from a ROUTER with `ROUTER_MANDATORY`: no such
    /// peer). Other errors throw; `EINTR` is retried.
    ///
    /// ZeroMQ queues a multipart message atomically: once the first frame is accepted the rest are too, so the
    /// outcomes other than `.sent` always mean that nothing was queued. `frames` must not be empty.
    public func send(_ frames: [Data], dontWait: Bool = false) throws -> SendOutcome {
        try withUnsafeHandle("zmq_msg_send") { handle throws(ZMQError) in
            guard !frames.isEmpty else { throw ZMQError(code: EINVAL, operation: "zmq_msg_send(no frames)") }
            for (index, frame) in frames.enumerated() {
                let isLast = index == frames.count - 1
                let flags = (dontWait ? ZMQ_DONTWAIT : 0) | (isLast ? 0 : ZMQ_SNDMORE)
                let message = try ZMQMessage(copying: frame)
                do throws(ZMQError) {
                    // The operation text is an autoclosure: built only when the send fails.
                    try zmqCheck("zmq_msg_send(frame \(index + 1) of \(frames.count))", retryingInterrupts: true) {
                        zmq_msg_send(message.pointer, handle, flags)
                    }
                } catch {
                    guard index == 0 else { throw error }
                    if error.isWouldBlock { return .wouldBlock }
                    if error.isHostUnreachable { return .hostUnreachable }
                    throw error
                }
            }
            return .sent
        }
    }

    /// Receives one whole multipart message; `nil` on `EAGAIN` (`dontWait` with nothing queued, or `RCVTIMEO`
    /// expired). `EINTR` is retried (a retry restarts `RCVTIMEO` in full); other errors throw (`ETERM` when the
    /// context is terminating).
    ///
    /// The metadata (``Multipart/userID``, ``Multipart/peerAddress`` and each property named in `metadata`, into
    /// ``Multipart/metadata``) is read from the first frame that carries it: every frame from the peer carries the
    /// same, but the routing-id frame a ROUTER adds carries none after a `zmq_poll`.
    public func receive(dontWait: Bool = false, metadata: [String] = []) throws -> Multipart? {
        try withUnsafeHandle("zmq_msg_recv") { handle throws(ZMQError) -> Multipart? in
            let flags = dontWait ? ZMQ_DONTWAIT : 0
            var result = Multipart(frames: [])
            while true {
                let message = ZMQMessage()
                do throws(ZMQError) {
                    try zmqCheck("zmq_msg_recv(frame \(result.frames.count + 1))", retryingInterrupts: true) {
                        zmq_msg_recv(message.pointer, handle, flags)
                    }
                } catch {
                    if result.frames.isEmpty && error.isWouldBlock { return nil }
                    throw error
                }
                // Each property from the first frame that carries it: a ROUTER's routing-id frame has none when
                // zmq_poll prefetched the message (libzmq 4.3.4 router_t::xhas_in), the frames after it do.
                if result.userID == nil { result.userID = message.property("User-Id") }
                if result.peerAddress == nil { result.peerAddress = message.property("Peer-Address") }
                if result.sourceFileDescriptor == nil { result.sourceFileDescriptor = message.sourceFileDescriptor }
                for name in metadata where result.metadata[name] == nil {
                    if let value = message.property(name) { result.metadata[name] = value }
                }
                result.frames.append(message.data)
                if !message.hasMore { return result }
            }
        }
    }
}

/// Sockets are confined to their owning thread; this makes "send it to another thread" a compile-time error.
@available(*, unavailable, message: "A ZMQSocket belongs to the thread that owns it; talk to it over inproc://")
extension ZMQSocket: Sendable {}
