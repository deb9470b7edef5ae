import Foundation

/// A connected peer that said HELLO: which principal it speaks for and how far its outbox
/// has been sent on this connection.
struct Session: Sendable {
    var principal: String
    var routingID: Data
    /// REQ peers get only replies: an unsolicited push would break REQ's strict turn-taking.
    var receivesPushes: Bool
    /// The highest outbox sequence number sent on this connection.
    private(set) var lastSentSeq: Int64 = 0
    /// Everything the principal's outbox held at the last pass over it was sent on this connection, so the
    /// messages a commit writes next can be sent as written (``Deliveries``). False from HELLO until a pass over
    /// the outbox sends all it holds, and again whenever sending stops early (a full queue, answers waiting, the
    /// pass's limit).
    private(set) var caughtUp = false
    /// In CURVE mode, who the connection proved to be (the ZAP User-Id) and with which public key: checked against
    /// the current social map on every message and on every reload. Nil in insecure_dev mode.
    var credential: PeerCredential? = nil
}

extension Session {
    /// A pass over the outbox begins (or sending stopped early): until a pass has sent all the rest, the session is
    /// behind, and what commits write for it is read from the outbox in turn.
    mutating func fallBehind() {
        caughtUp = false
    }

    /// The pass read `read` messages, asking for at most `limit`, and sent them all: fewer than asked for means the
    /// outbox holds nothing this session was not sent.
    mutating func finishPass(read: Int, limit: Int) {
        caughtUp = read < limit
    }

    /// The message `seq` was sent on this connection.
    mutating func sent(_ seq: Int64) {
        if lastSentSeq < seq { lastSentSeq = seq }
    }

    /// Of the messages a commit wrote for this principal (in ascending `seq`), those to send as written: all but
    /// any a pass already sent, without copying them; nil when the session is behind (its outbox is read instead,
    /// so that they follow what it holds before them).
    func toSend(_ written: [OutboxMessage]) -> ArraySlice<OutboxMessage>? {
        caughtUp ? written.drop { $0.seq <= lastSentSeq } : nil
    }
}

/// Who a CURVE peer proved to be: the principal its key belongs to, and the key (Z85).
struct PeerCredential: Sendable, Equatable {
    var principal: String
    var publicKey: String
}
