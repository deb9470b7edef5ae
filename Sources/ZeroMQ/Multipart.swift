import Foundation

/// One received multipart message with the metadata libzmq attaches to it.
///
/// ZeroMQ delivers the frames of a message atomically (all or none), so a `Multipart` is always complete.
public struct Multipart: Sendable, Equatable {
    /// The frames in order; empty frames (delimiters) are kept.
    public var frames: [Data]
    /// ZAP-authenticated principal of the sender: `zmq_msg_gets(msg, "User-Id")` on the first frame that carries it
    /// (the literal name; the macro is draft-only in 4.3.4); `nil` when absent, meaning unauthenticated.
    public var userID: String?
    /// `zmq_msg_gets(msg, "Peer-Address")`: the sender's IP address for `tcp://`; `nil` when absent (`inproc://`).
    public var peerAddress: String?
    /// Further metadata properties asked for in ``ZMQSocket/receive(dontWait:metadata:)``, such as those a ZAP
    /// handler attached (``ZAPReply/metadata``); a name the message does not carry is absent.
    public var metadata: [String: String]
    /// The file descriptor of the connection it came on (`ZMQ_SRCFD`), where libzmq knows it: a listener uses it
    /// to tell connections that talk from those that only hold a descriptor (see the broker's `ConnectionGuard`).
    public var sourceFileDescriptor: Int32?

    /// Builds a message, e.g. as the expected value in a test.
    public init(
        frames: [Data], userID: String? = nil, peerAddress: String? = nil, metadata: [String: String] = [:]
    ) {
        self.frames = frames
        self.userID = userID
        self.peerAddress = peerAddress
        self.metadata = metadata
    }
}
