import Foundation
import Testing

@testable import Broker

/// How far a session's outbox was sent, which decides whether a commit's messages may go as written (issue 22) or
/// must follow what the outbox holds before them.
@Suite struct SessionTests {
    static func message(_ seq: Int64) -> OutboxMessage {
        OutboxMessage(
            seq: seq, messageID: "msg-\(seq)", principal: "contact:b", command: "NOTICE", body: Data("{}".utf8))
    }

    static func session() -> Session {
        Session(principal: "contact:b", routingID: Data([1]), receivesPushes: true)
    }

    @Test func aNewSessionIsBehindUntilAPassSendsEverything() {
        var session = Self.session()
        #expect(session.toSend([Self.message(5)]) == nil, "from HELLO on, its outbox comes first")
        session.fallBehind()
        for seq: Int64 in [1, 2, 3] { session.sent(seq) }
        session.finishPass(read: 3, limit: 1_000)
        #expect(session.lastSentSeq == 3)
        #expect(session.toSend([Self.message(5), Self.message(6)]) == [Self.message(5), Self.message(6)])
    }

    @Test func aPassThatReadAsManyAsItMayLeavesTheSessionBehind() {
        var session = Self.session()
        session.fallBehind()
        for seq: Int64 in 1...10 { session.sent(seq) }
        session.finishPass(read: 10, limit: 10)
        #expect(session.toSend([Self.message(20)]) == nil, "the outbox may hold more before it")
        session.fallBehind()
        session.sent(11)
        session.finishPass(read: 1, limit: 10)
        #expect(session.toSend([Self.message(20)]) == [Self.message(20)])
    }

    @Test func sendingThatStopsEarlyLeavesTheSessionBehind() {
        var session = Self.session()
        session.finishPass(read: 0, limit: 10)
        #expect(session.toSend([Self.message(1)]) == [Self.message(1)])
        session.fallBehind()  // a full queue, or answers waiting
        #expect(session.toSend([Self.message(2)]) == nil)
    }

    @Test func whatWasSentAlreadyIsNotSentAgainAndTheMarkNeverGoesBack() {
        var session = Self.session()
        session.sent(7)
        session.sent(4)  // a re-send of an older unconfirmed message
        #expect(session.lastSentSeq == 7)
        session.finishPass(read: 2, limit: 256)
        #expect(session.toSend([Self.message(6), Self.message(7), Self.message(8)]) == [Self.message(8)])
    }
}
