import Foundation

/// Pending timers in due order: an indexed binary heap.
///
/// Insert, cancel and reschedule are O(log n) because every timer's heap position is kept in a
/// dictionary; popping what is due is O(log n) per timer. Timers due at the same moment fire
/// in the order they were scheduled, so a replay after a restart fires them in the same order.
/// A value type owned by the event loop; the durable copy of each timer is an entry in its referral's timer row.
///
/// Its operations are `@inlinable` so that the daemon's `TimerQueue<String>` is specialized where it is used: called
/// across the module boundary as generic code, every comparison and dictionary access went through witness tables
/// and runtime metadata, about 11 k instructions per timer scheduled (issue 22).
public struct TimerQueue<ID: Hashable & Sendable>: Sendable {
    @usableFromInline
    struct Entry: Sendable {
        @usableFromInline var id: ID
        @usableFromInline var due: Date
        @usableFromInline var sequence: UInt64

        @inlinable
        init(id: ID, due: Date, sequence: UInt64) {
            self.id = id
            self.due = due
            self.sequence = sequence
        }
    }

    @usableFromInline var heap: [Entry] = []
    @usableFromInline var positions: [ID: Int] = [:]
    @usableFromInline var nextSequence: UInt64 = 0

    public init() {}

    /// Builds the queue from every pending timer at once, as the daemon does at start: O(n)
    /// (Floyd's heap construction) instead of n inserts, with the storage reserved up front.
    /// Timers with equal due times keep the order they come in; a repeated id keeps its first.
    public init<S: Sequence>(_ timers: S) where S.Element == (id: ID, due: Date) {
        heap.reserveCapacity(timers.underestimatedCount)
        positions.reserveCapacity(timers.underestimatedCount)
        for timer in timers {
            // One hash per timer: a start-up with two million of them spent a third of its time in this loop.
            if let first = positions.updateValue(heap.count, forKey: timer.id) {
                positions[timer.id] = first  // a repeated id keeps its first
                continue
            }
            heap.append(Entry(id: timer.id, due: timer.due, sequence: nextSequence))
            nextSequence += 1
        }
        var index = heap.count / 2 - 1
        while index >= 0 {
            siftDown(index)
            index -= 1
        }
    }

    /// Builds the queue from timers that carry the order they were scheduled in, as the daemon's store keeps it
    /// (`sequence`): ties fire in that order whatever order the timers come in, so the store need not sort them,
    /// and a timer scheduled afterwards follows them all. A repeated id keeps the schedule that fires first.
    ///
    /// The timers are sorted here through keys of plain numbers, and a sorted array is a heap already: building the
    /// heap from them unsorted moved generic entries and rewrote two positions per swap, which took a start with two
    /// million timers 38% of its time.
    public init<S: Sequence>(scheduled timers: S) where S.Element == (id: ID, due: Date, sequence: UInt64) {
        let all = Array(timers)
        var order = all.indices.map { (all[$0].due.timeIntervalSinceReferenceDate, all[$0].sequence, $0) }
        order.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        heap.reserveCapacity(all.count)
        positions.reserveCapacity(all.count)
        for (_, sequence, index) in order {
            let timer = all[index]
            if let first = positions.updateValue(heap.count, forKey: timer.id) {
                positions[timer.id] = first
                continue
            }
            heap.append(Entry(id: timer.id, due: timer.due, sequence: sequence))
            nextSequence = max(nextSequence, sequence + 1)
        }
    }

    @inlinable
    public var count: Int { heap.count }
    @inlinable
    public var isEmpty: Bool { heap.isEmpty }

    /// When the earliest timer is due, nil when there is none: the event loop's poll timeout.
    @inlinable
    public var nextDue: Date? { heap.first?.due }

    @inlinable
    public func due(of id: ID) -> Date? { positions[id].map { heap[$0].due } }

    /// Schedules `id` at `due`, replacing an earlier schedule of the same id.
    @inlinable
    public mutating func schedule(_ id: ID, at due: Date) {
        cancel(id)
        let entry = Entry(id: id, due: due, sequence: nextSequence)
        nextSequence += 1
        heap.append(entry)
        positions[id] = heap.count - 1
        siftUp(heap.count - 1)
    }

    /// Removes `id`; returns whether it was pending.
    @inlinable @discardableResult
    public mutating func cancel(_ id: ID) -> Bool {
        guard let index = positions.removeValue(forKey: id) else { return false }
        let last = heap.count - 1
        if index != last {
            heap.swapAt(index, last)
            positions[heap[index].id] = index
        }
        heap.removeLast()
        if index < heap.count {
            siftDown(index)
            siftUp(index)
        }
        return true
    }

    /// Removes and returns every timer due at or before `now`, earliest first.
    @inlinable
    public mutating func popDue(asOf now: Date, limit: Int = .max) -> [(id: ID, due: Date)] {
        var fired: [(id: ID, due: Date)] = []
        while fired.count < limit, let first = heap.first, first.due <= now {
            cancel(first.id)
            fired.append((first.id, first.due))
        }
        return fired
    }

    @inlinable
    func ordered(_ a: Entry, _ b: Entry) -> Bool {
        a.due != b.due ? a.due < b.due : a.sequence < b.sequence
    }

    @inlinable
    mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard ordered(heap[child], heap[parent]) else { return }
            swapEntries(child, parent)
            child = parent
        }
    }

    @inlinable
    mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, ordered(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count, ordered(heap[right], heap[smallest]) { smallest = right }
            guard smallest != parent else { return }
            swapEntries(parent, smallest)
            parent = smallest
        }
    }

    @inlinable
    mutating func swapEntries(_ i: Int, _ j: Int) {
        heap.swapAt(i, j)
        positions[heap[i].id] = i
        positions[heap[j].id] = j
    }
}
