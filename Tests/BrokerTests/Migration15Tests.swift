import Storage
import Testing

@testable import Broker

/// Migration 15 (issue 22): a handover's row is checked with comparisons instead of `IN` lists, which SQLite
/// evaluated by building a temporary b-tree for every row written, and has no foreign key. The checks refuse and
/// allow exactly what they did, the stored rows stay as they were, and the connection that migrated writes with the
/// new checks at once. On SQLite always; on PostgreSQL (which keeps its checks, and drops the foreign key) too when
/// `SCHAKEL_TEST_POSTGRESQL` names a server.
@Suite struct Migration15Tests {
    static let at = "2026-11-23T09:00:00Z"
    static let anna = "contact:schuldhulp-anna"
    static let states = [
        "offered", "accepted", "declined", "unroutable", "expired", "unowned", "contacted", "completed", "waiting",
        "cancelled", "bogus", "Offered", "",
    ]

    /// A row's state and contact, and the referral it names.
    struct Case: Equatable {
        var state: String
        var contact: String?
        var referral = "ref-a"
    }

    /// Every state (the schema's, and three it does not know) with and without a contact, and one row whose
    /// referral does not exist.
    static let cases: [Case] =
        states.flatMap { [Case(state: $0, contact: anna), Case(state: $0, contact: nil)] }
        + [Case(state: "offered", contact: anna, referral: "ref-nowhere")]

    /// What the checks have always meant (migration 5): a known state, and a contact exactly when the need has
    /// one (a cancelled need may or may not).
    static func allowed(_ row: Case) -> Bool {
        let known = states.prefix(10).contains(row.state)
        let withoutContact = ["unroutable", "unowned", "waiting"].contains(row.state)
        return known && ((row.contact == nil) == withoutContact || row.state == "cancelled")
    }

    /// Writes each case as a handover of its own, each in its own transaction, and says which were taken.
    static func written(_ db: any SQLDatabase, prefix: String) -> [Bool] {
        cases.enumerated().map { index, row in
            (try? db.writeTransaction {
                try db.run(
                    """
                    INSERT INTO handovers (handover_id, referral_id, referral_key, need_index, domain, contact, state,
                                           created_at, updated_at)
                    VALUES (?, ?, 1, ?, 'debt', ?, ?, ?, ?)
                    """,
                    [
                        .text("\(prefix)-\(index)"), .text(row.referral), .integer(Int64(index)),
                        row.contact.map { .text($0) } ?? .null, .text(row.state), .text(at), .text(at),
                    ])
            }) != nil
        }
    }

    static func rows(_ db: any SQLDatabase) throws -> [Row] {
        try db.query(
            """
            SELECT handover_id, referral_id, referral_key, need_index, domain, contact, state, created_at, updated_at
            FROM handovers ORDER BY handover_id
            """, [])
    }

    @Test(arguments: ReferralKeyMigrationTests.Engine.all)
    func theChecksRefuseWhatTheyRefusedAndTheRowsStay(_ engine: ReferralKeyMigrationTests.Engine) throws {
        try engine.withDatabase(at: 14) { db, upgrade in
            try db.run(
                """
                INSERT INTO referrals (referral_id, referral_key, organisation, external_id, urgency, municipality,
                                       body, state, created_at, updated_at)
                VALUES ('ref-a', 1, 'org:huisarts-de-brug', 'ext-a', 'urgent', 'GM0344', '', 'open', ?, ?)
                """, [.text(Self.at), .text(Self.at)])
            let before = Self.written(db, prefix: "v14")
            let expected = Self.cases.map(Self.allowed)
            // The one difference the migration means to make: the unknown referral's row is refused only before.
            #expect(before == expected.dropLast() + [false])
            #expect(before.filter { $0 }.count == 11, "the cases cover both outcomes")
            let stored = try Self.rows(db)

            try upgrade()

            #expect(try Self.rows(db) == stored, "no stored row changed")
            #expect(Self.written(db, prefix: "v15") == expected.dropLast() + [true])
        }
    }

    /// The migrating connection writes a handover without building a b-tree for a check (`OpenEphemeral`), the
    /// database is whole, and the table's text holds no `IN` list and no foreign key.
    @Test func aHandoverIsWrittenWithoutATemporaryTable() throws {
        try ReferralKeyMigrationTests.Engine.all[0].withDatabase(at: 14) { db, upgrade in
            func opcodes() throws -> [String] {
                try db.query(
                    """
                    EXPLAIN INSERT INTO handovers (handover_id, referral_id, referral_key, need_index, domain, contact,
                                                   state, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, Array(repeating: .null, count: 9)
                ).compactMap { $0.string("opcode") }
            }
            #expect(try opcodes().filter { $0 == "OpenEphemeral" }.count == 2, "the checks as version 14 had them")
            try upgrade()
            #expect(try !opcodes().contains("OpenEphemeral"))
            let table = try db.queryOne("SELECT sql FROM sqlite_schema WHERE name = 'handovers'", [])?.string("sql")
            #expect(table?.contains(" IN (") == false, "\(table ?? "")")
            #expect(table?.contains("REFERENCES") == false, "\(table ?? "")")
            #expect(try db.queryOne("PRAGMA integrity_check", [])?[0].string == "ok")
        }
    }

    /// A handovers table whose text is not the one version 14 wrote (edited by hand since) is refused with a sentence
    /// that says what to do, and nothing changes: `replace` alone would have left its lists and reported success.
    @Test func aTableEditedByHandIsRefusedAndLeftAsItWas() throws {
        try ReferralKeyMigrationTests.Engine.all[0].withDatabase(at: 14) { db, upgrade in
            try db.execute(
                """
                PRAGMA writable_schema = ON;
                UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (state IN (', 'CHECK (state  IN (')
                WHERE type = 'table' AND name = 'handovers';
                PRAGMA writable_schema = RESET;
                """)
            let table = { try db.queryOne("SELECT sql FROM sqlite_schema WHERE name = 'handovers'", [])?.string("sql") }
            let before = try table()
            #expect(before?.contains("state  IN (") == true)

            let error = #expect(throws: SQLiteError.self) { try upgrade() }
            #expect(error?.message.contains(Schema.unexpectedHandoversText) == true, "\(String(describing: error))")
            #expect(try table() == before)
            #expect(try db.queryOne("PRAGMA user_version", [])?[0].int == 14)
        }
    }
}
