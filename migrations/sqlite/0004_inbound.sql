-- Notices (an unsubscribe confirmation, later the answers to replies) go through the outbox
-- too: a purpose 'notice:<what>' and the message made once when queued. SQLite cannot alter
-- a CHECK, so deliveries is copied into a new table (nothing references it yet).
CREATE TABLE deliveries_new (
    id           INTEGER PRIMARY KEY,
    circular_id  INTEGER NOT NULL REFERENCES circulars (id),
    member_id    INTEGER NOT NULL REFERENCES members (id),
    -- The committee it goes out for, fixed at creation: List-Id and layout never change.
    committee_id INTEGER NOT NULL REFERENCES committees (id),
    -- 'circular', 'reminder:<slot, RFC 3339 UTC>' for one reminder round, or
    -- 'notice:<what>' for a message to one member made when it was queued (raw).
    purpose      TEXT NOT NULL CHECK (purpose = 'circular' OR purpose LIKE 'reminder:%' OR purpose LIKE 'notice:%'),
    language     TEXT NOT NULL CHECK (language IN ('en', 'fr', 'es')),
    role         TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'deferred', 'failed', 'suppressed')),
    message_id   TEXT NOT NULL UNIQUE,
    attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    due_at       INTEGER NOT NULL,
    claimed_by   TEXT,
    lease_until  INTEGER,
    reply        TEXT,     -- the server's last answer, or why it could not be sent
    sent_at      TEXT,
    created_at   TEXT NOT NULL,
    -- The whole message, for notices, made once when queued.
    raw          BLOB,
    UNIQUE (circular_id, member_id, purpose),
    CHECK ((state = 'sending') = (claimed_by IS NOT NULL AND lease_until IS NOT NULL)),
    CHECK (state <> 'sent' OR sent_at IS NOT NULL),
    CHECK (state <> 'failed' OR reply IS NOT NULL),
    CHECK ((purpose LIKE 'notice:%') = (raw IS NOT NULL))
);
INSERT INTO deliveries_new (id, circular_id, member_id, committee_id, purpose, language, role, state,
    message_id, attempts, due_at, claimed_by, lease_until, reply, sent_at, created_at)
SELECT id, circular_id, member_id, committee_id, purpose, language, role, state,
    message_id, attempts, due_at, claimed_by, lease_until, reply, sent_at, created_at FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_due ON deliveries (state, due_at);
CREATE INDEX deliveries_circular ON deliveries (circular_id, purpose, state);

-- Mail coming back. inbound_messages (from 0001) keeps the raw bytes, stored before anything
-- reads them; these columns say when and how the message reached us and what was decided.
-- The same message seen twice (same Message-ID, '' when it has none, and same digest of the
-- bytes past the trace headers) is stored once: UNIQUE (message_id, digest) from 0001.

ALTER TABLE inbound_messages ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
-- Where received_at comes from: the IMAP INTERNALDATE, the topmost Received: header, the
-- file's modification time, or the moment it was stored.
ALTER TABLE inbound_messages ADD COLUMN time_source TEXT NOT NULL DEFAULT 'stored'
    CHECK (time_source IN ('internaldate', 'received', 'mtime', 'stored'));
-- The Date: header as written: the sender's claim, shown, not trusted.
ALTER TABLE inbound_messages ADD COLUMN date_header TEXT;
ALTER TABLE inbound_messages ADD COLUMN stored_at TEXT NOT NULL DEFAULT '';
-- What reading found wrong, comma-separated (not_mail, broken_mime, eight_bit_headers, ...).
ALTER TABLE inbound_messages ADD COLUMN faults TEXT NOT NULL DEFAULT '';
ALTER TABLE inbound_messages ADD COLUMN subject TEXT NOT NULL DEFAULT '';
-- How the member was found: reply_token, unsubscribe_token, bounce_token, in_reply_to, sender.
ALTER TABLE inbound_messages ADD COLUMN matched_by TEXT;
-- The delivery it answers (its Message-ID was in In-Reply-To/References, or its token).
ALTER TABLE inbound_messages ADD COLUMN delivery_id INTEGER REFERENCES deliveries (id);
-- JSON {"hard", "recipient", "status", "diagnostic"} for a bounce.
ALTER TABLE inbound_messages ADD COLUMN bounce TEXT;
-- JSON: the reasons behind the kinds and the match, shown by `inbound show`.
ALTER TABLE inbound_messages ADD COLUMN decision TEXT;
ALTER TABLE inbound_messages ADD COLUMN processed_at TEXT;

CREATE INDEX inbound_messages_status ON inbound_messages (status, id);
CREATE INDEX inbound_messages_circular ON inbound_messages (circular_id, id);

-- Each failed recipient of a bounce. A hard one raises the member's bounce score; soft ones
-- raise it only when enough of them come within some days, and older ones stop counting.
CREATE TABLE bounces (
    id          INTEGER PRIMARY KEY,
    inbound_id  INTEGER NOT NULL REFERENCES inbound_messages (id),
    member_id   INTEGER REFERENCES members (id),
    circular_id INTEGER REFERENCES circulars (id),
    email       TEXT NOT NULL,
    hard        INTEGER NOT NULL CHECK (hard IN (0, 1)),
    status      TEXT NOT NULL DEFAULT '',
    diagnostic  TEXT NOT NULL DEFAULT '',
    at          TEXT NOT NULL,
    -- A soft bounce already counted into the member's bounce score (see README, Bounces).
    counted     INTEGER NOT NULL DEFAULT 0 CHECK (counted IN (0, 1)),
    UNIQUE (inbound_id, email)
);
CREATE INDEX bounces_member ON bounces (member_id, at);
CREATE INDEX bounces_circular ON bounces (circular_id);

-- Every change of the suppressions, with who made it and why (kept apart from audit_log,
-- whose rows after a lists sync mean edits of the member lists).
CREATE TABLE suppression_log (
    id     INTEGER PRIMARY KEY,
    at     TEXT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('add', 'remove')),
    email  TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT ''
);
CREATE INDEX suppression_log_email ON suppression_log (email);
