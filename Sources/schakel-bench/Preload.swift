import Foundation
import SchakelProtocol
import Storage
import ZeroMQ

/// Writes referrals straight into a migrated state database: the rows a SUBMIT leaves behind, under wholly random ids
/// as the daemon made them until its ids began with their time (`Identifier` in Broker, issue 22 part four), so that the
/// indexes are as large and as scattered as after that many real submits: the database of a deployment that has
/// run for months and then took the new build, the harder case for it (its new ids grow in the midst of the old
/// ones). A start of
/// schakeld on the result is a daemon that has already taken `count` referrals (issue 22: the intake is measured on a
/// state directory that holds a million), or one with that many open (the restart figure).
///
/// Filling through the daemon would take as long as the figures it prepares are meant to beat; this takes about a
/// minute for a million with `synchronous = OFF` (a fixture, not a measurement).
struct Preload {
    /// How the referrals look.
    struct Shape {
        /// Needs per referral: one handover each.
        var needs: Int
        /// Every `openEvery`-th referral is still open (offers waiting, their two deadlines each); the others are
        /// closed (completed, no timers). 1: all open.
        var openEvery: Int
        /// Write the outbox and the audit trail a submit writes (four messages, 1 + 2 per need events).
        var history: Bool

        /// A million referrals as months of intake leave them: one in ten still open.
        static let intake = Shape(needs: 2, openEvery: 10, history: true)
        /// The restart figure (as measured since the third session): every referral open with one offer.
        static let open = Shape(needs: 1, openEvery: 1, history: true)
    }

    var count: Int
    var shape: Shape
    var contacts: [String]
    var adapters: [String]

    /// Starts schakeld once on `config` so that it creates and migrates its state database (the rows must fit the
    /// daemon's own schema), stops it, and fills the database in `stateDirectory`.
    func fill(
        stateDirectory: URL, daemon: URL, config: URL, endpoint: String, log: URL, context: ZMQContext,
        progress: (String) -> Void
    ) throws {
        let first = try DaemonProcess(executable: daemon, config: config, endpoint: endpoint, log: log)
        try first.waitUntilReady(context: context)
        _ = first.stop()
        try fill(database: stateDirectory.appendingPathComponent("schakel.sqlite").path, progress: progress)
    }

