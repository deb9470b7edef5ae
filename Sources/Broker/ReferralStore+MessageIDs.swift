import Foundation
import Sodium
import Storage

/// The outbox's message ids, made from `seq` (migration 12, ``SequenceIdentifier``): a new row's `message_id` column
/// stays NULL, and only messages from before version 12 are found by the text of their id.
extension ReferralStore {
    /// The setting that holds the identifier key, 32 hex digits.
    static let identifierKeySetting = "identifier_key"

    /// Readies the message ids at start, outside any transaction, after the lease (PostgreSQL) is held: makes the
    /// identifier key on a new database (outside a transaction, so that no rollback can take back a key whose ids
    /// went out; two daemons that start at once on one PostgreSQL database both end with the key the first wrote),
    /// and moves the outbox's sequence past every number a lost future can have used.
    ///
    /// That future is what a restored backup forgets: messages sent after the backup was taken, whose ids peers
    /// have seen and may still confirm. Had the sequence carried on from the backup's mark, the next messages would
    /// get their numbers, and so their ids, again: a peer would drop a new offer as a message it already has, or
    /// confirm it with an old RECEIVED. So each start moves the sequence on to at least the microseconds since 1970
    /// of `startedAt` (the machine's time, never the manual clock, which a restore sets back too): to have used a
    /// number past that, a daemon that ran before the restore would have had to send a million messages a second
    /// since its own start. The sequence never goes down (a clock set back moves nothing).
    func prepareMessageIDs(startedAt: Date) throws {
        _ = try messageIDs()
        let floor = Int64(max(0, startedAt.timeIntervalSince1970) * 1_000_000)
        switch db.dialect {
        case .sqlite:
            try db.run(
                "UPDATE sqlite_sequence SET seq = ? WHERE name = 'outbox' AND seq < ?",
                [.integer(floor), .integer(floor)])
            try db.run(
                """
                INSERT INTO sqlite_sequence (name, seq)
                SELECT 'outbox', ? WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'outbox')
                """, [.integer(floor)])
            largestOutboxSeq = nil
            writtenBeforeStart = try nextOutboxSeq() - 1
            largestOutboxSeq = nil
        case .postgresql:
            _ = try db.query(
                """
                SELECT setval(pg_get_serial_sequence('outbox', 'seq'), ?)
                WHERE COALESCE(pg_sequence_last_value(CAST(pg_get_serial_sequence('outbox', 'seq') AS regclass)), 0) < ?
                """, [.integer(floor), .integer(floor)])
            outboxSeqs = []
            writtenBeforeStart =
                try db.queryOne(
                    """
                    SELECT COALESCE(pg_sequence_last_value(CAST(pg_get_serial_sequence('outbox', 'seq') AS regclass)), 0)
                        AS s
                    """)?.int64("s") ?? 0
        }
    }

    /// The message ids' maker, under the key in the settings (made by ``prepareMessageIDs(startedAt:)`` when the
    /// database has none yet).
    func messageIDs() throws -> SequenceIdentifier {
        if let made = madeMessageIDs { return made }
        if try storedIdentifierKey() == nil {
            try db.run(
                "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                [.text(Self.identifierKeySetting), .text(try IdentifierCipher.generate().hexKey)])
        }
        let made = SequenceIdentifier.messages(try IdentifierCipher(hexKey: try storedIdentifierKey() ?? ""))
        madeMessageIDs = made
        return made
    }

    private func storedIdentifierKey() throws -> String? {
        try db.queryOne("SELECT value FROM settings WHERE name = ?", [.text(Self.identifierKeySetting)])?
            .string("value")
    }

    /// The `seq` of the next outbox row, known before its INSERT because the message's body carries the id made
    /// from it. On SQLite the daemon is the only writer (the state directory's lock): AUTOINCREMENT's high-water
    /// mark is read once and counted on in memory, and a rolled-back transaction leaves a gap, never a reused number
    /// (the mark never goes down, and a restored backup's is moved on at start: ``prepareMessageIDs(startedAt:)``).
    /// On PostgreSQL numbers come from the identity's sequence, a hundred per round trip, which another node can
    /// never hand out twice.
    func nextOutboxSeq() throws -> Int64 {
        if let next = outboxSeqs.popFirst() { return next }
        switch db.dialect {
        case .sqlite:
            let largest =
                try largestOutboxSeq ?? db.queryOne(
                    """
                    SELECT MAX(s) AS s FROM (SELECT seq AS s FROM sqlite_sequence WHERE name = 'outbox'
                                             UNION ALL SELECT MAX(seq) FROM outbox)
                    """)?.int64("s") ?? 0
            largestOutboxSeq = largest + 1
            return largest + 1
        case .postgresql:
            outboxSeqs = try db.query(
                "SELECT nextval(pg_get_serial_sequence('outbox', 'seq')) AS s FROM generate_series(1, 100)"
            ).compactMap { $0.int64("s") }[...]
            guard let next = outboxSeqs.popFirst() else { preconditionFailure("generate_series(1, 100) gave no rows") }
            return next
        }
    }

    /// The message id of outbox row `seq`: the one it was written with before version 12, or the one made from `seq`.
    func messageID(seq: Int64, stored: String?) throws -> String {
        if let stored { return stored }
        return try messageIDs().id(seq)
    }

    /// Splits message ids into the rows they name (made from `seq`) and the ids from before version 12, to be
    /// looked up by text. An id that is neither (a guess, a typo) lands with the old ones and matches no row.
    func outboxRows(of messageIDs: some Sequence<String>) throws -> (seqs: [Int64], stored: [String]) {
        let maker = try self.messageIDs()
        var seqs: [Int64] = []
        var stored: [String] = []
        for id in messageIDs {
            if let seq = maker.sequence(of: id) { seqs.append(seq) } else { stored.append(id) }
        }
        return (seqs, stored)
    }
}
