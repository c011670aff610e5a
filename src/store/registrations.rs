//! The records the members' replies lead to: registrations and their attendees, declines,
//! questions, and the automatic answers waiting to be made. A reply's records are written
//! in the transaction that records its decision; the circular's row is locked first on
//! PostgreSQL (SQLite has one writer), so that two daemons never give the same seat twice.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::{Backend, Store, StoreError, now};
use crate::circulars::definition::Late;
use crate::registrations::{self, Policy, Status};
use crate::replies::Attendee;

/// What a person's reply, read with confidence (or resolved by the secretariat), records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplyRecord {
    pub inbound_id: i64,
    pub circular_id: i64,
    pub member_id: i64,
    /// When it reached the secretariat (RFC 3339), for the deadline.
    pub received_at: String,
    /// People registered (the member themself when they name nobody).
    pub register: Option<Vec<Attendee>>,
    /// A withdrawal: of the people named, or of the whole registration when none is.
    pub cancel: Option<Vec<Attendee>>,
    pub declines: bool,
    pub question: Option<String>,
}

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

    fn of(status: Status) -> AnswerKind {
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

/// A member's registration to a circular.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Registration {
    #[serde(skip)]
    pub id: i64,
    /// The member's email.
    pub member: String,
    pub attendees: Vec<Attendee>,
    pub status: Status,
    pub late: bool,
    pub received_at: String,
    #[serde(skip)]
    pub seats: u32,
    #[serde(skip)]
    pub inbound_id: Option<i64>,
}

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

/// Counts for `status NNN`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReplyCounts {
    pub registered: i64,
    /// Seats held by confirmed registrations.
    pub seats: i64,
    pub waitlisted: i64,
    pub refused: i64,
    pub cancelled: i64,
    pub declined: i64,
    pub open_questions: i64,
}

/// What recording a reply found that a person should decide.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReplyRecorded {
    /// Why the reply goes to review after all (a registration that grew past the seats).
    pub review: Option<String>,
}

const REGISTRATION_COLUMNS: &str =
    "r.id, m.email, r.status, r.late, r.received_at, r.seats, r.inbound_id";

fn registration_from_row(row: &AnyRow) -> Result<Registration, StoreError> {
    let status: String = row.try_get("status")?;
    let seats: i64 = row.try_get("seats")?;
    Ok(Registration {
        id: row.try_get("id")?,
        member: row.try_get("email")?,
        attendees: Vec::new(),
        status: status
            .parse()
            .map_err(|e: String| sqlx::Error::Decode(e.into()))?,
        late: row.try_get::<i64, _>("late")? != 0,
        received_at: row.try_get("received_at")?,
        seats: u32::try_from(seats).unwrap_or(1),
        inbound_id: row.try_get("inbound_id")?,
    })
}

/// The time of a reply, as stored, for the deadline.
fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).map_or_else(|_| Utc::now(), |t| t.with_timezone(&Utc))
}

/// The circular's policy; on PostgreSQL its row stays locked until the transaction ends.
async fn policy(
    conn: &mut AnyConnection,
    backend: Backend,
    circular_id: i64,
) -> Result<Policy, StoreError> {
    let lock = match backend {
        Backend::Postgres => " FOR UPDATE",
        Backend::Sqlite => "",
    };
    let sql = format!("SELECT capacity, deadline, late FROM circulars WHERE id = $1{lock}");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(circular_id)
        .fetch_one(&mut *conn)
        .await?;
    let capacity: Option<i64> = row.try_get("capacity")?;
    let deadline: Option<String> = row.try_get("deadline")?;
    let late: String = row.try_get("late")?;
    Ok(Policy {
        capacity: capacity.and_then(|c| u32::try_from(c).ok()),
        deadline: deadline.as_deref().map(instant),
        late: match late.as_str() {
            "accept" => Late::Accept,
            "refuse" => Late::Refuse,
            _ => Late::Waitlist,
        },
    })
}

async fn attendees_of(
    conn: &mut AnyConnection,
    registration_id: i64,
) -> Result<Vec<Attendee>, StoreError> {
    let rows = sqlx::query(
        "SELECT name, position, email FROM attendees WHERE registration_id = $1 ORDER BY id",
    )
    .bind(registration_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Attendee {
                name: row.try_get("name")?,
                position: row.try_get("position")?,
                email: row.try_get("email")?,
            })
        })
        .collect()
}

