import Testing

@testable import SchakelClient

/// The pause between attempts grows, is spread by the jitter, and never exceeds its maximum.
@Suite struct BackoffTests {
    @Test func thePauseDoublesFromTheInitialValue() {
        let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(5), multiplier: 2, jitter: 0)
        #expect(backoff.delay(afterFailures: 1, random: 0.5) == .milliseconds(100))
        #expect(backoff.delay(afterFailures: 2, random: 0.5) == .milliseconds(200))
        #expect(backoff.delay(afterFailures: 4, random: 0.5) == .milliseconds(800))
    }

    @Test func thePauseIsBoundedByTheMaximumEvenWithJitter() {
        let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(2), multiplier: 2, jitter: 0.5)
        for failures in [1, 5, 6, 10, 64, 1_000, Int.max] {
            for random in [0.0, 0.5, 0.999_999] {
                let delay = backoff.delay(afterFailures: failures, random: random)
                #expect(delay <= .seconds(2), "after \(failures) failures: \(delay)")
                #expect(delay >= .zero)
            }
        }
        #expect(backoff.delay(afterFailures: 100, random: 0) == .seconds(1))
    }

    @Test func jitterSpreadsThePauseBothWays() {
        let backoff = Backoff(initial: .seconds(1), maximum: .seconds(10), multiplier: 2, jitter: 0.2)
        #expect(backoff.delay(afterFailures: 1, random: 0) == .milliseconds(800))
        #expect(backoff.delay(afterFailures: 1, random: 1) == .milliseconds(1200))
    }
}

/// The memory of recent message ids: new, pending, confirmed, and bounded.
@Suite struct RecentMessageIDsTests {
    @Test func aResentMessageIsPendingUntilConfirmedThenConfirmedAgain() {
        var recent = RecentMessageIDs(capacity: 10)
        #expect(recent.admit("msg-1") == .new)
        #expect(recent.admit("msg-1") == .pending)
        recent.confirm("msg-1")
        #expect(recent.admit("msg-1") == .confirmed)
    }

    @Test func aForgottenMessageIsNewAgain() {
        var recent = RecentMessageIDs(capacity: 10)
        _ = recent.admit("msg-1")
        recent.forget("msg-1")
        #expect(recent.admit("msg-1") == .new)
    }

    @Test func theOldestIdsAreForgottenFirst() {
        var recent = RecentMessageIDs(capacity: 3)
        for id in 1...5 { _ = recent.admit("msg-\(id)") }
        #expect(recent.count == 3)
        #expect(recent.admit("msg-5") == .pending)
        #expect(recent.admit("msg-1") == .new)
        for id in 6...1_000 { _ = recent.admit("msg-\(id)") }
        #expect(recent.count == 3)
    }
}
