import Deadlines
import Foundation
import SchakelProtocol
import Sodium
import Storage
import Testing

@testable import Broker

/// Migration 12 (issue 22): no index on a random id the broker makes itself. Message ids are made from the outbox's
/// seq: a message written before the upgrade keeps its random id, is delivered and confirmed under it; a new
/// message's id is made from its seq, its `message_id` column stays NULL, and its seq is past every seq ever handed
/// out. Timers are found under their referral's key. On SQLite always; on PostgreSQL too when
/// `SCHAKEL_TEST_POSTGRESQL` names a server (make test-postgresql).
@Suite struct Migration12Tests {
    static let anna = "contact:schuldhulp-anna"
    static let bram = "contact:wmo-bram"
    static let at = "2026-11-23T09:00:00Z"

    @Test(arguments: ReferralKeyMigrationTests.Engine.all)
    func aMessageFromBeforeTheUpgradeKeepsItsIdAndANewOneNeedsNoIndex(_ engine: ReferralKeyMigrationTests.Engine)
        throws
    {
        try engine.withDatabase(at: 11) { db, upgrade in
            for (id, principal) in [("msg-old-anna", Self.anna), ("msg-old-bram", Self.bram), ("msg-gone", Self.anna)] {
                try db.run(
                    """
                    INSERT INTO outbox (message_id, principal, command, body, created_at)
                    VALUES (?, ?, 'NOTICE', ?, ?)
                    """, [.text(id), .text(principal), .text("{\"message_id\":\"\(id)\"}"), .text(Self.at)])
            }
            // The newest message was deleted (an unseen offer, a purge): its seq may still never come back.
            try db.run("DELETE FROM outbox WHERE message_id = 'msg-gone'", [])

            try upgrade()

            let store = ReferralStore(db: db, keys: KeyRing(current: try SealingKey.generate(id: "k1")))
            try store.loadPendingMessages()  // as a start does
            let before = try store.pendingOutbox(for: Self.anna, afterSeq: 0, limit: 10).messages
            #expect(before.map(\.messageID) == ["msg-old-anna"])
            let new = try store.insertOutbox(to: Self.anna, referralID: nil, handoverID: nil, at: Self.at) {
                WireMessage(command: "NOTICE", body: ["message_id": .string($0)])
            }
            let pending = try store.pendingOutbox(for: Self.anna, afterSeq: 0, limit: 10).messages
            #expect(pending.map(\.messageID) == ["msg-old-anna", new.messageID])
            #expect(pending.last == new, "read back as it was written")
            #expect(
                pending.last.map { String(decoding: $0.body, as: UTF8.self) }
                    == "{\"message_id\":\"\(new.messageID)\"}")
            #expect(try #require(pending.last).seq > 3, "past the deleted message's seq")
            #expect(
                try db.queryOne("SELECT message_id FROM outbox WHERE seq = ?", [.integer(pending.last!.seq)])?
                    .string("message_id") == nil, "a new message's id is not stored")
            #expect(try store.unconfirmed(among: ["msg-old-anna", new.messageID, "msg-old-bram"]).count == 3)

            // Anna cannot confirm Bram's message; ids this key did not make confirm nothing.
            let forged = SequenceIdentifier.messages(try IdentifierCipher.generate()).id(pending.last!.seq)
            try store.confirm(["msg-old-bram", forged], from: Self.anna, at: Self.at)
            try store.confirm([forged], from: Self.bram, at: Self.at)
            #expect(try store.pendingOutbox(for: Self.anna, afterSeq: 0, limit: 10).messages.count == 2)
            #expect(try store.pendingOutbox(for: Self.bram, afterSeq: 0, limit: 10).messages.count == 1)

            try store.confirm(["msg-old-anna", new.messageID], from: Self.anna, at: Self.at)
            #expect(try store.pendingOutbox(for: Self.anna, afterSeq: 0, limit: 10).messages.isEmpty)
            #expect(try store.unconfirmed(among: ["msg-old-anna", new.messageID, "msg-old-bram"]) == ["msg-old-bram"])

