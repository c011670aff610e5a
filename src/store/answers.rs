//! The automatic answers waiting to be made into notices (confirmed, waitlisted, promoted,
//! refused, withdrawn, and the secretariat's answers to questions), queued with the record
//! that calls for them.

use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::{Store, StoreError, now};
use crate::registrations::Status;

/// An automatic answer called for by a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerKind {
    Confirmed,
    Waitlisted,
    Promoted,
    Refused,
    Withdrawn,
    /// The secretariat's answer to a question.
    Answer,
}

impl AnswerKind {
    /// The stored name, and the name of its texts in `templates/mail/`.
    pub fn as_str(self) -> &'static str {
        match self {
            AnswerKind::Confirmed => "confirmed",
            AnswerKind::Waitlisted => "waitlisted",
            AnswerKind::Promoted => "promoted",
            AnswerKind::Refused => "refused",
            AnswerKind::Withdrawn => "withdrawn",
            AnswerKind::Answer => "answer",
        }
    }

    pub const ALL: [AnswerKind; 6] = [
        AnswerKind::Confirmed,
        AnswerKind::Waitlisted,
        AnswerKind::Promoted,
        AnswerKind::Refused,
        AnswerKind::Withdrawn,
        AnswerKind::Answer,
    ];

    pub(super) fn of(status: Status) -> AnswerKind {
        match status {
            Status::Confirmed => AnswerKind::Confirmed,
            Status::Waitlisted => AnswerKind::Waitlisted,
            Status::Refused => AnswerKind::Refused,
            Status::Cancelled => AnswerKind::Withdrawn,
        }
    }
}

impl std::str::FromStr for AnswerKind {
    type Err = String;

    fn from_str(s: &str) -> Result<AnswerKind, String> {
        AnswerKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| format!("unknown answer `{s}`"))
    }
}

/// An automatic answer to make into a notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingAnswer {
    pub id: i64,
    pub circular_id: i64,
    pub member_id: i64,
    pub inbound_id: Option<i64>,
    pub kind: AnswerKind,
    pub question_id: Option<i64>,
    /// The secretariat's Markdown, for [`AnswerKind::Answer`].
    pub body: Option<String>,
}

/// Queues an automatic answer, made into a notice once the transaction is committed.
pub(super) async fn queue_answer(
    conn: &mut AnyConnection,
    answer: &PendingAnswer,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO answers (circular_id, member_id, inbound_id, kind, question_id, body, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(answer.circular_id)
    .bind(answer.member_id)
    .bind(answer.inbound_id)
    .bind(answer.kind.as_str())
    .bind(answer.question_id)
    .bind(answer.body.clone())
    .bind(now())
    .execute(conn)
    .await?;
    Ok(())
}

pub(super) fn answer_to(
    circular_id: i64,
    member_id: i64,
    inbound_id: Option<i64>,
    kind: AnswerKind,
) -> PendingAnswer {
    PendingAnswer {
        id: 0,
        circular_id,
        member_id,
        inbound_id,
        kind,
        question_id: None,
        body: None,
    }
}

impl Store {
    /// The automatic answers not made into notices yet, oldest first.
    ///
    /// # Errors
    /// The database fails.
    pub async fn pending_answers(&self, limit: u32) -> Result<Vec<PendingAnswer>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, circular_id, member_id, inbound_id, kind, question_id, body FROM answers
             WHERE state = 'pending' ORDER BY id LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let kind: String = row.try_get("kind")?;
                Ok(PendingAnswer {
                    id: row.try_get("id")?,
                    circular_id: row.try_get("circular_id")?,
                    member_id: row.try_get("member_id")?,
                    inbound_id: row.try_get("inbound_id")?,
                    kind: kind
                        .parse()
                        .map_err(|e: String| sqlx::Error::Decode(e.into()))?,
                    question_id: row.try_get("question_id")?,
                    body: row.try_get("body")?,
                })
            })
            .collect()
    }

    /// Automatic answers (not the secretariat's) queued for member `member_id` since `since`
    /// (RFC 3339).
    ///
    /// # Errors
    /// The database fails.
    pub async fn answers_since(&self, member_id: i64, since: &str) -> Result<i64, StoreError> {
        let count: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM answers WHERE member_id = $1 AND state = 'queued'
             AND kind <> 'answer' AND created_at >= $2",
        )
        .bind(member_id)
        .bind(since.to_owned())
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        Ok(count)
    }

    /// Answer `id` is made: its notice goes into the outbox, both in one transaction.
    ///
    /// # Errors
    /// The database fails.
    pub async fn answer_made(&self, id: i64, notice: &super::NewNotice) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let delivery_id =
            super::decisions::queue_notice(&mut tx, notice, self.now_ms_sql()).await?;
        sqlx::query("UPDATE answers SET state = 'queued', delivery_id = $2 WHERE id = $1")
            .bind(id)
            .bind(delivery_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Answer `id` is not sent, for `note`.
    ///
    /// # Errors
    /// The database fails.
    pub async fn answer_skipped(&self, id: i64, note: &str) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        sqlx::query("UPDATE answers SET state = 'skipped', note = $2 WHERE id = $1")
            .bind(id)
            .bind(note.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The delivery of circular `circular_id` itself (not a reminder) to member `member_id`.
    ///
    /// # Errors
    /// The database fails.
    pub async fn circular_delivery(
        &self,
        circular_id: i64,
        member_id: i64,
    ) -> Result<Option<super::DeliveryRef>, StoreError> {
        let sql = format!(
            "SELECT {} FROM deliveries d JOIN circulars c ON c.id = d.circular_id
             WHERE d.circular_id = $1 AND d.member_id = $2 AND d.purpose = 'circular'",
            super::decisions::DELIVERY_COLUMNS
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(circular_id)
            .bind(member_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .as_ref()
            .map(super::decisions::delivery_from_row)
            .transpose()?)
    }
}
