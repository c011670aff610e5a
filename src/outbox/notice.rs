//! Notices: a message to one member about a circular, made once when it is queued and sent
//! through the outbox like any delivery (purpose `notice:<name>`): today the confirmation of
//! an unsubscribe request. Its texts are `templates/mail/<name>.<lang>.md`, rendered in the
//! circular's layout as frozen when it was sent, and threaded to the member's message.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use super::rounds::{self, RoundError};
use crate::circulars::message::MessageError;
use crate::circulars::message::{self, Envelope};
use crate::circulars::{Layout, Recipient, Renderer, Settings, definition, reminder};
use crate::config::{Config, SenderConfig};
use crate::faults::Faults;
use crate::locale::Language;
use crate::mail::DkimSigner;
use crate::store::{DeliveryRef, NewNotice, Store, StoreError};
use crate::tokens::Signer;

/// The purpose of the unsubscribe confirmation.
pub const UNSUBSCRIBED: &str = "notice:unsubscribed";

/// Why a notice cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum NoticeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Round(#[from] RoundError),
    #[error("circular {0} has no frozen files: it was never started")]
    NotStarted(i64),
    #[error("the notice's texts do not load:\n{0}")]
    Faults(#[from] Faults),
    #[error("member {0} is not in the database")]
    UnknownMember(i64),
    #[error("committee {0} is not in the database")]
    UnknownCommittee(i64),
    #[error("cannot build the message: {0}")]
    Message(#[from] MessageError),
}

/// Makes notices.
pub struct Notices {
    store: Store,
    settings: Settings,
    sender: SenderConfig,
    supported: Vec<Language>,
    signing_key: Vec<u8>,
    snapshots: PathBuf,
    mail_dir: PathBuf,
    dkim: Option<DkimSigner>,
}

impl Notices {
    pub fn new(
        store: Store,
        config: &Config,
        signing_key: Vec<u8>,
        dkim: Option<DkimSigner>,
    ) -> Notices {
        Notices {
            store,
            settings: Settings::from_config(config),
            sender: config.sender.clone(),
            supported: config.locale.supported.clone(),
            signing_key,
            snapshots: config.data.dir.join("snapshots"),
            mail_dir: config.templates.dir.join("mail"),
            dkim,
        }
    }

    /// The confirmation that the member of `delivery` gets no more circulars, in the
    /// language they received it in, answering `reply_to` (their message's Message-ID).
    ///
    /// # Errors
    /// The circular's frozen files, the notice's texts or the member cannot be read.
    pub async fn unsubscribed(
        &self,
        delivery: &DeliveryRef,
        reply_to: Option<&str>,
    ) -> Result<NewNotice, NoticeError> {
        let (root, folder) = rounds::frozen(&self.store, &self.snapshots, delivery.circular_id)
            .await?
            .ok_or(NoticeError::NotStarted(delivery.circular_id))?;
        let circular = definition::load(&folder, &self.supported).map_err(Faults)?;
        let circular =
            reminder::mail_of(&circular, &self.mail_dir, "unsubscribed").map_err(Faults)?;
        let layout = Layout::load(&root.join("layout")).map_err(Faults)?;
        let renderer = Renderer::new(
            Arc::new(circular),
            Arc::new(layout),
            self.settings.clone(),
            Signer::new(&self.signing_key),
        )?;
        let member = self
            .store
            .member_by_id(delivery.member_id)
            .await?
            .ok_or(NoticeError::UnknownMember(delivery.member_id))?;
        let committee = self
            .store
            .committees()
            .await?
            .into_iter()
            .find_map(|(id, committee)| (id == delivery.committee_id).then_some(committee))
            .ok_or(NoticeError::UnknownCommittee(delivery.committee_id))?;
        let to = Recipient {
            member_id: member.id,
            member: &member.member,
            committee: &committee,
            role: &delivery.role,
        };
        let rendered = renderer.render(to, delivery.language)?;
        let message_id = format!(
            "circular-{:03}.unsubscribed.member-{}@{}",
            delivery.number, member.id, self.sender.reply_domain
        );
        let envelope = Envelope {
            from_name: &self.sender.from_name,
            from_address: &self.sender.from_address,
            to_name: &member.member.name,
            to: &member.member.email,
            message_id: message_id.clone(),
            date: SystemTime::now(),
            committee: &committee,
            list_domain: &self.sender.reply_domain,
            in_reply_to: Some(reply_to.map_or_else(|| delivery.message_id.clone(), str::to_string)),
        };
        let mut built = message::build(&rendered, &[], &envelope)?;
        if let Some(dkim) = &self.dkim {
            dkim.sign(&mut built);
        }
        Ok(NewNotice {
            circular_id: delivery.circular_id,
            member_id: member.id,
            committee_id: delivery.committee_id,
            role: delivery.role.clone(),
            purpose: UNSUBSCRIBED.to_string(),
            language: rendered.language.to_string(),
            message_id,
            raw: built.formatted(),
        })
    }
}
