/// The bounds the desk's HTTP server holds every client to.
///
/// The desk sits behind nginx, which already limits most of this; these limits exist so that a misconfigured proxy,
/// a client on the loopback interface or a bug cannot make the desk buffer without bound or hold threads forever
/// (slowloris). Every limit has a safe default; tests shorten the timeouts.
public struct HTTPLimits: Sendable, Equatable {
    /// The longest request line (`GET /path?query HTTP/1.1`) accepted, without its line end; longer ones get 414.
    public var maxRequestLineBytes: Int
    /// All header lines together, line ends included, not the empty line that ends them; more gets 431.
    public var maxHeaderBytes: Int
    /// The most header lines accepted in one request; more gets 431.
    public var maxHeaderCount: Int
    /// The largest `Content-Length` accepted; a larger one gets 413 before any of the body is read.
    public var maxBodyBytes: Int
    /// The time the request line and headers have to arrive, counted from the connection's start for its first
    /// request and from the first byte of each later request; when it runs out the client gets 408.
    public var headerTimeout: Duration
    /// The time the body has to arrive, counted from the end of the headers; when it runs out the client gets 408.
    public var bodyTimeout: Duration
    /// How long a kept-alive connection may wait for its next request before the server closes it without a word.
    public var keepAliveIdle: Duration
    /// How long the client has to take in a response before the server gives up on it and closes the connection.
    public var sendTimeout: Duration
    /// The most connections served at once; the next one gets 503 and is closed.
    public var maxConnections: Int

    /// Limits for the desk: the defaults fit server-rendered pages and form posts behind a reverse proxy.
    public init(
        maxRequestLineBytes: Int = 8192, maxHeaderBytes: Int = 16384, maxHeaderCount: Int = 64,
        maxBodyBytes: Int = 65536, headerTimeout: Duration = .seconds(10), bodyTimeout: Duration = .seconds(10),
        keepAliveIdle: Duration = .seconds(15), sendTimeout: Duration = .seconds(10), maxConnections: Int = 64
    ) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.keepAliveIdle = keepAliveIdle
        self.sendTimeout = sendTimeout
        self.maxConnections = maxConnections
    }
}
