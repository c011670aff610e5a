//! The sending workers of one daemon: a claimer takes due deliveries in batches under a
//! lease, `concurrency` senders render and send them, and a recorder writes the outcomes in
//! batches. No database transaction is open while a message is on the wire.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{Mutex, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use super::prepare::{Library, PrepareError};
pub use super::setup::{SetupError, daemon_id};
use super::{OUTAGE_WAIT, Outcome, Purpose, Retry};
use crate::mail::{Outgoing, Transport};
use crate::store::{Claimed, Recorded, Store, precise_now};

/// How long a claim holds; renewed every third of it while the daemon lives, so the rows of
/// a daemon that died are taken up by another (or by itself, started again) this soon.
pub const LEASE: Duration = Duration::from_secs(15);
/// How often to look for due deliveries when there were none.
const IDLE: Duration = Duration::from_millis(500);
/// Outcomes written per batch, and the longest they wait to be written. What a crash may
/// send twice is what was sent and not yet recorded: the batch being written, the outcomes
/// waiting behind it (the recorder's channel holds one batch more), and the messages on
/// the wire: at most 2 × 64 + `concurrency`.
const RECORD_BATCH: usize = 64;
const RECORD_WAIT: Duration = Duration::from_millis(50);

/// One daemon's (or one `send --wait`'s) workers.
pub struct Workers {
    /// Who claims: written into each claimed row.
    pub id: String,
    pub store: Store,
    pub library: Arc<Library>,
    pub transport: Arc<Transport>,
    pub retry: Retry,
    pub bounce_threshold: u32,
    /// Work on this circular only (`send --wait`), else on every due delivery.
    pub only: Option<i64>,
    /// Deliveries claimed at once.
    pub batch: u32,
}

/// State the senders share.
struct Shared {
    workers: Workers,
    /// The mail server is unreachable: logged once when it goes, once when it is back.
    outage: AtomicBool,
    /// Deliveries sent by these workers, logged when they stop.
    sent: AtomicU64,
}

impl Workers {
    /// Runs until `stop`: then stops claiming, finishes and records what is on the wire,
    /// and gives back what was claimed but not tried.
    pub async fn run(self, stop: CancellationToken) {
        let concurrency = self.transport.concurrency().max(1);
        let batch = self.batch.max(1);
        let shared = Arc::new(Shared {
            workers: self,
            outage: AtomicBool::new(false),
            sent: AtomicU64::new(0),
        });
        let (work_tx, work_rx) = mpsc::channel::<Claimed>(batch as usize);
        let work_rx = Arc::new(Mutex::new(work_rx));
        let (done_tx, done_rx) = mpsc::channel::<Recorded>(RECORD_BATCH);
        let untried = Arc::new(std::sync::Mutex::new(Vec::new()));
        let tracker = TaskTracker::new();
        for _ in 0..concurrency {
            tracker.spawn(send_loop(
                shared.clone(),
                work_rx.clone(),
                done_tx.clone(),
                untried.clone(),
                stop.clone(),
            ));
        }
        drop(done_tx);
        tracker.close();
        let recorder = tokio::spawn(record_loop(shared.clone(), done_rx));
        let renewer = tokio::spawn(renew_loop(shared.clone()));
        claim_loop(&shared, work_tx, &untried, &stop).await;
        tracker.wait().await;
        // Claimed and handed over, but no sender took them before the stop: given back.
        while let Ok(delivery) = work_rx.lock().await.try_recv() {
            untried.lock().expect("untried").push(delivery.id);
        }
        let _ = recorder.await;
        renewer.abort();
        let untried = std::mem::take(&mut *untried.lock().expect("untried"));
        let w = &shared.workers;
        if let Err(err) = w.store.release(&w.id, &untried).await {
            tracing::error!(error = %err, "cannot give back unsent deliveries: their lease runs out instead");
        }
        tracing::info!(
            daemon = %w.id,
            sent = shared.sent.load(Ordering::Relaxed),
            given_back = untried.len(),
            "workers stopped"
        );
    }
}

