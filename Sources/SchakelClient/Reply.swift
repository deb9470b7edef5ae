import SchakelProtocol

/// The broker's answer to one request: the typed body, or the broker's refusal (`REJECTED`).
///
/// A refusal is not thrown: `conflict`, `forbidden` and `invalid` are ordinary answers a program branches on (see
/// Protocols/SRP1.md, "REJECTED codes"). What the client could not get an answer to at all is thrown instead, as a
/// ``SchakelClientError``. ``message`` keeps the answer as it came, for logs and for tools that print it.
public struct Reply<Body: Sendable>: Sendable {
    /// The answer as received: `ACCEPTED`, `ACKED`, `REJECTED`, ...
    public let message: WireMessage
    /// The decoded body, or the refusal.
    public let result: Result<Body, Rejection>

    /// The body, or the refusal thrown as an error.
    public func get() throws(Rejection) -> Body {
        try result.get()
    }

    /// The refusal, or `nil` when the request succeeded.
    public var rejection: Rejection? {
        if case .failure(let rejection) = result { return rejection }
        return nil
    }
}

/// The answer to SUBMIT: `ACCEPTED` (committed; `duplicate` when the broker already had this `external_id`), or
/// `REJECTED`.
public typealias Receipt = Reply<Accepted>
