-- A schakel database at schema v4 (before encryption at rest): one referral, its personal data in the clear.
-- Generated from the v1-v4 migrations of Sources/Broker/Schema.swift; the upgrade test loads it.
PRAGMA foreign_keys = OFF;
CREATE TABLE events (
                    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
                    referral_id TEXT NOT NULL REFERENCES referrals(referral_id),
                    at          TEXT NOT NULL,
                    event       TEXT NOT NULL,
                    handover_id TEXT,
                    contact     TEXT
                );
INSERT INTO "events" VALUES(1,'ref-00000000-0000-4000-8000-000000000001','2026-11-23T08:00:00Z','submitted',NULL,NULL);
INSERT INTO "events" VALUES(2,'ref-00000000-0000-4000-8000-000000000001','2026-11-23T08:00:00Z','offered','ho-00000000-0000-4000-8000-000000000001','contact:schuldhulp-anna');
INSERT INTO "events" VALUES(3,'ref-00000000-0000-4000-8000-000000000001','2026-11-23T08:00:00Z','offered','ho-00000000-0000-4000-8000-000000000002','contact:wonen-bram');
INSERT INTO "events" VALUES(4,'ref-00000000-0000-4000-8000-000000000001','2026-11-23T08:00:00Z','acknowledged','ho-00000000-0000-4000-8000-000000000001','contact:schuldhulp-anna');
CREATE TABLE "handovers" (
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
INSERT INTO "handovers" VALUES('ho-00000000-0000-4000-8000-000000000001','ref-00000000-0000-4000-8000-000000000001',0,'debt','contact:schuldhulp-anna','accepted',1,NULL,NULL,'2026-11-30T08:00:00Z','2027-01-18T08:00:00Z',NULL,NULL,NULL,NULL,NULL,NULL,'Mevrouw El Amrani belde terug','2026-11-23T08:00:00Z',NULL,'2026-11-23T08:00:00Z','2026-11-23T08:30:00Z');
INSERT INTO "handovers" VALUES('ho-00000000-0000-4000-8000-000000000002','ref-00000000-0000-4000-8000-000000000001',1,'housing','contact:wonen-bram','offered',0,NULL,'2026-11-26T08:00:00Z',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'2026-11-23T08:00:00Z',NULL,'2026-11-23T08:00:00Z','2026-11-23T08:00:00Z');
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
INSERT INTO "outbox" VALUES(1,'msg-00000000-0000-4000-8000-000000000002','contact:wonen-bram','HANDOVER','{"ack_by":"2026-11-26T08:00:00Z","citizen":{"language":"nl","municipality":"GM0344","preferred_channel":"phone"},"handover_id":"ho-00000000-0000-4000-8000-000000000002","lead":false,"life_event":"dreigende huisuitzetting","message_id":"msg-00000000-0000-4000-8000-000000000002","need":{"domain":"housing","index":1,"summary":"Ontruiming voorkomen; zo nodig een andere woning."},"offered_at":"2026-11-23T08:00:00Z","referral_id":"ref-00000000-0000-4000-8000-000000000001","referrer":{"organisation":"org:huisarts-de-brug","organisation_name":"Huisartsenpraktijk De Brug"},"urgency":"urgent"}','ref-00000000-0000-4000-8000-000000000001','ho-00000000-0000-4000-8000-000000000002','2026-11-23T08:00:00Z',NULL);
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
INSERT INTO "referrals" VALUES('ref-00000000-0000-4000-8000-000000000001','org:huisarts-de-brug','HDB-2026-0042','urgent','GM0344','{"citizen":{"display_name":"Fatima El Amrani","language":"nl","municipality":"GM0344","phone":"+31 6 0000 1234","postcode":"3511 AB","preferred_channel":"phone"},"consent":{"given_at":"2026-11-23T09:30:00+01:00","recorded_by":"Dr. M. de Jong","share_with":["domain:debt","domain:housing"]},"external_id":"HDB-2026-0042","life_event":"dreigende huisuitzetting","needs":[{"domain":"debt","summary":"Een betalingsregeling voor de huurachterstand en hulp bij de post."},{"domain":"housing","summary":"Ontruiming voorkomen; zo nodig een andere woning."}],"note":"Mevrouw is het best bereikbaar na 15:00.","referrer":{"email":"m.dejong@huisarts-de-brug.example","name":"Dr. M. de Jong","phone":"+31 30 000 2001","role":"huisarts"},"urgency":"urgent"}','accepted','2026-11-23T08:00:00Z','2026-11-23T08:30:00Z');
CREATE TABLE timers (
                    timer_id    TEXT PRIMARY KEY,  -- kind:handover_id
                    kind        TEXT NOT NULL,
                    referral_id TEXT NOT NULL REFERENCES referrals(referral_id),
                    handover_id TEXT,
                    due_at      REAL NOT NULL      -- seconds since 1970; ties fire in rowid order
                );
INSERT INTO "timers" VALUES('ack_expiry:ho-00000000-0000-4000-8000-000000000002','ack_expiry','ref-00000000-0000-4000-8000-000000000001','ho-00000000-0000-4000-8000-000000000002',1796025600.0);
CREATE INDEX events_by_referral ON events(referral_id, seq);
CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
                    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
                    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE INDEX outbox_pending ON outbox(principal, seq) WHERE confirmed_at IS NULL;
CREATE INDEX outbox_by_handover ON outbox(handover_id) WHERE handover_id IS NOT NULL;
CREATE INDEX handovers_by_referral ON handovers(referral_id, need_index);
CREATE INDEX handovers_by_contact ON handovers(contact, state);
CREATE INDEX handovers_waiting ON handovers(state) WHERE state = 'waiting';
CREATE INDEX handovers_by_decline ON handovers(decline_reason) WHERE decline_reason IS NOT NULL;
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('events',4);
INSERT INTO "sqlite_sequence" VALUES('outbox',1);
PRAGMA user_version = 4;
