import Testing

@testable import DeskHTTP

@Suite struct HTTPResponseWireTests {
    @Test func datesAreIMFFixdates() {
        #expect(HTTPDate.imfFixdate(secondsSince1970: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.imfFixdate(secondsSince1970: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.imfFixdate(secondsSince1970: 1_709_164_800) == "Thu, 29 Feb 2024 00:00:00 GMT")
        #expect(HTTPDate.imfFixdate(secondsSince1970: 4_102_444_799) == "Thu, 31 Dec 2099 23:59:59 GMT")
    }

    @Test func theServerWritesLengthDateAndConnection() {
        let bytes = HTTPResponse.redirect(to: "/x").wireBytes(isHead: false, keepAlive: true, date: "D")
        #expect(
            String(decoding: bytes, as: UTF8.self)
                == "HTTP/1.1 303 See Other\r\nLocation: /x\r\nContent-Length: 0\r\nDate: D\r\nConnection: keep-alive\r\n\r\n"
        )
    }

    @Test func headersWithControlCharactersOrServerNamesAreDropped() {
        let response = HTTPResponse(
            status: 200,
            headers: [
                ("X-A", "1\r\nX-Injected: 1"), ("X-B", "2\n"), ("X-C\r\n", "3"), ("X-D", "tab\tok"), ("", "e"),
                ("Connection", "upgrade"), ("Transfer-Encoding", "chunked"), ("X-E", "nul\0"),
            ], body: Array("hi".utf8))
        let text = String(decoding: response.wireBytes(isHead: false, keepAlive: false, date: "D"), as: UTF8.self)
        #expect(
            text == "HTTP/1.1 200 OK\r\nX-D: tab\tok\r\nContent-Length: 2\r\nDate: D\r\nConnection: close\r\n\r\nhi")
    }

    @Test func headKeepsTheLengthAndDropsTheBody() {
        let text = String(
            decoding: HTTPResponse.text("hello", status: 404).wireBytes(isHead: true, keepAlive: true, date: "D"),
            as: UTF8.self)
        #expect(text.contains("Content-Length: 5\r\n"))
        #expect(text.hasSuffix("\r\n\r\n"))
    }

    @Test func noContentHasNoLengthAndAnImpossibleStatusBecomes500() {
        let noContent = HTTPResponse(status: 204, body: [1]).wireBytes(isHead: false, keepAlive: true, date: "D")
        #expect(!String(decoding: noContent, as: UTF8.self).contains("Content-Length"))
        #expect(noContent.last == UInt8(ascii: "\n"))
        let odd = HTTPResponse(status: 42).wireBytes(isHead: false, keepAlive: true, date: "D")
        #expect(String(decoding: odd, as: UTF8.self).hasPrefix("HTTP/1.1 500 Internal Server Error\r\n"))
    }

    @Test func keepsAliveFollowsTheVersionAndTheConnectionHeader() {
        #expect(HTTPRequest(method: "GET", path: "/").keepsAlive)
        #expect(!HTTPRequest(method: "GET", path: "/", headers: [("Connection", "Close")]).keepsAlive)
        #expect(!HTTPRequest(method: "GET", path: "/", version: "HTTP/1.0").keepsAlive)
        #expect(
            HTTPRequest(method: "GET", path: "/", headers: [("connection", "foo, Keep-Alive")], version: "HTTP/1.0")
                .keepsAlive)
    }
}
