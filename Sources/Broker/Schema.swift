import Storage

/// The database schema, one migration per `user_version`. Never edit a shipped migration:
/// add the next one.
enum Schema {
    static let migrations: [Migration] = [
        Migration(
            version: 1,
            sql: """
                CREATE TABLE referrals (
                    referral_id  TEXT PRIMARY KEY,
                    organisation TEXT NOT NULL,
                    external_id  TEXT NOT NULL,
                    urgency      TEXT NOT NULL,
                    municipality TEXT NOT NULL,
                    body         TEXT NOT NULL,   -- canonical JSON of the referral: personal data
                    state        TEXT NOT NULL,
                    created_at   TEXT NOT NULL,
                    updated_at   TEXT NOT NULL,
                    UNIQUE (organisation, external_id)  -- the idempotency key
                );

                CREATE TABLE handovers (
                    handover_id    TEXT PRIMARY KEY,
                    referral_id    TEXT NOT NULL REFERENCES referrals(referral_id),
                    need_index     INTEGER NOT NULL,
                    domain         TEXT NOT NULL,
                    contact        TEXT,           -- NULL when the need is unroutable
                    state          TEXT NOT NULL
                        CHECK (state IN ('offered', 'accepted', 'declined', 'unroutable')),
                    is_lead        INTEGER NOT NULL DEFAULT 0,
                    decline_reason TEXT,
                    created_at     TEXT NOT NULL,
                    updated_at     TEXT NOT NULL,
                    CHECK ((contact IS NULL) = (state = 'unroutable'))
                );
                CREATE INDEX handovers_by_referral ON handovers(referral_id, need_index);
                CREATE INDEX handovers_by_contact ON handovers(contact, state);

                -- The audit trail and the STATUS timeline: ids and states, never personal data.
                CREATE TABLE events (
                    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
                    referral_id TEXT NOT NULL REFERENCES referrals(referral_id),
                    at          TEXT NOT NULL,
                    event       TEXT NOT NULL,
                    handover_id TEXT,
                    contact     TEXT
                );
                CREATE INDEX events_by_referral ON events(referral_id, seq);
                CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
                    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
                CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
                    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

                -- Everything the broker owes a principal, written in the same transaction as the
                -- change that caused it; confirmed_at is set when the peer confirms it.
                CREATE TABLE outbox (
                    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
                    message_id   TEXT NOT NULL UNIQUE,
                    principal    TEXT NOT NULL,
                    command      TEXT NOT NULL,
                    body         TEXT NOT NULL,
                    referral_id  TEXT,
                    handover_id  TEXT,
                    created_at   TEXT NOT NULL,
                    confirmed_at TEXT
                );
                CREATE INDEX outbox_pending ON outbox(principal, seq) WHERE confirmed_at IS NULL;
                CREATE INDEX outbox_by_handover ON outbox(handover_id) WHERE handover_id IS NOT NULL;
                """),
        Migration(
            version: 2,
            sql: """
                -- Deadlines (issue 4): offers can expire, a need can end up with nobody (unowned),
                -- and every pending deadline is a row committed with the change that set it.
                CREATE TABLE handovers_v2 (
                    handover_id    TEXT PRIMARY KEY,
                    referral_id    TEXT NOT NULL REFERENCES referrals(referral_id),
                    need_index     INTEGER NOT NULL,
                    domain         TEXT NOT NULL,
                    contact        TEXT,           -- NULL when the need is unroutable or unowned
                    state          TEXT NOT NULL
                        CHECK (state IN ('offered', 'accepted', 'declined', 'unroutable', 'expired', 'unowned')),
                    is_lead        INTEGER NOT NULL DEFAULT 0,
                    decline_reason TEXT,
                    ack_by         TEXT,           -- RFC 3339, while offered
                    created_at     TEXT NOT NULL,
                    updated_at     TEXT NOT NULL,
                    CHECK ((contact IS NULL) = (state IN ('unroutable', 'unowned')))
                );
                INSERT INTO handovers_v2 (handover_id, referral_id, need_index, domain, contact, state, is_lead,
                                          decline_reason, created_at, updated_at)
                    SELECT handover_id, referral_id, need_index, domain, contact, state, is_lead,
                           decline_reason, created_at, updated_at FROM handovers ORDER BY rowid;
                DROP TABLE handovers;
                ALTER TABLE handovers_v2 RENAME TO handovers;
                CREATE INDEX handovers_by_referral ON handovers(referral_id, need_index);
                CREATE INDEX handovers_by_contact ON handovers(contact, state);

                CREATE TABLE timers (
                    timer_id    TEXT PRIMARY KEY,  -- kind:handover_id (handover_id:kind since migration 8)
                    kind        TEXT NOT NULL,
                    referral_id TEXT NOT NULL REFERENCES referrals(referral_id),
                    handover_id TEXT,
                    due_at      REAL NOT NULL      -- seconds since 1970; ties fire in rowid order
                );
                """),
        Migration(
            version: 3,
            sql: """
                -- After the acknowledgement (issue 4): first contact, nazorg and its outcome.
                CREATE TABLE handovers_v3 (
                    handover_id      TEXT PRIMARY KEY,
                    referral_id      TEXT NOT NULL REFERENCES referrals(referral_id),
                    need_index       INTEGER NOT NULL,
                    domain           TEXT NOT NULL,
                    contact          TEXT,
                    state            TEXT NOT NULL CHECK (state IN (
                        'offered', 'accepted', 'declined', 'unroutable', 'expired', 'unowned',
                        'contacted', 'completed')),
                    is_lead          INTEGER NOT NULL DEFAULT 0,
                    decline_reason   TEXT,
                    ack_by           TEXT,   -- RFC 3339 deadlines, each set while it is pending
                    contact_by       TEXT,
                    nazorg_at        TEXT,
                    answer_by        TEXT,
                    contacted_at     TEXT,
                    contact_channel  TEXT,
                    outcome          TEXT,   -- the first result recorded
                    outcome_referrer TEXT,   -- each party's own answer
                    outcome_contact  TEXT,
                    outcome_note     TEXT,   -- free text: may hold personal data, never logged
                    created_at       TEXT NOT NULL,
                    updated_at       TEXT NOT NULL,
                    CHECK ((contact IS NULL) = (state IN ('unroutable', 'unowned')))
                );
                INSERT INTO handovers_v3 (handover_id, referral_id, need_index, domain, contact, state, is_lead,
                                          decline_reason, ack_by, created_at, updated_at)
                    SELECT handover_id, referral_id, need_index, domain, contact, state, is_lead,
                           decline_reason, ack_by, created_at, updated_at FROM handovers ORDER BY rowid;
                DROP TABLE handovers;
                ALTER TABLE handovers_v3 RENAME TO handovers;
                CREATE INDEX handovers_by_referral ON handovers(referral_id, need_index);
                CREATE INDEX handovers_by_contact ON handovers(contact, state);
                """),
        Migration(
            version: 4,
            sql: """
                -- The social map (issue 3): a need can wait for a contact to come back or to have room (waiting,
                -- no contact yet), an offer can be withdrawn because its contact left the map (cancelled), and
                -- every offer keeps when it was made (fair rotation) and why it went where it went.
                CREATE TABLE handovers_v4 (
                    handover_id      TEXT PRIMARY KEY,
                    referral_id      TEXT NOT NULL REFERENCES referrals(referral_id),
                    need_index       INTEGER NOT NULL,
                    domain           TEXT NOT NULL,
                    contact          TEXT,
                    state            TEXT NOT NULL CHECK (state IN (
                        'offered', 'accepted', 'declined', 'unroutable', 'expired', 'unowned',
                        'contacted', 'completed', 'waiting', 'cancelled')),
                    is_lead          INTEGER NOT NULL DEFAULT 0,
                    decline_reason   TEXT,
                    ack_by           TEXT,
                    contact_by       TEXT,
                    nazorg_at        TEXT,
                    answer_by        TEXT,
                    contacted_at     TEXT,
                    contact_channel  TEXT,
                    outcome          TEXT,
                    outcome_referrer TEXT,
                    outcome_contact  TEXT,
                    outcome_note     TEXT,
                    offered_at       TEXT,   -- RFC 3339: when the contact was offered it (rotation)
                    explanation      TEXT,   -- canonical JSON: why it went to this contact (or waits)
                    created_at       TEXT NOT NULL,
                    updated_at       TEXT NOT NULL,
                    CHECK ((contact IS NULL) = (state IN ('unroutable', 'unowned', 'waiting')))
                );
                INSERT INTO handovers_v4 (handover_id, referral_id, need_index, domain, contact, state, is_lead,
                                          decline_reason, ack_by, contact_by, nazorg_at, answer_by, contacted_at,
                                          contact_channel, outcome, outcome_referrer, outcome_contact, outcome_note,
                                          offered_at, created_at, updated_at)
                    SELECT handover_id, referral_id, need_index, domain, contact, state, is_lead,
                           decline_reason, ack_by, contact_by, nazorg_at, answer_by, contacted_at,
                           contact_channel, outcome, outcome_referrer, outcome_contact, outcome_note,
                           CASE WHEN contact IS NULL THEN NULL ELSE created_at END, created_at, updated_at
                    FROM handovers ORDER BY rowid;
                DROP TABLE handovers;
                ALTER TABLE handovers_v4 RENAME TO handovers;
                CREATE INDEX handovers_by_referral ON handovers(referral_id, need_index);
                CREATE INDEX handovers_by_contact ON handovers(contact, state);
                CREATE INDEX handovers_waiting ON handovers(state) WHERE state = 'waiting';

                -- Declines that say the map is wrong about a contact, counted for `socialmap check --state-dir`.
                CREATE INDEX handovers_by_decline ON handovers(decline_reason) WHERE decline_reason IS NOT NULL;
                """),
        Migration(
            version: 5,
            sql: """
                -- Privacy (issue 5). Personal data is sealed at rest (referrals.body, handovers.outcome_note and
                -- HANDOVER bodies in the outbox hold `sb1:<key id>:...` values, sealed by the daemon, not by SQL);
                -- a referral can be withdrawn and its personal data purged; retention counts from closed_at.
                ALTER TABLE referrals ADD COLUMN closed_at TEXT;   -- RFC 3339: when it reached a final state
                ALTER TABLE referrals ADD COLUMN purged_at TEXT;   -- RFC 3339: personal data deleted (body '')
                ALTER TABLE referrals ADD COLUMN withdrawn_reason TEXT;

                -- A withdrawn referral's waiting or unowned need is cancelled without ever having had a contact.
                CREATE TABLE handovers_v5 (
                    handover_id      TEXT PRIMARY KEY,
                    referral_id      TEXT NOT NULL REFERENCES referrals(referral_id),
                    need_index       INTEGER NOT NULL,
                    domain           TEXT NOT NULL,
                    contact          TEXT,
                    state            TEXT NOT NULL CHECK (state IN (
                        'offered', 'accepted', 'declined', 'unroutable', 'expired', 'unowned',
                        'contacted', 'completed', 'waiting', 'cancelled')),
                    is_lead          INTEGER NOT NULL DEFAULT 0,
                    decline_reason   TEXT,
                    ack_by           TEXT,
                    contact_by       TEXT,
                    nazorg_at        TEXT,
                    answer_by        TEXT,
                    contacted_at     TEXT,
                    contact_channel  TEXT,
                    outcome          TEXT,
                    outcome_referrer TEXT,
                    outcome_contact  TEXT,
                    outcome_note     TEXT,   -- sealed: free text that may hold personal data
                    offered_at       TEXT,
                    explanation      TEXT,
                    created_at       TEXT NOT NULL,
                    updated_at       TEXT NOT NULL,
                    CHECK ((contact IS NULL) = (state IN ('unroutable', 'unowned', 'waiting')) OR state = 'cancelled')
                );
                INSERT INTO handovers_v5 SELECT * FROM handovers ORDER BY rowid;
                DROP TABLE handovers;
                ALTER TABLE handovers_v5 RENAME TO handovers;
                CREATE INDEX handovers_by_referral ON handovers(referral_id, need_index);
                CREATE INDEX handovers_by_contact ON handovers(contact, state);
                CREATE INDEX handovers_waiting ON handovers(state) WHERE state = 'waiting';
                CREATE INDEX handovers_by_decline ON handovers(decline_reason) WHERE decline_reason IS NOT NULL;

                -- The audit trail also records who received which personal data (event 'disclosed', the field
                -- names in detail) and every admin action, some of which concern no referral. Still append-only,
                -- still without personal data: ids, field names, counts.
                CREATE TABLE events_v5 (
                    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
                    referral_id TEXT REFERENCES referrals(referral_id),
                    at          TEXT NOT NULL,
                    event       TEXT NOT NULL,
                    handover_id TEXT,
                    contact     TEXT,   -- the contact concerned, or the principal who received data
                    detail      TEXT    -- canonical JSON: field names, admin arguments, counts
                );
                INSERT INTO events_v5 (seq, referral_id, at, event, handover_id, contact)
                    SELECT seq, referral_id, at, event, handover_id, contact FROM events ORDER BY seq;
                DROP TABLE events;
                ALTER TABLE events_v5 RENAME TO events;
                CREATE INDEX events_by_referral ON events(referral_id, seq);
                CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
                    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
                CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
                    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

                -- The daemon's own facts: 'sealed_under' names the key every sealed value is under, set when a
                -- re-seal pass completes and cleared when one starts, so a start need not scan to know.
                CREATE TABLE settings (
                    name  TEXT PRIMARY KEY,
                    value TEXT NOT NULL
                );

                CREATE INDEX timers_by_referral ON timers(referral_id);
                CREATE INDEX outbox_by_referral ON outbox(referral_id) WHERE referral_id IS NOT NULL;
                """),
        Migration(
            version: 6,
            sql: """
                -- The contact's card as the map had it when the handover was offered: a contact who leaves the map
                -- keeps the handovers they acknowledged, and STATUS must still say who holds them.
                ALTER TABLE handovers ADD COLUMN contact_card TEXT;  -- canonical JSON of the ContactCard
                """),
        Migration(
            version: 7,
            sql: """
                -- Every referral wrote two entries into this index at random places (handover ids are random), so
                -- each dirtied its own page: two of the twenty or so pages a referral adds to the log. The one
                -- query that used it finds an offer's message through the referral's few outbox rows instead.
                DROP INDEX outbox_by_handover;
                """),
        Migration(
            version: 8,
            sql: """
                -- Timer ids become subject:kind (they were kind:subject), so that a handover's reminder and expiry
                -- share a page of the primary key's index instead of dirtying one page each at random places.
                -- A kind never contains ':'; the subject (a handover or referral id) may not be assumed not to.
                UPDATE timers SET timer_id = substr(timer_id, length(kind) + 2) || ':' || kind
                WHERE timer_id = kind || ':' || substr(timer_id, length(kind) + 2);
                """),
        Migration(
            version: 9,
            sql: """
                -- How far a need nobody holds (waiting, unowned) has escalated (issue 23): each ESCALATION goes one
                -- level further, and a restart must go on from where it was.
                ALTER TABLE handovers ADD COLUMN escalation_level INTEGER NOT NULL DEFAULT 0;

                -- Needs that waited or were unowned before this version had no clock: they escalate at the first
                -- start (a timer due now), and from then on every escalate_every of the policy.
                INSERT OR IGNORE INTO timers (timer_id, kind, referral_id, handover_id, due_at)
                SELECT h.handover_id || ':escalation', 'escalation', h.referral_id, h.handover_id,
                       CAST(strftime('%s', 'now') AS REAL)
                FROM handovers h JOIN referrals r ON r.referral_id = h.referral_id
                WHERE h.state IN ('waiting', 'unowned') AND r.state <> 'withdrawn'
                  AND NOT EXISTS (SELECT 1 FROM handovers n WHERE n.referral_id = h.referral_id
                                  AND n.need_index = h.need_index AND n.rowid > h.rowid);
                """),
        Migration(
            version: 10,
            sql: """
                -- The citizen's own view (issue 20): the digest of the code the citizen was given, never the code.
                -- A purge sets it to NULL, so a code stops working with the personal data.
                ALTER TABLE referrals ADD COLUMN citizen_code TEXT;
                CREATE UNIQUE INDEX referrals_by_citizen_code ON referrals(citizen_code) WHERE citizen_code IS NOT NULL;
                """),
        Migration(version: 11, sql: sequentialReferralKeys(.sqlite)),
        Migration(
            version: 12,
            sql: """
                -- Issue 22, part two: no index on a random id the broker makes itself.
                -- Message ids made from seq (SequenceIdentifier): a new message's message_id stays NULL, and only
                -- the ids from before this version keep an index. SQLite cannot drop a NOT NULL or a
                -- UNIQUE from a column, so the table is copied; AUTOINCREMENT's high-water mark goes with it, so
                -- that no seq, and no id made from one, is ever handed out twice.
                CREATE TABLE outbox_v12 (
                    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
                    message_id   TEXT,   -- the random id of a message from before version 12; NULL since
                    principal    TEXT NOT NULL,
                    command      TEXT NOT NULL,
                    body         TEXT NOT NULL,
                    referral_id  TEXT,
                    referral_key BIGINT,
                    handover_id  TEXT,
                    created_at   TEXT NOT NULL,
                    confirmed_at TEXT
                );
                INSERT INTO outbox_v12 (seq, message_id, principal, command, body, referral_id, referral_key,
                                        handover_id, created_at, confirmed_at)
                SELECT seq, message_id, principal, command, body, referral_id, referral_key, handover_id, created_at,
                       confirmed_at
                FROM outbox ORDER BY seq;
                DELETE FROM sqlite_sequence WHERE name = 'outbox_v12';
                UPDATE sqlite_sequence SET name = 'outbox_v12' WHERE name = 'outbox';
                DROP TABLE outbox;
                ALTER TABLE outbox_v12 RENAME TO outbox;
                CREATE INDEX outbox_pending ON outbox(principal, seq) WHERE confirmed_at IS NULL;
                CREATE INDEX outbox_by_referral ON outbox(referral_key) WHERE referral_key IS NOT NULL;
                CREATE UNIQUE INDEX outbox_by_message_id ON outbox(message_id) WHERE message_id IS NOT NULL;

                -- A timer's id (handover_id:kind, referral_id:kind) is unique within its referral, and found by
                -- the referral's key: the index on the random id alone put each new timer on a page of its own. The
                -- rowids go with the rows, for the order of ties (pendingTimers).
                CREATE TABLE timers_v12 (
                    timer_id     TEXT NOT NULL,  -- handover_id:kind or referral_id:kind
                    kind         TEXT NOT NULL,
                    referral_id  TEXT NOT NULL REFERENCES referrals(referral_id),
                    referral_key BIGINT,
                    handover_id  TEXT,
                    due_at       REAL NOT NULL   -- seconds since 1970; ties fire in rowid order
                );
                INSERT INTO timers_v12 (rowid, timer_id, kind, referral_id, referral_key, handover_id, due_at)
                SELECT rowid, timer_id, kind, referral_id, referral_key, handover_id, due_at FROM timers;
                DROP TABLE timers;
                ALTER TABLE timers_v12 RENAME TO timers;
                CREATE UNIQUE INDEX timers_by_referral ON timers(referral_key, timer_id);
                """),
        Migration(version: 13, sql: timersPerReferral(.sqlite)),
        Migration(version: 14, sql: eventsPerTurn(.sqlite)),
        Migration(version: 15, sql: handoverChecksWithoutLists),
        Migration(version: 16, sql: offersInTheirHandovers(.sqlite)),
        Migration(version: 17, sql: waitingMessagesBySequence),
        Migration(version: 18, sql: openHandoversByReferral),
    ]

