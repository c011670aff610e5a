-- The whole schema of circulars (SQLite). Timestamps are RFC 3339 text in UTC; flags are
-- integers 0/1 (portable through sqlx's Any driver). Its PostgreSQL twin is
-- migrations/postgres/0001_initial.sql.

CREATE TABLE committees (
    id       INTEGER PRIMARY KEY,
    slug     TEXT NOT NULL UNIQUE,
    language TEXT NOT NULL CHECK (language IN ('en', 'fr', 'es')),
    name_en  TEXT NOT NULL,
    name_fr  TEXT NOT NULL,
    name_es  TEXT NOT NULL
);

-- One row per address, ever: removing someone from a list keeps the row and its history.
CREATE TABLE members (
    id           INTEGER PRIMARY KEY,
    email        TEXT NOT NULL UNIQUE, -- local part as written, domain lower-case Unicode
    name         TEXT NOT NULL DEFAULT '',
    position     TEXT NOT NULL DEFAULT '',
    organisation TEXT NOT NULL DEFAULT '',
    city         TEXT NOT NULL DEFAULT '',
    country      TEXT NOT NULL DEFAULT '',
    language     TEXT CHECK (language IN ('en', 'fr', 'es')),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE TABLE memberships (
    committee_id INTEGER NOT NULL REFERENCES committees (id),
    member_id    INTEGER NOT NULL REFERENCES members (id),
    role         TEXT NOT NULL DEFAULT 'member',
    PRIMARY KEY (committee_id, member_id)
);
CREATE INDEX memberships_member ON memberships (member_id);

-- Every edit of the member lists: who, when, what before, what after (JSON).
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL CHECK (action IN ('member.create', 'member.update', 'membership.add', 'membership.update', 'membership.remove', 'committee.upsert')),
    subject    TEXT NOT NULL,
    before     TEXT,
    after      TEXT
);
CREATE INDEX audit_log_subject ON audit_log (subject);

-- Addresses that get no more mail.
CREATE TABLE suppressions (
    email  TEXT PRIMARY KEY,
    reason TEXT NOT NULL CHECK (reason IN ('unsubscribe', 'hard_bounce', 'manual')),
    at     TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT ''
);

CREATE TABLE circulars (
    id         INTEGER PRIMARY KEY,
    number     INTEGER NOT NULL UNIQUE,
    slug       TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'sending', 'sent', 'cancelled')),
    send_at    TEXT,
    deadline   TEXT,
    capacity   INTEGER,
    digest     TEXT NOT NULL, -- of the definition last loaded
    loaded_at  TEXT NOT NULL
);

-- The outbox: one row per (circular, member, purpose), stored before anything is sent;
-- its Message-ID is fixed before the first attempt so a resend after a crash carries it.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    circular_id     INTEGER NOT NULL REFERENCES circulars (id),
    member_id       INTEGER NOT NULL REFERENCES members (id),
    purpose         TEXT NOT NULL,
    language        TEXT NOT NULL CHECK (language IN ('en', 'fr', 'es')),
    state           TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'deferred', 'failed', 'suppressed')),
    message_id      TEXT NOT NULL UNIQUE,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_error      TEXT,
    sent_at         TEXT,
    created_at      TEXT NOT NULL,
    UNIQUE (circular_id, member_id, purpose)
);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);

-- Every message received, raw, stored before it is read.
CREATE TABLE inbound_messages (
    id           INTEGER PRIMARY KEY,
    message_id   TEXT NOT NULL,
    digest       TEXT NOT NULL,
    raw          BLOB NOT NULL,
    received_at  TEXT NOT NULL,
    source       TEXT NOT NULL,
    from_address TEXT NOT NULL DEFAULT '',
    circular_id  INTEGER REFERENCES circulars (id),
    member_id    INTEGER REFERENCES members (id),
    kinds        TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('new', 'processed', 'review', 'failed')),
    UNIQUE (message_id, digest)
);

CREATE TABLE registrations (
    id          INTEGER PRIMARY KEY,
    circular_id INTEGER NOT NULL REFERENCES circulars (id),
    member_id   INTEGER NOT NULL REFERENCES members (id),
    inbound_id  INTEGER REFERENCES inbound_messages (id),
    status      TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled', 'refused')),
    late        INTEGER NOT NULL DEFAULT 0,
    received_at TEXT NOT NULL,
    UNIQUE (circular_id, member_id)
);

CREATE TABLE attendees (
    id              INTEGER PRIMARY KEY,
    registration_id INTEGER NOT NULL REFERENCES registrations (id),
    name            TEXT NOT NULL,
    position        TEXT NOT NULL DEFAULT '',
    email           TEXT NOT NULL DEFAULT ''
);

CREATE TABLE questions (
    id          INTEGER PRIMARY KEY,
    circular_id INTEGER REFERENCES circulars (id),
    member_id   INTEGER REFERENCES members (id),
    inbound_id  INTEGER NOT NULL REFERENCES inbound_messages (id),
    text        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'answered')),
    received_at TEXT NOT NULL,
    answer      TEXT,
    answered_at TEXT
);
