//! Queries on circulars: what was loaded from the files, their schedule and status, the
//! files frozen when sending started, and the scheduler's lease.

use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::{Store, StoreError};
use crate::circulars::CircularStatus;

/// A circular as the database holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCircular {
    pub id: i64,
    pub number: u32,
    pub slug: String,
    pub status: CircularStatus,
    /// From `circular.toml`, RFC 3339 UTC.
    pub send_at: Option<String>,
    /// From `circulars schedule`, which wins over the file's.
    pub send_at_override: Option<String>,
    /// Digest of the files last loaded.
    pub digest: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// The slot of the last reminder round created.
    pub last_round: Option<String>,
    /// Digest of the files frozen when sending started.
    pub snapshot_digest: Option<String>,
}

impl StoredCircular {
    /// When it is to be sent: `schedule --at` if given, else `circular.toml`'s.
    pub fn due_at(&self) -> Option<&str> {
        self.send_at_override.as_deref().or(self.send_at.as_deref())
    }
}

/// What loading a circular's files stores.
#[derive(Debug, Clone)]
pub struct LoadedCircular<'a> {
    pub number: u32,
    pub slug: &'a str,
    pub send_at: Option<String>,
    pub deadline: Option<String>,
    pub capacity: Option<u32>,
    /// `accept`, `waitlist` or `refuse`.
    pub late: &'static str,
    pub digest: &'a str,
}

const COLUMNS: &str = "id, number, slug, status, send_at, send_at_override, digest, started_at, \
                       finished_at, last_round, snapshot_digest";

fn from_row(row: &AnyRow) -> Result<StoredCircular, sqlx::Error> {
    let status: String = row.try_get("status")?;
    let number: i64 = row.try_get("number")?;
    Ok(StoredCircular {
        id: row.try_get("id")?,
        number: u32::try_from(number).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        slug: row.try_get("slug")?,
        status: status
            .parse()
            .map_err(|e: String| sqlx::Error::Decode(e.into()))?,
        send_at: row.try_get("send_at")?,
        send_at_override: row.try_get("send_at_override")?,
        digest: row.try_get("digest")?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
        last_round: row.try_get("last_round")?,
        snapshot_digest: row.try_get("snapshot_digest")?,
    })
}

