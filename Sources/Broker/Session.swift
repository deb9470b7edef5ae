import Foundation

/// A connected peer that said HELLO: which principal it speaks for and how far its outbox
/// has been sent on this connection.
struct Session: Sendable {
    var principal: String
    var routingID: Data
    /// REQ peers get only replies: an unsolicited push would break REQ's strict turn-taking.
    var receivesPushes: Bool
    /// The highest outbox sequence number sent on this connection.
    var lastSentSeq: Int64 = 0
    /// In CURVE mode, who the connection proved to be (the ZAP User-Id) and with which public key: checked against
    /// the current social map on every message and on every reload. Nil in insecure_dev mode.
    var credential: PeerCredential? = nil
}

/// Who a CURVE peer proved to be: the principal its key belongs to, and the key (Z85).
struct PeerCredential: Sendable, Equatable {
    var principal: String
    var publicKey: String
}