    /// The condition of an open handover (offered, accepted or contacted; ``HandoverState/isOpen``), as the partial
    /// index `handovers_open` is defined and as a query must say it for SQLite to use that index. Not an `IN` list:
    /// SQLite builds an ephemeral b-tree for one on every row written (``handoverChecksWithoutLists``).
    static let openHandover = "(state = 'offered' OR state = 'accepted' OR state = 'contacted')"

    /// Version 18 (issue 22) on either engine: the index of a contact's handovers, `(contact, state)`, gives way to
    /// one of the open handovers keyed by their referral's key first. Keyed by contact, a commit put its new entries
    /// on a page per contact and an ACK moved its entry on that page again (23% of a commit's pages); keyed by the
    /// referral's key, the newest entries share the last page. Its readers all wanted a contact's open handovers:
    /// the daemon keeps which those are in memory (``OpenHandovers``), read through this index at start, and reads
    /// their rows by their referrals' keys.
    static let openHandoversByReferral = """
        DROP INDEX handovers_by_contact;
        CREATE INDEX handovers_open ON handovers(referral_key, contact, state) WHERE \(openHandover);
        """

    /// Version 17 (issue 22) on either engine: the indexes of the messages waiting for a confirmation are keyed by
    /// `seq` first, not by principal. Keyed by principal, a commit put its new entries on a page per principal (a
    /// quarter of the pages it wrote, with 32 contacts and 64 adapters); keyed by `seq` they share the last page. The
    /// daemon finds a principal's waiting messages in memory (``PendingMessages``), read through these indexes at
    /// start.
    static let waitingMessagesBySequence = """
        DROP INDEX outbox_pending;
        CREATE INDEX outbox_pending ON outbox(seq, principal) WHERE confirmed_at IS NULL;
        DROP INDEX handovers_offers_pending;
        CREATE INDEX handovers_offers_pending ON handovers(offer_seq, contact)
            WHERE offer_seq IS NOT NULL AND offer_confirmed_at IS NULL;
        """

