import CZMQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failed libzmq call: the errno it left, libzmq's own explanation and what the wrapper was attempting.
///
/// Every libzmq return code in this module passes through ``zmqCheck(_:retryingInterrupts:_:)``, so an error always
/// names the operation (`zmq_bind(ipc:///tmp/x)`), which is what an operator needs to act on it.
/// `EAGAIN` and `EHOSTUNREACH` on send and receive are reported as results (``SendOutcome``, a `nil` message), not
/// thrown; the flags below exist for the places where they can still surface.
public struct ZMQError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The errno value (POSIX, or one of libzmq's own such as `ETERM`).
    public let code: Int
    /// libzmq's description of ``code`` (`zmq_strerror`).
    public let message: String
    /// The call being attempted, with its argument where that helps, e.g. `zmq_bind(ipc:///tmp/x)`.
    public let operation: String

    /// Builds the error for an errno value, taking the message from `zmq_strerror`.
    init(code: Int32, operation: String) {
        self.code = Int(code)
        self.message = String(cString: zmq_strerror(code))
        self.operation = operation
    }

    /// The operation could not complete now (`EAGAIN`): high-water mark, `dontWait` or a timeout.
    public var isWouldBlock: Bool { code == Int(EAGAIN) }

    /// A ROUTER with `ROUTER_MANDATORY` has no peer with the addressed routing id (`EHOSTUNREACH`).
    public var isHostUnreachable: Bool { code == Int(EHOSTUNREACH) }

    /// The context is being terminated (`ETERM`); the socket should be closed.
    public var isTerminated: Bool { code == Int(ETERM) }

    /// `operation: message (errno code)`, for logs.
    public var description: String { "\(operation): \(message) (errno \(code))" }
}

/// The one function that turns a libzmq integer return code into a Swift result.
///
/// `-1` becomes a ``ZMQError`` carrying `zmq_errno()`, its `zmq_strerror` text and `operation`. With
/// `retryingInterrupts`, `EINTR` calls `call` again (the closure recomputes anything time-dependent, such as the
/// remaining poll timeout). Any other value is returned unchanged.
@discardableResult
func zmqCheck(
    _ operation: @autoclosure () -> String,
    retryingInterrupts: Bool = false,
    _ call: () -> Int32
) throws(ZMQError) -> Int32 {
    while true {
        let rc = call()
        if rc != -1 { return rc }
        let code = zmq_errno()
        if retryingInterrupts && code == EINTR { continue }
        throw ZMQError(code: code, operation: operation())
    }
}

/// ``zmqCheck(_:retryingInterrupts:_:)`` for the libzmq calls that return a handle: `NULL` becomes a ``ZMQError``.
func zmqCheck(
    _ operation: @autoclosure () -> String,
    _ call: () -> UnsafeMutableRawPointer?
) throws(ZMQError) -> UnsafeMutableRawPointer {
    var handle: UnsafeMutableRawPointer?
    try zmqCheck(operation()) { () -> Int32 in
        handle = call()
        return handle == nil ? -1 : 0
    }
    guard let handle else { preconditionFailure("zmqCheck accepted a NULL handle") }
    return handle
}
