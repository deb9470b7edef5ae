import Foundation

/// The effects of one transaction's work that reach beyond the database: the event loop's timer queue, the
/// contacts' load that matching balances on, the outboxes to deliver, a checkpoint after a purge.
///
/// The desk records an effect where it writes the row that causes it. Effects are kept per savepoint: when a
/// request's or a timer's savepoint rolls back, ``rollBack(to:)`` drops exactly the effects it recorded, so that
/// after the commit the loop applies only what the database kept. That is the promise "the timer queue never holds
/// a timer the database does not, and never lacks one it does".
///
/// Load and the store's memory are applied early, because the next request of the same batch must match against
/// the one and may confirm or read the other; the effects ``rollBack(to:)`` returns are what their owners must undo.
struct Turn {
    enum Effect: Equatable {
        /// A timer row was written or deleted.
        case timer(TimerChange)
        /// A message was written to its principal's outbox (`body` as rendered, never sealed).
        case delivery(OutboxMessage)
        /// Rows already in `principal`'s outbox (any principal's when nil) were confirmed or deleted, possibly
        /// messages of this turn: that outbox is read back after the commit rather than sent from memory.
        case outboxChanged(principal: String?)
        /// The open handovers of `contact` changed: a rollback reads their count back from the store
        /// (``ReferralStore/open``), which took back its own change with the rows.
        case load(contact: String)
        /// `contact` was offered a handover at `at`; before that their last offer was at `previous`.
        case offered(contact: String, at: Date, previous: Date?)
        /// Personal data was purged: checkpoint the WAL after the commit, so that no copy stays in that file.
        case checkpoint
        /// What the store keeps in memory beside its rows changed: a message began or stopped waiting for its
        /// confirmation (``PendingMessages``), a contact began or stopped holding an open handover
        /// (``OpenHandovers``). Applied when made, like the load, and taken back when its rows roll back.
        case store(ReferralStore.MemoryChange)
    }

    /// What the loop does after the commit, gathered from every effect the turn kept.
    struct Committed: Equatable {
        var timers: [TimerChange] = []
        var deliveries = Deliveries()
        var checkpoint = false
    }

    private(set) var effects: [Effect] = []

    /// Where a savepoint starts: pass it to ``rollBack(to:)`` when the savepoint rolls back.
    var mark: Int { effects.count }

    mutating func record(_ effect: Effect) {
        effects.append(effect)
    }

    /// Forgets the effects recorded since `mark` (`0` for the whole turn) and returns them, newest first.
    mutating func rollBack(to mark: Int) -> [Effect] {
        let dropped = effects[mark...].reversed()
        defer { effects.removeSubrange(mark...) }
        return Array(dropped)
    }

    /// Ends the turn at its commit: every effect is final, and what remains to do is returned.
    mutating func commit() -> Committed {
        var committed = Committed()
        for effect in effects {
            switch effect {
            case .timer(let change): committed.timers.append(change)
            case .delivery(let message): committed.deliveries.wrote(message)
            case .outboxChanged(let principal): committed.deliveries.changed(principal)
            case .checkpoint: committed.checkpoint = true
            case .load, .offered, .store: break  // applied when recorded
            }
        }
        effects.removeAll(keepingCapacity: true)
        return committed
    }
}
