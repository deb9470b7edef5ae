/// Turns the bytes of a connection into ``HTTPRequest`` values, or into the ``HTTPParseError`` the server answers
/// with; it does no I/O and reads no clock, so every rule is testable without a socket.
///
/// Feed it bytes as they arrive, in pieces of any size: the result depends only on the bytes, never on how they
/// were split. After a `.request` the parser is empty again and the bytes past the request come back as
/// `leftover` (a pipelined request); feed those to the parser before reading more. After a `.failure` every
/// further feed returns the same failure: the server answers it and closes the connection.
///
/// The grammar is RFC 9112's, narrowed to what a desk behind nginx needs:
/// - Only `HTTP/1.1` and `HTTP/1.0` (another `HTTP/x.y` gets 505); `GET`, `HEAD` and `POST` (another token gets 405
///   with `Allow`; a method that is not a token gets 400). The request target must be a path (origin-form).
/// - Lines end in CRLF; a bare LF is accepted as a line end too, as nginx does (RFC 9112 §2.2 allows it), but a CR
///   not followed by LF is refused. Empty lines before a request line are skipped (§2.2, again as nginx does).
/// - A header name must be a token right before its colon; continuation lines (obs-fold) are refused. NUL and the
///   other control characters (HTAB inside header values excepted) are refused anywhere.
/// - A body only by `Content-Length`: `Transfer-Encoding` gets 501 (400 together with `Content-Length`), and the
///   length is held against ``HTTPLimits/maxBodyBytes`` before any of the body is read. `GET` and `HEAD` may carry
///   a body; it is read (to keep the connection in step) and dropped.
/// - An HTTP/1.1 request needs exactly one `Host` header, as RFC 9112 §3.2 requires (nginx always sends one).
/// - The path is kept as sent, but one with a NUL, a malformed `%` escape or a `..` segment (after decoding; `\`
///   counts as a separator too) is refused.
public struct HTTPRequestParser: Sendable {
    /// What one ``feed(_:)`` gives: wait for more bytes, a whole request, or the error to answer with.
    public enum Result: Sendable, Equatable {
        /// The request is not complete yet and nothing is wrong with what arrived so far.
        case needMore
        /// A whole request; `leftover` holds the bytes that came after it, the start of the next request.
        case request(HTTPRequest, leftover: [UInt8])
        /// The request breaks a rule or a limit; answer with the error's status and close the connection.
        case failure(HTTPParseError)
    }

    /// The limits the parser holds requests to.
    public let limits: HTTPLimits

    private enum Stage { case requestLine, headers, body }
    private enum Step {
        case next
        case needMore
        case failed(HTTPParseError)
        case done(HTTPRequest, leftover: [UInt8])
    }
    private enum LineScan {
        case incomplete
        case tooLong
        case invalid(HTTPParseError)
        case line(content: Range<Int>, next: Int)
    }

    private var buffer: [UInt8] = []
    private var stage = Stage.requestLine
    /// Where the line being read starts, and how far it has been searched for its end.
    private var lineStart = 0
    private var scanned = 0
    private var skippedBlankBytes = 0
    private var headerBytes = 0
    private var method = ""
    private var path = ""
    private var queryString = ""
    private var version = ""
    private var headers: [(name: String, value: String)] = []
    private var bodyStart = 0
    private var bodyLength = 0
    private var failure: HTTPParseError?

