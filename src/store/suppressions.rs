//! Suppressed addresses: no more circulars go to them. Every change is written to
//! `suppression_log` in the same transaction, with who made it and why.

use serde::Serialize;
use sqlx::{AnyConnection, Row};

use super::{Store, StoreError, now};

/// Why an address gets no more mail; the column's CHECK constraint lists the same values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressionReason {
    /// The member asked (a reply, the unsubscribe address or link).
    Unsubscribe,
    /// Permanent failures reached the bounce threshold.
    HardBounce,
    /// The secretariat added it (`circulars suppressions add`).
    Manual,
}

impl SuppressionReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionReason::Unsubscribe => "unsubscribe",
            SuppressionReason::HardBounce => "hard_bounce",
            SuppressionReason::Manual => "manual",
        }
    }

    fn parse(text: &str) -> Result<SuppressionReason, sqlx::Error> {
        match text {
            "unsubscribe" => Ok(SuppressionReason::Unsubscribe),
            "hard_bounce" => Ok(SuppressionReason::HardBounce),
            "manual" => Ok(SuppressionReason::Manual),
            other => Err(sqlx::Error::Decode(
                format!("stored suppression reason `{other}`").into(),
            )),
        }
    }
}

/// One suppressed address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    pub email: String,
    pub reason: SuppressionReason,
    pub at: String,
    /// What caused it: `inbound #12`, `delivery #40`, or the secretariat's note.
    pub source: String,
}

/// A change of the suppressions: who made it and why.
#[derive(Debug, Clone, Copy)]
pub struct SuppressionChange<'a> {
    pub email: &'a str,
    pub reason: SuppressionReason,
    pub source: &'a str,
    /// `inbound`, `outbox`, or `cli:<user>`.
    pub actor: &'a str,
}

impl Store {
    /// Whether `address` is suppressed, in any letter case.
    ///
    /// # Errors
    /// The database fails.
    pub async fn is_suppressed(&self, address: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 AS one FROM suppressions WHERE LOWER(email) = LOWER($1)")
            .bind(address.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Why `address` is suppressed (`unsubscribe`, `hard_bounce`, `manual`), if it is.
    ///
    /// # Errors
    /// The database fails.
    pub async fn suppression_reason(&self, address: &str) -> Result<Option<String>, StoreError> {
        let reason =
            sqlx::query_scalar("SELECT reason FROM suppressions WHERE LOWER(email) = LOWER($1)")
                .bind(address.to_string())
                .fetch_optional(&self.pool)
                .await?;
        Ok(reason)
    }

    /// Every suppressed address, in address order.
    ///
    /// # Errors
    /// The database fails.
    pub async fn suppressions(&self) -> Result<Vec<Suppression>, StoreError> {
        let rows = sqlx::query("SELECT email, reason, at, source FROM suppressions ORDER BY email")
            .fetch_all(&self.pool)
            .await?;
        let mut suppressions = Vec::with_capacity(rows.len());
        for row in rows {
            let reason: String = row.try_get("reason")?;
            suppressions.push(Suppression {
                email: row.try_get("email")?,
                reason: SuppressionReason::parse(&reason)?,
                at: row.try_get("at")?,
                source: row.try_get("source")?,
            });
        }
        Ok(suppressions)
    }

    /// Suppresses an address; false when it already was (nothing changes then).
    ///
    /// # Errors
    /// The database fails.
    pub async fn suppress(&self, change: SuppressionChange<'_>) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let added = suppress_in(&mut tx, change).await?;
        tx.commit().await?;
        Ok(added)
    }

    /// Lifts a suppression; false when the address was not suppressed.
    ///
    /// # Errors
    /// The database fails.
    pub async fn unsuppress(&self, email: &str, actor: &str) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let removed = sqlx::query("DELETE FROM suppressions WHERE email = $1 RETURNING reason")
            .bind(email.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = removed else {
            return Ok(false);
        };
        let reason: String = row.try_get("reason")?;
        log(&mut tx, "remove", email, &reason, "", actor).await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// Suppresses an address inside a transaction; false when it already was.
pub(super) async fn suppress_in(
    conn: &mut AnyConnection,
    change: SuppressionChange<'_>,
) -> Result<bool, StoreError> {
    let added = sqlx::query(
        "INSERT INTO suppressions (email, reason, at, source) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
    )
    .bind(change.email.to_string())
    .bind(change.reason.as_str())
    .bind(now())
    .bind(change.source.to_string())
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if added {
        let reason = change.reason.as_str();
        log(
            conn,
            "add",
            change.email,
            reason,
            change.source,
            change.actor,
        )
        .await?;
    }
    Ok(added)
}

async fn log(
    conn: &mut AnyConnection,
    action: &str,
    email: &str,
    reason: &str,
    source: &str,
    actor: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO suppression_log (at, actor, action, email, reason, source)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(now())
    .bind(actor.to_string())
    .bind(action)
    .bind(email.to_string())
    .bind(reason.to_string())
    .bind(source.to_string())
    .execute(conn)
    .await?;
    Ok(())
}
