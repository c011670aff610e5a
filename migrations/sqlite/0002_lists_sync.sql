-- One row per sync of the member lists that changed something: the digest of what the
-- files said, and the last audit_log row at that moment. Every audit row after it is an
-- edit made since (from the command line or the web), which a later sync must not
-- overwrite silently. Its PostgreSQL twin is migrations/postgres/0002_lists_sync.sql.

CREATE TABLE lists_syncs (
    id       INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    digest   TEXT NOT NULL, -- '' for the row below: no files applied yet
    audit_id INTEGER NOT NULL
);

-- What the database holds now counts as synced: the first sync after this migration
-- applies the files unless the lists are edited before it.
INSERT INTO lists_syncs (at, actor, digest, audit_id)
SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'migration', '', COALESCE(MAX(id), 0) FROM audit_log;
