-- The outbox as the sending workers use it (SQLite). Nothing wrote the first `deliveries` table, so it
-- is replaced. Times the workers compare (due_at, lease_until) are milliseconds since the
-- epoch by the database's clock, so that several daemons never depend on their own clocks
-- agreeing; times shown to people are RFC 3339 text in UTC. Its PostgreSQL twin is
-- migrations/postgres/0003_outbox.sql.

DROP TABLE deliveries;

CREATE TABLE deliveries (
    id           INTEGER PRIMARY KEY,
    circular_id  INTEGER NOT NULL REFERENCES circulars (id),
    member_id    INTEGER NOT NULL REFERENCES members (id),
    -- The committee it goes out for, fixed at creation: List-Id and layout never change.
    committee_id INTEGER NOT NULL REFERENCES committees (id),
    -- 'circular', or 'reminder:<slot, RFC 3339 UTC>' for one reminder round.
    purpose      TEXT NOT NULL CHECK (purpose = 'circular' OR purpose LIKE 'reminder:%'),
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
    UNIQUE (circular_id, member_id, purpose),
    CHECK ((state = 'sending') = (claimed_by IS NOT NULL AND lease_until IS NOT NULL)),
    CHECK (state <> 'sent' OR sent_at IS NOT NULL),
    CHECK (state <> 'failed' OR reply IS NOT NULL)
);
CREATE INDEX deliveries_due ON deliveries (state, due_at);
CREATE INDEX deliveries_circular ON deliveries (circular_id, purpose, state);

-- What a circular's members receive is fixed when its sending starts: the files then read
-- (circular folder, layout, automatic mails) are kept here, and later changes are not sent.
ALTER TABLE circulars ADD COLUMN send_at_override TEXT;  -- `circulars schedule --at`
ALTER TABLE circulars ADD COLUMN started_at TEXT;
ALTER TABLE circulars ADD COLUMN finished_at TEXT;
ALTER TABLE circulars ADD COLUMN last_round TEXT;        -- slot of the last reminder round
ALTER TABLE circulars ADD COLUMN snapshot TEXT;          -- JSON {path: base64}
ALTER TABLE circulars ADD COLUMN snapshot_digest TEXT;

-- Permanent failures raise it; past `[smtp] bounce_threshold` the address is suppressed.
ALTER TABLE members ADD COLUMN bounce_score INTEGER NOT NULL DEFAULT 0;

-- Who holds a role among several daemons (the scheduler), until when (database clock, ms).
CREATE TABLE leases (
    name     TEXT PRIMARY KEY,
    holder   TEXT NOT NULL,
    until_ms INTEGER NOT NULL
);
