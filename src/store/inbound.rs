//! Stored inbound messages: raw bytes first, what was decided about them after.

use std::collections::HashMap;

use sqlx::{AssertSqlSafe, Row};

use super::batch::values_sql;
use super::{Store, StoreError};
use crate::inbound::intake::Kept;

/// Columns bound per message, and messages per INSERT (well under both databases' limits
/// on bound values).
const COLUMNS: usize = 11;
const ROWS: usize = 64;
/// Messages' bytes per INSERT into `inbound_raw`. Not cut at `batch::batches`'s 8 KB: with
/// whole messages that made PostgreSQL's storing a sixth slower (5,400 to 4,600 a second in
/// `cargo bench --bench ingest`), for no gain on SQLite.
const RAW_ROWS: usize = 16;

/// A message to store, as intake read it.
#[derive(Debug, Clone)]
pub struct NewInbound<'a> {
    /// Without `<>`; '' when the message has none.
    pub message_id: String,
    /// SHA-256 hex of the bytes past the trace headers.
    pub digest: String,
    pub raw: &'a [u8],
    /// RFC 3339 UTC with milliseconds.
    pub received_at: String,
    /// `internaldate`, `received`, `mtime` or `stored`.
    pub time_source: &'static str,
    pub date_header: Option<String>,
    pub subject: String,
    /// `imap:FOLDER:UID`, `maildir:FILE`, `ingest:PATH` or `ingest:-`.
    pub source: String,
    pub stored_at: String,
    /// Comma-separated faults found on the way in (`not_mail`).
    pub faults: &'static str,
}

/// A stored message waiting to be processed (its bytes through [`Store::raw`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub id: i64,
    pub received_at: String,
    pub time_source: String,
    pub source: String,
    pub size: i64,
}

impl Store {
    /// Stores each message with status `new` unless the same (Message-ID, digest) is stored
    /// (or comes earlier in `messages`), all in one transaction; returns their ids in order.
    ///
    /// # Errors
    /// The database fails; nothing is stored then.
    pub async fn keep_inbound(&self, messages: &[NewInbound<'_>]) -> Result<Vec<Kept>, StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let mut inserted: HashMap<(String, String), i64> = HashMap::new();
        for chunk in messages.chunks(ROWS) {
            let mut sql = values_sql(
                self.backend,
                "INSERT INTO inbound_messages (message_id, digest, size, received_at,
                     time_source, date_header, subject, source, stored_at, faults, status)",
                COLUMNS,
                chunk.len(),
            );
            sql.push_str(
                " ON CONFLICT (message_id, digest) DO NOTHING RETURNING id, message_id, digest",
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for message in chunk {
                query = query
                    .bind(&message.message_id)
                    .bind(&message.digest)
                    .bind(i64::try_from(message.raw.len()).unwrap_or(i64::MAX))
                    .bind(&message.received_at)
                    .bind(message.time_source)
                    .bind(&message.date_header)
                    .bind(&message.subject)
                    .bind(&message.source)
                    .bind(&message.stored_at)
                    .bind(message.faults)
                    .bind("new");
            }
            for row in query.fetch_all(&mut *tx).await? {
                inserted.insert((row.try_get(1)?, row.try_get(2)?), row.try_get(0)?);
            }
        }
        let mut kept = Vec::with_capacity(messages.len());
        let mut raws = Vec::with_capacity(inserted.len());
        for message in messages {
            let key = (message.message_id.clone(), message.digest.clone());
            // The first of a key inserted here is new; a later one in the batch is not.
            if let Some(id) = inserted.remove(&key) {
                kept.push(Kept { id, new: true });
                raws.push((id, message.raw));
                continue;
            }
            let row = sqlx::query(
                "SELECT id FROM inbound_messages WHERE message_id = $1 AND digest = $2",
            )
            .bind(key.0)
            .bind(key.1)
            .fetch_one(&mut *tx)
            .await?;
            kept.push(Kept {
                id: row.try_get(0)?,
                new: false,
            });
        }
        for chunk in raws.chunks(RAW_ROWS) {
            let sql = values_sql(
                self.backend,
                "INSERT INTO inbound_raw (inbound_id, raw)",
                2,
                chunk.len(),
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for (id, raw) in chunk {
                query = query.bind(*id).bind(*raw);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(kept)
    }

    /// Up to `limit` messages with status `new`, oldest stored first.
    ///
    /// # Errors
    /// The database fails.
    pub async fn new_messages(&self, limit: i64) -> Result<Vec<NewMessage>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, received_at, time_source, source, size FROM inbound_messages
             WHERE status = 'new' ORDER BY id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(NewMessage {
                    id: r.try_get(0)?,
                    received_at: r.try_get(1)?,
                    time_source: r.try_get(2)?,
                    source: r.try_get(3)?,
                    size: r.try_get(4)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// The stored bytes of message `id`, if there is one.
    ///
    /// # Errors
    /// The database fails.
    pub async fn raw(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        let row = sqlx::query("SELECT raw FROM inbound_raw WHERE inbound_id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }
}
