import Testing

@testable import DeskHTTP

@Test func placeholder() { #expect(HTTPRequest(method: "GET", path: "/").path == "/") }
