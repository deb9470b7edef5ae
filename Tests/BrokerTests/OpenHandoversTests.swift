import Testing

@testable import Broker

/// The broker's memory of which open handovers each contact holds, without a database: by referral key, counted (two
/// needs of one referral may go to one contact), and every change undone exactly as a rollback takes back its rows.
@Suite struct OpenHandoversTests {
    static let anna = "contact:schuldhulp-anna"
    static let carla = "contact:wonen-carla"

    @Test func aContactsReferralsAreListedOnceEachInKeyOrder() {
        var open = OpenHandovers()
        for key: Int64 in [9, 2, 5] { open.add(Self.anna, referralKey: key) }
        open.add(Self.anna, referralKey: 5)  // a second need of referral 5, to Anna too
        open.add(Self.carla, referralKey: 2)

        #expect(open.keys(of: Self.anna) == [2, 5, 9])
        #expect(open.keys(of: Self.carla) == [2])
        #expect(open.keys(of: "contact:nobody").isEmpty)
        #expect(open.counts == [Self.anna: 4, Self.carla: 1])
    }

    @Test func aReferralStaysListedUntilItsLastOpenHandoverCloses() {
        var open = OpenHandovers()
        open.add(Self.anna, referralKey: 5)
        open.add(Self.anna, referralKey: 5)

        #expect(open.remove(Self.anna, referralKey: 5) == .removed(contact: Self.anna, referralKey: 5))
        #expect(open.keys(of: Self.anna) == [5], "one of its two handovers is still open")
        #expect(open.count(of: Self.anna) == 1, "what matching balances on")
        #expect(open.remove(Self.anna, referralKey: 5) != nil)
        #expect(open.keys(of: Self.anna).isEmpty && open.counts.isEmpty)
        #expect(open.remove(Self.anna, referralKey: 5) == nil, "nothing left to close")
        #expect(open.remove(Self.carla, referralKey: 1) == nil)
    }

    @Test func undoingTheChangesNewestFirstGivesBackWhatWasThere() {
        var open = OpenHandovers()
        open.add(Self.anna, referralKey: 1)
        open.add(Self.carla, referralKey: 2)
        let before = (open.keys(of: Self.anna), open.keys(of: Self.carla), open.counts)

        // A re-route: Anna's offer expires and goes to Carla; then a new referral is offered to Anna.
        let changes = [
            open.remove(Self.anna, referralKey: 1), open.add(Self.carla, referralKey: 1),
            open.add(Self.anna, referralKey: 3), open.remove(Self.carla, referralKey: 2),
        ].compactMap { $0 }
        #expect(changes.count == 4)
        #expect(open.keys(of: Self.anna) == [3] && open.keys(of: Self.carla) == [1])

        for change in changes.reversed() { open.undo(change) }
        #expect(open.keys(of: Self.anna) == before.0 && open.keys(of: Self.carla) == before.1)
        #expect(open.counts == before.2)
    }
}