impl Store {
    /// Every circular the database knows, by number.
    ///
    /// # Errors
    /// The database fails, or holds a status this version does not know.
    pub async fn stored_circulars(&self) -> Result<Vec<StoredCircular>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM circulars ORDER BY number");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
    }

    /// The circular numbered `number`, if the database knows it.
    ///
    /// # Errors
    /// The database fails.
    pub async fn stored_circular(&self, number: u32) -> Result<Option<StoredCircular>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM circulars WHERE number = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(i64::from(number))
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }

    /// The status of the circular `id`.
    ///
    /// # Errors
    /// The database fails, or has no such circular.
    pub async fn circular_status(&self, id: i64) -> Result<CircularStatus, StoreError> {
        let status: String = sqlx::query_scalar("SELECT status FROM circulars WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok(status
            .parse()
            .map_err(|e: String| sqlx::Error::Decode(e.into()))?)
    }

    /// Stores what the files say of a circular. A new one is `scheduled` when it has a
    /// `send_at`, else `draft`; a draft that gains a `send_at` becomes scheduled, and a
    /// scheduled one that loses it (with no `schedule --at`) a draft again. Once sending
    /// started, the status is the outbox's.
    ///
    /// # Errors
    /// The database fails.
    pub async fn load_circular(
        &self,
        loaded: &LoadedCircular<'_>,
    ) -> Result<StoredCircular, StoreError> {
        let sql = format!(
            "INSERT INTO circulars (number, slug, status, send_at, deadline, capacity, digest, loaded_at, late)
             VALUES ($1, $2, CASE WHEN $3 IS NULL THEN 'draft' ELSE 'scheduled' END, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (number) DO UPDATE SET slug = excluded.slug, send_at = excluded.send_at,
                 deadline = excluded.deadline, capacity = excluded.capacity, late = excluded.late,
                 digest = excluded.digest, loaded_at = excluded.loaded_at,
                 status = CASE
                     WHEN circulars.status = 'draft' AND excluded.send_at IS NOT NULL THEN 'scheduled'
                     WHEN circulars.status = 'scheduled' AND excluded.send_at IS NULL
                          AND circulars.send_at_override IS NULL AND circulars.started_at IS NULL THEN 'draft'
                     ELSE circulars.status END
             RETURNING {COLUMNS}"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(i64::from(loaded.number))
            .bind(loaded.slug.to_string())
            .bind(loaded.send_at.clone())
            .bind(loaded.deadline.clone())
            .bind(loaded.capacity.map(i64::from))
            .bind(loaded.digest.to_string())
            .bind(super::now())
            .bind(loaded.late)
            .fetch_one(&self.pool)
            .await?;
        Ok(from_row(&row)?)
    }

    /// `circulars schedule NNN --at`: sends it at `at` (RFC 3339 UTC). A cancelled or sent
    /// circular is scheduled again: members who have it already do not get it twice.
    ///
    /// # Errors
    /// The database fails.
    pub async fn schedule_circular(&self, id: i64, at: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE circulars SET send_at_override = $2,
                 status = CASE WHEN status = 'sending' THEN 'sending' ELSE 'scheduled' END
             WHERE id = $1",
        )
        .bind(id)
        .bind(at.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// `circulars cancel NNN`: nothing more of it is sent (what is queued stays queued,
    /// and is not claimed); what was sent stays sent.
    ///
    /// # Errors
    /// The database fails.
    pub async fn cancel_circular(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE circulars SET status = 'cancelled' WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Starts sending a scheduled circular: freezes its files (the first freeze is kept: a
    /// circular scheduled again sends what its first members got). False when it was not
    /// scheduled any more (another daemon started it, or it was cancelled).
    ///
    /// # Errors
    /// The database fails.
    pub async fn start_circular(
        &self,
        id: i64,
        snapshot: &str,
        digest: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE circulars SET status = 'sending', started_at = COALESCE(started_at, $2),
                 finished_at = NULL,
                 snapshot = COALESCE(snapshot, $3), snapshot_digest = COALESCE(snapshot_digest, $4)
             WHERE id = $1 AND status = 'scheduled'",
        )
        .bind(id)
        .bind(super::now())
        .bind(snapshot.to_string())
        .bind(digest.to_string())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The files frozen when the circular started: (digest, JSON).
    ///
    /// # Errors
    /// The database fails.
    pub async fn snapshot(&self, id: i64) -> Result<Option<(String, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT snapshot_digest, snapshot FROM circulars WHERE id = $1 AND snapshot IS NOT NULL",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?)))
            .transpose()?)
    }

    /// Marks a sending circular sent when none of its own deliveries is left to do; true
    /// for the one caller that did it (who logs the end of the run).
    ///
    /// # Errors
    /// The database fails.
    pub async fn finish_circular(&self, id: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE circulars SET status = 'sent', finished_at = $2
             WHERE id = $1 AND status = 'sending' AND NOT EXISTS (
                 SELECT 1 FROM deliveries WHERE circular_id = $1 AND purpose = 'circular'
                     AND state IN ('queued', 'sending', 'deferred'))",
        )
        .bind(id)
        .bind(super::now())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records that the reminder round of `slot` was created.
    ///
    /// # Errors
    /// The database fails.
    pub async fn set_last_round(&self, id: i64, slot: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE circulars SET last_round = $2 WHERE id = $1")
            .bind(id)
            .bind(slot.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Takes or keeps the lease `name` for `holder` for `lease_ms` (database clock): true
    /// when `holder` has it now. A lease its holder stopped renewing passes to another.
    ///
    /// # Errors
    /// The database fails.
    pub async fn hold_lease(
        &self,
        name: &str,
        holder: &str,
        lease_ms: i64,
    ) -> Result<bool, StoreError> {
        let now = self.now_ms_sql();
        let sql = format!(
            "INSERT INTO leases (name, holder, until_ms) VALUES ($1, $2, {now} + $3)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms
             WHERE leases.holder = excluded.holder OR leases.until_ms < {now}
             RETURNING holder"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(name.to_string())
            .bind(holder.to_string())
            .bind(lease_ms)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Gives the lease up (a daemon stopping cleanly), so another takes it at once.
    ///
    /// # Errors
    /// The database fails.
    pub async fn drop_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
            .bind(name.to_string())
            .bind(holder.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
