import Foundation
import SchakelProtocol
import ZeroMQ

/// A test's REQ connection to the admin socket: raw frames out, a parsed JSON reply back.
final class AdminConnection {
    let context: ZMQContext
    let socket: ZMQSocket

    init(_ endpoint: String) throws {
        context = try ZMQContext()
        socket = try context.socket(.req)
        try socket.setLinger(milliseconds: 0)
        try socket.connect(endpoint)
    }

    deinit {
        socket.close()
        context.close()
    }

    func send(_ frames: Data...) throws {
        guard try socket.send(frames) == .sent else { throw TestError("could not send to the admin socket") }
    }

    func reply(timeout: TimeInterval = 10) throws -> JSONValue {
        var poller = ZMQPoller()
        poller.add(socket)
        let ready = try poller.poll(timeoutMilliseconds: Int(timeout * 1_000))
        guard ready[0].contains(.readable), let message = try socket.receive(dontWait: true) else {
            throw TestError("no admin reply within \(timeout) s")
        }
        guard message.frames.count == 1 else { throw TestError("admin reply has \(message.frames.count) frames") }
        let reply = try JSONValue.parse(message.frames[0])
        for problem in AdminSpec.validate(reply) { throw TestError("admin reply breaks its schema: \(problem)") }
        return reply
    }
}
