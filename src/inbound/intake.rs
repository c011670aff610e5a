//! Storing each arriving message raw, once, with the time it reached us.
//!
//! Every road in (IMAP, the Maildir inbox, `circulars ingest`) hands the bytes to
//! [`Intake::keep`], which stores them in one transaction before anything reads them, and
//! wakes the processing of stored messages.

use std::sync::Arc;
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use crate::store::{Store, StoreError};

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

/// Stores arriving messages and wakes whoever processes them.
#[derive(Debug, Clone)]
pub struct Intake {
    store: Store,
    stored: Arc<Notify>,
}

impl Intake {
    pub fn new(store: Store) -> Intake {
        Intake {
            store,
            stored: Arc::new(Notify::new()),
        }
    }

    /// Notified each time a new message is stored.
    pub fn stored(&self) -> Arc<Notify> {
        self.stored.clone()
    }

    /// Stores `arrival` raw, once.
    ///
    /// # Errors
    /// The database is unavailable or refuses the row; nothing is stored then.
    pub async fn keep(&self, arrival: Arrival<'_>) -> Result<Kept, IntakeError> {
        let _ = (&self.store, arrival);
        todo!("store raw, dedupe by (message_id, digest), received time per the SPEC")
    }
}
