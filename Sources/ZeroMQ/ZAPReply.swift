import Foundation

/// The ZAP handler's answer to one ``ZAPRequest`` (ZeroMQ RFC 27).
///
/// On ``Status/success`` libzmq admits the peer and stamps every message from it with ``userID`` (read back with
/// ``Multipart/userID``) and the ``metadata`` properties (``ZMQSocket/receive(dontWait:metadata:)``); on any other
/// status the connection is closed before a single message passes.
public struct ZAPReply: Sendable, Equatable {
    /// RFC 27's status codes.
    public enum Status: String, Sendable {
        /// Admit the peer.
        case success = "200"
        /// Refuse for now (e.g. the registry is unavailable); the client may retry.
        case temporaryError = "300"
        /// Refuse: the credentials are not accepted.
        case authenticationFailure = "400"
        /// The handler could not process the request.
        case internalError = "500"
    }

    /// The ``ZAPRequest/requestID`` being answered.
    public var requestID: Data
    public var status: Status
    /// A short reason, for libzmq's monitor events (never shown to the peer).
    public var statusText: String
    /// The authenticated principal; empty unless ``status`` is success.
    public var userID: String
    /// Extra properties for every message from this peer, in order; names should start with `X-` to stay clear of
    /// libzmq's own (`User-Id`, `Peer-Address`, `Socket-Type`, ...).
    public var metadata: [(name: String, value: String)]

    /// A reply; `metadata` names must be 1 to 255 bytes.
    public init(
        requestID: Data, status: Status, statusText: String, userID: String = "",
        metadata: [(name: String, value: String)] = []
    ) {
        self.requestID = requestID
        self.status = status
        self.statusText = statusText
        self.userID = userID
        self.metadata = metadata
    }

    /// The six frames to send back on the handler's REP socket.
    public var frames: [Data] {
        [
            Data("1.0".utf8), requestID, Data(status.rawValue.utf8), Data(statusText.utf8), Data(userID.utf8),
            encodedMetadata,
        ]
    }

    /// ZMTP property list: per property a 1-byte name length, the name, a 4-byte big-endian value length, the value.
    private var encodedMetadata: Data {
        var data = Data()
        for (name, value) in metadata {
            let nameBytes = Array(name.utf8)
            precondition(!nameBytes.isEmpty && nameBytes.count <= 255, "ZAP metadata name must be 1 to 255 bytes")
            let valueBytes = Array(value.utf8)
            data.append(UInt8(nameBytes.count))
            data.append(contentsOf: nameBytes)
            let length = UInt32(valueBytes.count).bigEndian
            withUnsafeBytes(of: length) { data.append(contentsOf: $0) }
            data.append(contentsOf: valueBytes)
        }
        return data
    }

    public static func == (lhs: ZAPReply, rhs: ZAPReply) -> Bool {
        lhs.requestID == rhs.requestID && lhs.status == rhs.status && lhs.statusText == rhs.statusText
            && lhs.userID == rhs.userID && lhs.metadata.elementsEqual(rhs.metadata) { $0 == $1 }
    }
}
