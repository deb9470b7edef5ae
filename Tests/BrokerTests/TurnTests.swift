import Foundation
import Testing

@testable import Broker

/// The unit of work's bookkeeping without a database: effects are kept per savepoint and only what survives reaches
/// the loop at the commit.
@Suite struct TurnTests {
    let due = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aRolledBackSavepointDropsExactlyItsEffects() {
        var turn = Turn()
        turn.record(.timer(.schedule(id: "ho-1:ack_expiry", due: due)))
        turn.record(.delivery(to: "org:a"))
        let mark = turn.mark
        turn.record(.timer(.cancel(id: "ho-1:ack_expiry")))
        turn.record(.load(contact: "contact:b", delta: 1))
        turn.record(.delivery(to: "contact:b"))

        let dropped = turn.rollBack(to: mark)
        #expect(
            dropped == [
                .delivery(to: "contact:b"), .load(contact: "contact:b", delta: 1),
                .timer(.cancel(id: "ho-1:ack_expiry")),
            ])
        #expect(
            turn.commit()
                == Turn.Committed(
                    timers: [.schedule(id: "ho-1:ack_expiry", due: due)], deliveries: ["org:a"], checkpoint: false))
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

    @Test func principalsSinceAMarkAreThoseTheSavepointWroteTo() {
        var turn = Turn()
        turn.record(.delivery(to: "org:a"))
        let mark = turn.mark
        turn.record(.delivery(to: "contact:b"))
        turn.record(.delivery(to: "contact:c"))
        turn.record(.delivery(to: "contact:b"))
        #expect(turn.principals(since: mark) == ["contact:b", "contact:c"])
    }

    @Test func rollingBackTheWholeTurnLeavesNothingToApply() {
        var turn = Turn()
        turn.record(.timer(.schedule(id: "t1", due: due)))
        turn.record(.checkpoint)
        #expect(turn.rollBack(to: 0).count == 2)
        #expect(turn.commit() == Turn.Committed())
    }
}
