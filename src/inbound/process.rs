//! What a stored message leads to: each message stored raw and not processed yet is read,
//! classified, matched to a member and circular, and its decision and effects (bounce
//! scores, suppressions, an unsubscribe confirmation) are written in one transaction.
//! Several daemons may process at once: a message is decided once (the first to write wins).

use std::num::NonZeroUsize;
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
use crate::outbox::worker::SetupError;
use crate::outbox::{Notices, answers};
use crate::registrations;
use crate::replies::{self, Attendee, ReplyKind, Understanding};
use crate::store::{
    BounceRules, DeliveryRef, InboundDecision, Known, NewBounce, Pending, ReplyRecord, Store,
    StoreError, Wanted,
};
use crate::tokens::Signer;

/// Messages read, looked up and written per batch.
const BATCH: u32 = 256;
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

    /// Processes every stored message not processed yet, oldest first, a batch at a time;
    /// returns how many were decided.
    ///
    /// Each batch is read and classified off the async threads while the batch before it
    /// is written: what it refers to is looked up in a few queries, and every decision is
    /// written in one transaction.
    ///
    /// # Errors
    /// The database fails (what was decided before stays decided).
    pub async fn process_pending(&self) -> Result<usize, StoreError> {
        let mut decided = 0;
        let first = self.store.pending_inbound(0, BATCH).await?;
        let mut reading = (!first.is_empty()).then(|| tokio::spawn(read_all(first)));
        while let Some(task) = reading.take() {
            let readings = match task.await {
                Ok(readings) => readings,
                Err(error) => std::panic::resume_unwind(error.into_panic()),
            };
            let last = readings.last().map_or(0, |r| r.id);
            let next = self.store.pending_inbound(last, BATCH).await?;
            reading = (!next.is_empty()).then(|| tokio::spawn(read_all(next)));
            decided += self.decide_all(&readings).await?;
        }
        self.answer_pending().await?;
        Ok(decided)
    }

    /// Decides a batch read, writes the decisions in one transaction; returns how many
    /// were written (another daemon may have decided some first).
    async fn decide_all(&self, readings: &[Reading]) -> Result<usize, StoreError> {
        let addresses = self.addresses();
        let tokens: Vec<TokenFound> = readings
            .iter()
            .map(|reading| TokenFound::search(&addresses, &reading.read))
            .collect();
        let mut known = self.store.known(&wanted(readings, &tokens)).await?;
        let mut records = Vec::with_capacity(readings.len());
        for (reading, token) in readings.iter().zip(&tokens) {
            let span =
                tracing::info_span!("inbound", id = reading.id, kinds = tracing::field::Empty);
            let record = self
                .decide(&mut known, reading, token)
                .instrument(span)
                .await?;
            records.push(record);
        }
        let written = self.store.record_inbound(&records, self.rules).await?;
        let mut decided = 0;
        for (record, written) in records.iter().zip(written) {
            if written {
                decided += 1;
                tracing::info!(id = record.id, kinds = %record.kinds, member = ?record.member_id, "inbound message decided");
            }
        }
        Ok(decided)
    }

    /// Makes the automatic answers the records called for into notices (those left by a
    /// daemon stopped in between too).
    ///
    /// # Errors
    /// The database fails.
    pub async fn answer_pending(&self) -> Result<usize, StoreError> {
        match &self.notices {
            Some(notices) => answers::make_pending(&self.store, notices).await,
            None => Ok(0),
        }
    }

    fn addresses(&self) -> ReplyAddresses<'_> {
        ReplyAddresses {
            local: &self.reply_local,
            domain: &self.reply_domain,
            signer: &self.signer,
        }
    }

    async fn decide(
        &self,
        known: &mut Known,
        reading: &Reading,
        token: &TokenFound,
    ) -> Result<InboundDecision, StoreError> {
        let (read, classified) = (&reading.read, &reading.classified);
        let matched = matched(known, read, classified, token);
        let sender = read.from.as_ref().map(|from| from.address.as_str());
        let decision = decision::decide(classified, &matched, sender, reading.reply.as_ref());
        tracing::Span::current().record("kinds", decision.kinds.join(",").as_str());
        let notice = self.notice(known, reading, &matched, &decision).await?;
        if let Some(address) = &decision.unsubscribe {
            known.suppressed_now(address);
        }
        let mut record = record(reading.id, read, &matched, &decision, notice)?;
        record.reply = reply_record(known, reading, &matched, &decision);
        Ok(record)
    }

    /// The confirmation of an unsubscribe request, for a person (never a robot) who was
    /// not suppressed before.
    async fn notice(
        &self,
        known: &Known,
        reading: &Reading,
        matched: &Matched,
        decision: &Decision,
    ) -> Result<Option<crate::store::NewNotice>, StoreError> {
        let (Some(notices), Some(address), Some(member_id)) =
            (&self.notices, &decision.unsubscribe, matched.member_id)
        else {
            return Ok(None);
        };
        if reading.classified.kind.is_robot() {
            return Ok(None);
        }
        let suppressed = match known.is_suppressed(address) {
            Some(suppressed) => suppressed,
            None => self.store.is_suppressed(address).await?,
        };
        if suppressed {
            return Ok(None);
        }
        let Some(delivery) = known.member_delivery(member_id, matched.circular) else {
            return Ok(None);
        };
        match notices
            .unsubscribed(delivery, reading.read.message_id.as_deref())
            .await
        {
            Ok(notice) => Ok(Some(notice)),
            Err(err) => {
                tracing::warn!(inbound = reading.id, error = %err, "cannot make the unsubscribe confirmation");
                Ok(None)
            }
        }
    }
}

