import Foundation
import SchakelProtocol
import ZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// A REQ connection to schakeld's admin socket (Protocols/ADMIN.md): one JSON request, one JSON reply.
final class AdminClient {
    let context: ZMQContext
    let socket: ZMQSocket
    let endpoint: String

    /// The admin endpoint from `--admin ENDPOINT`, else from `--state-dir DIR` (`ipc://DIR/admin.sock`).
    static func endpoint(admin: String?, stateDirectory: String?) throws -> String {
        if let admin {
            guard Invocation.isEndpoint(admin) else {
                throw ClientError.usage("\(admin) is not a ZeroMQ endpoint; give --admin as ipc:///PATH/admin.sock")
            }
            return admin
        }
        guard let stateDirectory else {
            throw ClientError.usage(
                "say where the daemon is: --state-dir DIR (its state directory), --admin ENDPOINT or --config FILE")
        }
        let absolute = URL(fileURLWithPath: stateDirectory).standardizedFileURL.path
        return "ipc://\(absolute)/admin.sock"
    }

    init(endpoint: String) throws {
        self.endpoint = endpoint
        context = try ZMQContext()
        socket = try context.socket(.req)
        try socket.setLinger(milliseconds: 0)
        if endpoint.hasPrefix("ipc://") {
            let path = String(endpoint.dropFirst("ipc://".count))
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            if FileManager.default.fileExists(atPath: directory), access(directory, X_OK) != 0 {
                throw ClientError(
                    "you may not open \(directory); run as the daemon's user (sudo -u schakel schakelctl ...) or root",
                    exit: .unreachable)
            }
            guard FileManager.default.fileExists(atPath: path) else {
                throw ClientError(
                    "no admin socket at \(path); start schakeld, or name its state directory with --state-dir",
                    exit: .unreachable)
            }
            guard UnixSocketProbe.probe(path) != .stale else {
                throw ClientError(
                    "nothing listens on \(path): schakeld is not running (the socket file is left over from one "
                        + "that stopped); start it, or check --state-dir")
            }
        }
        try socket.connect(endpoint)
    }

    /// Sends `{"command": name, ...arguments}` and returns the reply's fields when `ok` is true; throws the
    /// reply's `code` and `message` otherwise.
    func call(_ name: String, _ arguments: [String: JSONValue] = [:], timeout: TimeInterval = 10) throws -> JSONValue {
        let body = try request(name, arguments, timeout: timeout)
        guard body["ok"] == true else {
            let code = body["code"]?.stringValue ?? "?"
            throw ClientError("\(name) refused (\(code)): \(body["message"]?.stringValue ?? body.canonicalString())")
        }
        return body
    }

    /// Sends `{"command": name, ...arguments}` and returns the whole reply, `ok` true or false.
    func request(_ name: String, _ arguments: [String: JSONValue] = [:], timeout: TimeInterval = 10) throws
        -> JSONValue
    {
        var request = arguments
        request["command"] = .string(name)
        guard try socket.send([JSONValue.object(request).canonicalData()]) == .sent else {
            throw ClientError("could not send to \(endpoint); is schakeld running?", exit: .unreachable)
        }
        var poller = ZMQPoller()
        poller.add(socket)
        let ready = try poller.poll(timeoutMilliseconds: Int(timeout * 1_000))
        guard ready[0].contains(.readable), let reply = try socket.receive(dontWait: true), reply.frames.count == 1
        else {
            throw ClientError(
                "no answer from \(endpoint) within \(Int(timeout)) s; is schakeld running?", exit: .unreachable)
        }
        return try JSONValue.parse(reply.frames[0])
    }

    func close() {
        socket.close()
        context.close()
    }
}
