import Foundation
import SchakelProtocol
import ZeroMQ

/// A test's own connection to the daemon: a DEALER (or REQ) socket speaking SRP/1.
///
/// Every message it receives is checked against the JSON Schemas in Protocols/, so each
/// integration test also proves that the daemon's real output matches the spec.
final class Peer {
    let context: ZMQContext
    let socket: ZMQSocket
    /// How long a test waits for an answer that must come. Generous, because it only matters
    /// when something is wrong, and on a loaded two-core machine (CI, parallel tests, a crash
    /// loop restarting the daemon) a healthy answer can take seconds.
    static let patience: TimeInterval = 20

    /// Messages received while waiting for another command, kept in arrival order.
    private(set) var buffered: [WireMessage] = []
    /// Schema violations found in received messages; tests expect it empty.
    private(set) var violations: [String] = []

    /// - Parameter curve: the broker's public key and this peer's key pair, for a daemon in CURVE mode.
    init(
        _ endpoint: String, type: ZMQSocketType = .dealer,
        curve: (serverKey: String, keyPair: CurveKeyPair)? = nil
    ) throws {
        context = try ZMQContext()
        socket = try context.socket(type)
        try socket.setLinger(milliseconds: 0)
        if let curve { try socket.makeCurveClient(serverKey: curve.serverKey, keyPair: curve.keyPair) }
        try socket.connect(endpoint)
    }

    deinit {
        socket.close()
        context.close()
    }

    func send(_ command: Command, _ body: JSONValue = .object([:])) throws {
        try sendRaw(WireMessage(command: command.rawValue, body: body).frames())
    }

    func send(command: String, _ body: JSONValue = .object([:])) throws {
        try sendRaw(WireMessage(command: command, body: body).frames())
    }

    func sendRaw(_ frames: [Data]) throws {
        guard try socket.send(frames) == .sent else { throw TestError("could not send to the daemon") }
    }

    /// The next message from the socket, or nil after `timeout` seconds.
    func receiveRaw(timeout: TimeInterval) throws -> [Data]? {
        var poller = ZMQPoller()
        poller.add(socket)
        let ready = try poller.poll(timeoutMilliseconds: Int(timeout * 1_000))
        guard ready[0].contains(.readable) else { return nil }
        return try socket.receive(dontWait: true)?.frames
    }

    private func receiveMessage(timeout: TimeInterval) throws -> WireMessage? {
        guard let frames = try receiveRaw(timeout: timeout) else { return nil }
        let message = try WireMessage.parse(frames, maxBodyBytes: Int.max)
        violations += ProtocolSpec.validate(message).map { "\(message.command): \($0)" }
        // SRP1 "Bodies": the broker writes every body in canonical form, whichever encoder built it.
        if let body = frames.last, message.body.canonicalData() != body {
            violations.append(
                "\(message.command): body is not canonical JSON: \(String(decoding: body, as: UTF8.self))")
        }
        return message
    }

    /// The first message with `command`, from the buffer or the socket; other messages are
    /// buffered for later calls. Throws when none comes within `timeout`.
    @discardableResult
    func next(_ command: Command, timeout: TimeInterval = Peer.patience * Sanitizer.slowdown) throws -> WireMessage {
        if let index = buffered.firstIndex(where: { $0.command == command.rawValue }) {
            return buffered.remove(at: index)
        }
        let deadline = Date().addingTimeInterval(timeout)
        while case let left = deadline.timeIntervalSinceNow, left > 0 {
            guard let message = try receiveMessage(timeout: left) else { break }
            if message.command == command.rawValue { return message }
            buffered.append(message)
        }
        throw TestError(
            "no \(command.rawValue) within \(timeout) s; got instead: \(buffered.map { "\($0.command) \($0.body.canonicalString())" })"
        )
    }

    /// Waits for the answer to a request: `expected` or REJECTED, whichever comes first.
    func reply(_ expected: Command, timeout: TimeInterval = Peer.patience * Sanitizer.slowdown) throws -> WireMessage {
        let deadline = Date().addingTimeInterval(timeout)
        if let index = buffered.firstIndex(where: { $0.command == expected.rawValue || $0.command == "REJECTED" }) {
            return buffered.remove(at: index)
        }
        while case let left = deadline.timeIntervalSinceNow, left > 0 {
            guard let message = try receiveMessage(timeout: left) else { break }
            if message.command == expected.rawValue || message.command == "REJECTED" { return message }
            buffered.append(message)
        }
        throw TestError("no \(expected.rawValue) or REJECTED within \(timeout) s")
    }

    /// The next message if one is already waiting on the socket.
    func receiveReady() throws -> WireMessage? {
        try receiveMessage(timeout: 0)
    }

    /// Everything that arrives within `timeout` seconds (for "nothing more comes" checks).
    func drain(timeout: TimeInterval) throws -> [WireMessage] {
        var all = buffered
        buffered = []
        let deadline = Date().addingTimeInterval(timeout)
        while case let left = deadline.timeIntervalSinceNow, left > 0, let message = try receiveMessage(timeout: left) {
            all.append(message)
        }
        return all
    }

    /// Sends a request and waits for its answer.
    func request(_ command: Command, _ body: JSONValue, expect: Command) throws -> WireMessage {
        try send(command, body)
        return try reply(expect)
    }

    @discardableResult
    func hello(as principal: String) throws -> WireMessage {
        let answer = try request(.hello, ["as": .string(principal), "client": "tests/1"], expect: .welcome)
        guard answer.command == "WELCOME" else { throw TestError("HELLO as \(principal) refused: \(answer.body)") }
        return answer
    }

    func submit(_ referral: JSONValue) throws -> WireMessage {
        try request(.submit, ["referral": referral], expect: .accepted)
    }

    /// Confirms, with one RECEIVED, every buffered outbox message that RECEIVED answers (all but HANDOVER, which
    /// ACK or DECLINE answers) and drops them from the buffer; what is left is kept for later calls.
    func confirmBuffered() throws {
        var ids: [JSONValue] = []
        buffered.removeAll { message in
            guard message.command != "HANDOVER", let id = message.body["message_id"] else { return false }
            ids.append(id)
            return true
        }
        for start in stride(from: 0, to: ids.count, by: 1_000) {  // RECEIVED takes up to 1,000 ids
            try send(.received, ["message_ids": .array(Array(ids[start..<min(start + 1_000, ids.count)]))])
        }
    }

    func confirm(_ message: WireMessage) throws {
        guard let id = message.body["message_id"]?.stringValue else { throw TestError("no message_id in \(message)") }
        try send(.received, ["message_ids": .array([.string(id)])])
    }
}

extension Peer {
    /// Every message already waiting on the socket (and in the buffer), without waiting for more: for a loop that
    /// visits many peers per step and picks up late arrivals on the next.
    func drainReady() throws -> [WireMessage] {
        var all = try drain(timeout: 0)
        while let message = try receiveReady() { all.append(message) }
        return all
    }
}