    /// Version 16 (issue 22) on either engine: an offer's HANDOVER is kept in its handover's row, not as a row of the
    /// outbox. Its body was already kept in part (``ReferralStore/keptPrefix``: what the case cannot word again),
    /// and a handover has at most one unconfirmed offer, the current one (every way out of `offered` settles it), so
    /// the row holds its `seq` (the message id is made from it, as for every outbox row), what was kept, and when it
    /// was confirmed. Two rows and two index entries fewer per referral of two needs. The partial index holds only
    /// the offers waiting for a confirmation, as `outbox_pending` does for the rest: small, and its newest entries
    /// share a page. Nothing is moved: HANDOVERs written before this version stay in the outbox, which is read as
    /// before, beside the handovers.
    static func offersInTheirHandovers(_ dialect: SQLDialect) -> String {
        let integer = dialect == .sqlite ? "INTEGER" : "BIGINT"
        return """
            ALTER TABLE handovers ADD COLUMN offer_seq \(integer);      -- the outbox seq of the offer's HANDOVER
            ALTER TABLE handovers ADD COLUMN offer_body TEXT;            -- what the outbox would have kept of it
            ALTER TABLE handovers ADD COLUMN offer_confirmed_at TEXT;    -- when its contact confirmed it, or it settled
            CREATE INDEX handovers_offers_pending ON handovers(contact, offer_seq)
                WHERE offer_seq IS NOT NULL AND offer_confirmed_at IS NULL;
            """
    }

