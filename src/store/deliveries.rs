//! The outbox's rows: creating a circular's deliveries, claiming due ones under a lease,
//! and recording what each attempt gave. Times the workers compare are milliseconds by the
//! database's clock ([`Store::now_ms_sql`]), never by a daemon's own.

use std::collections::BTreeMap;
use std::time::Duration;

use sqlx::{AssertSqlSafe, Row};

use super::members::member_from_row;
use super::{Backend, Store, StoreError};
use crate::locale::Language;
use crate::members::StoredMember;
use crate::outbox::{Outcome, State};

/// What to create deliveries for: one round (the circular, or one reminder round).
#[derive(Debug, Clone)]
pub struct NewRound<'a> {
    pub circular_id: i64,
    /// `circular` or `reminder:<slot>`.
    pub purpose: &'a str,
    /// The circular's committees, in its order: a member of two gets it for the first.
    pub committees: &'a [String],
    /// The languages the circular is written in.
    pub languages: &'a [Language],
    /// The language of members whose own and committee's are not among them.
    pub fallback: Language,
    /// Message-ID = `prefix` + member id + `suffix`.
    pub message_id_prefix: String,
    pub message_id_suffix: String,
}

/// A delivery a worker has claimed, with what rendering it needs.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub circular_id: i64,
    pub member: StoredMember,
    pub committee_id: i64,
    pub purpose: String,
    pub language: Language,
    pub role: String,
    pub message_id: String,
    /// This attempt's number (1 for the first).
    pub attempt: u32,
    /// The address is in `suppressions` now (never for a notice: a confirmation of an
    /// unsubscribe request goes to the address it suppressed).
    pub suppressed: bool,
    /// The whole message of a notice, made when it was queued.
    pub raw: Option<Vec<u8>>,
}

/// The counts of one round's deliveries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoundCounts {
    pub states: BTreeMap<State, i64>,
    pub languages: BTreeMap<Language, i64>,
    pub first_sent_at: Option<String>,
    pub last_sent_at: Option<String>,
}

impl RoundCounts {
    /// Deliveries in all.
    pub fn total(&self) -> i64 {
        self.states.values().sum()
    }

    /// Deliveries still to be done.
    pub fn pending(&self) -> i64 {
        self.states
            .iter()
            .filter(|(s, _)| !s.is_final())
            .map(|(_, n)| n)
            .sum()
    }
}

/// One attempt's result, for [`Store::record`].
#[derive(Debug, Clone)]
pub struct Recorded {
    pub delivery_id: i64,
    pub member_id: i64,
    pub outcome: Outcome,
    /// When the server answered, RFC 3339 UTC with microseconds.
    pub at: String,
}

/// A time as stored for people: RFC 3339 in UTC with microseconds (they sort as text).
pub fn precise_now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn language_list(languages: &[Language]) -> String {
    let quoted: Vec<String> = languages
        .iter()
        .map(|l| format!("'{}'", l.code()))
        .collect();
    quoted.join(", ")
}

