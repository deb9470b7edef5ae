import Foundation
import Referrals
import Storage

/// A referral's pending timers, kept in one row of `referral_timers` under its key (migration 13, issue 22):
/// ``TimerEntries``. The view `timers` shows them one per row, for operators and tests; the broker reads the rows.
extension ReferralStore {
    /// The pending timers of the referral with `key`; none when it has no row.
    func timerEntries(key: Int64) throws -> TimerEntries {
        try db.queryOne("SELECT entries FROM referral_timers WHERE referral_key = ?", [.integer(key)])?
            .string("entries").map(TimerEntries.init(json:)) ?? TimerEntries()
    }

    /// Writes the timer changes of one event, in order, to the row of referral `key`: a change schedules a timer
    /// (replacing one of the same id, behind every timer scheduled before it) or cancels one. The row is read first
    /// unless the referral is new (`isNew`), written once, and deleted when no timer is left. Nothing when empty.
    func writeTimers(_ changes: [TimerChange], key: Int64, isNew: Bool) throws {
        guard !changes.isEmpty else { return }
        var timers = isNew ? TimerEntries() : try timerEntries(key: key)
        for change in changes {
            switch change {
            case .schedule(let id, let due): timers.schedule(id, at: due, sequence: try nextTimerSequence())
            case .cancel(let id): timers.cancel(id)
            }
        }
        if timers.isEmpty {
            if !isNew { try db.run("DELETE FROM referral_timers WHERE referral_key = ?", [.integer(key)]) }
            return
        }
        // One text for both engines: an upsert, which SQLite has had since 3.24.
        try db.run(
            """
            INSERT INTO referral_timers (referral_key, sequence, entries) VALUES (?, ?, ?)
            ON CONFLICT (referral_key) DO UPDATE SET sequence = excluded.sequence, entries = excluded.entries
            """, [.integer(key), .integer(timers.largestSequence), .text(timers.json)])
    }

    /// The sequence of the next timer scheduled: one more than any stored (each row keeps its largest), read once
    /// and counted in memory since, as the referral keys are.
    private func nextTimerSequence() throws -> Int64 {
        let next =
            try
            (largestTimerSequence
            ?? db.queryOne("SELECT MAX(sequence) AS s FROM referral_timers")?.int64("s") ?? 0) + 1
        largestTimerSequence = next
        return next
    }

    /// Every pending timer with the order it was scheduled in, to fill the event loop's queue at start
    /// (``TimerQueue/init(scheduled:)``, which sorts them by due time and that order). The rows are read a page at a
    /// time along the key: a million of them read at once held several hundred megabytes of rows until the start
    /// was done, and the allocator keeps what it once held.
    func pendingTimers(rowsPerPage: Int = 10_000) throws -> [(id: String, due: Date, sequence: UInt64)] {
        var all: [(id: String, due: Date, sequence: UInt64)] = []
        var largest: Int64 = 0
        var after: Int64 = .min
        while true {
            let rows = try db.query(
                """
                SELECT referral_key, entries FROM referral_timers WHERE referral_key > ?
                ORDER BY referral_key LIMIT \(rowsPerPage)
                """, [.integer(after)])
            for row in rows {
                TimerEntries.forEach(in: row.string("entries") ?? "") { entry in
                    all.append((entry.id, entry.due, UInt64(max(0, entry.sequence))))
                    largest = max(largest, entry.sequence)
                }
            }
            guard rows.count == rowsPerPage, let last = rows.last?.int64("referral_key") else { break }
            after = last
        }
        largestTimerSequence = max(largestTimerSequence ?? 0, largest)
        return all
    }

    /// What timer `id` is for, or nil when it is no longer pending (cancelled since the queue took it). Its id says
    /// its kind and its subject, the handover or referral before the `:`, whose row gives the referral.
    func timer(_ id: String) throws -> (kind: TimerKind, referralID: String, handoverID: String?)? {
        guard let colon = id.lastIndex(of: ":"),
            let kind = TimerKind(rawValue: String(id[id.index(after: colon)...]))
        else { return nil }
        let subject = String(id[..<colon])
        let row =
            kind.isReferralTimer
            ? try db.queryOne("SELECT referral_id, referral_key FROM referrals WHERE referral_id = ?", [.text(subject)])
            : try db.queryOne("SELECT referral_id, referral_key FROM handovers WHERE handover_id = ?", [.text(subject)])
        guard let row, let referralID = row.string("referral_id"), let key = row.int64("referral_key"),
            try timerEntries(key: key).due(of: id) != nil
        else { return nil }
        return (kind, referralID, kind.isReferralTimer ? nil : subject)
    }
}
