//! The scheduler of `serve`: starts circulars whose time has come, creates reminder rounds,
//! gives members added to a list while a circular is sending their copy, and marks
//! circulars sent. With several daemons on one database only the holder of the
//! `scheduler` lease runs it; when it dies another takes the lease over.

use std::time::{Duration, Instant};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::Purpose;
use super::rounds::{self, Place, RoundError, read_time};
use crate::circulars::{Circular, CircularStatus};
use crate::schedule::{self as plan, Due, Progress, Timing};
use crate::store::{Store, StoredCircular};

/// How often the scheduler looks at the circulars.
pub const TICK: Duration = Duration::from_secs(2);
/// How long the scheduler's lease lasts without renewal: the most another daemon waits to
/// take over from one that died is this plus one tick.
pub const LEASE: Duration = Duration::from_secs(10);
/// How often a sending circular's lists are looked at again for members added since.
const NEW_MEMBERS: Duration = Duration::from_secs(20);
const LEASE_NAME: &str = "scheduler";

/// What time it is: the system clock in the daemon, a chosen one in tests.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(Utc::now)
}

/// The scheduler of one daemon.
pub struct Scheduler {
    /// Who holds the lease.
    id: String,
    store: Store,
    place: Place,
    clock: Clock,
    /// Each circular's definition, by id and the digest of its files: read once, not at
    /// every tick.
    definitions: Mutex<HashMap<(i64, String), Arc<Circular>>>,
}

impl Scheduler {
    /// The scheduler of the daemon `id` (as in its leases).
    pub fn new(id: String, store: Store, place: Place, clock: Clock) -> Scheduler {
        Scheduler {
            id,
            store,
            place,
            clock,
            definitions: Mutex::new(HashMap::new()),
        }
    }

    /// The circular as its members receive it (see [`rounds::definition`]), cached.
    async fn definition(&self, stored: &StoredCircular) -> Result<Arc<Circular>, RoundError> {
        let digest = stored
            .snapshot_digest
            .clone()
            .unwrap_or_else(|| stored.digest.clone());
        let key = (stored.id, digest);
        if let Some(found) = self.definitions.lock().expect("definitions").get(&key) {
            return Ok(found.clone());
        }
        let circular = Arc::new(rounds::definition(&self.store, &self.place, stored).await?);
        self.definitions
            .lock()
            .expect("definitions")
            .insert(key, circular.clone());
        Ok(circular)
    }
    /// Runs until `stop`, leading while it holds the lease.
    pub async fn run(self, stop: CancellationToken) {
        let lease_ms = i64::try_from(LEASE.as_millis()).unwrap_or(i64::MAX);
        let mut leading = false;
        let mut looked_for_members = Instant::now();
        loop {
            match self.store.hold_lease(LEASE_NAME, &self.id, lease_ms).await {
                Ok(true) => {
                    if !leading {
                        tracing::info!(daemon = %self.id, "this daemon runs the scheduler");
                    }
                    leading = true;
                    let members = looked_for_members.elapsed() >= NEW_MEMBERS;
                    if members {
                        looked_for_members = Instant::now();
                    }
                    if let Err(err) = self.tick(members).await {
                        tracing::error!(error = %err, "scheduler: trying again at the next tick");
                    }
                }
                Ok(false) => {
                    if leading {
                        tracing::warn!("another daemon took the scheduler over");
                    }
                    leading = false;
                }
                Err(err) => tracing::warn!(error = %err, "cannot hold the scheduler lease"),
            }
            tokio::select! {
                () = tokio::time::sleep(TICK) => {}
                () = stop.cancelled() => break,
            }
        }
        if leading && let Err(err) = self.store.drop_lease(LEASE_NAME, &self.id).await {
            tracing::warn!(error = %err, "cannot give the scheduler lease up");
        }
    }

