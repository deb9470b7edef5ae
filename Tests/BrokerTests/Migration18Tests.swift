import Foundation
import SchakelProtocol
import Sodium
import Storage
import Testing

@testable import Broker

/// Migration 18 (issue 22): the index of a contact's handovers, `(contact, state)`, gave way to `handovers_open`, the
/// open handovers keyed by their referral's key first, and the daemon knows which open handovers each contact holds
/// from memory (``OpenHandovers``). A database of version 17 keeps every handover; after the upgrade the start reads
/// who holds what, CASES, PENDING and the open offers read what they read before, and each of their statements, the
/// very text the store runs, finds its rows through an index, never by walking the handovers. On SQLite always; on
/// PostgreSQL too when `SCHAKEL_TEST_POSTGRESQL` names a server (make test-postgresql).
@Suite struct Migration18Tests {
    static let anna = "contact:schuldhulp-anna"
    static let carla = "contact:wonen-carla"
    static let at = "2026-11-23T09:00:00Z"

    /// Handovers of three referrals, written as version 17 had them: `(referral key, id, contact, state)`.
    static let handovers: [(key: Int64, id: String, contact: String?, state: String)] = [
        (1, "ho-1a", anna, "accepted"),
        (1, "ho-1b", carla, "offered"),
        (2, "ho-2a", anna, "expired"),  // let lapse, and re-routed to Anna again below
        (2, "ho-2b", anna, "offered"),
        (2, "ho-2c", anna, "contacted"),  // a second need of referral 2, to Anna too
        (3, "ho-3a", anna, "completed"),
        (3, "ho-3b", nil, "waiting"),
        (3, "ho-3c", carla, "declined"),
    ]

    static func writeVersion17Rows(_ db: any SQLDatabase) throws {
        for key: Int64 in [1, 2, 3] {
            try db.run(
                """
                INSERT INTO referrals (referral_id, referral_key, organisation, external_id, urgency, municipality,
                                       body, state, created_at, updated_at)
                VALUES (?, ?, 'org:huisarts-de-brug', ?, 'normal', 'GM0344', '', 'open', ?, ?)
                """, [.text("ref-\(key)"), .integer(key), .text("ext-\(key)"), .text(at), .text(at)])
        }
        for handover in handovers {
            try db.run(
                """
                INSERT INTO handovers (handover_id, referral_id, referral_key, need_index, domain, contact, state,
                                       created_at, updated_at)
                VALUES (?, ?, ?, 0, 'debt', ?, ?, ?, ?)
                """,
                [
                    .text(handover.id), .text("ref-\(handover.key)"), .integer(handover.key),
                    handover.contact.map { .text($0) } ?? .null, .text(handover.state), .text(at), .text(at),
                ])
        }
    }

