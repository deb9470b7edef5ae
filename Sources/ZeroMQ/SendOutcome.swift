/// What happened to a message handed to ``ZMQSocket/send(_:dontWait:)``.
///
/// `.sent` means queued by libzmq, not delivered: only the peer's application-level answer proves delivery.
public enum SendOutcome: Sendable, Equatable {
    /// libzmq accepted the whole multipart message into its queue.
    case sent
    /// Nothing was queued (`EAGAIN`): high-water mark reached, `dontWait` with no ready peer, or the send timeout
    /// expired. Keep the message and try again later.
    case wouldBlock
    /// Nothing was queued (`EHOSTUNREACH`): a ROUTER with `ROUTER_MANDATORY` has no peer with the addressed routing
    /// id.
    case hostUnreachable
}