    /// One look at every circular: starts what is due, creates a due reminder round,
    /// with `new_members` gives members added to a list the circular still sending, and
    /// marks circulars sent.
    ///
    /// # Errors
    /// The database fails; a circular that cannot be looked at is logged and skipped.
    pub async fn tick(&self, new_members: bool) -> Result<(), RoundError> {
        for stored in self.store.stored_circulars().await? {
            let span = tracing::info_span!("circular", circular = stored.number);
            if let Err(err) = self.look_at(&stored, new_members).instrument(span).await {
                tracing::error!(circular = stored.number, error = %err, "cannot schedule the circular");
            }
        }
        Ok(())
    }

    async fn look_at(&self, stored: &StoredCircular, new_members: bool) -> Result<(), RoundError> {
        use CircularStatus::*;
        if matches!(stored.status, Draft | Cancelled) {
            return Ok(());
        }
        let circular = self.definition(stored).await?;
        let (timing, progress) = plan_of(stored, &circular, self.place.tz);
        match plan::due(&timing, &progress, (self.clock)()) {
            Some(Due::Circular) if stored.status == Scheduled => {
                if let Some(created) = rounds::start(&self.store, &self.place, stored).await? {
                    tracing::info!(
                        circular = stored.number,
                        deliveries = created,
                        "circular started"
                    );
                }
            }
            Some(Due::Reminder { slot }) if matches!(stored.status, Sending | Sent) => {
                let created = rounds::create(
                    &self.store,
                    &self.place,
                    stored,
                    &circular,
                    Purpose::Reminder(slot),
                )
                .await?;
                self.store
                    .set_last_round(stored.id, &rounds::stored_time(slot))
                    .await?;
                tracing::info!(circular = stored.number, %slot, deliveries = created, "reminder round started");
            }
            _ => {}
        }
        if stored.status == Sending {
            if new_members {
                let added = rounds::create(
                    &self.store,
                    &self.place,
                    stored,
                    &circular,
                    Purpose::Circular,
                )
                .await?;
                if added > 0 {
                    tracing::info!(
                        circular = stored.number,
                        added,
                        "members added to the lists get the circular"
                    );
                }
            }
            if self.store.finish_circular(stored.id).await? {
                log_end(&self.store, stored).await?;
            }
        }
        Ok(())
    }
}

/// What the plan of a circular needs: its timing (the stored `send_at`, which `schedule`
/// may have set, and the definition's deadline and reminders) and what the database says
/// happened already.
pub fn plan_of<'a>(
    stored: &StoredCircular,
    circular: &'a Circular,
    tz: chrono_tz::Tz,
) -> (Timing<'a>, Progress) {
    let timing = Timing {
        send_at: stored.due_at().and_then(read_time),
        deadline: circular.deadline.map(|w| plan::to_utc(w, true, tz)),
        reminders: &circular.reminders,
        tz,
    };
    let progress = Progress {
        // Scheduled again after it went out: it is due as a circular again.
        started: (stored.status != CircularStatus::Scheduled)
            .then(|| stored.started_at.as_deref().and_then(read_time))
            .flatten(),
        last_round: stored.last_round.as_deref().and_then(read_time),
        cancelled: stored.status == CircularStatus::Cancelled,
    };
    (timing, progress)
}

/// The line that says a circular's run ended: counts, duration, rate.
///
/// # Errors
/// The database fails.
pub async fn log_end(store: &Store, stored: &StoredCircular) -> Result<(), RoundError> {
    let counts = store.round_counts(stored.id, "circular").await?;
    let n = |s| counts.states.get(&s).copied().unwrap_or(0);
    let first = counts.first_sent_at.as_deref().and_then(read_time);
    let last = counts.last_sent_at.as_deref().and_then(read_time);
    let seconds = match (first, last) {
        (Some(first), Some(last)) => (last - first).num_milliseconds() as f64 / 1000.0,
        _ => 0.0,
    };
    let sent = n(super::State::Sent);
    let rate = if seconds > 0.0 {
        sent as f64 / seconds
    } else {
        0.0
    };
    tracing::info!(
        circular = stored.number,
        sent,
        failed = n(super::State::Failed),
        suppressed = n(super::State::Suppressed),
        seconds = format!("{seconds:.1}"),
        per_second = format!("{rate:.0}"),
        "circular sent"
    );
    Ok(())
}
