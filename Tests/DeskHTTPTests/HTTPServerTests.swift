import Foundation
import Glibc
import Testing

@testable import DeskHTTP

/// A server on an ephemeral loopback port that the test stops when it is done.
func withServer(
    limits: HTTPLimits = HTTPLimits(), handler: @escaping HTTPServer.Handler = echo,
    _ body: (HTTPServer) throws -> Void
) throws {
    let server = try HTTPServer(host: "127.0.0.1", port: 0, limits: limits, handler: handler)
    defer { server.stop() }
    try body(server)
}

/// Answers with the method, the path, the query and the form, so that a test sees what the handler saw.
@Sendable func echo(_ request: HTTPRequest) -> HTTPResponse {
    let query = request.query.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    let form = request.form.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    return .text("\(request.method) \(request.path) q[\(query)] f[\(form)]", status: 200)
}

@Suite struct HTTPServerTests {
    @Test func aGetGoesRoundTrip() throws {
        try withServer { server in
            #expect(server.port != 0)
            let client = try TestClient(port: server.port)
            client.send("GET /offers/ho-1?x=a+b HTTP/1.1\r\nHost: desk\r\n\r\n")
            let response = try #require(client.readResponse())
            #expect(response.status == 200)
            #expect(response.head.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(response.text == "GET /offers/ho-1 q[x=a b] f[]")
            #expect(response.header("Content-Length") == "\(response.body.count)")
            #expect(response.header("Content-Type") == "text/plain; charset=utf-8")
            #expect(response.header("Connection") == "keep-alive")
            let date = try #require(response.header("Date"))
            #expect(date.count == 29 && date.hasSuffix(" GMT"))
        }
    }

    @Test func anIPv6LoopbackServerAnswers() throws {
        let server = try HTTPServer(host: "::1", port: 0, handler: echo)
        defer { server.stop() }
        let client = try TestClient(port: server.port, ipv6: true)
        client.send("GET / HTTP/1.1\r\nHost: desk\r\n\r\n")
        #expect(client.readResponse()?.status == 200)
    }

