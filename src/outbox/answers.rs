//! The automatic answers queued with the replies' records (confirmed, waitlisted, promoted,
//! refused, withdrawn) and the secretariat's answers to questions, made into notices in
//! the outbox, threaded to the member's reply. An automatic answer goes to a member at most
//! [`PER_DAY`] times a day, whatever they send (RFC 3834's loop prevention); it is never
//! made for a robot's message, since robots' messages record nothing, nor to an address
//! suppressed for bounces or by hand (one that unsubscribed still hears back about what it
//! wrote).

use chrono::{Duration, SecondsFormat, Utc};
use mail_parser::{HeaderValue, MessageParser};
use tracing::Instrument;

use super::notice::{Answer, Notices};
use crate::registrations;
use crate::store::{AnswerKind, PendingAnswer, Store, StoreError};

/// Automatic answers to one member within a day, at most.
pub const PER_DAY: i64 = 3;

/// Answers made per call.
const BATCH: u32 = 64;

/// Makes the pending answers into notices; returns how many were queued. An answer that
/// cannot be made is skipped with its reason (logged): a text that does not render is
/// `check`'s to find, not a reason to block the others.
///
/// # Errors
/// The database fails (what was made stays made).
pub async fn make_pending(store: &Store, notices: &Notices) -> Result<usize, StoreError> {
    let mut made = 0;
    loop {
        let pending = store.pending_answers(BATCH).await?;
        if pending.is_empty() {
            return Ok(made);
        }
        for answer in &pending {
            let span = tracing::info_span!("answer", id = answer.id, kind = answer.kind.as_str());
            match make_one(store, notices, answer).instrument(span).await? {
                Ok(()) => made += 1,
                Err(why) => {
                    tracing::info!(member = answer.member_id, why = %why, "automatic answer not sent");
                    store.answer_skipped(answer.id, &why).await?;
                }
            }
        }
    }
}

/// Makes one answer; `Err` says why it is not sent.
async fn make_one(
    store: &Store,
    notices: &Notices,
    answer: &PendingAnswer,
) -> Result<Result<(), String>, StoreError> {
    if answer.kind != AnswerKind::Answer {
        let since = (Utc::now() - Duration::days(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
        let sent = store.answers_since(answer.member_id, &since).await?;
        if sent >= PER_DAY {
            return Ok(Err(format!(
                "{sent} automatic answers to this member within a day already"
            )));
        }
    }
    let Some(delivery) = store
        .circular_delivery(answer.circular_id, answer.member_id)
        .await?
    else {
        return Ok(Err("the member was never sent the circular".into()));
    };
    if let Some(why) = unreachable(store, answer.member_id).await? {
        return Ok(Err(why));
    }
    let thread = match answer.inbound_id {
        Some(id) => store
            .inbound_message(id)
            .await?
            .and_then(|message| thread_of(&message.raw)),
        None => None,
    };
    let registration = store
        .registration(answer.circular_id, answer.member_id)
        .await?;
    let question = match answer.question_id {
        Some(id) => store.question(id).await?.map(|q| q.text),
        None => None,
    };
    let attendees = registration
        .as_ref()
        .map(|r| r.attendees.clone())
        .unwrap_or_default();
    let made = notices
        .answer(
            &delivery,
            &Answer {
                id: answer.id,
                kind: answer.kind,
                thread,
                attendees: &attendees,
                seats: registrations::seats(&attendees),
                late: registration.as_ref().is_some_and(|r| r.late),
                question: question.as_deref(),
                markdown: answer.body.as_deref(),
            },
        )
        .await;
    match made {
        Ok(notice) => {
            store.answer_made(answer.id, &notice).await?;
            tracing::info!(member = answer.member_id, "automatic answer queued");
            Ok(Ok(()))
        }
        Err(err) => Ok(Err(format!("cannot be made: {err}"))),
    }
}

/// Why no answer can go to member `member_id`, if none can: their address is suppressed
/// for bounces or by hand. A member who unsubscribed still hears back about what they
/// wrote.
///
/// # Errors
/// The database fails.
pub async fn unreachable(store: &Store, member_id: i64) -> Result<Option<String>, StoreError> {
    let Some(member) = store.member_by_id(member_id).await? else {
        return Ok(Some(format!("member {member_id} is not in the database")));
    };
    let email = member.member.email.to_string();
    Ok(store
        .suppression_reason(&email)
        .await?
        .filter(|reason| reason != "unsubscribe")
        .map(|reason| format!("{email} is suppressed ({reason})")))
}

/// The Message-ID of a stored reply and the thread above it (its `References`, else its
/// `In-Reply-To`), for threading.
fn thread_of(raw: &[u8]) -> Option<(String, Vec<String>)> {
    let message = MessageParser::new().parse_headers(raw)?;
    let id = message.message_id()?.to_string();
    let ids = |value: &HeaderValue<'_>| -> Vec<String> {
        value
            .as_text_list()
            .map(|list| list.iter().map(ToString::to_string).collect())
            .unwrap_or_default()
    };
    let mut above = ids(message.references());
    if above.is_empty() {
        above = ids(message.in_reply_to());
    }
    Some((id, above))
}
