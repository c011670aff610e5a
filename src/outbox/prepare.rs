//! What workers need to turn a claimed delivery into a message: each circular's renderer and
//! attachments, built once from the files frozen when its sending started, and the committees.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use super::Purpose;
use super::rounds::{self, RoundError};
use crate::circulars::message::{self, AttachedFile, Envelope, MessageError};
use crate::circulars::{
    Circular, CircularStatus, Layout, Recipient, Renderer, Settings, definition, reminder,
};
use crate::config::{Config, SenderConfig};
use crate::faults::Faults;
use crate::locale::Language;
use crate::mail::DkimSigner;
use crate::members::Committee;
use crate::store::{Claimed, Store, StoreError};
use crate::tokens::Signer;

/// Why a delivery's message cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Round(#[from] RoundError),
    #[error("circular {0} has no frozen files: it was never started")]
    NotStarted(i64),
    #[error("the circular's frozen files do not load:\n{0}")]
    Faults(#[from] Faults),
    #[error("committee {0} is not in the database")]
    UnknownCommittee(i64),
    #[error("cannot build the message: {0}")]
    Message(#[from] MessageError),
    #[error("unknown purpose `{0}`")]
    Purpose(String),
}

/// A circular (or its reminder) ready to render for any member.
pub struct Prepared {
    pub number: u32,
    renderer: Renderer,
    /// Encoded once for the whole circular, not once per message.
    attachments: Vec<AttachedFile>,
}

/// A message ready for a transport.
#[derive(Debug, Clone)]
pub struct Built {
    pub raw: Vec<u8>,
    pub envelope_from: String,
    pub to: String,
    pub language: Language,
}

/// The prepared circulars and committees, shared by every worker of a daemon.
pub struct Library {
    store: Store,
    settings: Settings,
    sender: SenderConfig,
    supported: Vec<Language>,
    signing_key: Vec<u8>,
    /// Where frozen files are written back to be read (`data/snapshots/`).
    snapshots: PathBuf,
    dkim: Option<DkimSigner>,
    prepared: Mutex<HashMap<(i64, bool), Arc<Prepared>>>,
    committees: Mutex<HashMap<i64, Arc<Committee>>>,
    /// Whether each circular was cancelled, and when that was last read.
    cancelled: Mutex<HashMap<i64, (Instant, bool)>>,
    /// One span per circular run: every delivery's span is a child of its circular's.
    spans: Mutex<HashMap<i64, tracing::Span>>,
}

/// How long a circular's cancellation may go unseen by a worker.
const CANCEL_SEEN: Duration = Duration::from_millis(500);

impl Library {
    /// A library for the configuration, signing with `signing_key` (and DKIM if set).
    pub fn new(
        store: Store,
        config: &Config,
        signing_key: Vec<u8>,
        dkim: Option<DkimSigner>,
    ) -> Library {
        Library {
            store,
            settings: Settings::from_config(config),
            sender: config.sender.clone(),
            supported: config.locale.supported.clone(),
            signing_key,
            snapshots: config.data.dir.join("snapshots"),
            dkim,
            prepared: Mutex::new(HashMap::new()),
            committees: Mutex::new(HashMap::new()),
            cancelled: Mutex::new(HashMap::new()),
            spans: Mutex::new(HashMap::new()),
        }
    }

    /// The circular `circular_id` as frozen when it started, for `purpose`.
    ///
    /// # Errors
    /// It was never started, or its frozen files do not load.
    pub async fn prepared(
        &self,
        circular_id: i64,
        purpose: &Purpose,
    ) -> Result<Arc<Prepared>, PrepareError> {
        let reminder = matches!(purpose, Purpose::Reminder(_));
        let key = (circular_id, reminder);
        if let Some(found) = self.prepared.lock().expect("prepared").get(&key) {
            return Ok(found.clone());
        }
        let (root, folder) = rounds::frozen(&self.store, &self.snapshots, circular_id)
            .await?
            .ok_or(PrepareError::NotStarted(circular_id))?;
        let prepared = Arc::new(self.load(&root, &folder, reminder)?);
        self.prepared
            .lock()
            .expect("prepared")
            .insert(key, prepared.clone());
        Ok(prepared)
    }

    fn load(&self, root: &Path, folder: &Path, reminder: bool) -> Result<Prepared, PrepareError> {
        let mut circular: Circular = definition::load(folder, &self.supported).map_err(Faults)?;
        if reminder {
            circular = reminder::reminder_of(&circular, &root.join("mail")).map_err(Faults)?;
        }
        let attachments = message::attachments(&circular)
            .map_err(|e| Faults(vec![crate::faults::Fault::new(folder, 0, e.to_string())]))?;
        let layout = Layout::load(&root.join("layout")).map_err(Faults)?;
        let number = circular.number;
        let renderer = Renderer::new(
            Arc::new(circular),
            Arc::new(layout),
            self.settings.clone(),
            Signer::new(&self.signing_key),
        )?;
        Ok(Prepared {
            number,
            renderer,
            attachments,
        })
    }

    /// The span of the run of circular `id` (its database id) in these workers.
    pub fn circular_span(&self, id: i64) -> tracing::Span {
        self.spans
            .lock()
            .expect("spans")
            .entry(id)
            .or_insert_with(|| tracing::info_span!(parent: None, "circular_run", circular_id = id))
            .clone()
    }

    /// Whether the circular `id` was cancelled (read again every half second at most):
    /// what was claimed before a cancel is not sent after it.
    ///
    /// # Errors
    /// The database fails.
    pub async fn is_cancelled(&self, id: i64) -> Result<bool, PrepareError> {
        if let Some((read, cancelled)) = self.cancelled.lock().expect("cancelled").get(&id)
            && read.elapsed() < CANCEL_SEEN
        {
            return Ok(*cancelled);
        }
        let cancelled = self.store.circular_status(id).await? == CircularStatus::Cancelled;
        self.cancelled
            .lock()
            .expect("cancelled")
            .insert(id, (Instant::now(), cancelled));
        Ok(cancelled)
    }

    /// The committee `id`.
    ///
    /// # Errors
    /// The database fails, or has no such committee.
    pub async fn committee(&self, id: i64) -> Result<Arc<Committee>, PrepareError> {
        if let Some(found) = self.committees.lock().expect("committees").get(&id) {
            return Ok(found.clone());
        }
        let all = self.store.committees().await?;
        let mut cache = self.committees.lock().expect("committees");
        for (cid, committee) in all {
            cache.insert(cid, Arc::new(committee));
        }
        cache
            .get(&id)
            .cloned()
            .ok_or(PrepareError::UnknownCommittee(id))
    }

    /// The message of a notice, as made when it was queued; its envelope sender is the
    /// member's reply address for the circular, like the circular's own.
    ///
    /// # Errors
    /// The circular's frozen files cannot be read (for its number).
    pub async fn notice(&self, claimed: &Claimed, raw: &[u8]) -> Result<Built, PrepareError> {
        let number = self
            .prepared(claimed.circular_id, &Purpose::Circular)
            .await?
            .number;
        let envelope_from = Signer::new(&self.signing_key).reply_address(
            &self.sender.reply_local,
            &self.sender.reply_domain,
            number,
            claimed.member.id,
        );
        Ok(Built {
            raw: raw.to_vec(),
            envelope_from,
            to: claimed.member.member.email.to_ascii(),
            language: claimed.language,
        })
    }

    /// Renders and builds the message of a claimed delivery, signed if DKIM is set.
    ///
    /// # Errors
    /// A template or an address that cannot be rendered or built.
    pub fn build(
        &self,
        claimed: &Claimed,
        purpose: &Purpose,
        prepared: &Prepared,
        committee: &Committee,
    ) -> Result<Built, PrepareError> {
        let member = &claimed.member.member;
        let to = Recipient {
            member_id: claimed.member.id,
            member,
            committee,
            role: &claimed.role,
        };
        let rendered = prepared.renderer.render(to, Some(claimed.language))?;
        let in_reply_to = matches!(purpose, Purpose::Reminder(_)).then(|| {
            message::message_id(
                prepared.number,
                claimed.member.id,
                &self.sender.reply_domain,
            )
        });
        let envelope = Envelope {
            from_name: &self.sender.from_name,
            from_address: &self.sender.from_address,
            to_name: &member.name,
            to: &member.email,
            message_id: claimed.message_id.clone(),
            date: SystemTime::now(),
            committee,
            list_domain: &self.sender.reply_domain,
            in_reply_to,
            references: Vec::new(),
            auto_submitted: "auto-generated",
        };
        let mut built = message::build(&rendered, &prepared.attachments, &envelope)?;
        if let Some(dkim) = &self.dkim {
            dkim.sign(&mut built);
        }
        Ok(Built {
            raw: built.formatted(),
            envelope_from: rendered.reply_to,
            to: member.email.to_ascii(),
            language: rendered.language,
        })
    }
}
