//! The stored inbound messages read back: the list with its filters, one message whole,
//! and the bounce counts of a circular.

use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::{Store, StoreError};

/// A stored message as `inbound list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundRow {
    pub id: i64,
    pub message_id: String,
    pub from: String,
    pub subject: String,
    pub received_at: String,
    pub circular: Option<u32>,
    pub member: Option<String>,
    /// Empty until processed.
    pub kinds: Vec<String>,
    /// JSON of the bounce, if it is one.
    pub bounce: Option<String>,
    pub status: String,
}

/// One stored message whole, for `inbound show`.
#[derive(Debug, Clone)]
pub struct InboundMessage {
    pub row: InboundRow,
    pub raw: Vec<u8>,
    pub source: String,
    pub time_source: String,
    pub date_header: Option<String>,
    pub faults: String,
    pub matched_by: Option<String>,
    pub decision: Option<String>,
}

/// Which messages to list.
#[derive(Debug, Clone, Default)]
pub struct InboundFilter {
    pub circular: Option<u32>,
    pub kind: Option<String>,
    /// `new`, `processed`, `review` or `failed`.
    pub status: Option<String>,
}

/// Bounces of a circular's members, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BounceCounts {
    pub hard: i64,
    pub soft: i64,
}

const COLUMNS: &str = "i.id, i.message_id, i.from_address, i.subject, i.received_at, c.number,
    m.email, i.kinds, i.bounce, i.status";
const FROM: &str = "inbound_messages i LEFT JOIN circulars c ON c.id = i.circular_id
    LEFT JOIN members m ON m.id = i.member_id";

fn row_of(row: &AnyRow) -> Result<InboundRow, sqlx::Error> {
    let number: Option<i64> = row.try_get("number")?;
    let kinds: String = row.try_get("kinds")?;
    Ok(InboundRow {
        id: row.try_get("id")?,
        message_id: row.try_get("message_id")?,
        from: row.try_get("from_address")?,
        subject: row.try_get("subject")?,
        received_at: row.try_get("received_at")?,
        circular: number.and_then(|n| u32::try_from(n).ok()),
        member: row.try_get("email")?,
        kinds: kinds
            .split(',')
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .collect(),
        bounce: row.try_get("bounce")?,
        status: row.try_get("status")?,
    })
}

impl Store {
    /// The stored messages that pass `filter`, oldest first.
    ///
    /// # Errors
    /// The database fails.
    pub async fn inbound_rows(
        &self,
        filter: &InboundFilter,
    ) -> Result<Vec<InboundRow>, StoreError> {
        // Kinds are stored comma-separated: match a whole one.
        let sql = format!(
            "SELECT {COLUMNS} FROM {FROM}
             WHERE ($1 < 0 OR c.number = $1) AND ($2 = '' OR ',' || i.kinds || ',' LIKE '%,' || $2 || ',%')
               AND ($3 = '' OR i.status = $3)
             ORDER BY i.id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(filter.circular.map_or(-1, i64::from))
            .bind(filter.kind.clone().unwrap_or_default())
            .bind(filter.status.clone().unwrap_or_default())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|row| Ok(row_of(row)?)).collect()
    }

    /// The stored message `id`, whole.
    ///
    /// # Errors
    /// The database fails.
    pub async fn inbound_message(&self, id: i64) -> Result<Option<InboundMessage>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS}, r.raw, i.source, i.time_source, i.date_header, i.faults,
                 i.matched_by, i.decision
             FROM {FROM} JOIN inbound_raw r ON r.inbound_id = i.id WHERE i.id = $1"
        );
        let Some(row) = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(InboundMessage {
            row: row_of(&row)?,
            raw: row.try_get("raw")?,
            source: row.try_get("source")?,
            time_source: row.try_get("time_source")?,
            date_header: row.try_get("date_header")?,
            faults: row.try_get("faults")?,
            matched_by: row.try_get("matched_by")?,
            decision: row.try_get("decision")?,
        }))
    }

    /// The bounces recorded for circular `circular_id`.
    ///
    /// # Errors
    /// The database fails.
    pub async fn bounce_counts(&self, circular_id: i64) -> Result<BounceCounts, StoreError> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(hard), 0) AS BIGINT) AS hard,
                 CAST(COALESCE(SUM(1 - hard), 0) AS BIGINT) AS soft
             FROM bounces WHERE circular_id = $1",
        )
        .bind(circular_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(BounceCounts {
            hard: row.try_get("hard")?,
            soft: row.try_get("soft")?,
        })
    }

    /// How many of circular `circular_id`'s recipients are suppressed now.
    ///
    /// # Errors
    /// The database fails.
    pub async fn suppressed_recipients(&self, circular_id: i64) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(DISTINCT m.id) AS n FROM deliveries d JOIN members m ON m.id = d.member_id
             JOIN suppressions s ON s.email = m.email WHERE d.circular_id = $1",
        )
        .bind(circular_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }
}
