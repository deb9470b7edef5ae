import Foundation
import ZeroMQ

/// Plain HTTP/1.1 on a ZMQ_STREAM socket: `GET /metrics` (Prometheus text) and `GET /healthz`, one request per
/// connection, answered with `Connection: close`. Enough for a Prometheus scraper and a load balancer probe,
/// without a new library.
///
/// Owned by the event-loop thread like every broker socket; requests are answered between batches.
final class MetricsEndpoint {
    /// What a route answers: status code, content type and body.
    struct Response: Equatable {
        var status: Int
        var contentType = "text/plain; charset=utf-8"
        var body: String
    }

    let socket: ZMQSocket
    /// The endpoint after binding, with a wildcard port resolved.
    let endpoint: String
    /// Bytes received per connection until the request head is complete.
    private var pending: [Data: Data] = [:]
    /// Every open connection, with when it opened: a connection gets ``requestTimeout`` for its request.
    private var opened: [Data: ContinuousClock.Instant] = [:]
    static let maxRequestHeadBytes = 8 * 1024
    /// Connections held at once; past it the oldest is closed (a scraper and a probe need a few). Part of the
    /// broker's reserved descriptors (`BrokerServer.reservedFileDescriptors`).
    static let maxConnections = 64
    /// How long a connection may take to send its whole request head before it is closed.
    static let requestTimeout = Duration.seconds(5)
    /// Connections closed for the cap or the timeout since start, for the metrics.
    private(set) var closedByLimit = 0

    init(context: ZMQContext, endpoint: String) throws {
        socket = try context.socket(.stream)
        try socket.setLinger(milliseconds: 0)
        try socket.setMaxMessageSize(Self.maxRequestHeadBytes)
        try socket.bind(endpoint)
        self.endpoint = try socket.lastEndpoint()
    }

    func close() {
        socket.close()
    }

    /// Reads what is waiting and answers every complete request through `route(method, path)`.
    func serve(_ route: (String, String) -> Response) throws {
        while let message = try socket.receive(dontWait: true) {
            guard message.frames.count == 2 else { continue }
            let connection = message.frames[0]
            let chunk = message.frames[1]
            if chunk.isEmpty {  // a connection opened or closed
                pending[connection] = nil
                if opened.removeValue(forKey: connection) == nil {
                    opened[connection] = .now
                    // Full: the oldest goes, not the newcomer, whose request (a probe's) follows at once; a
                    // flood of silent connections then only ever holds the newest few.
                    if opened.count > Self.maxConnections, let oldest = opened.min(by: { $0.value < $1.value }) {
                        close(oldest.key)
                    }
                }
                continue
            }
            var head = (pending[connection] ?? Data()) + chunk
            let end = head.range(of: Data("\r\n\r\n".utf8))
            // A head past the limit is refused whether or not its end has arrived (ADMIN.md, metrics).
            if (end.map { $0.lowerBound - head.startIndex } ?? head.count) > Self.maxRequestHeadBytes {
                respond(connection, Response(status: 431, body: "request header too large\n"), includeBody: true)
                continue
            }
            guard let end else {
                pending[connection] = head
                continue
            }
            head = head[head.startIndex..<end.lowerBound]
            pending[connection] = nil
            let requestLine = String(decoding: head.prefix { $0 != UInt8(ascii: "\r") }, as: UTF8.self)
            let parts = requestLine.split(separator: " ")
            guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else {
                respond(connection, Response(status: 400, body: "bad request\n"), includeBody: true)
                continue
            }
            let method = String(parts[0])
            let path = String(parts[1].prefix { $0 != "?" })
            guard method == "GET" || method == "HEAD" else {
                respond(connection, Response(status: 405, body: "only GET and HEAD\n"), includeBody: true)
                continue
            }
            respond(connection, route(method, path), includeBody: method == "GET")
        }
    }

    private func respond(_ connection: Data, _ response: Response, includeBody: Bool) {
        let body = Data(response.body.utf8)
        var head = "HTTP/1.1 \(response.status) \(Self.reason(response.status))\r\n"
        head += "Content-Type: \(response.contentType)\r\nContent-Length: \(body.count)\r\n"
        if response.status == 405 { head += "Allow: GET, HEAD\r\n" }
        head += "Connection: close\r\n\r\n"
        let bytes = Data(head.utf8) + (includeBody ? body : Data())
        // A slow or vanished client just misses its answer; the loop never waits for it.
        _ = try? socket.send([connection, bytes], dontWait: true)
        _ = try? socket.send([connection, Data()], dontWait: true)
        pending[connection] = nil
        opened[connection] = nil
    }

    /// When the oldest open connection's time for its request runs out; nil with none open.
    var nextTimeout: ContinuousClock.Instant? {
        opened.values.min().map { $0 + Self.requestTimeout }
    }

    /// Closes the connections whose request did not arrive within ``requestTimeout`` (a client that opens and
    /// never finishes its head would otherwise hold a descriptor for good).
    func closeTimedOut(now: ContinuousClock.Instant = .now) {
        for (connection, at) in opened where now >= at + Self.requestTimeout {
            close(connection)
        }
    }

    /// Closes a connection without an answer (ZMQ_STREAM: an empty frame to it).
    private func close(_ connection: Data) {
        _ = try? socket.send([connection, Data()], dontWait: true)
        pending[connection] = nil
        opened[connection] = nil
        closedByLimit += 1
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 431: "Request Header Fields Too Large"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}
