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
}
