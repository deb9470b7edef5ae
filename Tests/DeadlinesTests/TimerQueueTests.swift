import Deadlines
import Foundation
import Testing

@Suite struct TimerQueueTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func firesInDueOrderAndSameMomentsInScheduleOrder() {
        var queue = TimerQueue<String>()
        queue.schedule("c", at: t0.addingTimeInterval(30))
        queue.schedule("a", at: t0.addingTimeInterval(10))
        queue.schedule("b1", at: t0.addingTimeInterval(20))
        queue.schedule("b2", at: t0.addingTimeInterval(20))
        #expect(queue.nextDue == t0.addingTimeInterval(10))
        #expect(queue.popDue(asOf: t0.addingTimeInterval(20)).map(\.id) == ["a", "b1", "b2"])
        #expect(queue.popDue(asOf: t0.addingTimeInterval(25)).isEmpty)
        #expect(queue.popDue(asOf: t0.addingTimeInterval(30)).map(\.id) == ["c"])
        #expect(queue.isEmpty && queue.nextDue == nil)
    }

    @Test func cancelAndRescheduleKeepTheHeapConsistent() {
        var queue = TimerQueue<Int>()
        var reference: [Int: Date] = [:]
        var rng = SeededGenerator(seed: 42)
        for step in 0..<20_000 {
            let id = Int.random(in: 0..<2_000, using: &rng)
            if step % 3 == 0 {
                #expect(queue.cancel(id) == (reference.removeValue(forKey: id) != nil))
            } else {
                let due = t0.addingTimeInterval(Double(Int.random(in: 0..<10_000, using: &rng)))
                queue.schedule(id, at: due)
                reference[id] = due
            }
        }
        #expect(queue.count == reference.count)
        let fired = queue.popDue(asOf: t0.addingTimeInterval(20_000))
        #expect(fired.count == reference.count)
        #expect(zip(fired, fired.dropFirst()).allSatisfy { $0.due <= $1.due })
        #expect(Dictionary(uniqueKeysWithValues: fired.map { ($0.id, $0.due) }) == reference)
    }
}

/// A deterministic generator (SplitMix64) so a failing sequence can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct TimerQueueBulkTests {
    @Test func bulkBuiltQueueFiresLikeOneBuiltByInserts() {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        var rng = SeededGenerator(seed: 7)
        let timers = (0..<5_000).map {
            (id: "t\($0)", due: t0.addingTimeInterval(Double(Int.random(in: 0..<500, using: &rng))))
        }
        var inserted = TimerQueue<String>()
        for timer in timers { inserted.schedule(timer.id, at: timer.due) }
        var bulk = TimerQueue(timers)
        #expect(bulk.count == 5_000)
        let a = inserted.popDue(asOf: t0.addingTimeInterval(1_000)).map(\.id)
        let b = bulk.popDue(asOf: t0.addingTimeInterval(1_000)).map(\.id)
        #expect(a == b)  // same order, ties in input order
        var withCancel = TimerQueue(timers)
        let cancelled = withCancel.cancel("t42")
        #expect(cancelled)
        #expect(withCancel.count == 4_999)
    }

    @Test func aRepeatedIDKeepsItsFirstDueTime() {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        var queue = TimerQueue([
            (id: "a", due: t0.addingTimeInterval(30)), (id: "b", due: t0.addingTimeInterval(10)),
            (id: "a", due: t0.addingTimeInterval(5)), (id: "c", due: t0.addingTimeInterval(20)),
            (id: "b", due: t0.addingTimeInterval(40)),
        ])
        #expect(queue.count == 3)
        #expect(queue.due(of: "a") == t0.addingTimeInterval(30))
        #expect(queue.due(of: "b") == t0.addingTimeInterval(10))
        #expect(queue.popDue(asOf: t0.addingTimeInterval(100)).map(\.id) == ["b", "c", "a"])
        #expect(queue.isEmpty && !queue.cancel("a"))
    }

    /// The start-up path of a store that keeps each timer's sequence: ties fire by that sequence in whatever order
    /// the timers are read, and a timer scheduled after the start fires behind every tie loaded, as it would have
    /// without the restart.
    @Test func aQueueBuiltWithSequencesFiresTiesByThem() {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let tie = t0.addingTimeInterval(10)
        var queue = TimerQueue(scheduled: [
            (id: "late", due: t0.addingTimeInterval(20), sequence: UInt64(1)), (id: "b", due: tie, sequence: 41),
            (id: "c", due: tie, sequence: 97), (id: "a", due: tie, sequence: 3),
        ])
        queue.schedule("new", at: tie)
        #expect(queue.popDue(asOf: t0.addingTimeInterval(30)).map(\.id) == ["a", "b", "c", "new", "late"])
    }
}
