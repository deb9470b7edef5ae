import Testing

@testable import Broker

/// The broker's memory of the messages waiting for a confirmation, without a database: each principal's in `seq`
/// order, paged as a session reads its outbox, and every change undone exactly as a rollback takes back its rows.
@Suite struct PendingMessagesTests {
    static let anna = "contact:schuldhulp-anna"
    static let gp = "org:huisarts-de-brug"

    @Test func aPrincipalsMessagesArePagedInOrderAfterTheLastSent() {
        var pending = PendingMessages()
        // Offers kept in handovers' rows and outbox rows interleave, and a start reads them in any order.
        for seq: Int64 in [5, 2, 9, 7, 3] {
            pending.add(seq, for: Self.anna, in: seq.isMultiple(of: 2) ? .outbox : .handover)
        }
        pending.add(4, for: Self.gp, in: .outbox)

        #expect(Array(pending.seqs(for: Self.anna, after: 0, limit: 10)) == [2, 3, 5, 7, 9])
        #expect(Array(pending.seqs(for: Self.anna, after: 3, limit: 2)) == [5, 7], "after the last sent, a page")
        #expect(Array(pending.seqs(for: Self.anna, after: 0, limit: .max)) == [2, 3, 5, 7, 9])
        #expect(pending.seqs(for: Self.anna, after: 9, limit: 10).isEmpty)
        #expect(Array(pending.seqs(for: Self.gp, after: 0, limit: 10)) == [4], "another principal's are apart")
        #expect(pending.seqs(for: "contact:nobody", after: 0, limit: 10).isEmpty)
        #expect(pending.count(for: Self.anna) == 5 && pending.count(for: Self.gp) == 1 && pending.count == 6)
        #expect(pending.owner(of: 7)?.principal == Self.anna && pending.owner(of: 7)?.place == .handover)
        #expect(pending.owner(of: 4)?.place == .outbox)
        #expect(pending.add(5, for: Self.gp, in: .outbox) == nil, "a message waits once, for its own principal")
        #expect(pending.owner(of: 5)?.principal == Self.anna)
    }

    @Test func confirmedMessagesLeaveFromEitherEndOrTheMiddle() {
        var pending = PendingMessages()
        for seq in Int64(1)...200 { pending.add(seq, for: Self.anna, in: .outbox) }
        // Confirmed oldest first, as a contact reads: past the compaction threshold.
        for seq in Int64(1)...150 { #expect(pending.remove(seq) != nil) }
        pending.remove(170)
        pending.remove(200)
        #expect(pending.remove(170) == nil, "confirmed once")
        pending.add(201, for: Self.anna, in: .handover)
        let left = Array(pending.seqs(for: Self.anna, after: 0, limit: .max))
        #expect(left == Array(151...169) + Array(171...199) + [201])
        #expect(pending.count(for: Self.anna) == 49 && pending.owner(of: 150) == nil)
        for seq in left { pending.remove(seq) }
        #expect(pending.count == 0 && pending.count(for: Self.anna) == 0)
        #expect(pending.seqs(for: Self.anna, after: 0, limit: 10).isEmpty)
    }

    @Test func undoingTheChangesNewestFirstGivesBackWhatWasThere() {
        var pending = PendingMessages()
        pending.add(1, for: Self.anna, in: .handover)
        pending.add(2, for: Self.gp, in: .outbox)
        let before = Self.snapshot(pending, [Self.anna, Self.gp])

        let changes = [
            pending.remove(1), pending.add(3, for: Self.anna, in: .outbox), pending.remove(2),
            pending.add(4, for: Self.gp, in: .outbox),
        ].compactMap { $0 }
        #expect(
            changes == [
                .removed(seq: 1, principal: Self.anna, place: .handover),
                .added(seq: 3, principal: Self.anna, place: .outbox),
                .removed(seq: 2, principal: Self.gp, place: .outbox),
                .added(seq: 4, principal: Self.gp, place: .outbox),
            ])
        for change in changes.reversed() { pending.undo(change) }
        #expect(Self.snapshot(pending, [Self.anna, Self.gp]) == before)
        #expect(pending.owner(of: 1)?.place == .handover, "back where it was kept")
    }

    /// Each principal's waiting seqs.
    static func snapshot(_ pending: PendingMessages, _ principals: [String]) -> [String: [Int64]] {
        Dictionary(uniqueKeysWithValues: principals.map { ($0, Array(pending.seqs(for: $0, after: 0, limit: .max))) })
    }
}
