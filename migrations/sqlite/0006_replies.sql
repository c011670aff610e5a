-- What the members' replies lead to: registrations (from 0001) with their seats, declines,
-- questions answered through the outbox, the automatic answers waiting to be made, and the
-- log of every change a person made to these records. Its PostgreSQL twin is
-- migrations/postgres/0006_replies.sql.

-- The `late` policy of circular.toml, kept with the deadline and capacity it applies to.
ALTER TABLE circulars ADD COLUMN late TEXT NOT NULL DEFAULT 'waitlist'
    CHECK (late IN ('accept', 'waitlist', 'refuse'));

-- Seats a registration takes (its attendees), and when it last changed.
ALTER TABLE registrations ADD COLUMN seats INTEGER NOT NULL DEFAULT 1 CHECK (seats >= 1);
ALTER TABLE registrations ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
CREATE INDEX registrations_circular ON registrations (circular_id, status, received_at);
CREATE INDEX attendees_registration ON attendees (registration_id);

-- "We cannot attend": no reminders for that member and circular.
CREATE TABLE declines (
    id          INTEGER PRIMARY KEY,
    circular_id INTEGER NOT NULL REFERENCES circulars (id),
    member_id   INTEGER NOT NULL REFERENCES members (id),
    inbound_id  INTEGER REFERENCES inbound_messages (id),
    received_at TEXT NOT NULL,
    UNIQUE (circular_id, member_id)
);

CREATE INDEX questions_circular ON questions (circular_id, status);

-- Automatic answers to a member's reply (confirmed, waitlisted, promoted, refused,
-- withdrawn) and the secretariat's answers to questions (answer, with its Markdown), written
-- with the record that calls for them and made into an outbox notice just after:
-- 'pending' until then, 'queued' with its delivery, 'skipped' with the reason (a robot's
-- address, too many automatic mails to that address today).
CREATE TABLE answers (
    id          INTEGER PRIMARY KEY,
    circular_id INTEGER NOT NULL REFERENCES circulars (id),
    member_id   INTEGER NOT NULL REFERENCES members (id),
    -- The reply it answers, for threading.
    inbound_id  INTEGER REFERENCES inbound_messages (id),
    kind        TEXT NOT NULL CHECK (kind IN ('confirmed', 'waitlisted', 'promoted', 'refused', 'withdrawn', 'answer')),
    question_id INTEGER REFERENCES questions (id),
    body        TEXT,
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'queued', 'skipped')),
    delivery_id INTEGER REFERENCES deliveries (id),
    note        TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);
CREATE INDEX answers_pending ON answers (state, id);

-- Every change a person made to what the reader of replies recorded: a review resolved, a
-- registration cancelled or its attendees changed, a question answered.
CREATE TABLE records_log (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT NOT NULL,
    before  TEXT,
    after   TEXT
);
