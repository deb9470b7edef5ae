import Foundation
import Testing

@testable import Broker

/// A referral's timers as its row keeps them (migration 13): what the broker writes reads back the same, what
/// PostgreSQL's migration writes (with spaces) reads too, and a value the broker did not write is passed over.
@Suite struct TimerEntriesTests {
    @Test func writtenEntriesReadBackExactly() {
        var timers = TimerEntries()
        timers.schedule("ho-a:ack_reminder", at: Date(timeIntervalSince1970: 1_765_000_000.123_456_7), sequence: 7)
        timers.schedule("ho-a:ack_expiry", at: Date(timeIntervalSince1970: 1_765_086_400), sequence: 8)
        timers.schedule("ref-a:retention", at: Date(timeIntervalSince1970: -5.25e-7), sequence: 9)
        #expect(TimerEntries(json: timers.json) == timers)
        #expect(timers.largestSequence == 9)
        // The text itself: what a start reads back and what migration 13 on PostgreSQL wrote with spaces.
        #expect(
            timers.json == #"[["ho-a:ack_reminder",1765000000.1234567,7],["ho-a:ack_expiry",1765086400.0,8],"#
                + #"["ref-a:retention",-4.76837158203125e-07,9]]"#)

        timers.schedule("ho-a:ack_reminder", at: Date(timeIntervalSince1970: 12), sequence: 10)
        #expect(timers.entries.map(\.id) == ["ho-a:ack_expiry", "ref-a:retention", "ho-a:ack_reminder"])
        timers.cancel("ho-a:ack_expiry")
        #expect(timers.due(of: "ho-a:ack_expiry") == nil)
        #expect(timers.due(of: "ho-a:ack_reminder") == Date(timeIntervalSince1970: 12))
    }

    @Test func postgresqlsSpacingIsRead() {
        let read = TimerEntries(json: #"[["ho-b:ack_expiry", 1765000000.5, 3], ["ref-b:retention", 50, 4]]"#)
        #expect(read.entries.map(\.id) == ["ho-b:ack_expiry", "ref-b:retention"])
        #expect(read.entries.map(\.due) == [1_765_000_000.5, 50].map(Date.init(timeIntervalSince1970:)))
        #expect(read.entries.map(\.sequence) == [3, 4])
    }

    @Test func aValueThatIsNotATimerIsPassedOver() {
        let read = TimerEntries(
            json: #"[["ho-c:ack_expiry", 10], ["ho-c:nazorg", 20, 2, 9], ["ho-c:contact_due", 30, 3]]"#)
        #expect(read.entries.map(\.id) == ["ho-c:contact_due"])
        #expect(TimerEntries(json: "").isEmpty && TimerEntries(json: "[]").isEmpty)
    }
}
