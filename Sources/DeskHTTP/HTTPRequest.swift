import Foundation

/// One HTTP/1.1 request as the desk sees it: a method, a path with its query, the headers and a body that the
/// parser already held to ``HTTPLimits``. A value: the server hands it to the handler and forgets it.
public struct HTTPRequest: Sendable, Equatable {
    /// `GET`, `HEAD` or `POST`; the parser answers anything else with 405 before a handler sees it.
    public var method: String
    /// The path without the query, percent-decoding left to the handler (`/offers/ho-…`).
    public var path: String
    /// The query string's pairs, decoded (`+` is a space), in order.
    public var query: [(name: String, value: String)]
    /// The headers in order; names as sent. ``header(_:)`` looks them up without regard to case.
    public var headers: [(name: String, value: String)]
    /// The body: only a POST has one, and only as long as `Content-Length` says.
    public var body: [UInt8]
    /// `HTTP/1.1` or `HTTP/1.0`, as the request line said; it decides whether the connection stays open.
    public var version: String

    /// A request as the parser builds it; tests build them by hand to call a handler without a socket.
    public init(
        method: String, path: String, query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [], body: [UInt8] = [], version: String = "HTTP/1.1"
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.version = version
    }

    /// Whether the client asked to keep the connection open after the answer: HTTP/1.1 does unless a `Connection`
    /// header says `close`; HTTP/1.0 does only when one says `keep-alive`.
    public var keepsAlive: Bool {
        var options: Set<String> = []
        for header in headers where header.name.lowercased() == "connection" {
            for option in header.value.split(separator: ",") {
                options.insert(option.trimmingCharacters(in: .whitespaces).lowercased())
            }
        }
        if options.contains("close") { return false }
        return version == "HTTP/1.1" || options.contains("keep-alive")
    }

    /// The first header named `name`, in any case.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// Every value of the cookie `name` in the `Cookie` headers.
    public func cookie(_ name: String) -> String? {
        for header in headers where header.name.lowercased() == "cookie" {
            for pair in header.value.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return String(parts[1]).trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    /// The pairs of an `application/x-www-form-urlencoded` body, decoded; empty for another content type.
    public var form: [(name: String, value: String)] {
        guard method == "POST",
            header("content-type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true
        else { return [] }
        return HTTPRequest.decodePairs(String(decoding: body, as: UTF8.self))
    }

    /// The first form field named `name`.
    public func formValue(_ name: String) -> String? {
        form.first { $0.name == name }?.value
    }

    /// The first query parameter named `name`.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }

    /// `a=1&b=x+y` → `[("a", "1"), ("b", "x y")]`; a pair that does not decode is left out.
    public static func decodePairs(_ text: String) -> [(name: String, value: String)] {
        text.split(separator: "&", omittingEmptySubsequences: true).compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String? {
                part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }
            guard let name = decode(parts[0]), let value = parts.count == 2 ? decode(parts[1]) : "" else {
                return nil
            }
            return (name, value)
        }
    }

    public static func == (lhs: HTTPRequest, rhs: HTTPRequest) -> Bool {
        lhs.method == rhs.method && lhs.path == rhs.path && lhs.body == rhs.body && lhs.version == rhs.version
            && lhs.query.map { [$0.name, $0.value] } == rhs.query.map { [$0.name, $0.value] }
            && lhs.headers.map { [$0.name, $0.value] } == rhs.headers.map { [$0.name, $0.value] }
    }
}