async fn claim_loop(
    shared: &Shared,
    work: mpsc::Sender<Claimed>,
    untried: &std::sync::Mutex<Vec<i64>>,
    stop: &CancellationToken,
) {
    let w = &shared.workers;
    while !stop.is_cancelled() {
        // While the server is away, one delivery at a time probes whether it is back.
        let outage = shared.outage.load(Ordering::Relaxed);
        let limit = if outage { 1 } else { w.batch };
        let claimed = match w.store.claim(&w.id, limit, LEASE, w.only).await {
            Ok(claimed) => claimed,
            Err(err) => {
                tracing::warn!(error = %err, "cannot claim deliveries: trying again");
                Vec::new()
            }
        };
        let idle = claimed.is_empty();
        let mut rest = claimed.into_iter();
        for delivery in rest.by_ref() {
            let id = delivery.id;
            tokio::select! {
                sent = work.send(delivery) => if sent.is_err() { untried.lock().expect("untried").push(id); },
                () = stop.cancelled() => { untried.lock().expect("untried").push(id); break; }
            }
        }
        untried.lock().expect("untried").extend(rest.map(|d| d.id));
        let pause = if outage {
            OUTAGE_WAIT
        } else if idle {
            IDLE
        } else {
            continue;
        };
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = stop.cancelled() => {}
        }
    }
}

async fn send_loop(
    shared: Arc<Shared>,
    work: Arc<Mutex<mpsc::Receiver<Claimed>>>,
    done: mpsc::Sender<Recorded>,
    untried: Arc<std::sync::Mutex<Vec<i64>>>,
    stop: CancellationToken,
) {
    loop {
        let next = tokio::select! {
            next = async { work.lock().await.recv().await } => next,
            () = stop.cancelled() => None,
        };
        let Some(delivery) = next else { break };
        let span = tracing::info_span!(
            parent: &shared.workers.library.circular_span(delivery.circular_id),
            "delivery",
            delivery = delivery.id,
            circular = delivery.circular_id,
            member = delivery.member.id,
            attempt = delivery.attempt,
        );
        let outcome = attempt(&shared, &delivery).instrument(span).await;
        let recorded = Recorded {
            delivery_id: delivery.id,
            member_id: delivery.member.id,
            outcome,
            at: precise_now(),
        };
        if done.send(recorded).await.is_err() {
            break;
        }
    }
    // What is still queued in the channel was claimed and not tried.
    let mut work = work.lock().await;
    while let Ok(delivery) = work.try_recv() {
        untried.lock().expect("untried").push(delivery.id);
    }
}

/// One attempt at one delivery.
async fn attempt(shared: &Shared, delivery: &Claimed) -> Outcome {
    let w = &shared.workers;
    if delivery.suppressed {
        return Outcome::Suppressed;
    }
    let built = match build(w, delivery).await {
        Ok(Some(built)) => built,
        Ok(None) => return Outcome::Withdrawn,
        // The database went away: not the delivery's fault, try it again soon.
        Err(
            err @ (PrepareError::Store(_)
            | PrepareError::Round(super::rounds::RoundError::Store(_))),
        ) => {
            return Outcome::Unreachable {
                reply: format!("database: {err}"),
            };
        }
        Err(err) => {
            tracing::error!(error = %err, "cannot make the message");
            return Outcome::Failed {
                reply: err.to_string(),
                bounce: false,
            };
        }
    };
    let result = w
        .transport
        .send(&Outgoing {
            envelope_from: &built.envelope_from,
            to: &built.to,
            message_id: &delivery.message_id,
            raw: &built.raw,
        })
        .await;
    let outcome = w.retry.judge(result, delivery.attempt);
    watch_outage(shared, &outcome);
    if outcome == Outcome::Sent {
        shared.sent.fetch_add(1, Ordering::Relaxed);
    }
    match &outcome {
        Outcome::Sent => tracing::debug!("sent"),
        Outcome::Deferred { reply, wait } => {
            tracing::info!(%reply, wait_s = wait.as_secs(), "deferred");
        }
        Outcome::Failed { reply, .. } => tracing::warn!(%reply, "failed"),
        Outcome::Unreachable { .. } | Outcome::Suppressed | Outcome::Withdrawn => {}
    }
    outcome
}