    /// An empty parser for one connection.
    public init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
    }

    /// Whether any byte of the next request has arrived; the server uses it to tell an idle connection from a
    /// slow request.
    public var hasStarted: Bool { !buffer.isEmpty }

    /// Whether the headers are complete and the parser waits for the body; the body has its own timeout.
    public var isReadingBody: Bool { stage == .body }

    /// Adds `bytes` to what arrived before and says whether a request is complete.
    public mutating func feed(_ bytes: some Collection<UInt8>) -> Result {
        if let failure { return .failure(failure) }
        buffer.append(contentsOf: bytes)
        while true {
            let step: Step
            switch stage {
            case .requestLine: step = stepRequestLine()
            case .headers: step = stepHeader()
            case .body: step = stepBody()
            }
            switch step {
            case .next:
                continue
            case .needMore:
                return .needMore
            case .failed(let error):
                failure = error
                buffer = []
                return .failure(error)
            case .done(let request, let leftover):
                self = HTTPRequestParser(limits: limits)
                return .request(request, leftover: leftover)
            }
        }
    }

    // MARK: - Lines

    /// Searches the current line for its end within `cap` bytes (line end included), refusing control
    /// characters as soon as they arrive.
    private mutating func nextLine(cap: Int) -> LineScan {
        let stop = min(buffer.count, lineStart + cap)
        var index = max(scanned, lineStart)
        defer { scanned = index }
        while index < stop {
            let byte = buffer[index]
            if index > lineStart, buffer[index - 1] == Byte.cr, byte != Byte.lf {
                return .invalid(.badRequest("The request has a CR that does not end a line; end lines with CRLF."))
            }
            if byte == Byte.lf {
                let end = index > lineStart && buffer[index - 1] == Byte.cr ? index - 1 : index
                index += 1
                return .line(content: lineStart..<end, next: index)
            }
            if byte == 0 {
                return .invalid(.badRequest("The request contains a NUL byte; send text without NUL characters."))
            }
            if (byte < 0x20 && byte != Byte.cr && byte != Byte.tab) || byte == 0x7F {
                return .invalid(
                    .badRequest("The request contains a control character; send headers as plain text."))
            }
            index += 1
        }
        return stop == lineStart + cap ? .tooLong : .incomplete
    }

    // MARK: - Request line

    private mutating func stepRequestLine() -> Step {
        switch nextLine(cap: limits.maxRequestLineBytes + 2) {
        case .incomplete:
            return .needMore
        case .tooLong:
            return .failed(.requestLineTooLong(limits.maxRequestLineBytes))
        case .invalid(let error):
            return .failed(error)
        case .line(let content, let next):
            if content.isEmpty {
                skippedBlankBytes += next - lineStart
                lineStart = next
                if skippedBlankBytes > limits.maxRequestLineBytes {
                    return .failed(.badRequest("The request starts with too many empty lines; send the request line."))
                }
                return .next
            }
            if content.count > limits.maxRequestLineBytes {
                return .failed(.requestLineTooLong(limits.maxRequestLineBytes))
            }
            if let error = parseRequestLine(buffer[content]) { return .failed(error) }
            lineStart = next
            stage = .headers
            return .next
        }
    }

    private mutating func parseRequestLine(_ line: ArraySlice<UInt8>) -> HTTPParseError? {
        let parts = line.split(separator: Byte.space, omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else {
            return .badRequest(
                "The request line must be a method, a path and a version separated by single spaces; "
                    + "send for example GET / HTTP/1.1.")
        }
        let (methodBytes, target, versionBytes) = (parts[0], parts[1], parts[2])
        guard methodBytes.allSatisfy(Byte.isToken) else {
            return .badRequest("The request method is not a valid token; send GET, HEAD or POST.")
        }
        guard target.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            return .badRequest(
                "The request target contains a character that must be percent-encoded; encode it and send it again.")
        }
        guard target.first == Byte.slash else {
            return .badRequest("The request target must be a path starting with /; send origin-form requests.")
        }
        let versionText = String(decoding: versionBytes, as: UTF8.self)
        guard versionBytes.count == 8, versionText.hasPrefix("HTTP/"),
            Byte.isDigit(versionBytes[versionBytes.startIndex + 5]),
            versionBytes[versionBytes.startIndex + 6] == UInt8(ascii: "."),
            Byte.isDigit(versionBytes[versionBytes.startIndex + 7])
        else {
            return .badRequest("The request line does not end in a valid HTTP version; send HTTP/1.1.")
        }
        guard versionText == "HTTP/1.1" || versionText == "HTTP/1.0" else {
            return .versionNotSupported(versionText)
        }
        let methodText = String(decoding: methodBytes, as: UTF8.self)
        guard ["GET", "HEAD", "POST"].contains(methodText) else { return .methodNotAllowed(methodText) }
        guard !target.contains(UInt8(ascii: "#")) else {
            return .badRequest("The request target contains a fragment (#); leave the fragment out.")
        }
        let question = target.firstIndex(of: UInt8(ascii: "?")) ?? target.endIndex
        let pathBytes = target[..<question]
        if let error = Self.checkPath(pathBytes) { return error }
        method = methodText
        version = versionText
        path = String(decoding: pathBytes, as: UTF8.self)
        queryString = question < target.endIndex ? String(decoding: target[(question + 1)...], as: UTF8.self) : ""
        return nil
    }

    /// Refuses a path that decodes to a NUL or has a `..` segment, or whose `%` escapes are malformed.
    private static func checkPath(_ raw: ArraySlice<UInt8>) -> HTTPParseError? {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index < raw.endIndex {
            let byte = raw[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < raw.endIndex, let high = Byte.hexValue(raw[index + 1]),
                    let low = Byte.hexValue(raw[index + 2])
                else {
                    return .badRequest("The path has a % that is not followed by two hex digits; encode % as %25.")
                }
                decoded.append(high << 4 | low)
                index += 3
            } else {
                decoded.append(byte)
                index += 1
            }
        }
        if decoded.contains(0) {
            return .badRequest("The path contains an encoded NUL byte; send a path without it.")
        }
        let segments = decoded.split(omittingEmptySubsequences: false) {
            $0 == Byte.slash || $0 == UInt8(ascii: "\\")
        }
        if segments.contains(where: { $0.elementsEqual("..".utf8) }) {
            return .badRequest("The path contains a .. segment; send the path without it.")
        }
        return nil
    }

    // MARK: - Headers

    private mutating func stepHeader() -> Step {
        let budget = max(0, limits.maxHeaderBytes - headerBytes)
        switch nextLine(cap: budget + 2) {
        case .incomplete:
            return .needMore
        case .tooLong:
            return .failed(.headersTooLarge(limits.maxHeaderBytes))
        case .invalid(let error):
            return .failed(error)
        case .line(let content, let next):
            if content.isEmpty {
                lineStart = next
                return finishHeaders()
            }
            headerBytes += next - lineStart
            if headerBytes > limits.maxHeaderBytes {
                return .failed(.headersTooLarge(limits.maxHeaderBytes))
            }
            let line = buffer[content]
            if line.first == Byte.space || line.first == Byte.tab {
                return .failed(
                    .badRequest("The request has a header folded over several lines; send each header on one line."))
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                line[..<colon].allSatisfy(Byte.isToken)
            else {
                return .failed(
                    .badRequest(
                        "A header line is not a name, a colon and a value, with no space before the colon; "
                            + "fix the header."))
            }
            guard headers.count < limits.maxHeaderCount else {
                return .failed(.tooManyHeaders(limits.maxHeaderCount))
            }
            var value = line[(colon + 1)...]
            while let first = value.first, first == Byte.space || first == Byte.tab { value = value.dropFirst() }
            while let last = value.last, last == Byte.space || last == Byte.tab { value = value.dropLast() }
            headers.append(
                (String(decoding: line[..<colon], as: UTF8.self), String(decoding: value, as: UTF8.self)))
            lineStart = next
            return .next
        }
    }

    /// Decides the body's framing from the headers, now that all of them are in.
    private mutating func finishHeaders() -> Step {
        func values(_ name: String) -> [String] {
            headers.filter { $0.name.lowercased() == name }.map(\.value)
        }
        if version == "HTTP/1.1" {
            let hosts = values("host").count
            if hosts != 1 {
                return .failed(
                    .badRequest(
                        hosts == 0
                            ? "An HTTP/1.1 request needs a Host header; add one."
                            : "The request has more than one Host header; send exactly one."))
            }
        }
        let transferEncodings = values("transfer-encoding")
        let contentLengths = values("content-length")
        if !transferEncodings.isEmpty && !contentLengths.isEmpty {
            return .failed(
                .badRequest("The request has both Transfer-Encoding and Content-Length; send only Content-Length."))
        }
        if !transferEncodings.isEmpty { return .failed(.transferEncoding) }
        var length: Int?
        for item in contentLengths.flatMap({ $0.split(separator: ",", omittingEmptySubsequences: false) }) {
            var digits = item
            while let first = digits.first, first == " " || first == "\t" { digits = digits.dropFirst() }
            while let last = digits.last, last == " " || last == "\t" { digits = digits.dropLast() }
            guard !digits.isEmpty, digits.utf8.allSatisfy(Byte.isDigit) else {
                return .failed(
                    .badRequest("The Content-Length header is not a number of bytes; send the body's length in digits.")
                )
            }
            let significant = digits.drop { $0 == "0" }
            let value = significant.count > 18 ? Int.max : Int(significant) ?? 0
            if let length, length != value {
                return .failed(
                    .badRequest("The request has Content-Length headers that disagree; send one Content-Length."))
            }
            length = value
        }
        if method == "POST" && length == nil { return .failed(.lengthRequired) }
        bodyLength = length ?? 0
        if bodyLength > limits.maxBodyBytes { return .failed(.bodyTooLarge(limits.maxBodyBytes)) }
        bodyStart = lineStart
        stage = .body
        return .next
    }

    // MARK: - Body

    private func stepBody() -> Step {
        guard buffer.count - bodyStart >= bodyLength else { return .needMore }
        let end = bodyStart + bodyLength
        let request = HTTPRequest(
            method: method, path: path, query: HTTPRequest.decodePairs(queryString), headers: headers,
            body: method == "POST" ? Array(buffer[bodyStart..<end]) : [], version: version)
        return .done(request, leftover: Array(buffer[end...]))
    }
}
