import CZMQ

/// The ZeroMQ socket patterns this project uses (the non-draft ones in libzmq 4.3.4).
///
/// Thread-safe draft types (CLIENT, SERVER, RADIO, DISH) are absent because Debian's libzmq is built without the
/// draft API.
public enum ZMQSocketType: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Exclusive one-to-one link, typically an `inproc://` wake-up channel between two threads.
    case pair
    /// Publisher: fans out to subscribers, drops at the high-water mark.
    case pub
    /// Subscriber: receives only messages matching a ``ZMQSocket/subscribe(_:)`` prefix.
    case sub
    /// Strict request/reply client (send, receive, send, ...).
    case req
    /// Strict request/reply server (receive, send, ...).
    case rep
    /// Asynchronous client: round-robins outgoing, fair-queues incoming.
    case dealer
    /// Asynchronous server: prefixes each message with the sender's routing id and routes replies by it.
    case router
    /// Fair-queued receiving end of a pipeline.
    case pull
    /// Round-robin sending end of a pipeline.
    case push
    /// Raw TCP without ZMTP framing, for speaking a foreign protocol such as HTTP: each received message is the
    /// connection's routing id and a chunk of bytes (an empty chunk when a connection opens or closes); sending the
    /// id and an empty frame closes that connection.
    case stream

    /// The libzmq constant (`ZMQ_PAIR`, ...).
    var cValue: Int32 {
        switch self {
        case .pair: ZMQ_PAIR
        case .pub: ZMQ_PUB
        case .sub: ZMQ_SUB
        case .req: ZMQ_REQ
        case .rep: ZMQ_REP
        case .dealer: ZMQ_DEALER
        case .router: ZMQ_ROUTER
        case .pull: ZMQ_PULL
        case .push: ZMQ_PUSH
        case .stream: ZMQ_STREAM
        }
    }

    /// The upper-case ZeroMQ name, e.g. `ROUTER`.
    public var description: String {
        switch self {
        case .pair: "PAIR"
        case .pub: "PUB"
        case .sub: "SUB"
        case .req: "REQ"
        case .rep: "REP"
        case .dealer: "DEALER"
        case .router: "ROUTER"
        case .pull: "PULL"
        case .push: "PUSH"
        case .stream: "STREAM"
        }
    }
}
