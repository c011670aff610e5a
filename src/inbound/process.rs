//! What a stored message leads to: each message stored raw and not processed yet is read,
//! classified, matched to a member and circular, and its decision and effects (bounce
//! scores, suppressions, an unsubscribe confirmation) are written in one transaction.
//! Several daemons may process at once: a message is decided once (the first to write wins).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::classify::{self, Classified, Kind};
use super::decision::{self, Decision, Matched};
use super::matching::{self, MatchedBy, ReplyAddresses, Token};
use super::read::{self, Read};
use crate::config::{Config, Secrets};
use crate::mail::DkimSigner;
use crate::outbox::Notices;
use crate::outbox::worker::SetupError;
use crate::store::{
    BounceRules, DeliveryRef, InboundDecision, NewBounce, Pending, Store, StoreError,
};
use crate::tokens::Signer;

/// Messages read per batch.
const BATCH: u32 = 32;
/// How often stored messages are looked for without a wake-up (another daemon's intake).
const POLL: Duration = Duration::from_secs(5);

/// Processes stored messages.
pub struct Processor {
    store: Store,
    signer: Signer,
    reply_local: String,
    reply_domain: String,
    rules: BounceRules,
    /// Builds the confirmations sent to people (none in tests of the reading alone).
    notices: Option<Arc<Notices>>,
}

impl Processor {
    pub fn new(
        store: Store,
        config: &Config,
        signer: Signer,
        notices: Option<Arc<Notices>>,
    ) -> Processor {
        Processor {
            store,
            signer,
            reply_local: config.sender.reply_local.clone(),
            reply_domain: config.sender.reply_domain.clone(),
            rules: BounceRules {
                threshold: config.smtp.bounce_threshold,
                soft_threshold: config.smtp.soft_bounce_threshold,
                soft_days: config.smtp.soft_bounce_days,
            },
            notices,
        }
    }

    /// The processor of a daemon or of `ingest`, as the configuration says.
    ///
    /// # Errors
    /// The secret cannot be read, or the DKIM key cannot be used.
    pub fn from_config(config: &Config, store: &Store) -> Result<Processor, SetupError> {
        let secrets = Secrets::load(&config.data.dir)?;
        let dkim = DkimSigner::from_config(config)?;
        let key = secrets.signing_key;
        let notices = Notices::new(store.clone(), config, key.clone(), dkim);
        let signer = Signer::new(&key);
        Ok(Processor::new(
            store.clone(),
            config,
            signer,
            Some(Arc::new(notices)),
        ))
    }

    /// Processes what is stored, then waits for `stored` (or a poll), until `cancel`.
    pub async fn run(self, stored: Arc<Notify>, cancel: CancellationToken) {
        let mut failing = false;
        while !cancel.is_cancelled() {
            match self.process_pending().await {
                Ok(n) if n > 0 => {
                    failing = false;
                    continue;
                }
                Ok(_) => failing = false,
                Err(err) => {
                    if !failing {
                        tracing::warn!(error = %err, "cannot process inbound messages; retrying");
                    }
                    failing = true;
                }
            }
            tokio::select! {
                () = stored.notified() => {}
                () = tokio::time::sleep(POLL) => {}
                () = cancel.cancelled() => {}
            }
        }
    }

    /// Processes one batch of stored messages; returns how many were decided.
    ///
    /// # Errors
    /// The database fails (what was decided before stays decided).
    pub async fn process_pending(&self) -> Result<usize, StoreError> {
        let pending = self.store.pending_inbound(BATCH).await?;
        let mut decided = 0;
        for message in &pending {
            let span =
                tracing::info_span!("inbound", id = message.id, kinds = tracing::field::Empty);
            if self.process(message).instrument(span).await? {
                decided += 1;
            }
        }
        Ok(decided)
    }

    async fn process(&self, pending: &Pending) -> Result<bool, StoreError> {
        let parsed = read::parse(&pending.raw);
        let classified = classify::classify(&parsed.message, &parsed.read);
        let read = parsed.read;
        let matched = self.matched(&read, &classified).await?;
        let sender = read.from.as_ref().map(|from| from.address.as_str());
        let decision = decision::decide(&classified, &matched, sender);
        tracing::Span::current().record("kinds", decision.kinds.join(",").as_str());
        let notice = self
            .notice(pending, &read, &classified, &matched, &decision)
            .await?;
        let record = record(pending.id, &read, &matched, &decision, notice)?;
        let written = self.store.record_inbound(&record, self.rules).await?;
        if written {
            tracing::info!(kinds = %record.kinds, member = ?matched.member_id, "inbound message decided");
        }
        Ok(written)
    }

