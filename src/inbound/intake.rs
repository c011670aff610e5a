//! Storing each arriving message raw, once, with the time it reached us.
//!
//! Every road in (IMAP, the Maildir inbox, `circulars ingest`) hands the bytes to
//! [`Intake::keep`], which stores them in one transaction before anything reads them, and
//! wakes the processing of stored messages.

mod head;

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use chrono::{DateTime, SecondsFormat, Utc};
use tokio::sync::Notify;

use crate::store::{NewInbound, Store, StoreError};
use head::{Head, plausible};

/// Where a message came from, kept with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// An IMAP folder, with the message's UID there.
    Imap { folder: String, uid: u32 },
    /// A file of the Maildir inbox (its name in `new/`).
    Maildir { file: String },
    /// `circulars ingest`: a file's path, or `-` for standard input.
    Ingest { file: String },
}

/// As stored in `inbound_messages.source`: `imap:FOLDER:UID`, `maildir:FILE`, `ingest:PATH`.
impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Imap { folder, uid } => write!(f, "imap:{folder}:{uid}"),
            Source::Maildir { file } => write!(f, "maildir:{file}"),
            Source::Ingest { file } => write!(f, "ingest:{file}"),
        }
    }
}

/// One message as it arrives.
#[derive(Debug, Clone)]
pub struct Arrival<'a> {
    pub raw: &'a [u8],
    pub source: Source,
    /// The IMAP INTERNALDATE: when the server received it.
    pub internal_date: Option<DateTime<Utc>>,
    /// The file's modification time, used when no `Received:` header gives a date.
    pub modified: Option<SystemTime>,
}

/// A message stored (or found already stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kept {
    pub id: i64,
    /// False when the same message (Message-ID and digest) was stored before.
    pub new: bool,
}

/// Why a message could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where a message's `received_at` came from (`inbound_messages.time_source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeSource {
    /// The IMAP INTERNALDATE.
    InternalDate,
    /// The topmost `Received:` header.
    Received,
    /// The file's modification time.
    Mtime,
    /// The moment it was stored.
    Stored,
}

impl TimeSource {
    /// The value stored; the column's CHECK lists the same.
    pub fn as_str(self) -> &'static str {
        match self {
            TimeSource::InternalDate => "internaldate",
            TimeSource::Received => "received",
            TimeSource::Mtime => "mtime",
            TimeSource::Stored => "stored",
        }
    }
}

/// The fault recorded for bytes with no header line at all.
pub const NOT_MAIL: &str = "not_mail";

/// Whether `raw` has at least one header line: anything else is stored too, flagged
/// [`NOT_MAIL`].
pub fn looks_like_mail(raw: &[u8]) -> bool {
    Head::read(raw).is_mail()
}

/// A time as `inbound_messages` stores it: RFC 3339 UTC with milliseconds (they sort as text).
pub fn stored_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// When a message reached us, and how we know: the IMAP INTERNALDATE, else the topmost
/// `Received:` date, else the file's modification time, else `now`.
fn received_time(
    arrival: &Arrival<'_>,
    head: &Head<'_>,
    now: DateTime<Utc>,
) -> (DateTime<Utc>, TimeSource) {
    if let Some(at) = arrival.internal_date {
        return (at, TimeSource::InternalDate);
    }
    if let Some(at) = head.received_date(now) {
        return (at, TimeSource::Received);
    }
    let modified = arrival.modified.map(DateTime::<Utc>::from);
    match modified.filter(|m| plausible(*m, now)) {
        Some(at) => (at, TimeSource::Mtime),
        None => (now, TimeSource::Stored),
    }
}

/// Stores arriving messages and wakes whoever processes them.
#[derive(Debug, Clone)]
pub struct Intake {
    store: Store,
    /// One permit per wake-up, so the processor never misses a message stored while it was
    /// busy.
    stored: Arc<Notify>,
}

impl Intake {
    pub fn new(store: Store) -> Intake {
        Intake {
            store,
            stored: Arc::new(Notify::new()),
        }
    }

    /// The database messages are stored in.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Notified (`notify_one`) each time a new message is stored.
    pub fn stored(&self) -> Arc<Notify> {
        self.stored.clone()
    }

    /// Stores `arrival` raw, once: the same Message-ID and digest of the bytes past the trace
    /// headers is the same message. Any bytes are stored; only the few fields listed are read.
    ///
    /// # Errors
    /// The database is unavailable or refuses the row; nothing is stored then.
    #[tracing::instrument(skip_all, fields(source = %arrival.source, id))]
    pub async fn keep(&self, arrival: Arrival<'_>) -> Result<Kept, IntakeError> {
        let kept = self.keep_all(std::slice::from_ref(&arrival)).await?[0];
        tracing::Span::current().record("id", kept.id);
        Ok(kept)
    }

    /// Stores every arrival as [`Intake::keep`] does, all in one transaction: a batch is
    /// stored whole or not at all. Returns what was kept, in order.
    ///
    /// # Errors
    /// The database is unavailable or refuses a row; nothing is stored then.
    pub async fn keep_all(&self, arrivals: &[Arrival<'_>]) -> Result<Vec<Kept>, IntakeError> {
        let now = Utc::now();
        let rows: Vec<NewInbound<'_>> = arrivals
            .iter()
            .map(|arrival| {
                let head = Head::read(arrival.raw);
                let (received_at, time_source) = received_time(arrival, &head, now);
                NewInbound {
                    message_id: head.message_id(),
                    digest: head.digest(),
                    raw: arrival.raw,
                    received_at: stored_time(received_at),
                    time_source: time_source.as_str(),
                    date_header: head.date_header(),
                    subject: head.subject(),
                    source: arrival.source.to_string(),
                    stored_at: stored_time(now),
                    faults: if head.is_mail() { "" } else { NOT_MAIL },
                }
            })
            .collect();
        let kept = self.store.keep_inbound(&rows).await?;
        if kept.iter().any(|k| k.new) {
            self.stored.notify_one();
        }
        Ok(kept)
    }
}
