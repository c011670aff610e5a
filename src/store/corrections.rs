//! The secretariat's hand on what the replies recorded: a reply resolved (or its kind
//! changed), a registration cancelled or its attendees set, each logged in `records_log`
//! with who made it, before and after.

use chrono::Utc;
use sqlx::{AnyConnection, Row};

use super::answers::{AnswerKind, answer_to, queue_answer};
use super::registrations::{
    ReplyRecord, ReplyRecorded, Saved, policy, promote, record_reply, registration_of, save,
    set_status, taken, waiting,
};
use super::{Backend, Store, StoreError, now};
use crate::registrations::{self, Status};
use crate::replies::Attendee;

/// Undoes what reply `inbound_id` recorded, before the secretariat records it anew: its
/// open questions and its decline go, and the registration it made is cancelled (its
/// seats go to the waitlist). Answers already sent stay sent.
async fn undo_reply(
    conn: &mut AnyConnection,
    backend: Backend,
    inbound_id: i64,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM questions WHERE inbound_id = $1 AND status = 'open'")
        .bind(inbound_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM declines WHERE inbound_id = $1")
        .bind(inbound_id)
        .execute(&mut *conn)
        .await?;
    let row = sqlx::query(
        "SELECT id, circular_id, status FROM registrations WHERE inbound_id = $1
         AND status IN ('confirmed', 'waitlisted')",
    )
    .bind(inbound_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(row) = row {
        let id: i64 = row.try_get("id")?;
        let circular_id: i64 = row.try_get("circular_id")?;
        let status: String = row.try_get("status")?;
        let policy = policy(conn, backend, circular_id).await?;
        set_status(conn, id, Status::Cancelled).await?;
        if status == "confirmed" {
            promote(conn, &policy, circular_id).await?;
        }
    }
    Ok(())
}

/// A change a person made, for `records_log`.
pub struct Change<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub subject: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

pub(super) async fn log_change(
    conn: &mut AnyConnection,
    change: &Change<'_>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO records_log (at, actor, action, subject, before, after)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(now())
    .bind(change.actor.to_owned())
    .bind(change.action.to_owned())
    .bind(change.subject.clone())
    .bind(change.before.clone())
    .bind(change.after.clone())
    .execute(conn)
    .await?;
    Ok(())
}

impl Store {
    /// The secretariat's reading of reply `inbound_id`: what the reply recorded before is
    /// undone, `record` is recorded as the reader's own would be, the message is marked
    /// processed with `kinds`, and the change is logged.
    ///
    /// # Errors
    /// The database fails; nothing is written then.
    pub async fn resolve_reply(
        &self,
        record: &ReplyRecord,
        kinds: &str,
        change: &Change<'_>,
    ) -> Result<ReplyRecorded, StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        undo_reply(&mut tx, self.backend, record.inbound_id).await?;
        let recorded = record_reply(&mut tx, self.backend, record).await?;
        sqlx::query(
            "UPDATE inbound_messages SET status = 'processed', kinds = $2, circular_id = $3,
                 member_id = $4 WHERE id = $1",
        )
        .bind(record.inbound_id)
        .bind(kinds.to_owned())
        .bind(record.circular_id)
        .bind(record.member_id)
        .execute(&mut *tx)
        .await?;
        log_change(&mut tx, change).await?;
        tx.commit().await?;
        Ok(recorded)
    }

    /// Cancels the registration of member `member_id` to circular `circular_id` (seats go to
    /// the waitlist, who is told); the member is told too when `tell`.
    ///
    /// # Errors
    /// The database fails, or there is no active registration.
    pub async fn cancel_registration(
        &self,
        circular_id: i64,
        member_id: i64,
        tell: bool,
        change: &Change<'_>,
    ) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let policy = policy(&mut tx, self.backend, circular_id).await?;
        let Some(registration) = registration_of(&mut tx, circular_id, member_id)
            .await?
            .filter(|r| r.status.is_active())
        else {
            return Err(StoreError::Invalid(format!(
                "{} has no registration to cancel",
                change.subject
            )));
        };
        set_status(&mut tx, registration.id, Status::Cancelled).await?;
        if tell {
            let answer = answer_to(
                circular_id,
                member_id,
                registration.inbound_id,
                AnswerKind::Withdrawn,
            );
            queue_answer(&mut tx, &answer).await?;
        }
        if registration.status == Status::Confirmed {
            promote(&mut tx, &policy, circular_id).await?;
        }
        log_change(&mut tx, change).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets the attendees of the member's registration (made, and placed by the seats left
    /// whatever the deadline, when there is none); a registration that holds seats keeps its status if
    /// its new seats fit, and seats it frees go to the waitlist.
    ///
    /// # Errors
    /// The database fails, or the new seats do not fit.
    pub async fn set_registration(
        &self,
        circular_id: i64,
        member_id: i64,
        attendees: &[Attendee],
        change: &Change<'_>,
    ) -> Result<Status, StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let policy = policy(&mut tx, self.backend, circular_id).await?;
        let existing = registration_of(&mut tx, circular_id, member_id)
            .await?
            .filter(|r| r.status.is_active());
        let seats = registrations::seats(attendees);
        let at = now();
        let status = match &existing {
            Some(registration) => {
                let others = taken(&mut tx, circular_id, Some(registration.id)).await?;
                if registration.status == Status::Confirmed && !policy.fits(seats, others) {
                    return Err(StoreError::Invalid(format!(
                        "{seats} seats do not fit: {others} of {} are held by others",
                        policy.capacity.unwrap_or(0)
                    )));
                }
                registration.status
            }
            None => {
                let others = taken(&mut tx, circular_id, None).await?;
                let queue = waiting(&mut tx, &policy, circular_id).await?;
                // The secretariat registering someone waives the deadline, not the seats.
                let waived = registrations::Policy {
                    deadline: None,
                    ..policy
                };
                waived.place(seats, Utc::now(), others, queue).status
            }
        };
        let (received_at, inbound_id, late) = existing.as_ref().map_or_else(
            || (at.clone(), None, false),
            |r| (r.received_at.clone(), r.inbound_id, r.late),
        );
        save(
            &mut tx,
            &Saved {
                circular_id,
                member_id,
                inbound_id,
                status,
                late,
                received_at: &received_at,
                attendees,
            },
        )
        .await?;
        if existing.is_some_and(|r| r.status == Status::Confirmed && r.seats > seats) {
            promote(&mut tx, &policy, circular_id).await?;
        }
        log_change(&mut tx, change).await?;
        tx.commit().await?;
        Ok(status)
    }

    /// The secretariat's kinds for message `id`, which records nothing (it is matched to
    /// no member, or is a robot's): marked processed, logged.
    ///
    /// # Errors
    /// The database fails.
    pub async fn set_inbound_kinds(
        &self,
        id: i64,
        kinds: &str,
        actor: &str,
    ) -> Result<(), StoreError> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        undo_reply(&mut tx, self.backend, id).await?;
        sqlx::query("UPDATE inbound_messages SET status = 'processed', kinds = $2 WHERE id = $1")
            .bind(id)
            .bind(kinds.to_owned())
            .execute(&mut *tx)
            .await?;
        let change = Change {
            actor,
            action: "reply.resolve",
            subject: format!("inbound:{id}"),
            before: None,
            after: Some(kinds.to_owned()),
        };
        log_change(&mut tx, &change).await?;
        tx.commit().await?;
        Ok(())
    }
}
