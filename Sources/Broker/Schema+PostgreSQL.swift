import Storage

/// The same tables on PostgreSQL (issue 21): the meaning of SQLite's schema at the same version, spelt for
/// PostgreSQL. Every later SQLite migration gets its PostgreSQL twin here under the same version number, so
/// ``Schema/migrations`` and ``Schema/postgresqlMigrations`` always end at the same version.
///
/// What differs, and why:
/// - `rowid` is an identity column (SQLite gives every table one); the store orders by it (insertion order) and the
///   re-seal pass walks it. The timers' `rowid` was a plain sequence, so that a rescheduled timer could take a new
///   one, as SQLite's `INSERT OR REPLACE` gave it; since version 13 a timer's order is its own `sequence`.
/// - Text is `COLLATE "C"`: ids and RFC 3339 times compare byte by byte, as in SQLite, whatever the cluster's locale.
/// - Numbers are `BIGINT` and `DOUBLE PRECISION`, SQLite's integers and reals.
extension Schema {
    static let postgresqlMigrations: [Migration] = [
        Migration(
            version: 10,
            sql: """
                CREATE TABLE referrals (
                    rowid            BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
                    referral_id      TEXT COLLATE "C" PRIMARY KEY,
                    organisation     TEXT COLLATE "C" NOT NULL,
                    external_id      TEXT COLLATE "C" NOT NULL,
                    urgency          TEXT COLLATE "C" NOT NULL,
                    municipality     TEXT COLLATE "C" NOT NULL,
                    body             TEXT NOT NULL,   -- sealed canonical JSON of the referral: personal data
                    state            TEXT COLLATE "C" NOT NULL,
                    created_at       TEXT COLLATE "C" NOT NULL,
                    updated_at       TEXT COLLATE "C" NOT NULL,
                    closed_at        TEXT COLLATE "C",
                    purged_at        TEXT COLLATE "C",
                    withdrawn_reason TEXT COLLATE "C",
                    citizen_code     TEXT COLLATE "C",
                    UNIQUE (organisation, external_id)
                );
                CREATE UNIQUE INDEX referrals_by_citizen_code ON referrals(citizen_code) WHERE citizen_code IS NOT NULL;

                CREATE TABLE handovers (
                    rowid            BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
                    handover_id      TEXT COLLATE "C" PRIMARY KEY,
                    referral_id      TEXT COLLATE "C" NOT NULL REFERENCES referrals(referral_id),
                    need_index       BIGINT NOT NULL,
                    domain           TEXT COLLATE "C" NOT NULL,
                    contact          TEXT COLLATE "C",
                    state            TEXT COLLATE "C" NOT NULL CHECK (state IN (
                        'offered', 'accepted', 'declined', 'unroutable', 'expired', 'unowned',
                        'contacted', 'completed', 'waiting', 'cancelled')),
                    is_lead          BIGINT NOT NULL DEFAULT 0,
                    decline_reason   TEXT COLLATE "C",
                    ack_by           TEXT COLLATE "C",
                    contact_by       TEXT COLLATE "C",
                    nazorg_at        TEXT COLLATE "C",
                    answer_by        TEXT COLLATE "C",
                    contacted_at     TEXT COLLATE "C",
                    contact_channel  TEXT COLLATE "C",
                    outcome          TEXT COLLATE "C",
                    outcome_referrer TEXT COLLATE "C",
                    outcome_contact  TEXT COLLATE "C",
                    outcome_note     TEXT,   -- sealed: free text that may hold personal data
                    offered_at       TEXT COLLATE "C",
                    explanation      TEXT,
                    created_at       TEXT COLLATE "C" NOT NULL,
                    updated_at       TEXT COLLATE "C" NOT NULL,
                    contact_card     TEXT,
                    escalation_level BIGINT NOT NULL DEFAULT 0,
                    CHECK ((contact IS NULL) = (state IN ('unroutable', 'unowned', 'waiting')) OR state = 'cancelled')
                );
                CREATE INDEX handovers_by_referral ON handovers(referral_id, need_index);
                CREATE INDEX handovers_by_contact ON handovers(contact, state);
                CREATE INDEX handovers_waiting ON handovers(state) WHERE state = 'waiting';
                CREATE INDEX handovers_by_decline ON handovers(decline_reason) WHERE decline_reason IS NOT NULL;

                -- The audit trail: append-only, without personal data.
                CREATE TABLE events (
                    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    referral_id TEXT COLLATE "C" REFERENCES referrals(referral_id),
                    at          TEXT COLLATE "C" NOT NULL,
                    event       TEXT COLLATE "C" NOT NULL,
                    handover_id TEXT COLLATE "C",
                    contact     TEXT COLLATE "C",
                    detail      TEXT
                );
                CREATE INDEX events_by_referral ON events(referral_id, seq);
                CREATE FUNCTION schakel_events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN RAISE EXCEPTION 'events are append-only'; END $$;
                CREATE TRIGGER events_are_append_only BEFORE UPDATE OR DELETE ON events
                    FOR EACH ROW EXECUTE FUNCTION schakel_events_are_append_only();

                CREATE TABLE outbox (
                    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    message_id   TEXT COLLATE "C" NOT NULL UNIQUE,
                    principal    TEXT COLLATE "C" NOT NULL,
                    command      TEXT COLLATE "C" NOT NULL,
                    body         TEXT NOT NULL,
                    referral_id  TEXT COLLATE "C",
                    handover_id  TEXT COLLATE "C",
                    created_at   TEXT COLLATE "C" NOT NULL,
                    confirmed_at TEXT COLLATE "C"
                );
                CREATE INDEX outbox_pending ON outbox(principal, seq) WHERE confirmed_at IS NULL;
                CREATE INDEX outbox_by_referral ON outbox(referral_id) WHERE referral_id IS NOT NULL;

                CREATE SEQUENCE timers_rowid_seq;
                CREATE TABLE timers (
                    rowid       BIGINT NOT NULL DEFAULT nextval('timers_rowid_seq'),
                    timer_id    TEXT COLLATE "C" PRIMARY KEY,
                    kind        TEXT COLLATE "C" NOT NULL,
                    referral_id TEXT COLLATE "C" NOT NULL REFERENCES referrals(referral_id),
                    handover_id TEXT COLLATE "C",
                    due_at      DOUBLE PRECISION NOT NULL
                );
                ALTER SEQUENCE timers_rowid_seq OWNED BY timers.rowid;
                CREATE INDEX timers_by_referral ON timers(referral_id);

                CREATE TABLE settings (
                    name  TEXT COLLATE "C" PRIMARY KEY,
                    value TEXT NOT NULL
                );

                -- Which daemon is active (StateLease.swift): one row; the token grows by one at every takeover, and
                -- every write transaction of the active daemon first proves that it still holds it.
                CREATE TABLE schakel_lease (
                    id         INTEGER PRIMARY KEY CHECK (id = 1),
                    holder     TEXT NOT NULL,
                    token      BIGINT NOT NULL,
                    expires_at TIMESTAMPTZ NOT NULL
                );
                INSERT INTO schakel_lease (id, holder, token, expires_at) VALUES (1, '', 0, '-infinity');
                """),
        Migration(version: 11, sql: sequentialReferralKeys(.postgresql)),
        Migration(
            version: 12,
            sql: """
                -- Issue 22, part two: no index on a random id the broker makes itself (Schema.swift, version 12).
                ALTER TABLE outbox ALTER COLUMN message_id DROP NOT NULL;
                ALTER TABLE outbox DROP CONSTRAINT outbox_message_id_key;
                CREATE UNIQUE INDEX outbox_by_message_id ON outbox(message_id) WHERE message_id IS NOT NULL;
                ALTER TABLE timers DROP CONSTRAINT timers_pkey;
                ALTER TABLE timers ALTER COLUMN timer_id SET NOT NULL;
                DROP INDEX timers_by_referral;
                CREATE UNIQUE INDEX timers_by_referral ON timers(referral_key, timer_id);
                """),
        Migration(version: 13, sql: timersPerReferral(.postgresql)),
        Migration(version: 14, sql: eventsPerTurn(.postgresql)),
        Migration(
            version: 15,
            sql: """
                -- Issue 22 (Schema.swift, version 15): no foreign key on a handover's referral. PostgreSQL checks a
                -- CHECK's IN list without building anything, so the checks stay as they are.
                ALTER TABLE handovers DROP CONSTRAINT handovers_referral_id_fkey;
                """),
        Migration(version: 16, sql: offersInTheirHandovers(.postgresql)),
        Migration(version: 17, sql: waitingMessagesBySequence),
        Migration(version: 18, sql: openHandoversByReferral),
    ]