    @Test(arguments: ReferralKeyMigrationTests.Engine.all)
    func aVersion17DatabaseKeepsWhoHoldsWhat(_ engine: ReferralKeyMigrationTests.Engine) throws {
        try engine.withDatabase(at: 17) { db, upgrade in
            try Self.writeVersion17Rows(db)
            let count = try db.queryOne("SELECT COUNT(*) AS n FROM handovers", [])?.int("n")

            try upgrade()

            #expect(try db.queryOne("SELECT COUNT(*) AS n FROM handovers", [])?.int("n") == count)
            let store = ReferralStore(db: db, keys: KeyRing(current: try SealingKey.generate(id: "k1")))
            try store.loadOpenHandovers()  // as a start does
            #expect(store.open.keys(of: Self.anna) == [1, 2])
            #expect(store.open.keys(of: Self.carla) == [1])
            #expect(store.open.counts == [Self.anna: 3, Self.carla: 1], "what matching balances on")

            #expect(try store.heldHandovers(of: Self.anna).map(\.handover.id).sorted() == ["ho-1a", "ho-2c"])
            #expect(try store.heldHandovers(of: Self.carla).isEmpty, "an offer is not a case yet")
            let pending = try store.pendingHandovers(heldBy: [Self.anna, Self.carla])
            #expect(
                pending.filter { $0.handover.contact != nil }.map(\.handover.id).sorted()
                    == ["ho-1a", "ho-1b", "ho-2b"])
            #expect(pending.filter { $0.handover.contact == nil }.map(\.handover.id) == ["ho-3b"])
            #expect(try store.openOffers().map(\.handoverID) == ["ho-1b", "ho-2b"], "oldest first")
        }
    }

    /// The statements' plans on SQLite: each finds its rows through an index, the start reads the index alone.
    @Test func everyReaderOfAContactsHandoversUsesAnIndexOnSQLite() throws {
        try ReferralKeyMigrationTests.Engine.all[0].withDatabase(at: 17) { db, upgrade in
            try upgrade()
            #expect(
                try db.query("SELECT name FROM sqlite_master WHERE name = 'handovers_by_contact'", []).isEmpty,
                "the index keyed by contact is gone")
            let keys = ReferralStore.jsonIntegers([1, 2])
            let statements: [(index: String, sql: String, arguments: [SQLValue])] = [
                (
                    "h USING INDEX handovers_by_referral (referral_key=?)",
                    ReferralStore.heldHandovers(.sqlite), [keys, .text(Self.anna)]
                ),
                (
                    "h USING INDEX handovers_by_referral (referral_key=?)",
                    ReferralStore.heldOffersAndHandovers(.sqlite), [keys, .text(Self.anna)]
                ),
                ("SCAN handovers USING COVERING INDEX handovers_open", ReferralStore.openHandoversAtStart, []),
                ("SCAN handovers USING INDEX handovers_open", ReferralStore.openOffers, []),
            ]
            for (index, sql, arguments) in statements {
                let plan = try db.query("EXPLAIN QUERY PLAN " + sql, arguments).compactMap { $0.string("detail") }
                #expect(plan.contains { $0.contains(index) }, "\(sql)\n\(plan)")
                #expect(!plan.contains { $0.hasPrefix("SCAN h ") || $0 == "SCAN h" }, "\(sql)\n\(plan)")
                #expect(!plan.contains { $0 == "SCAN handovers" }, "\(sql)\n\(plan)")
            }
        }
    }

    /// The same on PostgreSQL, on handovers of months (20,000 of 50 contacts, most of them closed, analyzed):
    /// without an index of their own, CASES and PENDING would read every handover ever made.
    @Test(arguments: ReferralKeyMigrationTests.Engine.all.dropFirst())
    func everyReaderOfAContactsHandoversUsesAnIndexOnPostgreSQL(_ engine: ReferralKeyMigrationTests.Engine) throws {
        try engine.withDatabase(at: 17) { db, upgrade in
            try upgrade()
            try db.run(
                """
                INSERT INTO referrals (referral_id, referral_key, organisation, external_id, urgency, municipality,
                                       body, state, created_at, updated_at)
                SELECT 'ref-' || g, g, 'org:huisarts-de-brug', 'ext-' || g, 'normal', 'GM0344', '', 'closed',
                       '2026-11-01T09:00:00Z', '2026-11-01T09:00:00Z'
                FROM generate_series(1, 20000) AS g
                """)
            try db.run(
                """
                INSERT INTO handovers (handover_id, referral_id, referral_key, need_index, domain, contact, state,
                                       created_at, updated_at)
                SELECT 'ho-' || g, 'ref-' || g, g, 0, 'debt', 'contact:filler-' || (g % 50),
                       CASE WHEN g % 20 = 0 THEN 'accepted' ELSE 'completed' END,
                       '2026-11-01T09:00:00Z', '2026-11-01T09:00:00Z'
                FROM generate_series(1, 20000) AS g
                """)
            try db.run("ANALYZE referrals")
            try db.run("ANALYZE handovers")
            let keys = ReferralStore.jsonIntegers([20, 40])
            let statements: [(indexes: [String], sql: String, arguments: [SQLValue])] = [
                (
                    ["handovers_by_referral", "handovers_open"], ReferralStore.heldHandovers(.postgresql),
                    [keys, .text("contact:filler-20")]
                ),
                (
                    ["handovers_by_referral", "handovers_open"], ReferralStore.heldOffersAndHandovers(.postgresql),
                    [keys, .text("contact:filler-20")]
                ),
                (["handovers_open"], ReferralStore.openHandoversAtStart, []),
                (["handovers_open"], ReferralStore.openOffers, []),
            ]
            for (indexes, sql, arguments) in statements {
                let plan = try db.query("EXPLAIN " + sql, arguments).compactMap { $0.string("QUERY PLAN") }
                #expect(
                    plan.contains { line in line.contains("Index") && indexes.contains { line.contains(" \($0) ") } },
                    "\(sql)\n\(plan)")
                #expect(!plan.contains { $0.contains("Seq Scan on handovers") }, "\(sql)\n\(plan)")
            }
        }
    }
}