impl Store {
    /// The database's clock in milliseconds since the epoch, as an SQL expression.
    pub(super) fn now_ms_sql(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
            Backend::Postgres => "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)",
        }
    }

    /// Creates one delivery per member of the round's committees who has none for this
    /// circular and purpose yet; returns how many were created. Suppressed addresses get a
    /// `suppressed` row, so the status shows them.
    ///
    /// # Errors
    /// The database fails.
    pub async fn create_round(&self, round: &NewRound<'_>) -> Result<u64, StoreError> {
        let langs = language_list(round.languages);
        let now = self.now_ms_sql();
        let reminder = round.purpose != "circular";
        // A reminder goes to who got the circular, for the same committee and in the same
        // language, is still on that list, and has not answered.
        let sql = if reminder {
            format!(
                "INSERT INTO deliveries (circular_id, member_id, committee_id, purpose, language, role, state, message_id, due_at, created_at)
                 SELECT d.circular_id, d.member_id, d.committee_id, $2, d.language, ms.role,
                        CASE WHEN EXISTS (SELECT 1 FROM suppressions s WHERE s.email = m.email) THEN 'suppressed' ELSE 'queued' END,
                        $3 || CAST(m.id AS TEXT) || $4, {now}, $5
                 FROM deliveries d
                 JOIN members m ON m.id = d.member_id
                 JOIN memberships ms ON ms.member_id = d.member_id AND ms.committee_id = d.committee_id
                 WHERE d.circular_id = $1 AND d.purpose = 'circular' AND d.state = 'sent'
                   AND NOT EXISTS (SELECT 1 FROM registrations r WHERE r.circular_id = d.circular_id AND r.member_id = d.member_id)
                   AND NOT EXISTS (SELECT 1 FROM declines x WHERE x.circular_id = d.circular_id AND x.member_id = d.member_id)
                 ON CONFLICT DO NOTHING"
            )
        } else {
            format!(
                "INSERT INTO deliveries (circular_id, member_id, committee_id, purpose, language, role, state, message_id, due_at, created_at)
                 SELECT $1, m.id, c.id, $2,
                        CASE WHEN COALESCE(m.language, c.language) IN ({langs}) THEN COALESCE(m.language, c.language)
                             WHEN c.language IN ({langs}) THEN c.language
                             ELSE $6 END,
                        ms.role,
                        CASE WHEN EXISTS (SELECT 1 FROM suppressions s WHERE s.email = m.email) THEN 'suppressed' ELSE 'queued' END,
                        $3 || CAST(m.id AS TEXT) || $4, {now}, $5
                 FROM memberships ms
                 JOIN committees c ON c.id = ms.committee_id
                 JOIN members m ON m.id = ms.member_id
                 WHERE c.slug = $7
                 ON CONFLICT DO NOTHING"
            )
        };
        let mut created = 0;
        let mut tx = self.pool.begin().await?;
        // A reminder round is one statement; a circular one statement per committee.
        let once = [String::new()];
        let slugs = if reminder {
            &once[..]
        } else {
            round.committees
        };
        for slug in slugs {
            // Safe: the statement holds only placeholders and language codes of our own.
            let mut query = sqlx::query(AssertSqlSafe(sql.clone()))
                .bind(round.circular_id)
                .bind(round.purpose.to_string())
                .bind(round.message_id_prefix.clone())
                .bind(round.message_id_suffix.clone())
                .bind(super::now());
            if !reminder {
                query = query
                    .bind(round.fallback.code().to_string())
                    .bind(slug.clone());
            }
            created += query.execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(created)
    }

    /// Claims up to `limit` due deliveries for `worker`, under a lease of `lease`: queued
    /// and deferred ones whose time has come, and sending ones whose lease ran out (their
    /// daemon died). Deliveries of cancelled circulars are left alone. `only` restricts the
    /// claim to one circular.
    ///
    /// # Errors
    /// The database fails.
    #[tracing::instrument(skip(self))]
    pub async fn claim(
        &self,
        worker: &str,
        limit: u32,
        lease: Duration,
        only: Option<i64>,
    ) -> Result<Vec<Claimed>, StoreError> {
        let now = self.now_ms_sql();
        // One statement per kind of due row, each served by the `(state, due_at)` index in
        // its order (`+` keeps SQLite from preferring the circular's index and sorting):
        // queued first, then deferred whose time has come, then rows of a dead daemon.
        let branches = [
            (
                format!("d.state = 'queued' AND d.due_at <= {now}"),
                "ORDER BY d.due_at",
            ),
            (
                format!("d.state = 'deferred' AND d.due_at <= {now}"),
                "ORDER BY d.due_at",
            ),
            (format!("d.state = 'sending' AND d.lease_until < {now}"), ""),
        ];
        let only_sql = if only.is_some() {
            "AND +d.circular_id = $4"
        } else {
            ""
        };
        let lock = match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => "FOR UPDATE OF d SKIP LOCKED",
        };
        let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
        let mut ids: Vec<i64> = Vec::new();
        for (condition, order) in branches {
            let left = i64::from(limit) - i64::try_from(ids.len()).unwrap_or(i64::MAX);
            if left <= 0 {
                break;
            }
            let sql = format!(
                "UPDATE deliveries SET state = 'sending', claimed_by = $1, lease_until = {now} + $2,
                     attempts = attempts + 1
                 WHERE id IN (
                     SELECT d.id FROM deliveries d JOIN circulars c ON c.id = d.circular_id
                     WHERE {condition} AND (c.status <> 'cancelled' OR d.purpose LIKE 'notice:%') {only_sql}
                     {order} LIMIT $3 {lock})
                 RETURNING id"
            );
            // Safe: the statement holds only placeholders and fragments of our own.
            let mut query = sqlx::query(AssertSqlSafe(sql))
                .bind(worker.to_string())
                .bind(lease_ms)
                .bind(left);
            if let Some(circular) = only {
                query = query.bind(circular);
            }
            for row in query.fetch_all(&self.pool).await? {
                ids.push(row.try_get(0)?);
            }
        }
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.claimed(&ids).await
    }

    /// The claimed deliveries `ids`, with their members.
    async fn claimed(&self, ids: &[i64]) -> Result<Vec<Claimed>, StoreError> {
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        // Safe: the list holds integers only.
        let sql = format!(
            "SELECT d.id AS delivery_id, d.circular_id, d.committee_id, d.purpose, d.language AS delivery_language,
                    d.role, d.message_id, d.attempts, d.raw,
                    CASE WHEN d.purpose LIKE 'notice:%' THEN 0
                         WHEN EXISTS (SELECT 1 FROM suppressions s WHERE s.email = m.email) THEN 1 ELSE 0 END AS suppressed,
                    m.id, m.email, m.name, m.position, m.organisation, m.city, m.country, m.language
             FROM deliveries d JOIN members m ON m.id = d.member_id
             WHERE d.id IN ({})",
            list.join(", ")
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let language: String = row.try_get("delivery_language")?;
                let attempts: i64 = row.try_get("attempts")?;
                let suppressed: i64 = row.try_get("suppressed")?;
                Ok(Claimed {
                    id: row.try_get("delivery_id")?,
                    circular_id: row.try_get("circular_id")?,
                    member: member_from_row(row)?,
                    committee_id: row.try_get("committee_id")?,
                    purpose: row.try_get("purpose")?,
                    language: language
                        .parse()
                        .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                    role: row.try_get("role")?,
                    message_id: row.try_get("message_id")?,
                    attempt: u32::try_from(attempts).unwrap_or(u32::MAX),
                    suppressed: suppressed != 0,
                    raw: row.try_get("raw")?,
                })
            })
            .collect()
    }

    /// Extends the leases of what `worker` holds: it is alive and still sending.
    ///
    /// # Errors
    /// The database fails.
    pub async fn renew_leases(&self, worker: &str, lease: Duration) -> Result<u64, StoreError> {
        let sql = format!(
            "UPDATE deliveries SET lease_until = {} + $2 WHERE claimed_by = $1 AND state = 'sending'",
            self.now_ms_sql()
        );
        let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
        let done = sqlx::query(AssertSqlSafe(sql))
            .bind(worker.to_string())
            .bind(lease_ms)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