    /// The schema version of a PostgreSQL database; 0 for one without Schakel's schema table yet.
    static func postgresqlVersion(_ db: any SQLDatabase) -> Int {
        (try? db.queryOne("SELECT MAX(version) AS version FROM schakel_schema", [])?.int("version")) ?? 0
    }

    /// Brings a PostgreSQL database to the newest version, in one transaction per migration. Several daemons may
    /// start at once on one database (an active and its standbys): an advisory lock makes them take turns, and each
    /// reads the version again under it.
    /// `newest` stops at an older version (a test of the next migration on that version's rows).
    static func migratePostgreSQL(_ db: any SQLDatabase, upTo newest: Int = .max) throws {
        try db.execute("CREATE TABLE IF NOT EXISTS schakel_schema (version BIGINT NOT NULL)")
        for migration in postgresqlMigrations where migration.version <= newest {
            try db.writeTransaction {
                _ = try db.queryOne("SELECT pg_advisory_xact_lock(\(migrationLock))", [])
                let version = try db.queryOne("SELECT MAX(version) AS version FROM schakel_schema", [])?.int("version")
                guard (version ?? 0) < migration.version else { return }
                if version == nil, migration.version != postgresqlMigrations[0].version {
                    throw StartupError("the PostgreSQL database has no Schakel schema and no first migration")
                }
                try db.execute(migration.sql)
                try db.run("DELETE FROM schakel_schema", [])
                try db.run("INSERT INTO schakel_schema (version) VALUES (?)", [.integer(Int64(migration.version))])
            }
        }
    }

