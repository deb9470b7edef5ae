import Foundation

/// What a ROUTER socket hands over for one message: the routing id of the peer, the
/// optional empty delimiter a REQ peer adds, and the protocol frames.
public struct Envelope: Sendable, Equatable {
    public var routingID: Data
    /// True when the peer is a REQ socket; the broker echoes the delimiter in its reply.
    public var hasDelimiter: Bool
    public var frames: [Data]

    public init(routingID: Data, hasDelimiter: Bool, frames: [Data]) {
        self.routingID = routingID
        self.hasDelimiter = hasDelimiter
        self.frames = frames
    }

    /// Splits the frames received on a ROUTER socket. Returns nil when there is not even
    /// a routing id (which a ROUTER never delivers).
    public init?(routerFrames: [Data]) {
        guard let first = routerFrames.first else { return nil }
        routingID = first
        var rest = Array(routerFrames.dropFirst())
        // A REQ peer puts an empty frame before the payload; a DEALER peer speaking SRP/1 never
        // sends an empty first frame, because its first frame must be "SRP1".
        if rest.first?.isEmpty == true, rest.count > 1 {
            hasDelimiter = true
            rest.removeFirst()
        } else {
            hasDelimiter = false
        }
        frames = rest
    }

    /// The frames to hand to the ROUTER socket to answer this peer with `message`.
    public func reply(_ message: WireMessage) -> [Data] {
        Self.frames(to: routingID, delimiter: hasDelimiter, message: message)
    }

    public static func frames(to routingID: Data, delimiter: Bool, message: WireMessage) -> [Data] {
        var frames = [routingID]
        if delimiter { frames.append(Data()) }
        frames.append(contentsOf: message.frames())
        return frames
    }
}
