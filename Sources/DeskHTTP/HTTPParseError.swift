/// Why a request was refused before any handler saw it: the status the server answers with and one sentence that
/// tells the person behind the client what to change.
///
/// The server sends ``message`` as the text/plain body of its answer and then closes the connection, so the
/// sentence is written for whoever reads that body or the proxy's log.
public struct HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A 4xx or 5xx status code.
    public var status: Int
    /// One sentence saying what was wrong and what to do.
    public var message: String
    /// Headers the answer must carry, such as `Allow` on a 405.
    public var headers: [(name: String, value: String)]

    /// An error with `status`, a sentence for people and, where the status needs them, extra headers.
    public init(status: Int, message: String, headers: [(name: String, value: String)] = []) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    /// The answer the server writes for this error: the status, the headers and the message as plain text.
    public var response: HTTPResponse {
        var response = HTTPResponse.text(message, status: status)
        response.headers += headers
        return response
    }

    /// The status and the sentence, for logs.
    public var description: String { "\(status) \(message)" }

    public static func == (lhs: HTTPParseError, rhs: HTTPParseError) -> Bool {
        lhs.status == rhs.status && lhs.message == rhs.message
            && lhs.headers.map { [$0.name, $0.value] } == rhs.headers.map { [$0.name, $0.value] }
    }
}

extension HTTPParseError {
    /// 400 with `message`: the request is malformed.
    static func badRequest(_ message: String) -> HTTPParseError {
        HTTPParseError(status: 400, message: message)
    }

    /// 405 for a well-formed method the desk does not serve.
    static func methodNotAllowed(_ method: String) -> HTTPParseError {
        HTTPParseError(
            status: 405, message: "The method \(method) is not served here; use GET, HEAD or POST.",
            headers: [("Allow", "GET, HEAD, POST")])
    }

    static func versionNotSupported(_ version: String) -> HTTPParseError {
        HTTPParseError(status: 505, message: "\(version) is not supported; send HTTP/1.1 or HTTP/1.0.")
    }

    static func requestLineTooLong(_ limit: Int) -> HTTPParseError {
        HTTPParseError(
            status: 414, message: "The request line is longer than \(limit) bytes; send a shorter path and query.")
    }

    static func headersTooLarge(_ limit: Int) -> HTTPParseError {
        HTTPParseError(
            status: 431,
            message: "The request's headers are larger than \(limit) bytes; send fewer or shorter headers.")
    }

    static func tooManyHeaders(_ limit: Int) -> HTTPParseError {
        HTTPParseError(status: 431, message: "The request has more than \(limit) headers; send fewer headers.")
    }

    static func bodyTooLarge(_ limit: Int) -> HTTPParseError {
        HTTPParseError(
            status: 413, message: "The request's body is larger than \(limit) bytes; send a smaller form.")
    }

    static let lengthRequired = HTTPParseError(
        status: 411, message: "A POST needs a Content-Length header; send the body with its length.")

    static let transferEncoding = HTTPParseError(
        status: 501,
        message: "Transfer-Encoding is not supported here; send the body with a Content-Length header instead.")

    /// 408: the client took longer than the limits allow to send its request.
    static let timeout = HTTPParseError(
        status: 408, message: "The request took too long to arrive; send it again.")
}