/// A stored message as read and classified.
struct Reading {
    id: i64,
    /// When it reached the secretariat, for the deadline.
    received_at: String,
    read: Read,
    classified: Classified,
    /// What a person's reply says.
    reply: Option<Understanding>,
}

/// Reads and classifies `pending`, in order, on one blocking thread per core.
async fn read_all(mut pending: Vec<Pending>) -> Vec<Reading> {
    let threads = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let share = pending.len().div_ceil(threads).max(1);
    let mut tasks = Vec::with_capacity(threads);
    while !pending.is_empty() {
        let rest = pending.split_off(share.min(pending.len()));
        let part = std::mem::replace(&mut pending, rest);
        tasks.push(tokio::task::spawn_blocking(move || {
            part.into_iter().map(Reading::new).collect::<Vec<_>>()
        }));
    }
    let mut readings = Vec::new();
    for task in tasks {
        match task.await {
            Ok(part) => readings.extend(part),
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        }
    }
    readings
}

impl Reading {
    fn new(pending: Pending) -> Reading {
        let mut parsed = read::parse(&pending.raw);
        let classified = classify::classify(&parsed.message, &parsed.read);
        let reply = (classified.kind == Kind::Human).then(|| {
            parsed.read_documents();
            replies::understand(&parsed.read)
        });
        Reading {
            id: pending.id,
            received_at: pending.received_at,
            read: parsed.read,
            classified,
            reply,
        }
    }
}

/// The first step of matching: the genuine token among the addresses the message was sent
/// to, and the forged ones seen.
struct TokenFound {
    found: Option<(Token, String)>,
    forged: Vec<String>,
}

impl TokenFound {
    fn search(addresses: &ReplyAddresses<'_>, read: &Read) -> TokenFound {
        let recipients: Vec<&str> = [&read.to, &read.cc, &read.delivered_to, &read.x_original_to]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let search = addresses.find(&recipients);
        TokenFound {
            found: search
                .found
                .map(|(token, address)| (token, address.to_owned())),
            forged: search.forged.into_iter().map(str::to_owned).collect(),
        }
    }
}

/// What the batch refers to: the Message-IDs answered, the members named by tokens, and
/// the senders' and failed recipients' addresses.
fn wanted(readings: &[Reading], tokens: &[TokenFound]) -> Wanted {
    let mut wanted = Wanted::default();
    for (reading, token) in readings.iter().zip(tokens) {
        wanted
            .message_ids
            .extend(answered_ids(&reading.read, &reading.classified));
        wanted
            .member_ids
            .extend(token.found.as_ref().map(|(token, _)| token.member_id()));
        let (candidates, _) = address_candidates(&reading.read, &reading.classified);
        wanted
            .addresses
            .extend(candidates.into_iter().map(str::to_owned));
    }
    wanted
}

/// The member and circular, by the SPEC's order of evidence.
fn matched(known: &Known, read: &Read, classified: &Classified, token: &TokenFound) -> Matched {
    let mut matched = Matched::default();
    for forged in &token.forged {
        matched.reasons.push(format!(
            "{forged}: a reply address whose token does not verify, ignored"
        ));
    }
    let answered = answered_ids(read, classified);
    let answered: Vec<&str> = answered.iter().map(String::as_str).collect();
    let thread = known.delivery_answered(&answered);
    if let Some((token, address)) = &token.found
        && by_token(known, &mut matched, *token, address, thread)
    {
        return matched;
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
        set(known, &mut matched, delivery, by);
        return matched;
    }
    by_address(known, &mut matched, read, classified);
    matched
}

