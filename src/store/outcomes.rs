//! Recording what attempts gave, in one transaction per batch of outcomes, and giving back
//! what a stopping worker claimed but did not try.

use std::time::Duration;

use sqlx::{AssertSqlSafe, Row};

use super::deliveries::{Recorded, RoundCounts};
use super::{Store, StoreError};
use crate::outbox::{Outcome, State};

/// A row of ours being written: only while we hold its lease, so that a row another daemon
/// took over after our lease ran out is never overwritten.
const OURS: &str = "claimed_by = $1 AND state = 'sending'";

/// Marks `sent` rows sent, each with its time, in one statement.
async fn record_sent(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    worker: &str,
    sent: &[&Recorded],
) -> Result<(), StoreError> {
    if sent.is_empty() {
        return Ok(());
    }
    State::Sending
        .to(State::Sent)
        .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
    let values: Vec<String> = (0..sent.len())
        .map(|i| format!("(CAST(${} AS BIGINT), ${})", 2 * i + 2, 2 * i + 3))
        .collect();
    // Safe: the statement holds only generated placeholders.
    let sql = format!(
        "WITH v (id, at) AS (VALUES {})
         UPDATE deliveries SET state = 'sent', sent_at = v.at, claimed_by = NULL, lease_until = NULL
         FROM v
         WHERE deliveries.id = v.id AND deliveries.claimed_by = $1 AND deliveries.state = 'sending'",
        values.join(", ")
    );
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(worker.to_string());
    for recorded in sent {
        query = query.bind(recorded.delivery_id).bind(recorded.at.clone());
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

fn millis(wait: Duration) -> i64 {
    i64::try_from(wait.as_millis()).unwrap_or(i64::MAX)
}

impl Store {
    /// Records a batch of outcomes of `worker`'s attempts; a refused address raises the
    /// member's bounce score, and at `bounce_threshold` the address is suppressed.
    ///
    /// # Errors
    /// The database fails; nothing of the batch is recorded then.
    pub async fn record(
        &self,
        worker: &str,
        outcomes: &[Recorded],
        bounce_threshold: u32,
    ) -> Result<(), StoreError> {
        let now = self.now_ms_sql();
        let mut tx = self.pool.begin().await?;
        // Most outcomes are `sent`: one statement for all of them; the others one by one.
        let sent: Vec<&Recorded> = outcomes
            .iter()
            .filter(|r| r.outcome == Outcome::Sent)
            .collect();
        record_sent(&mut tx, worker, &sent).await?;
        for recorded in outcomes.iter().filter(|r| r.outcome != Outcome::Sent) {
            let (state, reply, wait, undo_attempt) = match &recorded.outcome {
                Outcome::Sent => continue,
                Outcome::Deferred { reply, wait } => {
                    (State::Deferred, Some(reply), Some(*wait), false)
                }
                Outcome::Failed { reply, .. } => (State::Failed, Some(reply), None, false),
                Outcome::Unreachable { reply } => (
                    State::Deferred,
                    Some(reply),
                    Some(super::super::outbox::OUTAGE_WAIT),
                    true,
                ),
                Outcome::Suppressed => (State::Suppressed, None, None, true),
                Outcome::Withdrawn => (State::Queued, None, None, true),
            };
            State::Sending
                .to(state)
                .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
            let sql = format!(
                "UPDATE deliveries SET state = CASE WHEN $6 = 1 AND attempts <= 1 AND $2 = 'deferred' THEN 'queued' ELSE $2 END,
                     reply = COALESCE($3, reply),
                     sent_at = CASE WHEN $2 = 'sent' THEN $4 ELSE sent_at END,
                     due_at = CASE WHEN $5 >= 0 THEN {now} + $5 ELSE due_at END,
                     attempts = attempts - $6,
                     claimed_by = NULL, lease_until = NULL
                 WHERE id = $7 AND {OURS}"
            );
            sqlx::query(AssertSqlSafe(sql))
                .bind(worker.to_string())
                .bind(state.as_str().to_string())
                .bind(reply.cloned())
                .bind(recorded.at.clone())
                .bind(wait.map_or(-1, millis))
                .bind(i64::from(undo_attempt))
                .bind(recorded.delivery_id)
                .execute(&mut *tx)
                .await?;
            if let Outcome::Failed { bounce: true, .. } = recorded.outcome {
                self.bounced(&mut tx, recorded, bounce_threshold).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Raises the member's bounce score, and suppresses the address at `threshold`.
    async fn bounced(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        recorded: &Recorded,
        threshold: u32,
    ) -> Result<(), StoreError> {
        let source = format!("delivery {}", recorded.delivery_id);
        super::decisions::raise_bounce_score(tx, recorded.member_id, &source, threshold).await
    }

    /// Gives back deliveries `worker` claimed but did not try (it is stopping): they are
    /// due again at once, and the claim does not count as an attempt.
    ///
    /// # Errors
    /// The database fails.
    pub async fn release(&self, worker: &str, ids: &[i64]) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        // Safe: the list holds integers only.
        let sql = format!(
            "UPDATE deliveries SET state = CASE WHEN attempts <= 1 THEN 'queued' ELSE 'deferred' END,
                 attempts = attempts - 1, claimed_by = NULL, lease_until = NULL
             WHERE {OURS} AND id IN ({})",
            list.join(", ")
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(worker.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The counts of a circular's deliveries for `purpose`, per state and language.
    ///
    /// # Errors
    /// The database fails, or holds a state this version does not know.
    pub async fn round_counts(
        &self,
        circular_id: i64,
        purpose: &str,
    ) -> Result<RoundCounts, StoreError> {
        let rows = sqlx::query(
            "SELECT state, language, CAST(COUNT(*) AS BIGINT) AS n, MIN(sent_at) AS first, MAX(sent_at) AS last
             FROM deliveries WHERE circular_id = $1 AND purpose = $2 GROUP BY state, language",
        )
        .bind(circular_id)
        .bind(purpose.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut counts = RoundCounts::default();
        let decode = |e: String| sqlx::Error::Decode(e.into());
        for row in &rows {
            let state: String = row.try_get("state")?;
            let language: String = row.try_get("language")?;
            let n: i64 = row.try_get("n")?;
            *counts
                .states
                .entry(state.parse().map_err(decode)?)
                .or_default() += n;
            *counts
                .languages
                .entry(language.parse().map_err(|e| decode(format!("{e}")))?)
                .or_default() += n;
            let first: Option<String> = row.try_get("first")?;
            let last: Option<String> = row.try_get("last")?;
            counts.first_sent_at = [counts.first_sent_at.take(), first]
                .into_iter()
                .flatten()
                .min();
            counts.last_sent_at = [counts.last_sent_at.take(), last]
                .into_iter()
                .flatten()
                .max();
        }
        Ok(counts)
    }

    /// The counts of a circular's deliveries for `purpose` per state only: read from the
    /// index alone, cheap enough to follow a send of 100,000 every half second.
    ///
    /// # Errors
    /// The database fails, or holds a state this version does not know.
    pub async fn round_states(
        &self,
        circular_id: i64,
        purpose: &str,
    ) -> Result<RoundCounts, StoreError> {
        let rows = sqlx::query(
            "SELECT state, CAST(COUNT(*) AS BIGINT) AS n FROM deliveries
             WHERE circular_id = $1 AND purpose = $2 GROUP BY state",
        )
        .bind(circular_id)
        .bind(purpose.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut counts = RoundCounts::default();
        for row in &rows {
            let state: String = row.try_get("state")?;
            let state = state
                .parse()
                .map_err(|e: String| sqlx::Error::Decode(e.into()))?;
            counts.states.insert(state, row.try_get("n")?);
        }
        Ok(counts)
    }

    /// The circular's notices (confirmations, answers to replies) not sent or failed yet.
    ///
    /// # Errors
    /// The database fails.
    pub async fn pending_notices(&self, circular_id: i64) -> Result<i64, StoreError> {
        let n: i64 = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM deliveries
             WHERE circular_id = $1 AND purpose LIKE 'notice:%'
               AND state IN ('queued', 'sending', 'deferred')",
        )
        .bind(circular_id)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        Ok(n)
    }

    /// The purposes of a circular's rounds, oldest first.
    ///
    /// # Errors
    /// The database fails.
    pub async fn rounds(&self, circular_id: i64) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT purpose FROM deliveries WHERE circular_id = $1 ORDER BY purpose",
        )
        .bind(circular_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| r.try_get(0).map_err(StoreError::from))
            .collect()
    }
}