    /// Version 11 (issue 22) on either engine: a referral's rows are found by a number that grows with
    /// every referral instead of by its random id. Each index keyed by the random id put a new referral's entries on
    /// a page of their own, so a referral dirtied one more page of the log per such index (handovers, events, outbox,
    /// timers), and more as the database grew; keyed by the number, the newest referrals share the last page. The
    /// random ids stay what the world sees: they are looked up once, in `referrals`, and the rest follows the key.
    /// `UPDATE … FROM` (SQLite 3.33 and later, PostgreSQL): a third faster than a subquery per row; on a million
    /// referrals the whole migration rewrites some 12 million rows and takes a minute or more (``StartupKeepalive``).
    static func sequentialReferralKeys(_ dialect: SQLDialect) -> String {
        """
        ALTER TABLE referrals ADD COLUMN referral_key BIGINT;
        UPDATE referrals SET referral_key = rowid;
        CREATE UNIQUE INDEX referrals_by_key ON referrals(referral_key);

        ALTER TABLE handovers ADD COLUMN referral_key BIGINT;
        UPDATE handovers SET referral_key = r.referral_key FROM referrals r WHERE r.referral_id = handovers.referral_id;
        DROP INDEX handovers_by_referral;
        CREATE INDEX handovers_by_referral ON handovers(referral_key, need_index);

        ALTER TABLE outbox ADD COLUMN referral_key BIGINT;
        UPDATE outbox SET referral_key = r.referral_key FROM referrals r WHERE r.referral_id = outbox.referral_id;
        DROP INDEX outbox_by_referral;
        CREATE INDEX outbox_by_referral ON outbox(referral_key) WHERE referral_key IS NOT NULL;

        ALTER TABLE timers ADD COLUMN referral_key BIGINT;
        UPDATE timers SET referral_key = r.referral_key FROM referrals r WHERE r.referral_id = timers.referral_id;
        DROP INDEX timers_by_referral;
        CREATE INDEX timers_by_referral ON timers(referral_key);

        ALTER TABLE events ADD COLUMN referral_key BIGINT;
        \(eventsAppendOnly(false, dialect))
        UPDATE events SET referral_key = r.referral_key FROM referrals r WHERE r.referral_id = events.referral_id;
        \(eventsAppendOnly(true, dialect))
        DROP INDEX events_by_referral;
        CREATE INDEX events_by_referral ON events(referral_key, seq);
        """
    }