    /// Whether the server behind `db` takes no writes (a standby that is not promoted): for `--check-config`.
    static func isReadOnly(_ db: any SQLDatabase) throws -> Bool {
        try db.queryOne("SELECT current_setting('transaction_read_only') AS ro", [])?.string("ro") == "on"
    }

    /// Up to three tables (views included) in the database's current schema that no extension made, for a
    /// database without Schakel's schema: another application's. Migrating there would mix Schakel's tables with
    /// theirs or fail halfway on a name both use (`referrals`), and leave `schakel_schema` behind; a start refuses
    /// instead (the counterpart of SQLite's "file is not a database"). Several daemons starting on one fresh
    /// database cannot see each other's tables here: the first creates `schakel_schema` before any other.
    static func foreignTables(_ db: any SQLDatabase) throws -> [String] {
        try db.query(
            """
            SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
            ORDER BY c.relname LIMIT 3
            """, []
        ).compactMap { $0.string("name") }
    }

    /// Whether a daemon already made the schema in this database.
    static func isMade(_ db: any SQLDatabase) throws -> Bool {
        try db.queryOne("SELECT to_regclass('schakel_schema') IS NOT NULL AS made", [])?.bool("made") == true
    }

    /// The advisory lock the migrations take: any fixed number, the same in every daemon.
    static let migrationLock: Int64 = 0x5343_4841_4B45_4C31  // "SCHAKEL1"
}
