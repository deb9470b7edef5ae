/// The offer messages (HANDOVER and REMINDER) the broker sent on a live connection since it started, by message id:
/// what tells a withdrawn offer its contact received but has not confirmed yet from one they never saw (SRP1.md,
/// CANCELLED). A confirmation in the outbox answers for itself, so only unconfirmed messages need keeping here.
///
/// Memory only, and so lost on a restart: an offer written before the start counts as received whatever this set
/// says (``ReferralStore/writtenBeforeStart``), since nothing tells whether the earlier run sent it (SRP1.md,
/// CANCELLED).
///
/// Owned by the desk on the event-loop thread. Sends happen after commits, so what is noted here was never part of
/// a transaction that could roll back; ``prune(keeping:)`` runs between turns too.
struct DeliveredOffers {
    private(set) var ids: Set<String> = []
    /// Past this many ids, the ones confirmed or deleted since are dropped (``isDueForPruning``).
    private var pruneAt = Self.minimumPruneAt

    static let minimumPruneAt = 4_096

    /// The commands that show a contact an offer.
    static let commands: Set<String> = ["HANDOVER", "REMINDER"]

    /// Notes that `messageID` (a `command` message) went out on a live connection; other commands are not kept.
    mutating func sent(_ messageID: String, command: String) {
        guard Self.commands.contains(command) else { return }
        ids.insert(messageID)
    }

    /// Whether enough ids were added since the last pruning to look which are still unconfirmed.
    var isDueForPruning: Bool { ids.count >= pruneAt }

    /// Keeps only `unconfirmed` (the ids whose messages still wait for a confirmation) and sets the next pruning at
    /// twice as many, so that the cost of pruning stays proportional to the sends.
    mutating func prune(keeping unconfirmed: Set<String>) {
        ids.formIntersection(unconfirmed)
        pruneAt = max(Self.minimumPruneAt, ids.count * 2)
    }
}
