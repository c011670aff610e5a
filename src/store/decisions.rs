//! What was decided about a stored inbound message, and its effects, written in one
//! transaction: the message's row, its bounces (and the member's bounce score), a
//! suppression, and a notice queued in the outbox.

use std::collections::HashSet;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::batch::values_sql;
use super::registrations::record_reply;
use super::suppressions::{SuppressionChange, SuppressionReason, suppress_in};
use super::{Backend, Store, StoreError, now};
use crate::inbound::intake::stored_time;
use crate::locale::Language;
use crate::members::StoredMember;

/// Values bound per message in the multi-row UPDATE, and messages per statement.
const UPDATE_COLUMNS: usize = 13;
const UPDATE_ROWS: usize = 64;

/// A stored message waiting to be processed.
#[derive(Debug, Clone)]
pub struct Pending {
    pub id: i64,
    pub raw: Vec<u8>,
    pub received_at: String,
}

/// One of our deliveries, as a message is matched to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRef {
    pub id: i64,
    pub circular_id: i64,
    pub number: u32,
    pub member_id: i64,
    pub committee_id: i64,
    pub role: String,
    pub language: Option<Language>,
    pub message_id: String,
}

/// A failed recipient of a bounce, to record.
#[derive(Debug, Clone)]
pub struct NewBounce {
    /// The member's address when the bounce was matched to a member, else the failed one.
    pub email: String,
    pub hard: bool,
    pub status: String,
    pub diagnostic: String,
}

/// A message for one member made now and sent through the outbox (purpose `notice:…`).
#[derive(Debug, Clone)]
pub struct NewNotice {
    pub circular_id: i64,
    pub member_id: i64,
    pub committee_id: i64,
    pub role: String,
    pub purpose: String,
    pub language: String,
    pub message_id: String,
    pub raw: Vec<u8>,
}

/// When bounces suppress an address.
#[derive(Debug, Clone, Copy)]
pub struct BounceRules {
    /// Bounce score at which the address is suppressed.
    pub threshold: u32,
    /// Soft bounces within `soft_days` that count as one hard bounce.
    pub soft_threshold: u32,
    pub soft_days: u32,
}

/// Everything decided about one message.
#[derive(Debug, Clone)]
pub struct InboundDecision {
    pub id: i64,
    /// `processed`, `review` or `failed`.
    pub status: &'static str,
    pub from_address: String,
    pub subject: String,
    pub faults: String,
    /// Comma-separated kinds (`bounce`, `auto_reply`, `unsubscribe`, `other`…).
    pub kinds: String,
    pub member_id: Option<i64>,
    pub circular_id: Option<i64>,
    pub delivery_id: Option<i64>,
    pub matched_by: Option<&'static str>,
    /// JSON of the bounce, for listing.
    pub bounce: Option<String>,
    /// JSON of the reasons, for `inbound show`.
    pub decision: String,
    pub bounces: Vec<NewBounce>,
    /// An unsubscribe request: this address gets no more mail.
    pub unsubscribe: Option<String>,
    pub notice: Option<NewNotice>,
    /// What a person's reply records: registrations, withdrawals, declines, questions.
    pub reply: Option<super::ReplyRecord>,
}

pub(super) const DELIVERY_COLUMNS: &str =
    "d.id, d.circular_id, c.number, d.member_id, d.committee_id, d.role, d.language, d.message_id";

pub(super) fn delivery_from_row(row: &AnyRow) -> Result<DeliveryRef, sqlx::Error> {
    let number: i64 = row.try_get("number")?;
    Ok(DeliveryRef {
        id: row.try_get("id")?,
        circular_id: row.try_get("circular_id")?,
        number: u32::try_from(number).map_err(|e| sqlx::Error::Decode(e.into()))?,
        member_id: row.try_get("member_id")?,
        committee_id: row.try_get("committee_id")?,
        role: row.try_get("role")?,
        language: row.try_get::<String, _>("language")?.parse().ok(),
        message_id: row.try_get("message_id")?,
    })
}

