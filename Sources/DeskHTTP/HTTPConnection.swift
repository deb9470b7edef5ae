import Glibc

/// Serves one connection on its own thread: reads requests under the timeouts of ``HTTPLimits``, calls the
/// handler, writes the answers, and closes the socket when the connection ends, whatever ended it.
struct HTTPConnection {
    let socket: HTTPSocket
    let limits: HTTPLimits
    let handler: HTTPServer.Handler
    let connectedAt: ContinuousClock.Instant

    /// How long the server keeps reading (and dropping) a client's bytes after a closing answer.
    static let linger = Duration.seconds(2)

    func run() {
        var parser = HTTPRequestParser(limits: limits)
        // The first request's header timeout runs from the connection's start; a later request's from its first
        // byte, and until that byte the connection is idle.
        var idle = false
        var idleDeadline = connectedAt
        var headerDeadline = connectedAt + limits.headerTimeout
        var bodyDeadline: ContinuousClock.Instant?
        var result = parser.feed([UInt8]())
        while true {
            while case .needMore = result {
                let now = ContinuousClock.now
                if idle && parser.hasStarted {
                    idle = false
                    headerDeadline = now + limits.headerTimeout
                }
                if parser.isReadingBody && bodyDeadline == nil { bodyDeadline = now + limits.bodyTimeout }
                switch socket.receive(until: idle ? idleDeadline : bodyDeadline ?? headerDeadline) {
                case .bytes(let bytes):
                    result = parser.feed(bytes)
                case .timedOut where !idle:
                    result = .failure(.timeout)
                case .timedOut, .closed, .stopped, .failed:
                    socket.close()
                    return
                }
            }
            switch result {
            case .needMore:
                continue
            case .failure(let error):
                _ = write(error.response, isHead: false, keepAlive: false)
                socket.closeLingering(until: .now + Self.linger, lingerBytes: limits.maxBodyBytes)
                return
            case .request(let request, let leftover):
                let keepAlive = request.keepsAlive
                let written = write(handler(request), isHead: request.method == "HEAD", keepAlive: keepAlive)
                guard written && keepAlive else {
                    if written {
                        socket.closeLingering(until: .now + Self.linger, lingerBytes: limits.maxBodyBytes)
                    } else {
                        socket.close()
                    }
                    return
                }
                parser = HTTPRequestParser(limits: limits)
                idle = true
                idleDeadline = .now + limits.keepAliveIdle
                bodyDeadline = nil
                result = parser.feed(leftover)
            }
        }
    }

    private func write(_ response: HTTPResponse, isHead: Bool, keepAlive: Bool) -> Bool {
        let date = HTTPDate.imfFixdate(secondsSince1970: Int64(time(nil)))
        let bytes = response.wireBytes(isHead: isHead, keepAlive: keepAlive, date: date)
        return socket.send(bytes, until: .now + limits.sendTimeout)
    }
}