    /// The member and circular, by the SPEC's order of evidence.
    async fn matched(&self, read: &Read, classified: &Classified) -> Result<Matched, StoreError> {
        let addresses = ReplyAddresses {
            local: &self.reply_local,
            domain: &self.reply_domain,
            signer: &self.signer,
        };
        let recipients: Vec<&str> = [&read.to, &read.cc, &read.delivered_to, &read.x_original_to]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let search = addresses.find(&recipients);
        let mut matched = Matched::default();
        for forged in &search.forged {
            matched.reasons.push(format!(
                "{forged}: a reply address whose token does not verify, ignored"
            ));
        }
        let answered = answered_ids(read, classified);
        let answered: Vec<&str> = answered.iter().map(String::as_str).collect();
        let thread = self.store.delivery_answered(&answered).await?;
        if let Some((token, address)) = search.found
            && self
                .by_token(&mut matched, token, address, thread.as_ref())
                .await?
        {
            return Ok(matched);
        }
        if let Some(delivery) = thread {
            let by = if classified.kind == Kind::Bounce {
                MatchedBy::BouncedMessage
            } else {
                MatchedBy::InReplyTo
            };
            matched
                .reasons
                .push(format!("answers our message <{}>", delivery.message_id));
            self.set(&mut matched, &delivery, by).await?;
            return Ok(matched);
        }
        self.by_address(&mut matched, read, classified).await?;
        Ok(matched)
    }

    async fn by_token(
        &self,
        matched: &mut Matched,
        token: Token,
        address: &str,
        thread: Option<&DeliveryRef>,
    ) -> Result<bool, StoreError> {
        let member_id = token.member_id();
        let (circular, by) = match token {
            Token::Reply { circular, .. } => (Some(circular), MatchedBy::ReplyToken),
            Token::Unsubscribe { .. } => (None, MatchedBy::UnsubscribeToken),
        };
        let same_member =
            thread.filter(|d| d.member_id == member_id && circular.is_none_or(|n| n == d.number));
        let delivery = match same_member {
            Some(delivery) => Some(delivery.clone()),
            None => self.store.member_delivery(member_id, circular).await?,
        };
        let Some(member) = self.store.member_by_id(member_id).await? else {
            matched.reasons.push(format!(
                "{address}: a genuine token for member {member_id}, who is not in the database"
            ));
            return Ok(false);
        };
        matched.reasons.push(format!(
            "sent to {address}, the signed address of {}",
            member.member.email
        ));
        matched.member_id = Some(member_id);
        matched.member_email = Some(member.member.email.to_string());
        matched.by = Some(by);
        matched.unsubscribe_address = by == MatchedBy::UnsubscribeToken;
        matched.circular = circular;
        if let Some(delivery) = delivery {
            matched.circular = Some(delivery.number);
            matched.circular_id = Some(delivery.circular_id);
            matched.delivery_id = Some(delivery.id);
        }
        Ok(true)
    }

    /// The last step: the sender's address, or for a bounce the failed recipient's.
    async fn by_address(
        &self,
        matched: &mut Matched,
        read: &Read,
        classified: &Classified,
    ) -> Result<(), StoreError> {
        let (candidates, by): (Vec<&str>, MatchedBy) = match &classified.bounce {
            Some(report) if classified.kind == Kind::Bounce => (
                report
                    .failed
                    .iter()
                    .map(|f| f.address.as_str())
                    .chain(report.original_to.as_deref())
                    .collect(),
                MatchedBy::FailedRecipient,
            ),
            _ => (
                read.from.iter().map(|f| f.address.as_str()).collect(),
                MatchedBy::Sender,
            ),
        };
        for address in candidates {
            if let Some(member) = self.store.member_by_address(address).await? {
                matched.reasons.push(format!(
                    "{address} is the address of member {}",
                    member.member.email
                ));
                if let Some(delivery) = self.store.member_delivery(member.id, None).await? {
                    matched.reasons.push(format!(
                        "the latest circular sent to them is {}",
                        delivery.number
                    ));
                    self.set(matched, &delivery, by).await?;
                }
                matched.member_id = Some(member.id);
                matched.member_email = Some(member.member.email.to_string());
                matched.by = Some(by);
                return Ok(());
            }
        }
        matched.reasons.push(
            "no member found: no genuine token, no known Message-ID, no member's address".into(),
        );
        Ok(())
    }

