import Foundation
import SchakelProtocol
import ZeroMQ

/// One DEALER socket to one broker endpoint, and the monitor that reports when its connection breaks.
///
/// Owned by a ``SchakelClient`` and used only on its thread. A connection is never repaired: when it breaks, the
/// client closes it and opens a new one, so that nothing queued for the old broker reaches the new one before HELLO.
final class BrokerConnection {
    /// What waiting on the connection can bring.
    enum Arrival {
        case message(WireMessage)
        /// The monitor saw the connection break (the broker died or was restarted).
        case disconnected
        /// The monitor saw the handshake fail: see ``SchakelClient/diagnose(_:endpoint:curve:)``.
        case handshakeFailed(ZMQHandshakeFailure)
        /// A message that is not SRP/1; dropped.
        case garbage(String)
    }

    let endpoint: String
    private let socket: ZMQSocket
    private let monitor: ZMQSocket
    private var poller = ZMQPoller()

    init(context: ZMQContext, endpoint: String, configuration: SchakelClient.Configuration) throws {
        self.endpoint = endpoint
        socket = try context.socket(.dealer)
        monitor = try context.socket(.pair)
        do {
            try socket.setLinger(milliseconds: Self.milliseconds(configuration.linger))
            let beat = Self.milliseconds(configuration.heartbeat)
            try socket.setHeartbeat(
                intervalMilliseconds: beat, timeToLiveMilliseconds: min(beat * 3, 6_553_500),
                timeoutMilliseconds: beat * 3)
            if let curve = configuration.curve { try Self.apply(curve, to: socket) }
            let monitorEndpoint = "inproc://schakel-client-monitor-\(UUID().uuidString.lowercased())"
            try socket.monitor(monitorEndpoint, events: [.disconnected, .handshakeFailed])
            try monitor.connect(monitorEndpoint)
            try socket.connect(endpoint)
        } catch {
            close()
            throw error
        }
        poller.add(socket)
        poller.add(monitor)
    }

    /// Queues `message` for the broker; false when libzmq would not take it (queue full).
    func send(_ message: WireMessage) throws -> Bool {
        try socket.send(message.frames(), dontWait: true) == .sent
    }

    /// The next thing that happens before `deadline`, or `nil` when nothing does.
    func receive(until deadline: ContinuousClock.Instant) throws -> Arrival? {
        let wait = max(0, Self.milliseconds(ContinuousClock.now.duration(to: deadline)))
        let ready = try poller.poll(timeoutMilliseconds: wait)
        // What the broker sent before it went away is still valid (an ACCEPTED, a NOTICE): read it first.
        if ready[0].contains(.readable), let frames = try socket.receive(dontWait: true)?.frames {
            do {
                return .message(try WireMessage.parse(frames, maxBodyBytes: Int.max))
            } catch {
                return .garbage(error.message)
            }
        }
        if ready[1].contains(.readable), let frames = try monitor.receive(dontWait: true)?.frames,
            let event = ZMQMonitorEvent(frames: frames)
        {
            if let failure = event.handshakeFailure { return .handshakeFailed(failure) }
            if event.kind.contains(.disconnected) { return .disconnected }
        }
        return nil
    }

    func close() {
        socket.close()
        monitor.close()
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }

    private static func apply(_ curve: SchakelClient.Curve, to socket: ZMQSocket) throws {
        try socket.makeCurveClient(serverKey: curve.serverKey, keyPair: try curve.keyPair())
    }
}