fn by_token(
    known: &Known,
    matched: &mut Matched,
    token: Token,
    address: &str,
    thread: Option<&DeliveryRef>,
) -> bool {
    let member_id = token.member_id();
    let (circular, by) = match token {
        Token::Reply { circular, .. } => (Some(circular), MatchedBy::ReplyToken),
        Token::Unsubscribe { .. } => (None, MatchedBy::UnsubscribeToken),
    };
    let same_member =
        thread.filter(|d| d.member_id == member_id && circular.is_none_or(|n| n == d.number));
    let delivery = same_member.or_else(|| known.member_delivery(member_id, circular));
    let Some(member) = known.member_by_id(member_id) else {
        matched.reasons.push(format!(
            "{address}: a genuine token for member {member_id}, who is not in the database"
        ));
        return false;
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
    true
}

/// The addresses the last step tries: for a bounce the failed recipients', else the
/// sender's.
fn address_candidates<'a>(read: &'a Read, classified: &'a Classified) -> (Vec<&'a str>, MatchedBy) {
    match &classified.bounce {
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
    }
}

/// The last step: the sender's address, or for a bounce the failed recipient's.
fn by_address(known: &Known, matched: &mut Matched, read: &Read, classified: &Classified) {
    let (candidates, by) = address_candidates(read, classified);
    for address in candidates {
        if let Some(member) = known.member_by_address(address) {
            matched.reasons.push(format!(
                "{address} is the address of member {}",
                member.member.email
            ));
            if let Some(delivery) = known.member_delivery(member.id, None) {
                matched.reasons.push(format!(
                    "the latest circular sent to them is {}",
                    delivery.number
                ));
                set(known, matched, delivery, by);
            }
            matched.member_id = Some(member.id);
            matched.member_email = Some(member.member.email.to_string());
            matched.by = Some(by);
            return;
        }
    }
    matched
        .reasons
        .push("no member found: no genuine token, no known Message-ID, no member's address".into());
}

fn set(known: &Known, matched: &mut Matched, delivery: &DeliveryRef, by: MatchedBy) {
    matched.circular = Some(delivery.number);
    matched.circular_id = Some(delivery.circular_id);
    matched.delivery_id = Some(delivery.id);
    matched.by = Some(by);
    if matched.member_id.is_none() {
        matched.member_id = Some(delivery.member_id);
        matched.member_email = known
            .member_by_id(delivery.member_id)
            .map(|m| m.member.email.to_string());
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
        reply: None,
    })
}

/// What a person's reply, read with confidence, records: the people registered (the
/// member themself when they register without naming anyone, or say they come too), a
/// withdrawal or decline, the question in their words.
fn reply_record(
    known: &Known,
    reading: &Reading,
    matched: &Matched,
    decision: &Decision,
) -> Option<ReplyRecord> {
    let (Some(reply), Some(understanding)) = (&decision.reply, &reading.reply) else {
        return None;
    };
    if decision.status != "processed" {
        return None;
    }
    let (Some(member_id), Some(circular_id)) = (matched.member_id, matched.circular_id) else {
        return None;
    };
    let member = known.member_by_id(member_id).map(|m| &m.member);
    let register = understanding.is(ReplyKind::Registration).then(|| {
        let mut people = reply.attendees.clone();
        if let Some(member) = member
            && (reply.itself || people.is_empty())
        {
            let own = Attendee::of_member(member);
            if !people.iter().any(|p| registrations::same_person(p, &own)) {
                people.insert(0, own);
            }
        }
        people
    });
    Some(ReplyRecord {
        inbound_id: reading.id,
        circular_id,
        member_id,
        received_at: reading.received_at.clone(),
        register,
        // A decline naming people withdraws them, if they were registered.
        cancel: (understanding.is(ReplyKind::RegistrationCancel)
            || understanding.is(ReplyKind::Declines) && !reply.attendees.is_empty())
        .then(|| reply.attendees.clone()),
        declines: understanding.is(ReplyKind::Declines),
        question: understanding.is(ReplyKind::Question).then(|| {
            reply
                .question
                .clone()
                .unwrap_or_else(|| reading.read.own_text().to_string())
        }),
    })
    .filter(|record| {
        record.register.is_some()
            || record.cancel.is_some()
            || record.declines
            || record.question.is_some()
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
