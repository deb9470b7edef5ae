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
    /// Where the next ``receive(limit:)`` starts, so that a busy adapter cannot starve a quiet one.
    private var next = 0
    /// Messages taken in since start.
    private(set) var received = 0

    init(context: ZMQContext, sources: [SubscribeSource], maxMessageBytes: Int) throws {
        self.sources = sources
        var sockets: [ZMQSocket] = []
        for source in sources {
            let socket = try context.socket(.sub)
            sockets.append(socket)
            do {
                try socket.setLinger(milliseconds: 0)
                try socket.setMaxMessageSize(maxMessageBytes)
                try socket.setReceiveHighWaterMark(10_000)
                try socket.subscribe(WireMessage.signature)
                try socket.connect(source.endpoint)
            } catch {
                for socket in sockets { socket.close() }
                throw ConfigError(
                    "subscribe: cannot connect to \(source.endpoint) for \(source.organisation): \(error)")
            }
        }
        self.sockets = sockets
    }

    func close() {
        for socket in sockets { socket.close() }
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
        received += messages.count
        return messages
    }
}
