import CZMQ

extension ZMQSocket {
    /// Publishes this socket's connection events on a new `inproc://` `PAIR` endpoint (`zmq_socket_monitor`).
    ///
    /// Connect a ``ZMQSocketType/pair`` socket of the same context to `endpoint` and decode what it receives with
    /// ``ZMQMonitorEvent/init(frames:)``. Call this before ``connect(_:)`` so that no event is missed; closing this
    /// socket ends the monitor.
    public func monitor(_ endpoint: String, events: ZMQMonitorEvent.Kind) throws {
        let operation = "zmq_socket_monitor(\(endpoint))"
        try withUnsafeHandle(operation) { handle throws(ZMQError) in
            try zmqCheck(operation) { zmq_socket_monitor(handle, endpoint, Int32(events.rawValue)) }
        }
    }
}
