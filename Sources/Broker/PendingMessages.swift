/// The messages owed to each principal and not yet confirmed, by `seq`: what a pass over a principal's outbox reads
/// (``ReferralStore/pendingOutbox(for:afterSeq:limit:word:)``), what HELLO counts, and where RECEIVED looks.
///
/// Kept in memory because the database's indexes of waiting messages were keyed by principal first: each commit put
/// its new entries on a page per principal (32 contacts and 64 adapters in the benchmark), about a quarter of the
/// pages a commit wrote (issue 22, part sixteen). Keyed by `seq` alone (migration 17), the newest entries share the
/// last page; this finds a principal's among them. It is read from those indexes at start
/// (``ReferralStore/loadPendingMessages()``), changed by the store where it writes the rows, and every change is
/// returned as a ``Change`` so that a rolled-back savepoint takes it back with its rows (``undo(_:)``).
struct PendingMessages {
    /// Where a waiting message is kept: a row of the outbox, or its handover's row (an offer, migration 16).
    enum Place: Equatable, Sendable {
        case outbox
        case handover
    }

    /// One message that began or stopped waiting: what ``undo(_:)`` takes back.
    enum Change: Equatable, Sendable {
        case added(seq: Int64, principal: String, place: Place)
        case removed(seq: Int64, principal: String, place: Place)
    }

    /// Whose each waiting message is, and where it is kept.
    private var owners: [Int64: (principal: String, place: Place)] = [:]
    /// Each principal's waiting messages, in `seq` order.
    private var byPrincipal: [String: SeqList] = [:]

    /// Every waiting message, of every principal.
    var count: Int { owners.count }

    /// The messages `principal` is owed.
    func count(for principal: String) -> Int {
        byPrincipal[principal]?.count ?? 0
    }

    /// Whose message `seq` is and where it is kept; nil when it is not waiting.
    func owner(of seq: Int64) -> (principal: String, place: Place)? {
        owners[seq]
    }

    /// At most `limit` of `principal`'s waiting messages after `afterSeq`, oldest first.
    func seqs(for principal: String, after afterSeq: Int64, limit: Int) -> ArraySlice<Int64> {
        byPrincipal[principal]?.after(afterSeq, limit: limit) ?? []
    }

    /// Message `seq` to `principal` now waits for its confirmation; nil when it already did.
    @discardableResult
    mutating func add(_ seq: Int64, for principal: String, in place: Place) -> Change? {
        guard owners[seq] == nil else { return nil }
        // The principal's name as the list's key already holds it: a waiting message then costs its seq and a
        // reference, not a copy of a name too long to be stored inline (a contact's is over 15 bytes).
        let index = byPrincipal.index(forKey: principal)
        let name = index.map { byPrincipal[$0].key } ?? principal
        owners[seq] = (name, place)
        if let index {
            byPrincipal.values[index].insert(seq)
        } else {
            var list = SeqList()
            list.insert(seq)
            byPrincipal[name] = list
        }
        return .added(seq: seq, principal: name, place: place)
    }

    /// Message `seq` waits no more (confirmed, settled or deleted); nil when it was not waiting.
    @discardableResult
    mutating func remove(_ seq: Int64) -> Change? {
        guard let (principal, place) = owners.removeValue(forKey: seq) else { return nil }
        byPrincipal[principal]?.remove(seq)
        if byPrincipal[principal]?.count == 0 { byPrincipal[principal] = nil }
        return .removed(seq: seq, principal: principal, place: place)
    }

    /// Takes back `change`, as a rollback takes back the row it was made with.
    mutating func undo(_ change: Change) {
        switch change {
        case .added(let seq, _, _): remove(seq)
        case .removed(let seq, let principal, let place): add(seq, for: principal, in: place)
        }
    }
}

extension PendingMessages {
    /// A principal's waiting `seq`s, ascending. New messages come last and confirmations mostly take the oldest,
    /// so both ends are cheap: appended at the back, dropped from the front by moving `start` (the array is
    /// compacted once half of it lies before `start`).
    struct SeqList {
        private var items: [Int64] = []
        private var start = 0

        var count: Int { items.count - start }

        mutating func insert(_ seq: Int64) {
            if items.count == start || items[items.count - 1] < seq {
                items.append(seq)
                return
            }
            let index = firstIndex(notBelow: seq)
            if index < items.count, items[index] == seq { return }
            items.insert(seq, at: index)
        }

        mutating func remove(_ seq: Int64) {
            let index = firstIndex(notBelow: seq)
            guard index < items.count, items[index] == seq else { return }
            guard index == start else {
                items.remove(at: index)
                return
            }
            start += 1
            if start == items.count {
                items.removeAll(keepingCapacity: true)
                start = 0
            } else if start >= 64, start * 2 >= items.count {
                items.removeFirst(start)
                start = 0
            }
        }

        func after(_ seq: Int64, limit: Int) -> ArraySlice<Int64> {
            let from = firstIndex(notBelow: seq == .max ? seq : seq + 1)
            return items[from..<(items.count - from <= limit ? items.count : from + max(0, limit))]
        }

        /// The first index at or after `start` whose seq is not below `seq` (binary search).
        private func firstIndex(notBelow seq: Int64) -> Int {
            var low = start
            var high = items.count
            while low < high {
                let middle = (low + high) / 2
                if items[middle] < seq { low = middle + 1 } else { high = middle }
            }
            return low
        }
    }
}
