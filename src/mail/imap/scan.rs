//! One pass over the folder: the messages not yet marked are fetched in batches, each one
//! stored, and the stored ones marked.

use std::time::Duration;

use async_imap::types::Flag;
use chrono::Utc;
use futures_util::TryStreamExt;
use tracing::Instrument;

use super::ImapError;
use super::wire::{Session, cause_of, within, within_for};
use crate::inbound::intake::{Arrival, Intake, Kept, Source};

/// The keyword a message gets once stored; a message carrying it is never read again.
pub const KEYWORD: &str = "$Circulars";
/// Messages fetched per command: a few large messages must not fill the memory.
const BATCH: usize = 25;
/// How long one fetched message may take to arrive (25 MB on a slow link).
const FETCH_TIMEOUT: Duration = Duration::from_secs(300);

/// How stored messages are told apart on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marking {
    /// The keyword [`KEYWORD`]: `\Seen` stays as the secretariat's mail client left it.
    Keyword,
    /// The server keeps no keywords: `\Seen` instead, so a message someone read in a mail
    /// client before the daemon saw it is skipped.
    Seen,
}

impl Marking {
    /// From SELECT's `PERMANENTFLAGS`: keywords need `\*` (any may be created) or the
    /// keyword itself. None listed at all: RFC 3501 says every flag is then permanent.
    pub fn for_permanent_flags(flags: &[Flag<'_>]) -> Marking {
        let keywords = flags.is_empty()
            || flags.iter().any(|flag| match flag {
                Flag::MayCreate => true,
                Flag::Custom(name) => name == KEYWORD,
                _ => false,
            });
        if keywords {
            Marking::Keyword
        } else {
            Marking::Seen
        }
    }

    fn search(self) -> String {
        match self {
            Marking::Keyword => format!("UNKEYWORD {KEYWORD}"),
            Marking::Seen => "UNSEEN".into(),
        }
    }

    fn store(self) -> String {
        match self {
            Marking::Keyword => format!("+FLAGS.SILENT ({KEYWORD})"),
            Marking::Seen => "+FLAGS.SILENT (\\Seen)".into(),
        }
    }

    /// For the log.
    pub fn describe(self) -> &'static str {
        match self {
            Marking::Keyword => "keyword $Circulars",
            Marking::Seen => "\\Seen (the server keeps no keywords)",
        }
    }
}

/// The selected folder.
#[derive(Debug, Clone, Copy)]
pub(super) struct Selected {
    pub validity: Option<u32>,
    pub marking: Marking,
}

pub(super) async fn select(session: &mut Session, folder: &str) -> Result<Selected, ImapError> {
    let mailbox = within("SELECT", session.select(folder))
        .await
        .map_err(|err| ImapError::Select {
            folder: folder.to_string(),
            cause: cause_of(&err),
        })?;
    Ok(Selected {
        validity: mailbox.uid_validity,
        marking: Marking::for_permanent_flags(&mailbox.permanent_flags),
    })
}

/// What one pass found.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Pass {
    /// Stored now for the first time.
    pub stored: usize,
    /// Found stored already (stored before it could be marked).
    pub known: usize,
}

/// Fetches, stores and marks every unmarked message of the selected folder.
pub(super) async fn pass(
    session: &mut Session,
    intake: &Intake,
    folder: &str,
    marking: Marking,
) -> Result<Pass, ImapError> {
    let found = within("UID SEARCH", session.uid_search(marking.search()))
        .await
        .map_err(failed("UID SEARCH"))?;
    let mut uids: Vec<u32> = found.into_iter().collect();
    uids.sort_unstable();
    let mut pass = Pass::default();
    for batch in uids.chunks(BATCH) {
        let kept = fetch_and_keep(session, intake, folder, batch, &mut pass).await?;
        mark(session, marking, &kept).await?;
    }
    Ok(pass)
}

