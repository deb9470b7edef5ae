import Foundation
import SchakelProtocol
import ZeroMQ

/// A DEALER connection to schakeld speaking SRP/1: what an organisation adapter or a contact
/// client does, in its simplest form.
final class BrokerClient {
    let context: ZMQContext
    let socket: ZMQSocket

    /// - Parameter curve: for a daemon in CURVE mode, its public key and this client's key pair.
    init(endpoint: String, curve: (serverKey: String, keyPair: CurveKeyPair)? = nil) throws {
        context = try ZMQContext()
        socket = try context.socket(.dealer)
        try socket.setLinger(milliseconds: 500)
        if let curve { try socket.makeCurveClient(serverKey: curve.serverKey, keyPair: curve.keyPair) }
        try socket.connect(endpoint)
    }

    /// The CURVE settings of `--curve-key FILE` (a secret key file from `schakelctl keygen`) and `--server-key KEY`
    /// (the broker's public key, or a file holding it); nil when neither is given.
    static func curve(keyFile: String?, serverKey: String?) throws -> (serverKey: String, keyPair: CurveKeyPair)? {
        guard keyFile != nil || serverKey != nil else { return nil }
        guard let keyFile, let serverKey else {
            throw ClientError("--curve-key FILE and --server-key KEY go together")
        }
        func text(_ path: String) throws -> String {
            try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let secret = try text(keyFile)
        let pair = try CurveKeyPair(publicKey: try CurveKeyPair.publicKey(forSecretKey: secret), secretKey: secret)
        let server = CurveKeyPair.isValidKey(serverKey) ? serverKey : try text(serverKey)
        guard CurveKeyPair.isValidKey(server) else {
            throw ClientError("--server-key: neither a Z85 public key nor a file holding one: \(serverKey)")
        }
        return (server, pair)
    }

    func send(_ message: WireMessage) throws {
        _ = try socket.send(message.frames())
    }

    /// The next message from the broker, or nil when `timeout` passes first.
    func receive(timeout: TimeInterval) throws -> WireMessage? {
        var poller = ZMQPoller()
        poller.add(socket)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let left = max(0, Int(deadline.timeIntervalSinceNow * 1_000))
            let ready = try poller.poll(timeoutMilliseconds: left)
            if ready[0].contains(.readable), let message = try socket.receive(dontWait: true) {
                return try WireMessage.parse(message.frames, maxBodyBytes: Int.max)
            }
            if left == 0 { return nil }
        }
    }

    /// Waits for the answer to a request, handing anything else (pushed NOTICEs, offers) to `other`.
    func awaitReply(
        _ commands: Set<Command>, timeout: TimeInterval, other: (WireMessage) throws -> Void = { _ in }
    ) throws -> WireMessage {
        let deadline = Date().addingTimeInterval(timeout)
        while let message = try receive(timeout: max(0, deadline.timeIntervalSinceNow)) {
            if let command = Command(rawValue: message.command), commands.contains(command) { return message }
            try other(message)
        }
        throw ClientError("no answer from the broker within \(Int(timeout)) s; is schakeld running?")
    }

    /// HELLO, and the WELCOME or REJECTED answer.
    func hello(as principal: String) throws -> WireMessage {
        try send(
            WireMessage(
                .hello, .object(["as": .string(principal), "client": .string("schakelctl/\(ClientInfo.version)")])))
        let answer = try awaitReply([.welcome, .rejected], timeout: 5)
        guard answer.command == Command.welcome.rawValue else {
            throw ClientError("HELLO refused: \(answer.body["message"]?.stringValue ?? answer.body.canonicalString())")
        }
        return answer
    }

    func close() {
        socket.close()
        context.close()
    }
}

/// A failure worth one line on stderr and exit code 1.
struct ClientError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum ClientInfo {
    static let version = "0.1.0"
}
