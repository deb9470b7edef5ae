import Foundation
import Testing

@testable import Broker

/// The unit of work's bookkeeping without a database: effects are kept per savepoint and only what survives reaches
/// the loop at the commit.
@Suite struct TurnTests {
    let due = Date(timeIntervalSince1970: 1_800_000_000)

    /// A message as the store returns it from its INSERT.
    static func message(_ seq: Int64, to principal: String) -> OutboxMessage {
        OutboxMessage(
            seq: seq, messageID: "msg-\(seq)", principal: principal, command: "NOTICE", body: Data("{}".utf8))
    }

    @Test func aRolledBackSavepointDropsExactlyItsEffects() {
        var turn = Turn()
        turn.record(.timer(.schedule(id: "ho-1:ack_expiry", due: due)))
        turn.record(.delivery(Self.message(1, to: "org:a")))
        let mark = turn.mark
        turn.record(.timer(.cancel(id: "ho-1:ack_expiry")))
        turn.record(.load(contact: "contact:b"))
        turn.record(.delivery(Self.message(2, to: "contact:b")))
        turn.record(.outboxChanged(principal: nil))

        let dropped = turn.rollBack(to: mark)
        #expect(
            dropped == [
                .outboxChanged(principal: nil), .delivery(Self.message(2, to: "contact:b")),
                .load(contact: "contact:b"), .timer(.cancel(id: "ho-1:ack_expiry")),
            ])
        let committed = turn.commit()
        #expect(committed.timers == [.schedule(id: "ho-1:ack_expiry", due: due)])
        #expect(committed.deliveries.principals == ["org:a"])
        #expect(committed.deliveries.messages(for: "org:a") == [Self.message(1, to: "org:a")])
        #expect(committed.deliveries.messages(for: "contact:b") == nil)
        #expect(!committed.checkpoint)
    }

    @Test func aCommitHandsOverTimersInOrderAndEndsTheTurn() {
        var turn = Turn()
        turn.record(.timer(.schedule(id: "t1", due: due)))
        turn.record(.checkpoint)
        turn.record(.offered(contact: "contact:b", at: due, previous: nil))
        turn.record(.timer(.cancel(id: "t1")))
        let committed = turn.commit()
        #expect(committed.timers == [.schedule(id: "t1", due: due), .cancel(id: "t1")])
        #expect(committed.checkpoint)
        #expect(committed.deliveries.isEmpty)
        #expect(turn.mark == 0)
        #expect(turn.commit() == Turn.Committed())
    }

    /// The messages a turn wrote go to the loop whole, per principal in the order written; a principal whose outbox
    /// the turn also confirmed or deleted rows of is to be read back instead, and a change of every outbox (a purge)
    /// reads back all of them.
    @Test func theCommitHandsOverTheMessagesWrittenUnlessTheirOutboxAlsoChanged() {
        var turn = Turn()
        turn.record(.delivery(Self.message(7, to: "contact:b")))
        turn.record(.delivery(Self.message(8, to: "org:a")))
        turn.record(.delivery(Self.message(9, to: "contact:b")))
        turn.record(.outboxChanged(principal: "contact:c"))
        let committed = turn.commit().deliveries
        #expect(committed.principals == ["contact:b", "contact:c", "org:a"])
        #expect(
            committed.messages(for: "contact:b") == [
                Self.message(7, to: "contact:b"), Self.message(9, to: "contact:b"),
            ])
        #expect(committed.messages(for: "org:a") == [Self.message(8, to: "org:a")])
        #expect(committed.messages(for: "contact:c") == nil, "read back: its outbox lost rows")
        #expect(committed.removing(["contact:b", "contact:c"]).principals == ["org:a"])

        turn.record(.delivery(Self.message(10, to: "org:a")))
        turn.record(.outboxChanged(principal: "contact:b"))
        turn.record(.delivery(Self.message(11, to: "contact:b")))
        let changedAfter = turn.commit().deliveries
        #expect(changedAfter.messages(for: "contact:b") == nil, "whatever the order within the turn")
        #expect(changedAfter.messages(for: "org:a") == [Self.message(10, to: "org:a")])

        turn.record(.delivery(Self.message(12, to: "org:a")))
        turn.record(.outboxChanged(principal: nil))
        let purged = turn.commit().deliveries
        #expect(purged.principals == ["org:a"])
        #expect(purged.messages(for: "org:a") == nil)

        turn.record(.outboxChanged(principal: nil))
        let purgedOnly = turn.commit().deliveries
        #expect(!purgedOnly.isEmpty, "a purge that wrote nothing still changed outboxes")
        #expect(purgedOnly.messages(for: "org:a") == nil)
    }

    @Test func rollingBackTheWholeTurnLeavesNothingToApply() {
        var turn = Turn()
        turn.record(.timer(.schedule(id: "t1", due: due)))
        turn.record(.checkpoint)
        #expect(turn.rollBack(to: 0).count == 2)
        #expect(turn.commit() == Turn.Committed())
    }
}
