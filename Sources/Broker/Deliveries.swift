import Foundation

/// What a committed turn put in outboxes, for the loop to send.
///
/// The messages the turn wrote are kept whole, so that a session that was already sent everything before them gets
/// them as they were rendered, without reading the rows back and opening the sealed offers again (issue 22: that
/// read-back was about 5% of a referral's instructions). A principal whose outbox the turn also changed otherwise, a
/// row confirmed or deleted that may be one of these very messages, is read from the database instead, as every
/// outbox is when its session is behind.
struct Deliveries: Equatable {
    /// The messages written to each principal, in the order written (ascending `seq`).
    private(set) var written: [String: [OutboxMessage]] = [:]
    /// Principals whose outbox rows the turn confirmed or deleted.
    private(set) var changed: Set<String> = []
    /// The turn confirmed or deleted rows of outboxes it did not name (a purge): every principal is read back.
    private(set) var changedAll = false

    mutating func wrote(_ message: OutboxMessage) {
        written[message.principal, default: []].append(message)
    }

    /// Rows of `principal`'s outbox (any principal's when nil) were confirmed or deleted.
    mutating func changed(_ principal: String?) {
        if let principal { changed.insert(principal) } else { changedAll = true }
    }

    /// Every principal given or relieved of a message.
    var principals: Set<String> { changed.union(written.keys) }

    /// Nothing written and no outbox changed: a purge that wrote nothing is not empty (every outbox it may have
    /// taken rows from must be read again).
    var isEmpty: Bool { written.isEmpty && changed.isEmpty && !changedAll }

    /// The messages to send `principal` as written, or nil when its outbox must be read from the database.
    func messages(for principal: String) -> [OutboxMessage]? {
        changedAll || changed.contains(principal) ? nil : written[principal]
    }

    /// These deliveries without `principals` (sent their whole outbox already).
    func removing(_ principals: Set<String>) -> Deliveries {
        var rest = self
        for principal in principals {
            rest.written[principal] = nil
            rest.changed.remove(principal)
        }
        return rest
    }
}
