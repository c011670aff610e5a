-- The stored bytes of each inbound message in a table of their own. In the row, every later
-- column sat behind the message's overflow pages (reading `status` walked them) and every
-- UPDATE of a decision rewrote them. Its PostgreSQL twin is migrations/postgres/0007_inbound_raw.sql.

CREATE TABLE inbound_raw (
    inbound_id INTEGER PRIMARY KEY REFERENCES inbound_messages (id),
    raw        BLOB NOT NULL
);
INSERT INTO inbound_raw (inbound_id, raw) SELECT id, raw FROM inbound_messages;
ALTER TABLE inbound_messages DROP COLUMN raw;