    /// Version 13 (issue 22) on either engine: a referral's pending timers in one row under its key
    /// (``TimerEntries``), not one row each in a table with its own index: a referral with two offers wrote four rows
    /// into two b-trees, now one at the end of one. Each timer keeps its `rowid` as its sequence, the order of ties
    /// at start. The view `timers` shows them one per row, with the columns the table had, for operators and tests.
    static func timersPerReferral(_ dialect: SQLDialect) -> String {
        let (table, entries, view): (String, String, String)
        switch dialect {
        case .sqlite:
            table = "referral_key INTEGER PRIMARY KEY, sequence INTEGER NOT NULL, entries TEXT NOT NULL"
            // %!.17g (SQLite's printf keeps 16 digits without the !): a due time reads back as the very same double.
            entries = """
                '[' || group_concat('["' || timer_id || '",' || printf('%!.17g', due_at) || ',' || rowid || ']', ',')
                    || ']'
                """
            view = """
                SELECT t.referral_key, r.referral_id, e.value ->> 0 AS timer_id, e.value ->> 1 AS due_at,
                       e.value ->> 2 AS sequence
                FROM referral_timers t JOIN referrals r ON r.referral_key = t.referral_key, json_each(t.entries) e
                """
        case .postgresql:
            table = "referral_key BIGINT PRIMARY KEY, sequence BIGINT NOT NULL, entries TEXT NOT NULL"
            entries = "json_agg(json_build_array(timer_id, due_at, rowid) ORDER BY rowid)::text"
            view = """
                SELECT t.referral_key, r.referral_id, e ->> 0 AS timer_id, (e ->> 1)::double precision AS due_at,
                       (e ->> 2)::bigint AS sequence
                FROM referral_timers t JOIN referrals r ON r.referral_key = t.referral_key,
                     json_array_elements(t.entries::json) e
                """
        }
        let subject =
            dialect == .sqlite ? "substr(timer_id, 1, instr(timer_id, ':') - 1)" : "split_part(timer_id, ':', 1)"
        let kind = dialect == .sqlite ? "substr(timer_id, instr(timer_id, ':') + 1)" : "split_part(timer_id, ':', 2)"
        return """
            CREATE TABLE referral_timers (\(table));
            INSERT INTO referral_timers (referral_key, sequence, entries)
            SELECT referral_key, MAX(rowid), \(entries)
            FROM timers WHERE referral_key IS NOT NULL GROUP BY referral_key;
            DROP TABLE timers;
            CREATE VIEW timers AS
            SELECT referral_key, referral_id, timer_id, \(kind) AS kind, NULLIF(\(subject), referral_id) AS handover_id,
                   due_at, sequence
            FROM (\(view)) AS entries;
            """
    }

