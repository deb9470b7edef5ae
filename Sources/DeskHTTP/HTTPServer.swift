/// Placeholder: the helper that builds DeskHTTP replaces this file.
public final class HTTPServer: Sendable {
    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse
    public init(host: String, port: UInt16, limits: HTTPLimits = HTTPLimits(), handler: @escaping Handler) throws {}
    public var port: UInt16 { 0 }
    public func stop() {}
}

/// Placeholder.
public struct HTTPLimits: Sendable {
    public init() {}
}
