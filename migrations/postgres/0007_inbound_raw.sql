-- The stored bytes of each inbound message in a table of their own, as on SQLite (see
-- migrations/sqlite/0007_inbound_raw.sql): a decision's UPDATE leaves them alone.

CREATE TABLE inbound_raw (
    inbound_id BIGINT PRIMARY KEY REFERENCES inbound_messages (id),
    raw        BYTEA NOT NULL
);
INSERT INTO inbound_raw (inbound_id, raw) SELECT id, raw FROM inbound_messages;
ALTER TABLE inbound_messages DROP COLUMN raw;