    /// Version 14 (issue 22) on either engine: the events one turn records for one referral in one row of
    /// `event_log`, not a row each: a SUBMIT's five events were five rows and five index entries, now one of each.
    /// A row's `seq` is the number of its last event and its events are numbered up to it, so every event keeps a
    /// number of its own that grows with every change (the event stream's ids, the signals' cursor), and the events
    /// from before this version keep theirs (each becomes a row of one). The view `events` shows them one per row with
    /// the old table's columns, and `row_seq`, the row's number, for readers that need the index: `seq > n` holds only
    /// where `row_seq > n`. `entries` is `[[at, event, handover_id, contact, detail], …]` (``EventEntries``). Like
    /// `referral_timers`, the table has no foreign key: a referral's row is never deleted, and the check cost a
    /// lookup in the random ids' index per row.
    static func eventsPerTurn(_ dialect: SQLDialect) -> String {
        let (table, entry, view, guards): (String, String, String, String)
        switch dialect {
        case .sqlite:
            table = "seq INTEGER PRIMARY KEY, referral_id TEXT, referral_key INTEGER, entries TEXT NOT NULL"
            entry = "json_array(json_array(at, event, handover_id, contact, detail))"
            view = """
                SELECT l.seq - json_array_length(l.entries) + 1 + e.key AS seq, l.seq AS row_seq, l.referral_id,
                       l.referral_key, e.value ->> 0 AS at, e.value ->> 1 AS event, e.value ->> 2 AS handover_id,
                       e.value ->> 3 AS contact, e.value ->> 4 AS detail
                FROM event_log l, json_each(l.entries) e
                """
            guards = """
                CREATE TRIGGER event_log_is_append_only_update BEFORE UPDATE ON event_log
                    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
                CREATE TRIGGER event_log_is_append_only_delete BEFORE DELETE ON event_log
                    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
                """
        case .postgresql:
            table = """
                seq BIGINT PRIMARY KEY, referral_id TEXT COLLATE "C", referral_key BIGINT, entries TEXT NOT NULL
                """
            entry = "json_build_array(json_build_array(at, event, handover_id, contact, detail))::text"
            // COLLATE "C" as the table's columns had: compared with the other tables' ids, ordered as SQLite orders.
            view = """
                SELECT l.seq - json_array_length(l.entries::json) + e.n AS seq, l.seq AS row_seq, l.referral_id,
                       l.referral_key, (e.v ->> 0) COLLATE "C" AS at, (e.v ->> 1) COLLATE "C" AS event,
                       (e.v ->> 2) COLLATE "C" AS handover_id, (e.v ->> 3) COLLATE "C" AS contact,
                       e.v ->> 4 AS detail
                FROM event_log l CROSS JOIN LATERAL json_array_elements(l.entries::json) WITH ORDINALITY AS e(v, n)
                """
            guards = """
                CREATE TRIGGER event_log_is_append_only BEFORE UPDATE OR DELETE ON event_log
                    FOR EACH ROW EXECUTE FUNCTION schakel_events_are_append_only();
                """
        }
        return """
            CREATE TABLE event_log (\(table));
            INSERT INTO event_log (seq, referral_id, referral_key, entries)
            SELECT seq, referral_id, referral_key, \(entry) FROM events ORDER BY seq;
            DROP TABLE events;
            CREATE INDEX event_log_by_referral ON event_log(referral_key, seq);
            \(guards)
            CREATE VIEW events AS \(view);
            """
    }

