import Foundation
import SchakelProtocol
import ZeroMQ

/// The SUB sockets of config `subscribe`: one per publish-only adapter, so that every message is known to come
/// from the organisation configured for its endpoint (Protocols/SRP1.md, "Publish-only adapters").
///
/// Owned by the event-loop thread. Each socket subscribes to `SRP1`, the protocol signature that is also the first
/// frame of every SRP/1 message, so it takes SRP/1 messages and nothing else the adapter might publish.
final class SubscribeIntake {
    /// A message as it came off one adapter's socket.
    struct Received {
        var source: SubscribeSource
        var frames: [Data]
    }

    let sources: [SubscribeSource]
    let sockets: [ZMQSocket]
    /// One PAIR socket per SUB socket, reading its connection events (see ``reconnectIfLost(_:)``).
    let monitors: [ZMQSocket]
    private let logger: Logger
    /// Where the next ``receive(limit:)`` starts, so that a busy adapter cannot starve a quiet one.
    private var next = 0

    /// A source with a `server_key` is connected as a CURVE client with `keyPair` (the broker's own in CURVE mode):
    /// only the adapter holding that key's secret can then complete the handshake, so nobody else can publish as
    /// its organisation, and the submissions are encrypted on the way.
    init(
        context: ZMQContext, sources: [SubscribeSource], maxMessageBytes: Int, keyPair: CurveKeyPair?, logger: Logger
    ) throws {
        self.sources = sources
        self.logger = logger
        var sockets: [ZMQSocket] = []
        var monitors: [ZMQSocket] = []
        for (index, source) in sources.enumerated() {
            do {
                let socket = try context.socket(.sub)
                sockets.append(socket)
                try socket.setLinger(milliseconds: 0)
                try socket.setMaxMessageSize(maxMessageBytes)
                try socket.setReceiveHighWaterMark(10_000)
                try socket.subscribe(WireMessage.signature)
                if let serverKey = source.serverKey {
                    guard let keyPair else { throw ConfigError("no key pair for the CURVE client") }
                    try socket.makeCurveClient(serverKey: serverKey, keyPair: keyPair)
                }
                let monitorEndpoint = "inproc://schakel-subscribe-monitor-\(index)"
                try socket.monitor(monitorEndpoint, events: [.connected, .disconnected])
                let monitor = try context.socket(.pair)
                monitors.append(monitor)
                try monitor.setLinger(milliseconds: 0)
                try monitor.connect(monitorEndpoint)
                try socket.connect(source.endpoint)
            } catch {
                for socket in monitors + sockets { socket.close() }
                throw ConfigError(
                    "subscribe: cannot connect to \(source.endpoint) for \(source.organisation): \(error)")
            }
        }
        self.sockets = sockets
        self.monitors = monitors
    }

    func close() {
        for socket in monitors + sockets { socket.close() }
    }

    /// Up to `limit` waiting messages, taken round-robin over the adapters; never blocks.
    func receive(limit: Int) throws -> [Received] {
        var messages: [Received] = []
        var idle = 0
        while messages.count < limit, idle < sockets.count {
            let index = next
            next = (next + 1) % sockets.count
            if let message = try sockets[index].receive(dontWait: true) {
                messages.append(Received(source: sources[index], frames: message.frames))
                idle = 0
            } else {
                idle += 1
            }
        }
        return messages
    }

    /// Reads the connection events of adapter `index` and connects again after a lost connection. libzmq
    /// reconnects by itself after a network error, but not after a protocol error (a message above
    /// `limits.max_message_bytes`): without this, one oversized message would cut the adapter off for good.
    func reconnectIfLost(_ index: Int) {
        let source = sources[index]
        var lost = false
        while let message = try? monitors[index].receive(dontWait: true) {
            guard let event = ZMQMonitorEvent(frames: message.frames) else { continue }
            if event.kind == .connected {
                logger.info("subscribe.connected", ["endpoint": source.endpoint, "organisation": source.organisation])
            } else if event.kind == .disconnected {
                logger.warning(
                    "subscribe.disconnected", ["endpoint": source.endpoint, "organisation": source.organisation])
                lost = true
            }
        }
        guard lost else { return }
        // Harmless after a network error (libzmq was reconnecting anyway); needed after a protocol error.
        try? sockets[index].disconnect(source.endpoint)
        do {
            try sockets[index].connect(source.endpoint)
        } catch {
            logger.error("subscribe.reconnect_failed", ["endpoint": source.endpoint, "error": "\(error)"])
        }
    }
}
