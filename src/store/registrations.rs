//! The records the members' replies lead to: registrations and their attendees, and
//! declines. A reply's records are written in the transaction that records its decision;
//! the circular's row is locked first on PostgreSQL (SQLite has one writer), so that two
//! daemons never give the same seat twice. Questions are in `questions`, the automatic
//! answers in `answers`, the secretariat's corrections in `corrections`.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::answers::{AnswerKind, answer_to, queue_answer};
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
pub(super) async fn policy(
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

pub(super) async fn registration_of(
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
pub(super) async fn taken(
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
pub(super) async fn waiting(
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
pub(super) struct Saved<'a> {
    pub(super) circular_id: i64,
    pub(super) member_id: i64,
    pub(super) inbound_id: Option<i64>,
    pub(super) status: Status,
    pub(super) late: bool,
    pub(super) received_at: &'a str,
    pub(super) attendees: &'a [Attendee],
}

/// Writes the member's registration (one per member and circular) and its attendees.
pub(super) async fn save(conn: &mut AnyConnection, saved: &Saved<'_>) -> Result<i64, StoreError> {
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

pub(super) async fn set_status(
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
pub(super) async fn promote(
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
}