    async fn set(
        &self,
        matched: &mut Matched,
        delivery: &DeliveryRef,
        by: MatchedBy,
    ) -> Result<(), StoreError> {
        matched.circular = Some(delivery.number);
        matched.circular_id = Some(delivery.circular_id);
        matched.delivery_id = Some(delivery.id);
        matched.by = Some(by);
        if matched.member_id.is_none() {
            matched.member_id = Some(delivery.member_id);
            matched.member_email = self
                .store
                .member_by_id(delivery.member_id)
                .await?
                .map(|m| m.member.email.to_string());
        }
        Ok(())
    }

    /// The confirmation of an unsubscribe request, for a person (never a robot) who was
    /// not suppressed before.
    async fn notice(
        &self,
        pending: &Pending,
        read: &Read,
        classified: &Classified,
        matched: &Matched,
        decision: &Decision,
    ) -> Result<Option<crate::store::NewNotice>, StoreError> {
        let (Some(notices), Some(address), Some(member_id)) =
            (&self.notices, &decision.unsubscribe, matched.member_id)
        else {
            return Ok(None);
        };
        if classified.kind.is_robot() || self.store.is_suppressed(address).await? {
            return Ok(None);
        }
        let Some(delivery) = self
            .store
            .member_delivery(member_id, matched.circular)
            .await?
        else {
            return Ok(None);
        };
        match notices
            .unsubscribed(&delivery, read.message_id.as_deref())
            .await
        {
            Ok(notice) => Ok(Some(notice)),
            Err(err) => {
                tracing::warn!(inbound = pending.id, error = %err, "cannot make the unsubscribe confirmation");
                Ok(None)
            }
        }
    }
}

/// The Message-IDs the message answers, nearest first; for a bounce, the bounced message's.
fn answered_ids(read: &Read, classified: &Classified) -> Vec<String> {
    let mut ids: Vec<String> = classified
        .bounce
        .iter()
        .filter_map(|report| report.original_message_id.clone())
        .collect();
    ids.extend(
        matching::answered_ids(&read.in_reply_to, &read.references)
            .into_iter()
            .map(str::to_string),
    );
    ids
}

fn record(
    id: i64,
    read: &Read,
    matched: &Matched,
    decision: &Decision,
    notice: Option<crate::store::NewNotice>,
) -> Result<InboundDecision, StoreError> {
    Ok(InboundDecision {
        id,
        status: decision.status,
        from_address: read
            .from
            .as_ref()
            .map(|f| f.address.clone())
            .unwrap_or_default(),
        subject: read.subject.clone().unwrap_or_default(),
        faults: fault_names(&read.faults).join(","),
        kinds: decision.kinds.join(","),
        member_id: matched.member_id,
        circular_id: matched.circular_id,
        delivery_id: matched.delivery_id,
        matched_by: matched.by.map(MatchedBy::as_str),
        bounce: decision
            .bounce
            .as_ref()
            .map(serde_json::to_string)
            .transpose()?,
        decision: serde_json::to_string(decision)?,
        bounces: decision
            .bounces
            .iter()
            .map(|b| NewBounce {
                email: b.recipient.clone(),
                hard: b.hard,
                status: b.status.clone(),
                diagnostic: b.diagnostic.clone(),
            })
            .collect(),
        unsubscribe: decision.unsubscribe.clone(),
        notice,
    })
}

/// The faults found in reading, as stored (`not_mail,nul_byte`).
fn fault_names(faults: &read::Faults) -> Vec<&'static str> {
    [
        (faults.not_mail, "not_mail"),
        (faults.broken_mime, "broken_mime"),
        (faults.eight_bit_headers, "eight_bit_headers"),
        (faults.nul_byte, "nul_byte"),
        (faults.no_body, "no_body"),
        (faults.large, "large"),
    ]
    .into_iter()
    .filter_map(|(found, name)| found.then_some(name))
    .collect()
}
