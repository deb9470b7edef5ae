import Testing

@testable import DeskHTTP

/// Feeds `text` in one piece to a fresh parser.
func parse(_ text: String, limits: HTTPLimits = HTTPLimits()) -> HTTPRequestParser.Result {
    var parser = HTTPRequestParser(limits: limits)
    return parser.feed(Array(text.utf8))
}

/// The status `text` is refused with, or nil when it parses or needs more.
func refusal(_ text: String, limits: HTTPLimits = HTTPLimits()) -> Int? {
    if case .failure(let error) = parse(text, limits: limits) { return error.status }
    return nil
}

/// The request `text` parses to, or nil.
func request(_ text: String, limits: HTTPLimits = HTTPLimits()) -> HTTPRequest? {
    if case .request(let request, _) = parse(text, limits: limits) { return request }
    return nil
}

@Suite struct HTTPRequestParserTests {
    @Test func aSimpleGetParsesWithPathQueryAndHeaders() throws {
        let parsed = try #require(
            request("GET /offers/ho-1?x=a+b&y=%C3%A9 HTTP/1.1\r\nHost: desk\r\nX-A:  v 1 \r\n\r\n"))
        #expect(parsed.method == "GET")
        #expect(parsed.path == "/offers/ho-1")
        #expect(parsed.query.map { [$0.name, $0.value] } == [["x", "a b"], ["y", "é"]])
        #expect(parsed.headers.map { [$0.name, $0.value] } == [["Host", "desk"], ["X-A", "v 1"]])
        #expect(parsed.version == "HTTP/1.1")
        #expect(parsed.body.isEmpty)
    }

    @Test func thePathIsKeptPercentEncoded() throws {
        #expect(request("GET /a%20b/%2Fc HTTP/1.1\r\nHost: d\r\n\r\n")?.path == "/a%20b/%2Fc")
    }

    @Test func aFormPostCarriesItsBody() throws {
        let parsed = try #require(
            request(
                "POST /form HTTP/1.1\r\nHost: d\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    + "Content-Length: 11\r\n\r\nname=a+b&x="))
        #expect(parsed.formValue("name") == "a b")
        #expect(parsed.formValue("x") == "")
    }

    @Test func aPostWaitsForTheWholeBody() {
        #expect(parse("POST / HTTP/1.1\r\nHost: d\r\nContent-Length: 5\r\n\r\nabc") == .needMore)
    }

    @Test func aPostWithZeroLengthHasAnEmptyBody() {
        #expect(request("POST / HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n")?.body == [])
    }

    @Test func aGetBodyIsReadAndDropped() {
        let result = parse("GET / HTTP/1.1\r\nHost: d\r\nContent-Length: 3\r\n\r\nabcGET")
        #expect(
            result
                == .request(
                    HTTPRequest(
                        method: "GET", path: "/",
                        headers: [
                            ("Host", "d"), ("Content-Length", "3"),
                        ]), leftover: Array("GET".utf8)))
    }

    @Test func http10IsAcceptedWithoutHost() {
        #expect(request("GET / HTTP/1.0\r\n\r\n")?.version == "HTTP/1.0")
    }

    @Test func http11WithoutHostOrWithTwoIsRefused() {
        #expect(refusal("GET / HTTP/1.1\r\n\r\n") == 400)
        #expect(refusal("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == 400)
    }

    @Test func headIsAccepted() {
        #expect(request("HEAD / HTTP/1.1\r\nHost: d\r\n\r\n")?.method == "HEAD")
    }

    @Test func otherVersionsGet505() {
        #expect(refusal("GET / HTTP/2.0\r\n") == 505)
        #expect(refusal("GET / HTTP/0.9\r\n") == 505)
        #expect(refusal("GET / HTTP/1.2\r\n") == 505)
    }

    @Test func aMalformedVersionGets400() {
        #expect(refusal("GET / http/1.1\r\n") == 400)
        #expect(refusal("GET / HTTP/1.10\r\n") == 400)
        #expect(refusal("GET / HTTP/1\r\n") == 400)
        #expect(refusal("GET /\r\n") == 400)
    }

    @Test func otherMethodsGet405WithAllow() {
        for method in ["PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT", "get", "BREW"] {
            guard case .failure(let error) = parse("\(method) / HTTP/1.1\r\n") else {
                Issue.record("\(method) was not refused")
                continue
            }
            #expect(error.status == 405)
            #expect(error.headers.map { [$0.name, $0.value] } == [["Allow", "GET, HEAD, POST"]])
            #expect(error.response.header("Allow") == "GET, HEAD, POST")
        }
    }

    @Test func aMethodThatIsNotATokenGets400() {
        #expect(refusal("G(T / HTTP/1.1\r\n") == 400)
        #expect(refusal("GÉT / HTTP/1.1\r\n") == 400)
    }

    @Test func theRequestLineNeedsSingleSpaces() {
        #expect(refusal("GET  / HTTP/1.1\r\n") == 400)
        #expect(refusal("GET / HTTP/1.1 \r\n") == 400)
        #expect(refusal("GET /a b HTTP/1.1\r\n") == 400)
        #expect(refusal("GET\t/ HTTP/1.1\r\n") == 400)
    }

    @Test func absoluteFormAndAsteriskGet400() {
        #expect(refusal("GET http://desk/ HTTP/1.1\r\n") == 400)
        #expect(refusal("GET * HTTP/1.1\r\n") == 400)
        #expect(refusal("GET desk:80 HTTP/1.1\r\n") == 400)
    }

    @Test func dotDotSegmentsGet400EvenEncoded() {
        #expect(refusal("GET /a/../b HTTP/1.1\r\n") == 400)
        #expect(refusal("GET /.. HTTP/1.1\r\n") == 400)
        #expect(refusal("GET /a/%2e%2E/b HTTP/1.1\r\n") == 400)
        #expect(refusal("GET /a/..%2Fb HTTP/1.1\r\n") == 400)
        #expect(refusal("GET /a/..\\b HTTP/1.1\r\n") == 400)
        #expect(request("GET /a/..b/.../c.. HTTP/1.1\r\nHost: d\r\n\r\n")?.path == "/a/..b/.../c..")
        #expect(request("GET /x?p=/../ HTTP/1.1\r\nHost: d\r\n\r\n")?.queryValue("p") == "/../")
    }

    @Test func anEncodedNulOrABadEscapeInThePathGets400() {
        #expect(refusal("GET /a%00 HTTP/1.1\r\n") == 400)
        #expect(refusal("GET /a%zz HTTP/1.1\r\n") == 400)
        #expect(refusal("GET /a% HTTP/1.1\r\n") == 400)
    }

    @Test func aFragmentOrANonAsciiTargetGets400() {
        #expect(refusal("GET /a#b HTTP/1.1\r\n") == 400)
        #expect(refusal("GET /é HTTP/1.1\r\n") == 400)
    }

    @Test func controlCharactersGet400AsSoonAsTheyArrive() {
        #expect(refusal("GET /\0") == 400)
        #expect(refusal("GE\u{1}") == 400)
        #expect(refusal("GET / HTTP/1.1\r\nHost: d\r\nX: a\u{7F}") == 400)
        #expect(refusal("GET / HTTP/1.1\r\nHost: d\r\nX: a\0b\r\n\r\n") == 400)
        #expect(refusal("GET / HTTP/1.1\r\nHost: d\r\nX: a\u{1B}b\r\n\r\n") == 400)
    }

    @Test func aTabInsideAHeaderValueIsAllowed() {
        #expect(request("GET / HTTP/1.1\r\nHost: d\r\nX: a\tb\t\r\n\r\n")?.header("x") == "a\tb")
    }

    @Test func aBareCRGets400() {
        #expect(refusal("GET / HTTP/1.1\rHost: d\r\n\r\n") == 400)
        #expect(refusal("GET / HTTP/1.1\r\nHost: d\rX: y\r\n\r\n") == 400)
    }

    @Test func bareLFLineEndsAreToleratedLikeNginx() {
        let parsed = request("GET /a HTTP/1.1\nHost: d\nX: 1\r\n\n")
        #expect(parsed?.path == "/a")
        #expect(parsed?.header("x") == "1")
    }

    @Test func emptyLinesBeforeTheRequestLineAreSkipped() {
        #expect(request("\r\n\nGET / HTTP/1.1\r\nHost: d\r\n\r\n")?.path == "/")
        #expect(refusal(String(repeating: "\r\n", count: 5000)) == 400)
    }

    @Test func aHeaderNameWithSpaceBeforeTheColonGets400() {
        #expect(refusal("GET / HTTP/1.1\r\nHost : d\r\n\r\n") == 400)
        #expect(refusal("GET / HTTP/1.1\r\nHo st: d\r\n\r\n") == 400)
        #expect(refusal("GET / HTTP/1.1\r\n: d\r\n\r\n") == 400)
        #expect(refusal("GET / HTTP/1.1\r\nNoColon\r\n\r\n") == 400)
        #expect(refusal("GET / HTTP/1.1\r\nX(y): d\r\n\r\n") == 400)
    }

    @Test func obsFoldGets400() {
        #expect(refusal("GET / HTTP/1.1\r\nHost: d\r\nX: a\r\n b\r\n\r\n") == 400)
        #expect(refusal("GET / HTTP/1.1\r\nHost: d\r\nX: a\r\n\tb\r\n\r\n") == 400)
    }

    @Test func anyTransferEncodingGets501SayingToUseContentLength() throws {
        for coding in ["chunked", "gzip, chunked", "identity"] {
            guard case .failure(let error) = parse("POST / HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: \(coding)\r\n\r\n")
            else {
                Issue.record("\(coding) was not refused")
                continue
            }
            #expect(error.status == 501)
            #expect(error.message.contains("Content-Length"))
        }
    }

    @Test func transferEncodingWithContentLengthGets400() {
        #expect(
            refusal("POST / HTTP/1.1\r\nHost: d\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc") == 400)
    }

    @Test func contentLengthsThatDisagreeGet400AndOnesThatAgreeAreAccepted() {
        #expect(refusal("POST / HTTP/1.1\r\nHost: d\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n") == 400)
        #expect(refusal("POST / HTTP/1.1\r\nHost: d\r\nContent-Length: 3, 4\r\n\r\n") == 400)
        #expect(
            request("POST / HTTP/1.1\r\nHost: d\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\nabc")?.body
                == Array("abc".utf8))
        #expect(request("POST / HTTP/1.1\r\nHost: d\r\nContent-Length: 3,3\r\n\r\nabc")?.body == Array("abc".utf8))
    }

    @Test func aContentLengthThatIsNotDigitsGets400() {
        for value in ["-1", "+3", "3a", "0x10", "", "3 4", "1e3", ","] {
            #expect(refusal("POST / HTTP/1.1\r\nHost: d\r\nContent-Length: \(value)\r\n\r\n") == 400, "\(value)")
        }
    }

    @Test func aPostWithoutContentLengthGets411() {
        #expect(refusal("POST / HTTP/1.1\r\nHost: d\r\n\r\n") == 411)
    }

    @Test func aBodyOverTheLimitGets413BeforeItArrives() {
        let limits = HTTPLimits(maxBodyBytes: 10)
        #expect(refusal("POST / HTTP/1.1\r\nHost: d\r\nContent-Length: 11\r\n\r\n", limits: limits) == 413)
        #expect(refusal("POST / HTTP/1.1\r\nHost: d\r\nContent-Length: 99999999999999999999999\r\n\r\n") == 413)
        #expect(parse("POST / HTTP/1.1\r\nHost: d\r\nContent-Length: 10\r\n\r\n", limits: limits) == .needMore)
    }

    @Test func aRequestLineOverTheLimitGets414EvenBeforeItEnds() {
        let limits = HTTPLimits(maxRequestLineBytes: 20)
        let line = "GET /" + String(repeating: "a", count: 16) + "?"
        #expect(line.utf8.count == 22)
        #expect(refusal(line + "\r\n", limits: limits) == 414)
        #expect(refusal(line, limits: limits) == 414)
        #expect(refusal("GET /" + String(repeating: "a", count: 100_000)) == 414)
        let exact = "GET /" + String(repeating: "a", count: 6) + " HTTP/1.1"
        #expect(exact.utf8.count == 20)
        #expect(request(exact + "\r\nHost: d\r\n\r\n", limits: limits) != nil)
    }

    @Test func headersOverTheByteLimitGet431() {
        let limits = HTTPLimits(maxHeaderBytes: 40)
        let host = "Host: d\r\n"  // 9 bytes
        let x = "X: " + String(repeating: "v", count: 26) + "\r\n"  // 31 bytes: 40 in all
        #expect(request("GET / HTTP/1.1\r\n" + host + x + "\r\n", limits: limits) != nil)
        let y = "X: " + String(repeating: "v", count: 27) + "\r\n"
        #expect(refusal("GET / HTTP/1.1\r\n" + host + y + "\r\n", limits: limits) == 431)
        #expect(refusal("GET / HTTP/1.1\r\n" + host + String(repeating: "v", count: 100), limits: limits) == 431)
        guard case .failure(let error) = parse("GET / HTTP/1.1\r\nX: " + String(repeating: "v", count: 20_000)) else {
            Issue.record("not refused")
            return
        }
        #expect(error.status == 431)
        #expect(error.message == "The request's headers are larger than 16384 bytes; send fewer or shorter headers.")
    }

    @Test func tooManyHeadersGet431() {
        let limits = HTTPLimits(maxHeaderCount: 3)
        #expect(request("GET / HTTP/1.1\r\nHost: d\r\nA: 1\r\nB: 2\r\n\r\n", limits: limits) != nil)
        #expect(refusal("GET / HTTP/1.1\r\nHost: d\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits: limits) == 431)
    }

    @Test func aFailureSticks() {
        var parser = HTTPRequestParser()
        let first = parser.feed(Array("BAD\0".utf8))
        #expect(first == parser.feed(Array("GET / HTTP/1.1\r\nHost: d\r\n\r\n".utf8)))
    }

    @Test func pipelinedRequestsComeBackOneAtATimeWithLeftover() throws {
        let wire =
            "GET /1 HTTP/1.1\r\nHost: d\r\n\r\nPOST /2 HTTP/1.1\r\nHost: d\r\nContent-Length: 2\r\n\r\nokGET /3 HT"
        var parser = HTTPRequestParser()
        guard case .request(let first, let leftover) = parser.feed(Array(wire.utf8)) else {
            Issue.record("no first request")
            return
        }
        #expect(first.path == "/1")
        #expect(!parser.hasStarted)
        guard case .request(let second, let rest) = parser.feed(leftover) else {
            Issue.record("no second request")
            return
        }
        #expect(second.path == "/2")
        #expect(second.body == Array("ok".utf8))
        #expect(rest == Array("GET /3 HT".utf8))
        #expect(parser.feed(rest) == .needMore)
        #expect(parser.hasStarted)
        #expect(
            parser.feed(Array("TP/1.1\r\nHost: d\r\n\r\n".utf8))
                == .request(
                    HTTPRequest(method: "GET", path: "/3", headers: [("Host", "d")]), leftover: []))
    }

    @Test func theParserTellsWhenItReadsTheBody() {
        var parser = HTTPRequestParser()
        #expect(!parser.hasStarted)
        _ = parser.feed(Array("POST / HTTP/1.1\r\nHost: d\r\nContent-Length: 4\r\n".utf8))
        #expect(!parser.isReadingBody)
        _ = parser.feed(Array("\r\nab".utf8))
        #expect(parser.isReadingBody)
    }

    @Test func feedingByteByByteGivesTheSameResultAsAllAtOnce() {
        let samples = [
            "GET /a?b=c HTTP/1.1\r\nHost: d\r\nCookie: s=1\r\n\r\n",
            "POST /f HTTP/1.1\r\nHost: d\r\nContent-Length: 5\r\n\r\nhello",
            "\r\nGET / HTTP/1.0\n\n",
            "GET / HTTP/1.1\r\nHost: d\rX\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: d\r\n x\r\n\r\n",
            "PUT / HTTP/1.1\r\n",
            "GET / HTTP/3.0\r\n",
            "POST / HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: d\r\nContent-Length: 70000\r\n\r\n",
            "GET /" + String(repeating: "x", count: 9000) + " HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\n" + String(repeating: "A: b\r\n", count: 70) + "\r\n",
            "GET / HTTP/1.1\r\nX: " + String(repeating: "v", count: 17000) + "\r\n\r\n",
        ]
        for sample in samples {
            #expect(feedByteByByte(Array(sample.utf8)) == [parse(sample)], "\(sample.prefix(60))")
        }
    }
}

/// Feeds `bytes` one at a time and collects every result that is not `.needMore`, feeding each leftover on; the
/// last `.needMore` too when the bytes end inside a request.
func feedByteByByte(_ bytes: [UInt8], limits: HTTPLimits = HTTPLimits()) -> [HTTPRequestParser.Result] {
    var parser = HTTPRequestParser(limits: limits)
    var results: [HTTPRequestParser.Result] = []
    var last = HTTPRequestParser.Result.needMore
    for byte in bytes {
        last = parser.feed([byte])
        if case .failure = last {
            results.append(last)
            return results
        }
        if case .request(let request, let leftover) = last {
            #expect(leftover.isEmpty)
            results.append(.request(request, leftover: []))
        }
    }
    if last == .needMore { results.append(last) }
    return results
}