    /// Timers fall due from a month after now on, so none fires during a run.
    func fill(database path: String, progress: (String) -> Void) throws {
        var options = Database.Options()
        options.synchronous = .off
        let db = try Database(path: path, options: options)
        defer { try? db.close() }
        // A gigabyte of page cache: the random ids' indexes stay in memory, so filling stays linear.
        try db.execute("PRAGMA cache_size = -1048576")
        let body = String(decoding: SubmitFactory.body(externalID: "X", municipality: "GM0344"), as: UTF8.self)
        let at = RFC3339.format(Date())
        let due = Date().timeIntervalSince1970 + 30 * 86_400
        let domains = ["debt", "housing", "income", "care"]
        let chunk = 20_000
        var written = 0
        var timerSequence: Int64 = 0
        var eventSequence: Int64 = 0
        // The outbox's numbers, for its rows and the offers in handovers' rows alike.
        var outboxSequence: Int64 = 0
        func nextSeq() -> Int64 {
            outboxSequence += 1
            return outboxSequence
        }
        while written < count {
            try db.transaction {
                for i in written..<min(count, written + chunk) {
                    let open = i % shape.openEvery == 0
                    let ref = Self.id("ref")
                    let key = SQLValue.integer(Int64(i + 1))  // the database is new: keys start at 1
                    let adapter = adapters[i % adapters.count]
                    try db.run(
                        """
                        INSERT INTO referrals (referral_id, referral_key, organisation, external_id, urgency,
                                               municipality, body, state, created_at, updated_at, closed_at,
                                               citizen_code)
                        VALUES (?, ?, ?, ?, 'urgent', 'GM0344', ?, ?, ?, ?, ?, ?)
                        """,
                        [
                            .text(ref), key, .text(adapter), .text(Self.id("P")), .text(body),
                            .text(open ? "open" : "closed"), .text(at), .text(at), open ? .null : .text(at),
                            .text(Self.citizenCodeDigest()),
                        ])
                    // The referral's events, one row as the daemon writes a turn's (`event_log`, migration 14).
                    var events = shape.history ? [Self.event("submitted", at: at)] : []
                    // The referral's timers, one row as the daemon keeps them (`referral_timers`, migration 13):
                    // `[timer_id, due, sequence]` each.
                    var timers: [String] = []
                    for need in 0..<shape.needs {
                        let ho = Self.id("ho")
                        let contact = contacts[(i * shape.needs + need) % contacts.count]
                        try db.run(
                            """
                            INSERT INTO handovers (handover_id, referral_id, referral_key, need_index, domain,
                                                   contact, state, is_lead, ack_by, offered_at, created_at, updated_at,
                                                   offer_seq, offer_body, offer_confirmed_at)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                            [
                                .text(ho), .text(ref), key, .integer(Int64(need)), .text(domains[need % domains.count]),
                                .text(contact), .text(open ? "offered" : "completed"), .integer(need == 0 ? 1 : 0),
                                open ? .text(at) : .null, .text(at), .text(at), .text(at),
                                // The offer's HANDOVER, kept in the handover's row since migration 16, confirmed.
                                shape.history ? .integer(nextSeq()) : .null, shape.history ? .text("{}") : .null,
                                shape.history ? .text(at) : .null,
                            ])
                        if open {
                            for (kind, offset) in [("ack_reminder", 0.0), ("ack_expiry", 1.0)] {
                                timerSequence += 1
                                timers.append(
                                    "[\"\(ho):\(kind)\",\(due + Double(i % 86_400) + offset),\(timerSequence)]")
                            }
                        }
                        guard shape.history else { continue }
                        events.append(Self.event("offered", handover: ho, contact: contact, at: at))
                        events.append(Self.event("disclosed", handover: ho, contact: contact, at: at))
                        // Confirmed, as a connected peer leaves them: the bench's peers are not sent a million.
                        try message(db, seq: nextSeq(), to: adapter, "NOTICE", ref, key, handover: ho, at: at)
                    }
                    if !events.isEmpty {
                        eventSequence += Int64(events.count)
                        try db.run(
                            "INSERT INTO event_log (seq, referral_id, referral_key, entries) VALUES (?, ?, ?, ?)",
                            [
                                .integer(eventSequence), .text(ref), key,
                                .text("[" + events.joined(separator: ",") + "]"),
                            ])
                    }
                    if !timers.isEmpty {
                        try db.run(
                            "INSERT INTO referral_timers (referral_key, sequence, entries) VALUES (?, ?, ?)",
                            [key, .integer(timerSequence), .text("[" + timers.joined(separator: ",") + "]")])
                    }
                }
            }
            written = min(count, written + chunk)
            if written % 200_000 == 0 { progress("preload: \(written.formatted()) referrals written") }
        }
    }

    /// One entry of an `event_log` row: `[at, event, handover_id, contact, detail]`; the bench's ids need no escape.
    private static func event(_ event: String, handover: String? = nil, contact: String? = nil, at: String) -> String {
        let quoted = { (text: String?) in text.map { "\"\($0)\"" } ?? "null" }
        return "[\(quoted(at)),\(quoted(event)),\(quoted(handover)),\(quoted(contact)),null]"
    }

    private func message(
        _ db: Database, seq: Int64, to principal: String, _ command: String, _ ref: String, _ key: SQLValue,
        handover: String, at: String
    ) throws {
        // No message_id: since version 12 the daemon makes a message's id from its seq (SequenceIdentifier).
        try db.run(
            """
            INSERT INTO outbox (seq, principal, command, body, referral_id, referral_key, handover_id, created_at,
                                confirmed_at)
            VALUES (?, ?, ?, '{}', ?, ?, ?, ?, ?)
            """,
            [.integer(seq), .text(principal), .text(command), .text(ref), key, .text(handover), .text(at), .text(at)])
    }

    /// What the daemon keeps of a citizen code: 64 hex digits of a BLAKE2b digest, as random as the code. (A
    /// `cc-` and a UUID until part four: all of them sorted together, so the new referrals' real digests filled an
    /// index of their own, a few hundred hot pages, where a database of a million codes has a random page each.)
    private static func citizenCodeDigest() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return String((0..<64).map { _ in digits[Int(generator.next(upperBound: UInt8(16)))] })
    }

    /// The daemon's id format before issue 22 part four: a prefix and a random UUID.
    private static func id(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.lowercased())"
    }
}
