//! The members' questions, and the secretariat's answers to them.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::answers::{AnswerKind, PendingAnswer, answer_to, queue_answer};
use super::corrections::{Change, log_change};
use super::{Store, StoreError, now};

/// A member's question.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Question {
    pub id: i64,
    pub circular: Option<u32>,
    /// The member's email.
    pub member: Option<String>,
    pub text: String,
    /// `open` or `answered`.
    pub status: String,
    pub received_at: String,
    #[serde(skip)]
    pub circular_id: Option<i64>,
    #[serde(skip)]
    pub member_id: Option<i64>,
    #[serde(skip)]
    pub inbound_id: i64,
}

impl Store {
    /// The questions, oldest first: of one circular, and only the open ones, if asked.
    ///
    /// # Errors
    /// The database fails.
    pub async fn questions(
        &self,
        circular_id: Option<i64>,
        open: bool,
    ) -> Result<Vec<Question>, StoreError> {
        let rows = sqlx::query(
            "SELECT q.id, q.circular_id, c.number, q.member_id, m.email, q.text, q.status,
                    q.received_at, q.inbound_id
             FROM questions q LEFT JOIN circulars c ON c.id = q.circular_id
             LEFT JOIN members m ON m.id = q.member_id
             WHERE ($1 < 0 OR q.circular_id = $1) AND ($2 = 0 OR q.status = 'open')
             ORDER BY q.received_at, q.id",
        )
        .bind(circular_id.unwrap_or(-1))
        .bind(i64::from(open))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(question_from_row).collect()
    }

    /// Question `id`.
    ///
    /// # Errors
    /// The database fails.
    pub async fn question(&self, id: i64) -> Result<Option<Question>, StoreError> {
        let row = sqlx::query(
            "SELECT q.id, q.circular_id, c.number, q.member_id, m.email, q.text, q.status,
                    q.received_at, q.inbound_id
             FROM questions q LEFT JOIN circulars c ON c.id = q.circular_id
             LEFT JOIN members m ON m.id = q.member_id WHERE q.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(question_from_row).transpose()
    }

    /// Records the secretariat's answer to question `question`: queued for the outbox in
    /// the member's thread, the question marked answered, logged.
    ///
    /// # Errors
    /// The database fails; nothing is written then.
    pub async fn answer_question(
        &self,
        question: &Question,
        markdown: &str,
        actor: &str,
    ) -> Result<(), StoreError> {
        let (Some(circular_id), Some(member_id)) = (question.circular_id, question.member_id)
        else {
            return Err(StoreError::Invalid(format!(
                "question {} is not matched to a member and circular: answer it by mail",
                question.id
            )));
        };
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let answered = sqlx::query(
            "UPDATE questions SET status = 'answered', answer = $2, answered_at = $3
             WHERE id = $1 AND status = 'open'",
        )
        .bind(question.id)
        .bind(markdown.to_owned())
        .bind(now())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if answered == 0 {
            return Err(StoreError::Invalid(format!(
                "question {} is answered already",
                question.id
            )));
        }
        let answer = PendingAnswer {
            question_id: Some(question.id),
            body: Some(markdown.to_owned()),
            ..answer_to(
                circular_id,
                member_id,
                Some(question.inbound_id),
                AnswerKind::Answer,
            )
        };
        queue_answer(&mut tx, &answer).await?;
        log_change(
            &mut tx,
            &Change {
                actor,
                action: "question.answer",
                subject: format!("question:{}", question.id),
                before: None,
                after: Some(markdown.to_owned()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn question_from_row(row: &AnyRow) -> Result<Question, StoreError> {
    let number: Option<i64> = row.try_get("number")?;
    Ok(Question {
        id: row.try_get("id")?,
        circular: number.and_then(|n| u32::try_from(n).ok()),
        member: row.try_get("email")?,
        text: row.try_get("text")?,
        status: row.try_get("status")?,
        received_at: row.try_get("received_at")?,
        circular_id: row.try_get("circular_id")?,
        member_id: row.try_get("member_id")?,
        inbound_id: row.try_get("inbound_id")?,
    })
}