    /// Version 15 (issue 22): the checks on a handover's row as comparisons, and no foreign key. SQLite evaluates
    /// `state IN ('offered', …)` with more than two constants by building a temporary b-tree of them, afresh for
    /// every row the statement writes: two such checks were half the cost of inserting a handover (two b-trees
    /// opened, filled with thirteen entries and closed, per row), and again at every ACK. `state = 'offered' OR …`
    /// means the same for a column that is never NULL and costs a comparison each. The foreign key goes for the
    /// reason `event_log` and `referral_timers` never had one: a referral's row is never deleted, and the check
    /// looked the new row's referral up in the random ids' index.
    ///
    /// Neither change touches a stored row or an index, so the table is not copied (two million rows at a million
    /// referrals): its text in `sqlite_schema` is edited, SQLite's own procedure for dropping a CHECK or a FOREIGN
    /// KEY ("Making Other Kinds Of Table Schema Changes", lang_altertable.html), with the equivalent check put
    /// back in the same edit. Every row satisfies it, as it satisfied the old one. `RESET` makes this connection
    /// read the edited schema at once; other connections keep the old checks, which mean the same, until they
    /// next read it. The old text is the one migration 5 wrote (migrations never change), so the edit finds it on a
    /// database built by every migration (`Migration15Tests`); one whose table was edited by hand since is refused
    /// before anything is changed, since `replace` would silently leave its lists in place.
    static let handoverChecksWithoutLists: String = {
        func literal(_ text: String) -> String { "'" + String(text.flatMap { $0 == "'" ? ["'", "'"] : [$0] }) + "'" }
        let states = [
            "offered", "accepted", "declined", "unroutable", "expired", "unowned", "contacted", "completed",
            "waiting", "cancelled",
        ]
        let anyOf = { (names: ArraySlice<String>) in names.map { "state = '\($0)'" }.joined(separator: " OR ") }
        let edits = [
            (" REFERENCES referrals(referral_id)", ""),
            (
                "CHECK (state IN (\n        'offered', 'accepted', 'declined', 'unroutable', 'expired', 'unowned',"
                    + "\n        'contacted', 'completed', 'waiting', 'cancelled'))",
                "CHECK (\(anyOf(states[..<5]))\n        OR \(anyOf(states[5...])))"
            ),
            ("state IN ('unroutable', 'unowned', 'waiting')", "(\(anyOf(["unroutable", "unowned", "waiting"])))"),
        ]
        let edited = edits.reduce("sql") { "replace(\($0), \(literal($1.0)), \(literal($1.1)))" }
        let found = edits.map { "instr(sql, \(literal($0.0))) > 0" }.joined(separator: " AND ")
        return """
            CREATE TEMP TABLE migration_15 (found INTEGER CONSTRAINT "\(unexpectedHandoversText)" CHECK (found));
            INSERT INTO migration_15 SELECT \(found) FROM sqlite_schema WHERE type = 'table' AND name = 'handovers';
            DROP TABLE migration_15;
            PRAGMA writable_schema = ON;
            UPDATE sqlite_schema SET sql = \(edited) WHERE type = 'table' AND name = 'handovers';
            PRAGMA writable_schema = RESET;
            """
    }()

    /// Why migration 15 refuses a database: SQLite shows it as the name of the failed check.
    static let unexpectedHandoversText =
        "the handovers table is not as schema version 14 wrote it, so migration 15 cannot edit it; "
        + "restore the state directory from its backup, or ask the developers how to upgrade this one"

    /// The append-only guard on `events` set aside (`on` false) or back (a migration that fills a new column).
    private static func eventsAppendOnly(_ on: Bool, _ dialect: SQLDialect) -> String {
        switch (dialect, on) {
        case (.sqlite, false):
            return "DROP TRIGGER events_are_append_only_update;"
        case (.sqlite, true):
            return """
                CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
                    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
                """
        case (.postgresql, let on):
            return "ALTER TABLE events \(on ? "ENABLE" : "DISABLE") TRIGGER events_are_append_only;"
        }
    }
}