            let onMessageID = try Self.indexes(of: "outbox", in: db).filter { $0.contains("message_id") }
            #expect(onMessageID.count == 1)
            #expect(
                onMessageID.allSatisfy { $0.contains("WHERE") }, "only the ids from before version 12: \(onMessageID)")
        }
    }

    /// A backup restored, or a start with the clock set back: no message id is ever made twice, and an id from the
    /// future the restore forgot confirms nothing.
    @Test(arguments: ReferralKeyMigrationTests.Engine.all)
    func aRestoredBackupNeverMakesAnIDTwice(_ engine: ReferralKeyMigrationTests.Engine) throws {
        try engine.withDatabase(at: 12) { db, upgrade in
            try upgrade()  // the store reads the newest schema
            let keys = KeyRing(current: try SealingKey.generate(id: "k1"))
            let started = Date(timeIntervalSince1970: 1_796_000_000)
            func send(_ store: ReferralStore) throws -> (id: String, seq: Int64) {
                let id = try store.insertOutbox(to: Self.anna, referralID: nil, handoverID: nil, at: Self.at) {
                    WireMessage(command: "NOTICE", body: ["message_id": .string($0)])
                }.messageID
                return (id, try #require(try store.messageIDs().sequence(of: id)))
            }
            let before = ReferralStore(db: db, keys: keys)
            try before.prepareMessageIDs(startedAt: started)
            let forgotten = try send(before)
            #expect(forgotten.seq > 1_796_000_000_000_000)

            // The backup was taken before that message: the restored database has neither it nor its number.
            try db.run("DELETE FROM outbox", [])
            if db.dialect == .sqlite {
                try db.run("UPDATE sqlite_sequence SET seq = 0 WHERE name = 'outbox'", [])
            } else {
                _ = try db.query("SELECT setval(pg_get_serial_sequence('outbox', 'seq'), 1, false)", [])
            }
            let after = ReferralStore(db: db, keys: keys)
            try after.prepareMessageIDs(startedAt: started.addingTimeInterval(1))
            let new = try send(after)
            #expect(new.id != forgotten.id && new.seq > forgotten.seq)
            try after.confirm([forgotten.id], from: Self.anna, at: Self.at)
            let pending = try after.pendingOutbox(for: Self.anna, afterSeq: 0, limit: 10).messages
            #expect(pending.map(\.messageID) == [new.id])

            let clockSetBack = ReferralStore(db: db, keys: keys)
            try clockSetBack.prepareMessageIDs(startedAt: started.addingTimeInterval(-3_600))
            #expect(try send(clockSetBack).seq > new.seq, "the sequence never goes down")
        }
    }

    /// Every index of `table`, as its definition; SQLite's indexes for a PRIMARY KEY or UNIQUE column have none,
    /// and are given as their columns in parentheses, such as `(timer_id)`.
    static func indexes(of table: String, in db: any SQLDatabase) throws -> [String] {
        let query =
            db.dialect == .sqlite
            ? """
            SELECT COALESCE(m.sql, '(' || (SELECT group_concat(i.name, ', ') FROM pragma_index_info(l.name) i) || ')')
                   AS definition
            FROM pragma_index_list('\(table)') l LEFT JOIN sqlite_master m ON m.type = 'index' AND m.name = l.name
            """
            : "SELECT indexdef AS definition FROM pg_indexes WHERE schemaname = 'public' AND tablename = '\(table)'"
        return try db.query(query, []).compactMap { $0.string("definition") }
    }

    /// The key is made once and kept: a second store on the same database makes the same ids.
    @Test func theIdentifierKeyIsMadeOnceAndKept() throws {
        try ReferralKeyMigrationTests.Engine(name: "sqlite").withDatabase(at: 12) { db, _ in
            let keys = KeyRing(current: try SealingKey.generate(id: "k1"))
            let first = try ReferralStore(db: db, keys: keys).messageIDs()
            let second = try ReferralStore(db: db, keys: keys).messageIDs()
            #expect(first.id(7) == second.id(7))
            #expect(
                try db.query("SELECT value FROM settings WHERE name = 'identifier_key'", []).count == 1)
        }
    }

    /// Timers written at version 11 (one per handover, one for the referral, two due at the same time) are found,
    /// replaced and ordered as before, now under their referral's key, and since version 13 in one row per referral:
    /// a due time with all its digits reads back as the same `Date`.
    @Test(arguments: ReferralKeyMigrationTests.Engine.all)
    func timersAreFoundUnderTheirReferralsKey(_ engine: ReferralKeyMigrationTests.Engine) throws {
        try engine.withDatabase(at: 11) { db, upgrade in
            for (key, referral, handover) in [(1, "ref-a", "ho-a"), (2, "ref-b", "ho-b")] as [(Int64, String, String)] {
                try db.run(
                    """
                    INSERT INTO referrals (referral_id, referral_key, organisation, external_id, urgency, municipality,
                                           body, state, created_at, updated_at)
                    VALUES (?, ?, 'org:huisarts-de-brug', ?, 'urgent', 'GM0344', '', 'open', ?, ?)
                    """, [.text(referral), .integer(key), .text(referral), .text(Self.at), .text(Self.at)])
                try db.run(
                    """
                    INSERT INTO handovers (handover_id, referral_id, referral_key, need_index, domain, contact, state,
                                           created_at, updated_at)
                    VALUES (?, ?, ?, 0, 'debt', ?, 'offered', ?, ?)
                    """,
                    [.text(handover), .text(referral), .integer(key), .text(Self.anna), .text(Self.at), .text(Self.at)])
            }
            for (id, referral, key, handover) in [
                ("ho-b:ack_expiry", "ref-b", 2, "ho-b"), ("ho-a:ack_expiry", "ref-a", 1, "ho-a"),
                ("ref-a:retention", "ref-a", 1, nil), ("ho-a:ack_reminder", "ref-a", 1, "ho-a"),
            ] as [(String, String, Int64, String?)] {
                try db.run(
                    """
                    INSERT INTO timers (timer_id, kind, referral_id, referral_key, handover_id, due_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(id), .text(String(id.split(separator: ":")[1])), .text(referral), .integer(key),
                        handover.map { .text($0) } ?? .null,
                        .real(handover == nil ? 50 : id.hasSuffix("reminder") ? Self.fineDue : 10),
                    ])
            }

            try upgrade()

            let store = ReferralStore(db: db, keys: KeyRing(current: try SealingKey.generate(id: "k1")))
            #expect(
                try store.firingOrder()
                    == ["ho-b:ack_expiry", "ho-a:ack_expiry", "ref-a:retention", "ho-a:ack_reminder"])
            #expect(
                try store.pendingTimers().first { $0.id == "ho-a:ack_reminder" }?.due
                    == Date(timeIntervalSince1970: Self.fineDue))
            let offer = try #require(try store.timer("ho-a:ack_expiry"))
            #expect(offer.kind == .ackExpiry && offer.referralID == "ref-a" && offer.handoverID == "ho-a")
            let retention = try #require(try store.timer("ref-a:retention"))
            #expect(retention.kind == .retention && retention.referralID == "ref-a" && retention.handoverID == nil)
            #expect(try store.timer("ho-c:ack_expiry") == nil)
            #expect(try store.timer("ho-a:retention") == nil)

            // Rescheduled: the same timer, due later, behind the other tie.
            try store.writeTimers(
                [.schedule(id: "ho-b:ack_expiry", due: Date(timeIntervalSince1970: 10))], key: 2, isNew: false)
            #expect(
                try store.firingOrder()
                    == ["ho-a:ack_expiry", "ho-b:ack_expiry", "ref-a:retention", "ho-a:ack_reminder"])

            // One row per referral, found by its key alone: no index on the timers' random ids.
            #expect(try db.query("SELECT referral_key FROM referral_timers", []).count == 2)
            let definitions = try Self.indexes(of: "referral_timers", in: db)
            #expect(definitions.allSatisfy { !$0.contains("timer_id") }, "\(definitions)")
            let view = try db.query(
                "SELECT kind, referral_id, handover_id FROM timers WHERE timer_id = 'ref-a:retention'", [])
            #expect(view.first?.string("kind") == "retention" && view.first?.string("referral_id") == "ref-a")
            #expect(view.count == 1 && view.first?.string("handover_id") == nil, "the view shows a referral's timer")
        }
    }

    /// A due time with more digits than SQLite's `%.15g` keeps (a fraction of a second from the system clock).
    static let fineDue = 1_765_000_000.123_456_7
}

extension ReferralStore {
    /// The pending outbox of a store whose messages are all stored whole (these tests write no offers, which the
    /// desk words again from their cases: ``pendingOutbox(for:afterSeq:limit:word:)``).
    fileprivate func pendingOutbox(for principal: String, afterSeq: Int64, limit: Int) throws -> (
        messages: [OutboxMessage], unreadable: [String]
    ) {
        try pendingOutbox(for: principal, afterSeq: afterSeq, limit: limit) { _, _, _, _ in nil }
    }
}