/// The message of a delivery; `None` when its circular was cancelled since the claim.
async fn build(
    w: &Workers,
    delivery: &Claimed,
) -> Result<Option<super::prepare::Built>, PrepareError> {
    if let Some(raw) = &delivery.raw {
        return w.library.notice(delivery, raw).await.map(Some);
    }
    if w.library.is_cancelled(delivery.circular_id).await? {
        return Ok(None);
    }
    let purpose = Purpose::parse(&delivery.purpose).map_err(PrepareError::Purpose)?;
    let prepared = w.library.prepared(delivery.circular_id, &purpose).await?;
    let committee = w.library.committee(delivery.committee_id).await?;
    w.library
        .build(delivery, &purpose, &prepared, &committee)
        .map(Some)
}

/// Logs the mail server going away and coming back, once each.
fn watch_outage(shared: &Shared, outcome: &Outcome) {
    match outcome {
        Outcome::Unreachable { reply } => {
            if !shared.outage.swap(true, Ordering::Relaxed) {
                tracing::error!(%reply, "mail server unreachable: deliveries wait until it is back");
            }
        }
        Outcome::Sent | Outcome::Deferred { .. } | Outcome::Failed { .. } => {
            if shared.outage.swap(false, Ordering::Relaxed) {
                tracing::info!("mail server reachable again: sending resumes");
            }
        }
        Outcome::Suppressed | Outcome::Withdrawn => {}
    }
}

async fn record_loop(shared: Arc<Shared>, mut done: mpsc::Receiver<Recorded>) {
    let mut batch = Vec::with_capacity(RECORD_BATCH);
    loop {
        let next = if batch.is_empty() {
            done.recv().await
        } else {
            tokio::select! {
                next = done.recv() => next,
                () = tokio::time::sleep(RECORD_WAIT) => { flush(&shared, &mut batch).await; continue; }
            }
        };
        match next {
            Some(recorded) => {
                batch.push(recorded);
                if batch.len() >= RECORD_BATCH {
                    flush(&shared, &mut batch).await;
                }
            }
            None => break,
        }
    }
    flush(&shared, &mut batch).await;
}

/// Writes the outcomes; while the database is away, tries again for a while (the leases
/// run out meanwhile, and what cannot be recorded is sent again with the same Message-ID).
async fn flush(shared: &Shared, batch: &mut Vec<Recorded>) {
    let w = &shared.workers;
    for wait_ms in [0, 100, 500, 2000, 5000] {
        tokio::time::sleep(Duration::from_millis(wait_ms)).await;
        match w.store.record(&w.id, batch, w.bounce_threshold).await {
            Ok(()) => {
                batch.clear();
                return;
            }
            Err(err) => tracing::warn!(error = %err, "cannot record outcomes: trying again"),
        }
    }
    tracing::error!(
        outcomes = batch.len(),
        "outcomes not recorded: these deliveries will be sent again"
    );
    batch.clear();
}

/// Renews the leases of what these workers hold, until `run` aborts it once the senders
/// are done (also after a stop: what is on the wire stays ours until it is recorded).
async fn renew_loop(shared: Arc<Shared>) {
    let w = &shared.workers;
    let mut every = tokio::time::interval(LEASE / 3);
    loop {
        every.tick().await;
        if let Err(err) = w.store.renew_leases(&w.id, LEASE).await {
            tracing::warn!(error = %err, "cannot renew leases");
        }
    }
}
