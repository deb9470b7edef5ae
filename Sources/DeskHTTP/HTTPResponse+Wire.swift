extension HTTPResponse {
    /// Header names the server writes itself; a handler's own are dropped so that the framing cannot disagree.
    private static let serverHeaders: Set<String> = ["content-length", "transfer-encoding", "connection", "date"]

    /// The bytes the server writes for this response: status line, headers, and the body unless `isHead`.
    ///
    /// A handler header whose name is not a token or whose value holds CR, LF or another control character
    /// (HTAB excepted) is left out: writing it would let text from a request split the response (response
    /// splitting). A status outside 200...599 becomes 500. 204 and 304 are written without a body or a length.
    func wireBytes(isHead: Bool, keepAlive: Bool, date: String) -> [UInt8] {
        let status = (200...599).contains(status) ? status : 500
        let hasBody = status != 204 && status != 304
        var head = "HTTP/1.1 \(status) \(HTTPResponse.reason(status))\r\n"
        for (name, value) in headers where Self.isSafe(name: name, value: value) {
            head += "\(name): \(value)\r\n"
        }
        if hasBody { head += "Content-Length: \(self.status == status ? body.count : 0)\r\n" }
        head += "Date: \(date)\r\nConnection: \(keepAlive ? "keep-alive" : "close")\r\n\r\n"
        var bytes = Array(head.utf8)
        if hasBody && !isHead && self.status == status { bytes += body }
        return bytes
    }

    private static func isSafe(name: String, value: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(Byte.isToken) && !serverHeaders.contains(name.lowercased())
            && value.utf8.allSatisfy { ($0 >= 0x20 && $0 != 0x7F) || $0 == Byte.tab }
    }
}