impl Store {
    /// Up to `limit` stored messages not processed yet with an id above `after`, oldest
    /// first.
    ///
    /// # Errors
    /// The database fails.
    pub async fn pending_inbound(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Pending>, StoreError> {
        let rows = sqlx::query(
            "SELECT i.id, r.raw, i.received_at FROM inbound_messages i
                 JOIN inbound_raw r ON r.inbound_id = i.id
             WHERE i.status = 'new' AND i.id > $1 ORDER BY i.id LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let mut pending = Vec::with_capacity(rows.len());
        for row in rows {
            pending.push(Pending {
                id: row.try_get("id")?,
                raw: row.try_get("raw")?,
                received_at: row.try_get("received_at")?,
            });
        }
        Ok(pending)
    }

    /// The member with database id `id`, removed ones included.
    ///
    /// # Errors
    /// The database fails.
    pub async fn member_by_id(&self, id: i64) -> Result<Option<StoredMember>, StoreError> {
        let row = sqlx::query(
            "SELECT id, email, name, position, organisation, city, country, language
             FROM members WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref()
            .map(super::members::member_from_row)
            .transpose()
            .map_err(Into::into)
    }

    /// Writes each decision and its effects, all in one transaction. A message already
    /// processed (by another daemon) is left as it is: false for it then.
    ///
    /// # Errors
    /// The database fails; nothing is written then.
    pub async fn record_inbound(
        &self,
        decisions: &[InboundDecision],
        rules: BounceRules,
    ) -> Result<Vec<bool>, StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        // Milliseconds, like `stored_at`: the two give the time a message waited.
        let processed_at = stored_time(chrono::Utc::now());
        let mut updated = HashSet::with_capacity(decisions.len());
        for chunk in decisions.chunks(UPDATE_ROWS) {
            updated.extend(update_messages(&mut tx, self.backend, chunk, &processed_at).await?);
        }
        let done: Vec<&InboundDecision> = decisions
            .iter()
            .filter(|d| updated.contains(&d.id))
            .collect();
        insert_bounces(&mut tx, self.backend, &done).await?;
        let mut written = Vec::with_capacity(decisions.len());
        for decision in decisions {
            let done = updated.contains(&decision.id);
            if done {
                record_effects(&mut tx, decision, rules, self.now_ms_sql()).await?;
                if let Some(reply) = &decision.reply {
                    let recorded = record_reply(&mut tx, self.backend, reply).await?;
                    if let Some(why) = recorded.review {
                        to_review(&mut tx, decision.id, &why).await?;
                    }
                }
            }
            written.push(done);
        }
        tx.commit().await?;
        Ok(written)
    }
}

/// Writes what was decided into each message's row, unless another daemon did first;
/// returns the ids it wrote. One statement for the lot: a statement per message costs more
/// in handing it to the database than in running it.
async fn update_messages(
    tx: &mut AnyConnection,
    backend: Backend,
    decisions: &[InboundDecision],
    processed_at: &str,
) -> Result<Vec<i64>, StoreError> {
    let mut sql = values_sql(
        backend,
        "WITH v (id, status, from_address, subject, faults, kinds, member_id, circular_id,
             delivery_id, matched_by, bounce, decision, processed_at) AS (",
        UPDATE_COLUMNS,
        decisions.len(),
    );
    sql.push_str(
        ") UPDATE inbound_messages SET status = v.status, from_address = v.from_address,
             subject = v.subject, faults = v.faults, kinds = v.kinds, member_id = v.member_id,
             circular_id = v.circular_id, delivery_id = v.delivery_id,
             matched_by = v.matched_by, bounce = v.bounce, decision = v.decision,
             processed_at = v.processed_at
         FROM v WHERE inbound_messages.id = v.id AND inbound_messages.status = 'new'
         RETURNING inbound_messages.id",
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for decision in decisions {
        query = query
            .bind(decision.id)
            .bind(decision.status)
            .bind(decision.from_address.clone())
            .bind(decision.subject.clone())
            .bind(decision.faults.clone())
            .bind(decision.kinds.clone())
            .bind(decision.member_id)
            .bind(decision.circular_id)
            .bind(decision.delivery_id)
            .bind(decision.matched_by)
            .bind(decision.bounce.clone())
            .bind(decision.decision.clone())
            .bind(processed_at.to_owned());
    }
    let rows = query.fetch_all(&mut *tx).await?;
    rows.iter()
        .map(|row| row.try_get(0).map_err(Into::into))
        .collect()
}

/// Puts message `id` in the review queue after all, for `why` (added to its reasons).
async fn to_review(tx: &mut AnyConnection, id: i64, why: &str) -> Result<(), StoreError> {
    let decision: Option<String> =
        sqlx::query_scalar("SELECT decision FROM inbound_messages WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    let mut decision: serde_json::Value = decision
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or_default();
    if let Some(reasons) = decision
        .get_mut("reasons")
        .and_then(serde_json::Value::as_array_mut)
    {
        reasons.push(format!("to review: {why}").into());
    }
    if let Some(status) = decision.get_mut("status") {
        *status = "review".into();
    }
    sqlx::query("UPDATE inbound_messages SET status = 'review', decision = $2 WHERE id = $1")
        .bind(id)
        .bind(decision.to_string())
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// The effects of a decision written: bounces, a suppression, a notice.
async fn record_effects(
    tx: &mut AnyConnection,
    decision: &InboundDecision,
    rules: BounceRules,
    now_ms: &str,
) -> Result<(), StoreError> {
    let source = format!("inbound #{}", decision.id);
    record_bounces(tx, decision, &source, rules).await?;
    if let Some(email) = &decision.unsubscribe {
        let change = SuppressionChange {
            email,
            reason: SuppressionReason::Unsubscribe,
            source: &source,
            actor: "inbound",
        };
        suppress_in(tx, change).await?;
    }
    if let Some(notice) = &decision.notice {
        queue_notice(tx, notice, now_ms).await?;
    }
    Ok(())
}

/// Stores the bounces of `decisions`, a few dozen rows a statement: one statement per
/// bounce cost more in handing it to the database than in running it.
async fn insert_bounces(
    tx: &mut AnyConnection,
    backend: Backend,
    decisions: &[&InboundDecision],
) -> Result<(), StoreError> {
    const COLUMNS: usize = 8;
    const ROWS: usize = 64;
    let at = now();
    let bounces: Vec<(&InboundDecision, &NewBounce)> = decisions
        .iter()
        .flat_map(|d| d.bounces.iter().map(move |b| (*d, b)))
        .collect();
    for chunk in bounces.chunks(ROWS) {
        let mut sql = values_sql(
            backend,
            "INSERT INTO bounces (inbound_id, member_id, circular_id, email, hard, status, diagnostic, at)",
            COLUMNS,
            chunk.len(),
        );
        sql.push_str(" ON CONFLICT DO NOTHING");
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (decision, bounce) in chunk {
            query = query
                .bind(decision.id)
                .bind(decision.member_id)
                .bind(decision.circular_id)
                .bind(bounce.email.clone())
                .bind(i64::from(bounce.hard))
                .bind(bounce.status.clone())
                .bind(bounce.diagnostic.clone())
                .bind(at.clone());
        }
        query.execute(&mut *tx).await?;
    }
    Ok(())
}

/// What the decision's bounces (stored already) do to the member's bounce score.
async fn record_bounces(
    conn: &mut AnyConnection,
    decision: &InboundDecision,
    source: &str,
    rules: BounceRules,
) -> Result<(), StoreError> {
    let Some(member_id) = decision.member_id else {
        return Ok(());
    };
    let raise = if decision.bounces.iter().any(|b| b.hard) {
        true
    } else if decision.bounces.is_empty() {
        false
    } else {
        soft_bounces_add_up(conn, member_id, decision.id, rules).await?
    };
    if raise {
        raise_bounce_score(conn, member_id, source, rules.threshold).await?;
    }
    Ok(())
}

/// Whether the member's soft bounces not counted yet, within `soft_days`, reach
/// `soft_threshold`; if so they are marked counted (they raise the score once). Only
/// those of messages up to `inbound_id` count: the later ones of the same batch are
/// stored already, and count when their own message is recorded.
async fn soft_bounces_add_up(
    conn: &mut AnyConnection,
    member_id: i64,
    inbound_id: i64,
    rules: BounceRules,
) -> Result<bool, StoreError> {
    let since = (chrono::Utc::now() - chrono::Duration::days(i64::from(rules.soft_days)))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let count: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM bounces
         WHERE member_id = $1 AND hard = 0 AND counted = 0 AND at >= $2 AND inbound_id <= $3",
    )
    .bind(member_id)
    .bind(since.clone())
    .bind(inbound_id)
    .fetch_one(&mut *conn)
    .await?
    .try_get("n")?;
    if count < i64::from(rules.soft_threshold.max(1)) {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE bounces SET counted = 1
         WHERE member_id = $1 AND hard = 0 AND at >= $2 AND inbound_id <= $3",
    )
    .bind(member_id)
    .bind(since)
    .bind(inbound_id)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// Raises the member's bounce score by one, and suppresses the address at `threshold`.
pub(super) async fn raise_bounce_score(
    conn: &mut AnyConnection,
    member_id: i64,
    source: &str,
    threshold: u32,
) -> Result<(), StoreError> {
    let row = sqlx::query(
        "UPDATE members SET bounce_score = bounce_score + 1 WHERE id = $1
         RETURNING email, bounce_score",
    )
    .bind(member_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(());
    };
    let score: i64 = row.try_get("bounce_score")?;
    if score >= i64::from(threshold) {
        let email: String = row.try_get("email")?;
        let change = SuppressionChange {
            email: &email,
            reason: SuppressionReason::HardBounce,
            source,
            actor: "bounces",
        };
        suppress_in(conn, change).await?;
    }
    Ok(())
}

/// Queues a notice, due now; a second notice of the same purpose to the same member about
/// the same circular is not made (one confirmation, however many requests). Returns the
/// new delivery's id.
pub(super) async fn queue_notice(
    conn: &mut AnyConnection,
    notice: &NewNotice,
    now_ms_sql: &str,
) -> Result<Option<i64>, StoreError> {
    let sql = format!(
        "INSERT INTO deliveries (circular_id, member_id, committee_id, purpose, language, role,
             state, message_id, due_at, created_at, raw)
         VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, {now_ms_sql}, $8, $9)
         ON CONFLICT DO NOTHING RETURNING id"
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(notice.circular_id)
        .bind(notice.member_id)
        .bind(notice.committee_id)
        .bind(notice.purpose.clone())
        .bind(notice.language.clone())
        .bind(notice.role.clone())
        .bind(notice.message_id.clone())
        .bind(now())
        .bind(notice.raw.clone())
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|row| row.try_get("id")).transpose()?)
}