    @Test func aFormPostReachesTheHandlerWithItsBody() throws {
        try withServer { server in
            let client = try TestClient(port: server.port)
            let body = "name=Jan+de+Vries&note=%E2%9C%93"
            client.send(
                "POST /submit HTTP/1.1\r\nHost: desk\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    + "Content-Length: \(body.utf8.count)\r\n\r\n")
            client.send(body)
            #expect(client.readResponse()?.text == "POST /submit q[] f[name=Jan de Vries&note=✓]")
        }
    }

    @Test func keepAliveServesTwoRequestsOnOneConnectionAndPipelinedOnes() throws {
        try withServer { server in
            let client = try TestClient(port: server.port)
            client.send("GET /1 HTTP/1.1\r\nHost: desk\r\n\r\n")
            #expect(client.readResponse()?.text == "GET /1 q[] f[]")
            client.send("GET /2 HTTP/1.1\r\nHost: desk\r\n\r\n")
            #expect(client.readResponse()?.text == "GET /2 q[] f[]")
            client.send(
                "GET /3 HTTP/1.1\r\nHost: desk\r\n\r\nGET /4 HTTP/1.1\r\nHost: desk\r\nConnection: close\r\n\r\n")
            #expect(client.readResponse()?.text == "GET /3 q[] f[]")
            let last = client.readResponse()
            #expect(last?.text == "GET /4 q[] f[]")
            #expect(last?.header("Connection") == "close")
            #expect(client.seesEndOfStream())
        }
    }

    @Test func http10ClosesUnlessAskedToKeepAlive() throws {
        try withServer { server in
            let kept = try TestClient(port: server.port)
            kept.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(kept.readResponse()?.header("Connection") == "keep-alive")
            kept.send("GET /b HTTP/1.0\r\n\r\n")
            let response = kept.readResponse()
            #expect(response?.text == "GET /b q[] f[]")
            #expect(response?.header("Connection") == "close")
            #expect(kept.seesEndOfStream())
        }
    }

    @Test(arguments: [
        (413, "POST / HTTP/1.1\r\nHost: d\r\nContent-Length: 1000\r\n\r\n" + String(repeating: "x", count: 1000)),
        (431, "GET / HTTP/1.1\r\nHost: d\r\nX: " + String(repeating: "v", count: 300) + "\r\n\r\n"),
        (414, "GET /" + String(repeating: "a", count: 200) + " HTTP/1.1\r\nHost: d\r\n\r\n"),
        (411, "POST / HTTP/1.1\r\nHost: d\r\n\r\n"),
        (501, "POST / HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
        (505, "GET / HTTP/2.0\r\nHost: d\r\n\r\n"),
        (405, "DELETE / HTTP/1.1\r\nHost: d\r\n\r\n"),
        (400, "GET / HTTP/1.1\r\nHost: d\r\nX: a\r\n folded\r\n\r\n"),
    ])
    func aRefusedRequestGetsItsStatusAndTheConnectionCloses(status: Int, wire: String) throws {
        let limits = HTTPLimits(maxRequestLineBytes: 100, maxHeaderBytes: 200, maxBodyBytes: 100)
        try withServer(limits: limits) { server in
            let client = try TestClient(port: server.port)
            client.send(wire)
            let response = try #require(client.readResponse())
            #expect(response.status == status)
            #expect(response.header("Connection") == "close")
            #expect(response.header("Content-Type") == "text/plain; charset=utf-8")
            #expect(response.text.hasSuffix("."))
            if status == 405 { #expect(response.header("Allow") == "GET, HEAD, POST") }
            #expect(client.seesEndOfStream())
        }
    }

    @Test func aSlowClientGets408AfterTheHeaderTimeout() throws {
        try withServer(limits: HTTPLimits(headerTimeout: .milliseconds(300))) { server in
            let client = try TestClient(port: server.port)
            let start = ContinuousClock.now
            client.send("GET / HTTP/1.1\r\nHo")
            let response = try #require(client.readResponse())
            let elapsed = ContinuousClock.now - start
            #expect(response.status == 408)
            #expect(elapsed >= .milliseconds(250))
            #expect(elapsed < .seconds(5))
            #expect(client.seesEndOfStream())
        }
    }

    @Test func aTrickleOfBytesDoesNotExtendTheHeaderTimeout() throws {
        try withServer(limits: HTTPLimits(headerTimeout: .milliseconds(400))) { server in
            let client = try TestClient(port: server.port)
            let start = ContinuousClock.now
            // One byte every 50 ms would keep a per-read timeout alive forever; the deadline is for the whole head.
            var answered: TestResponse?
            for byte in "GET / HTTP/1.1\r\nHost: desk\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaa".utf8 {
                client.send([byte])
                var fds = [pollfd(fd: client.fd, events: Int16(POLLIN), revents: 0)]
                if poll(&fds, 1, 50) > 0 {
                    answered = client.readResponse()
                    break
                }
            }
            #expect(answered?.status == 408)
            #expect(ContinuousClock.now - start < .seconds(5))
        }
    }

    @Test func aSlowBodyGets408AfterTheBodyTimeout() throws {
        try withServer(limits: HTTPLimits(bodyTimeout: .milliseconds(300))) { server in
            let client = try TestClient(port: server.port)
            client.send("POST / HTTP/1.1\r\nHost: d\r\nContent-Length: 10\r\n\r\nabc")
            #expect(client.readResponse()?.status == 408)
            #expect(client.seesEndOfStream())
        }
    }

    @Test func anIdleKeptAliveConnectionIsClosedWithoutAWord() throws {
        try withServer(limits: HTTPLimits(keepAliveIdle: .milliseconds(300))) { server in
            let client = try TestClient(port: server.port)
            client.send("GET / HTTP/1.1\r\nHost: d\r\n\r\n")
            #expect(client.readResponse()?.status == 200)
            let start = ContinuousClock.now
            #expect(client.seesEndOfStream())
            #expect(ContinuousClock.now - start >= .milliseconds(250))
        }
    }

    @Test func connectionsBeyondTheLimitGet503() throws {
        try withServer(limits: HTTPLimits(maxConnections: 1)) { server in
            let first = try TestClient(port: server.port)
            let second = try TestClient(port: server.port)
            let refused = try #require(second.readResponse())
            #expect(refused.status == 503)
            #expect(refused.header("Connection") == "close")
            #expect(second.seesEndOfStream())
            first.send("GET / HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
            #expect(first.readResponse()?.status == 200)
            #expect(first.seesEndOfStream())
            // The slot is free again once the first connection's thread ended.
            var served = false
            let deadline = ContinuousClock.now + .seconds(5)
            while !served && ContinuousClock.now < deadline {
                let third = try TestClient(port: server.port)
                third.send("GET / HTTP/1.1\r\nHost: d\r\n\r\n")
                served = third.readResponse()?.status == 200
            }
            #expect(served)
        }
    }

    @Test func stopReturnsPromptlyWhileAClientIsConnectedAndClosesIt() throws {
        let server = try HTTPServer(host: "127.0.0.1", port: 0, handler: echo)
        let client = try TestClient(port: server.port)
        client.send("GET / HTTP/1.1\r\nHost: d\r\n\r\n")
        #expect(client.readResponse()?.status == 200)
        client.send("GET / HTTP/1.1\r\nHo")
        let start = ContinuousClock.now
        server.stop()
        #expect(ContinuousClock.now - start < .seconds(2))
        #expect(client.seesEndOfStream(timeout: .seconds(2)))
        server.stop()
        #expect(throws: TestClient.Failure.self) { try TestClient(port: server.port) }
    }

    @Test func headGetsTheHeadersWithoutTheBody() throws {
        try withServer(handler: { _ in .html("<p>hello</p>") }) { server in
            let client = try TestClient(port: server.port)
            client.send("HEAD / HTTP/1.1\r\nHost: d\r\n\r\n")
            let head = try #require(client.readResponse(head: true))
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == "12")
            #expect(head.body.isEmpty)
            // Had the body been written, the next response would start with it.
            client.send("GET / HTTP/1.1\r\nHost: d\r\n\r\n")
            let get = try #require(client.readResponse())
            #expect(get.status == 200)
            #expect(get.text == "<p>hello</p>")
        }
    }

    @Test func aHandlerHeaderWithCROrLFIsNotWritten() throws {
        let handler: HTTPServer.Handler = { request in
            HTTPResponse(
                status: 200,
                headers: [
                    ("X-Echo", request.queryValue("v") ?? ""), ("X-Good", "kept"), ("Bad\r\nName", "x"),
                    ("Content-Length", "999"),
                ], body: Array("ok".utf8))
        }
        try withServer(handler: handler) { server in
            let client = try TestClient(port: server.port)
            client.send("GET /?v=a%0D%0ASet-Cookie:+session=stolen HTTP/1.1\r\nHost: d\r\n\r\n")
            let response = try #require(client.readResponse())
            #expect(response.status == 200)
            #expect(response.header("X-Good") == "kept")
            #expect(response.header("X-Echo") == nil)
            #expect(response.header("Set-Cookie") == nil)
            #expect(!response.head.contains("stolen"))
            #expect(!response.head.contains("Bad"))
            #expect(response.header("Content-Length") == "2")
            #expect(response.text == "ok")
        }
    }

    @Test func aPortInUseIsRefusedWithASentenceToAct() throws {
        try withServer { server in
            let error = try #require(throws: HTTPServerError.self) {
                try HTTPServer(host: "127.0.0.1", port: server.port, handler: echo)
            }
            #expect(error.code == EADDRINUSE)
            #expect(
                error.message
                    == "Cannot listen on 127.0.0.1:\(server.port): the address is in use; stop the other program or "
                    + "choose another port in the desk's config.")
        }
    }

    @Test func aHostThatIsNotAnAddressIsRefused() throws {
        let error = try #require(throws: HTTPServerError.self) {
            try HTTPServer(host: "desk.example", port: 0, handler: echo)
        }
        #expect(error.message.contains("127.0.0.1"))
    }

    @Test func manyClientsAtOnceAreAllServed() throws {
        try withServer(limits: HTTPLimits(maxConnections: 16)) { server in
            let clients = try (0..<16).map { _ in try TestClient(port: server.port) }
            for (index, client) in clients.enumerated() { client.send("GET /\(index) HTTP/1.1\r\nHost: d\r\n\r\n") }
            for (index, client) in clients.enumerated() {
                #expect(client.readResponse()?.text == "GET /\(index) q[] f[]")
            }
        }
    }
}