async fn registration_of(
    conn: &mut AnyConnection,
    circular_id: i64,
    member_id: i64,
) -> Result<Option<Registration>, StoreError> {
    let sql = format!(
        "SELECT {REGISTRATION_COLUMNS} FROM registrations r JOIN members m ON m.id = r.member_id
         WHERE r.circular_id = $1 AND r.member_id = $2"
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(circular_id)
        .bind(member_id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let mut registration = registration_from_row(&row)?;
    registration.attendees = attendees_of(conn, registration.id).await?;
    Ok(Some(registration))
}

/// Seats held by confirmed registrations of the circular, but `except`'s.
async fn taken(
    conn: &mut AnyConnection,
    circular_id: i64,
    except: Option<i64>,
) -> Result<u32, StoreError> {
    let seats: i64 = sqlx::query(
        "SELECT CAST(COALESCE(SUM(seats), 0) AS BIGINT) AS seats FROM registrations
         WHERE circular_id = $1 AND status = 'confirmed' AND id <> $2",
    )
    .bind(circular_id)
    .bind(except.unwrap_or(0))
    .fetch_one(&mut *conn)
    .await?
    .try_get("seats")?;
    Ok(u32::try_from(seats).unwrap_or(u32::MAX))
}

/// Whether someone waits for a seat (not counting those waitlisted for being late, who
/// are promoted only when late registrations are accepted).
async fn waiting(
    conn: &mut AnyConnection,
    policy: &Policy,
    circular_id: i64,
) -> Result<bool, StoreError> {
    let count: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM registrations
         WHERE circular_id = $1 AND status = 'waitlisted' AND ($2 = 1 OR late = 0)",
    )
    .bind(circular_id)
    .bind(i64::from(policy.late == Late::Accept))
    .fetch_one(&mut *conn)
    .await?
    .try_get("n")?;
    Ok(count > 0)
}

/// What a registration becomes.
struct Saved<'a> {
    circular_id: i64,
    member_id: i64,
    inbound_id: Option<i64>,
    status: Status,
    late: bool,
    received_at: &'a str,
    attendees: &'a [Attendee],
}

/// Writes the member's registration (one per member and circular) and its attendees.
async fn save(conn: &mut AnyConnection, saved: &Saved<'_>) -> Result<i64, StoreError> {
    let id: i64 = sqlx::query(
        "INSERT INTO registrations (circular_id, member_id, inbound_id, status, late, received_at, seats, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (circular_id, member_id) DO UPDATE SET inbound_id = excluded.inbound_id,
             status = excluded.status, late = excluded.late, received_at = excluded.received_at,
             seats = excluded.seats, updated_at = excluded.updated_at
         RETURNING id",
    )
    .bind(saved.circular_id)
    .bind(saved.member_id)
    .bind(saved.inbound_id)
    .bind(saved.status.as_str())
    .bind(i64::from(saved.late))
    .bind(saved.received_at.to_owned())
    .bind(i64::from(registrations::seats(saved.attendees)))
    .bind(now())
    .fetch_one(&mut *conn)
    .await?
    .try_get("id")?;
    set_attendees(conn, id, saved.attendees).await?;
    Ok(id)
}

