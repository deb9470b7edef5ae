import CZMQ
import Foundation

/// A libzmq context: the I/O threads and the namespace of `inproc://` endpoints.
///
/// Create one per process (sockets can only meet over `inproc://` within the same context) and keep it until every
/// socket is closed. Each ``ZMQSocket`` holds a strong reference to its context, so the context cannot be torn down
/// under a live socket.
///
/// `@unchecked Sendable`: libzmq contexts are thread-safe (`zmq_socket` and `zmq_ctx_term` may be called from any
/// thread); the only Swift state, the `closed` flag, is guarded by `lock`. Sockets made from it are not thread-safe.
public final class ZMQContext: @unchecked Sendable {
    /// The `void *` from `zmq_ctx_new`; valid until ``close()`` has run.
    private let handle: UnsafeMutableRawPointer
    private let lock = NSLock()
    private var closed = false

    /// Creates a context with libzmq's defaults (one I/O thread).
    public init() throws {
        handle = try zmqCheck("zmq_ctx_new") { zmq_ctx_new() }
    }

    /// Opens a socket of `type` in this context.
    ///
    /// The socket starts with a linger of 0 (libzmq's default is infinite, which makes ``close()`` hang on a peer
    /// that never comes); call ``ZMQSocket/setLinger(milliseconds:)`` to let unsent messages drain for a while.
    /// Throws with `ETERM` once the context is closed.
    public func socket(_ type: ZMQSocketType) throws -> ZMQSocket {
        let socketHandle: UnsafeMutableRawPointer = try lock.withLock { () throws(ZMQError) in
            let operation = "zmq_socket(\(type))"
            guard !closed else { throw ZMQError(code: ETERM, operation: operation) }
            return try zmqCheck(operation) { zmq_socket(handle, type.cValue) }
        }
        let socket = ZMQSocket(handle: socketHandle, type: type, context: self)
        try socket.setLinger(milliseconds: 0)
        return socket
    }

    /// Terminates the context (`zmq_ctx_term`), retrying on `EINTR`; idempotent, and run by `deinit` if not done.
    ///
    /// Blocks until every socket of the context is closed, each after its linger; blocking calls on those sockets
    /// in other threads then fail with `ETERM` (``ZMQError/isTerminated``). Close your sockets first.
    public func close() {
        let wasClosed = lock.withLock {
            defer { closed = true }
            return closed
        }
        guard !wasClosed else { return }
        do {
            try zmqCheck("zmq_ctx_term", retryingInterrupts: true) { zmq_ctx_term(handle) }
        } catch {
            // Only EFAULT (not a context) is left, which would mean memory corruption.
            preconditionFailure("\(error)")
        }
    }

    deinit {
        close()
    }
}