/// Stores each message of `batch` as it arrives; returns the UIDs stored. A message that
/// cannot be stored ends the pass: the ones before it are stored but unmarked, and found
/// stored already next time.
async fn fetch_and_keep(
    session: &mut Session,
    intake: &Intake,
    folder: &str,
    batch: &[u32],
    pass: &mut Pass,
) -> Result<Vec<u32>, ImapError> {
    let query = "(UID INTERNALDATE BODY.PEEK[])";
    let mut fetches = within("UID FETCH", session.uid_fetch(uid_set(batch), query))
        .await
        .map_err(failed("UID FETCH"))?;
    let mut kept = Vec::with_capacity(batch.len());
    while let Some(fetch) = within_for(FETCH_TIMEOUT, "UID FETCH", fetches.try_next())
        .await
        .map_err(failed("UID FETCH"))?
    {
        // Other FETCH responses (flags changed by another client) carry no body.
        let (Some(uid), Some(raw)) = (fetch.uid, fetch.body()) else {
            continue;
        };
        let arrival = Arrival {
            raw,
            source: Source::Imap {
                folder: folder.to_string(),
                uid,
            },
            internal_date: fetch.internal_date().map(|date| date.with_timezone(&Utc)),
            modified: None,
        };
        let stored = keep(intake, arrival, uid).await?;
        if stored.new {
            pass.stored += 1;
        } else {
            pass.known += 1;
        }
        kept.push(uid);
    }
    Ok(kept)
}

/// Stores one message, in a span of its own with its UID and, once known, its stored id.
async fn keep(intake: &Intake, arrival: Arrival<'_>, uid: u32) -> Result<Kept, ImapError> {
    let span = tracing::info_span!("inbound", source = "imap", uid, id = tracing::field::Empty);
    async {
        let bytes = arrival.raw.len();
        let kept = intake.keep(arrival).await.map_err(ImapError::Intake)?;
        tracing::Span::current().record("id", kept.id);
        tracing::debug!(new = kept.new, bytes, "message from IMAP stored");
        Ok(kept)
    }
    .instrument(span)
    .await
}

async fn mark(session: &mut Session, marking: Marking, uids: &[u32]) -> Result<(), ImapError> {
    if uids.is_empty() {
        return Ok(());
    }
    let store = async {
        let responses = session.uid_store(uid_set(uids), marking.store()).await?;
        responses.try_collect::<Vec<_>>().await
    };
    within("UID STORE", store)
        .await
        .map_err(failed("UID STORE"))?;
    Ok(())
}

fn uid_set(uids: &[u32]) -> String {
    uids.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

pub(super) fn failed(command: &'static str) -> impl Fn(async_imap::error::Error) -> ImapError {
    move |err| ImapError::Command {
        command,
        cause: cause_of(&err),
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    #[test]
    fn keywords_are_used_when_the_server_keeps_them() {
        let any = [Flag::Seen, Flag::MayCreate];
        assert_eq!(Marking::for_permanent_flags(&any), Marking::Keyword);
        let ours = [Flag::Seen, Flag::Custom(Cow::Borrowed(KEYWORD))];
        assert_eq!(Marking::for_permanent_flags(&ours), Marking::Keyword);
        assert_eq!(Marking::for_permanent_flags(&[]), Marking::Keyword);
    }

    #[test]
    fn seen_is_the_fallback_when_keywords_do_not_stick() {
        let flags = [
            Flag::Seen,
            Flag::Deleted,
            Flag::Custom(Cow::Borrowed("$Other")),
        ];
        let marking = Marking::for_permanent_flags(&flags);
        assert_eq!(marking, Marking::Seen);
        assert_eq!(marking.search(), "UNSEEN");
        assert_eq!(marking.store(), "+FLAGS.SILENT (\\Seen)");
    }

    #[test]
    fn a_batch_is_one_uid_set() {
        assert_eq!(uid_set(&[3, 7, 8]), "3,7,8");
        assert_eq!(Marking::Keyword.search(), "UNKEYWORD $Circulars");
    }
}