async fn set_attendees(
    conn: &mut AnyConnection,
    registration_id: i64,
    attendees: &[Attendee],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM attendees WHERE registration_id = $1")
        .bind(registration_id)
        .execute(&mut *conn)
        .await?;
    for attendee in attendees {
        sqlx::query(
            "INSERT INTO attendees (registration_id, name, position, email) VALUES ($1, $2, $3, $4)",
        )
        .bind(registration_id)
        .bind(attendee.name.clone())
        .bind(attendee.position.clone())
        .bind(attendee.email.clone())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn set_status(
    conn: &mut AnyConnection,
    registration_id: i64,
    status: Status,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE registrations SET status = $2, updated_at = $3 WHERE id = $1")
        .bind(registration_id)
        .bind(status.as_str())
        .bind(now())
        .execute(&mut *conn)
        .await?;
    Ok(())
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

fn answer_to(
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

/// Writes what `record` says; automatic answers are queued with it.
pub(super) async fn record_reply(
    conn: &mut AnyConnection,
    backend: Backend,
    record: &ReplyRecord,
) -> Result<ReplyRecorded, StoreError> {
    let mut recorded = ReplyRecorded::default();
    let policy = policy(conn, backend, record.circular_id).await?;
    let existing = registration_of(conn, record.circular_id, record.member_id).await?;
    let active = existing.filter(|r| r.status.is_active());
    if let Some(gone) = &record.cancel {
        if let Some(registration) = &active {
            recorded.review = withdraw(conn, &policy, record, registration, gone).await?;
        } else if record.register.is_none() {
            decline(conn, record).await?;
        }
    } else if record.declines {
        match &active {
            Some(registration) => {
                recorded.review = withdraw(conn, &policy, record, registration, &[]).await?;
            }
            None => decline(conn, record).await?,
        }
    }
    if let Some(people) = &record.register {
        let active = registration_of(conn, record.circular_id, record.member_id)
            .await?
            .filter(|r| r.status.is_active());
        let review = register(conn, &policy, record, active.as_ref(), people).await?;
        recorded.review = recorded.review.or(review);
    }
    if let Some(text) = &record.question {
        sqlx::query(
            "INSERT INTO questions (circular_id, member_id, inbound_id, text, status, received_at)
             VALUES ($1, $2, $3, $4, 'open', $5)",
        )
        .bind(record.circular_id)
        .bind(record.member_id)
        .bind(record.inbound_id)
        .bind(text.clone())
        .bind(record.received_at.clone())
        .execute(&mut *conn)
        .await?;
    }
    Ok(recorded)
}

/// A registration, new or added to the member's: placed by the policy and answered. An
/// addition that needs more seats than are free changes nothing and goes to review.
async fn register(
    conn: &mut AnyConnection,
    policy: &Policy,
    record: &ReplyRecord,
    active: Option<&Registration>,
    people: &[Attendee],
) -> Result<Option<String>, StoreError> {
    sqlx::query("DELETE FROM declines WHERE circular_id = $1 AND member_id = $2")
        .bind(record.circular_id)
        .bind(record.member_id)
        .execute(&mut *conn)
        .await?;
    let (status, late, received_at, attendees) = match active {
        Some(registration) => {
            let merged = registrations::merge(&registration.attendees, people);
            let seats = registrations::seats(&merged);
            let others = taken(conn, record.circular_id, Some(registration.id)).await?;
            if registration.status == Status::Confirmed && !policy.fits(seats, others) {
                let free = policy.capacity.unwrap_or(0).saturating_sub(others);
                return Ok(Some(format!(
                    "the registration would grow to {seats} seats and {free} are free: nothing changed"
                )));
            }
            // A waitlisted one keeps its place in the queue; a confirmed one its seats.
            (
                registration.status,
                registration.late,
                registration.received_at.clone(),
                merged,
            )
        }
        None => {
            let seats = registrations::seats(people);
            let others = taken(conn, record.circular_id, None).await?;
            let queue = waiting(conn, policy, record.circular_id).await?;
            let placement = policy.place(seats, instant(&record.received_at), others, queue);
            (
                placement.status,
                placement.late,
                record.received_at.clone(),
                people.to_vec(),
            )
        }
    };
    save(
        conn,
        &Saved {
            circular_id: record.circular_id,
            member_id: record.member_id,
            inbound_id: Some(record.inbound_id),
            status,
            late,
            received_at: &received_at,
            attendees: &attendees,
        },
    )
    .await?;
    let answer = answer_to(
        record.circular_id,
        record.member_id,
        Some(record.inbound_id),
        AnswerKind::of(status),
    );
    queue_answer(conn, &answer).await?;
    Ok(None)
}

/// A withdrawal of the people `gone` (all when none is named or nobody else is left): the
/// seats freed go to the waitlist, and the member and the promoted are told. One that names
/// only people who are not registered changes nothing: why is returned, for review.
async fn withdraw(
    conn: &mut AnyConnection,
    policy: &Policy,
    record: &ReplyRecord,
    registration: &Registration,
    gone: &[Attendee],
) -> Result<Option<String>, StoreError> {
    let named = gone.iter().any(|person| {
        registration
            .attendees
            .iter()
            .any(|known| registrations::same_person(known, person))
    });
    if !gone.is_empty() && !named {
        let names: Vec<&str> = gone.iter().map(|p| p.name.as_str()).collect();
        return Ok(Some(format!(
            "the withdrawal names {}, who is not among the registered: nothing changed",
            names.join(", ")
        )));
    }
    match registrations::without(&registration.attendees, gone) {
        Some(kept) => {
            sqlx::query("UPDATE registrations SET seats = $2, updated_at = $3 WHERE id = $1")
                .bind(registration.id)
                .bind(i64::from(registrations::seats(&kept)))
                .bind(now())
                .execute(&mut *conn)
                .await?;
            set_attendees(conn, registration.id, &kept).await?;
        }
        None => set_status(conn, registration.id, Status::Cancelled).await?,
    }
    let answer = answer_to(
        record.circular_id,
        record.member_id,
        Some(record.inbound_id),
        AnswerKind::Withdrawn,
    );
    queue_answer(conn, &answer).await?;
    if registration.status == Status::Confirmed {
        promote(conn, policy, record.circular_id).await?;
    }
    Ok(None)
}

async fn decline(conn: &mut AnyConnection, record: &ReplyRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO declines (circular_id, member_id, inbound_id, received_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT (circular_id, member_id) DO NOTHING",
    )
    .bind(record.circular_id)
    .bind(record.member_id)
    .bind(record.inbound_id)
    .bind(record.received_at.clone())
    .execute(conn)
    .await?;
    Ok(())
}

/// Confirms the first on the waitlist while their seats fit, and tells them. Those
/// waitlisted for being late stay there unless late registrations are accepted.
async fn promote(
    conn: &mut AnyConnection,
    policy: &Policy,
    circular_id: i64,
) -> Result<(), StoreError> {
    let rows = sqlx::query(
        "SELECT id, member_id, seats, late, inbound_id FROM registrations
         WHERE circular_id = $1 AND status = 'waitlisted' ORDER BY received_at, id",
    )
    .bind(circular_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut waitlist = Vec::new();
    let mut members = Vec::new();
    for row in &rows {
        let late = row.try_get::<i64, _>("late")? != 0;
        if late && policy.late != Late::Accept {
            continue;
        }
        let seats: i64 = row.try_get("seats")?;
        let id: i64 = row.try_get("id")?;
        waitlist.push((id, u32::try_from(seats).unwrap_or(u32::MAX)));
        members.push((
            id,
            row.try_get::<i64, _>("member_id")?,
            row.try_get::<Option<i64>, _>("inbound_id")?,
        ));
    }
    let taken = taken(conn, circular_id, None).await?;
    for id in policy.promote(taken, &waitlist) {
        set_status(conn, id, Status::Confirmed).await?;
        if let Some(&(_, member_id, inbound_id)) = members.iter().find(|m| m.0 == id) {
            let answer = answer_to(circular_id, member_id, inbound_id, AnswerKind::Promoted);
            queue_answer(conn, &answer).await?;
        }
    }
    Ok(())
}

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

async fn log_change(conn: &mut AnyConnection, change: &Change<'_>) -> Result<(), StoreError> {
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
    /// The registrations to circular `circular_id`, first come first, with their
    /// attendees.
    ///
    /// # Errors
    /// The database fails.
    pub async fn registrations(&self, circular_id: i64) -> Result<Vec<Registration>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let sql = format!(
            "SELECT {REGISTRATION_COLUMNS} FROM registrations r JOIN members m ON m.id = r.member_id
             WHERE r.circular_id = $1 ORDER BY r.received_at, r.id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(circular_id)
            .fetch_all(&mut *conn)
            .await?;
        let mut registrations = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut registration = registration_from_row(row)?;
            registration.attendees = attendees_of(&mut conn, registration.id).await?;
            registrations.push(registration);
        }
        Ok(registrations)
    }

    /// The registration of member `member_id` to circular `circular_id`.
    ///
    /// # Errors
    /// The database fails.
    pub async fn registration(
        &self,
        circular_id: i64,
        member_id: i64,
    ) -> Result<Option<Registration>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        registration_of(&mut conn, circular_id, member_id).await
    }

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

    /// Sets the attendees of the member's registration (made, and placed by the policy as
    /// of now, when there is none); a registration that holds seats keeps its status if
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
                policy.place(seats, Utc::now(), others, queue).status
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

    /// Counts of the replies' records for circular `circular_id`.
    ///
    /// # Errors
    /// The database fails.
    pub async fn reply_counts(&self, circular_id: i64) -> Result<ReplyCounts, StoreError> {
        let row = sqlx::query(
            "SELECT
                 (SELECT COUNT(*) FROM registrations WHERE circular_id = $1 AND status = 'confirmed') AS registered,
                 (SELECT CAST(COALESCE(SUM(seats), 0) AS BIGINT) FROM registrations WHERE circular_id = $1 AND status = 'confirmed') AS seats,
                 (SELECT COUNT(*) FROM registrations WHERE circular_id = $1 AND status = 'waitlisted') AS waitlisted,
                 (SELECT COUNT(*) FROM registrations WHERE circular_id = $1 AND status = 'refused') AS refused,
                 (SELECT COUNT(*) FROM registrations WHERE circular_id = $1 AND status = 'cancelled') AS cancelled,
                 (SELECT COUNT(*) FROM declines WHERE circular_id = $1) AS declined,
                 (SELECT COUNT(*) FROM questions WHERE circular_id = $1 AND status = 'open') AS open_questions",
        )
        .bind(circular_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(ReplyCounts {
            registered: row.try_get("registered")?,
            seats: row.try_get("seats")?,
            waitlisted: row.try_get("waitlisted")?,
            refused: row.try_get("refused")?,
            cancelled: row.try_get("cancelled")?,
            declined: row.try_get("declined")?,
            open_questions: row.try_get("open_questions")?,
        })
    }

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

impl Store {
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

impl Store {
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
