//! `circulars schedule`, `send`, `cancel`, `status`: sending a circular and following it.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::{BadData, Format, UsageError};
use crate::circulars::CircularStatus;
use crate::config::Config;
use crate::locale::Language;
use crate::outbox::State;
use crate::outbox::rounds::{self, Place, stored_time};
use crate::outbox::scheduler::{log_end, plan_of};
use crate::outbox::worker::Workers;
use crate::store::{ReplyCounts, RoundCounts, Store, StoredCircular};

#[derive(Debug, Args)]
pub struct ScheduleArgs {
    /// The circular's number (30).
    number: u32,
    /// When: local time in `[locale] timezone` (`2026-12-03 09:00`), or RFC 3339 with an
    /// offset (`2026-12-03T09:00:00+01:00`) [default: now].
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
}

#[derive(Debug, Args)]
pub struct SendArgs {
    number: u32,
    /// Send now (required: sending is never implicit).
    #[arg(long, required = true)]
    now: bool,
    /// Send from this process and return when every delivery is done, with progress.
    #[arg(long)]
    wait: bool,
}

#[derive(Debug, Args)]
pub struct NumberArg {
    number: u32,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    number: u32,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// `schedule NNN [--at TIME]`.
pub async fn schedule(args: ScheduleArgs, config: &Config) -> anyhow::Result<()> {
    let tz = config.locale.timezone;
    let at = match &args.at {
        Some(text) => crate::schedule::parse_at(text, tz)
            .map_err(|e| UsageError(format!("--at `{text}`: {e}")))?,
        None => chrono::Utc::now(),
    };
    let store = super::open_store(config).await?;
    let stored = load_from_files(&store, config, args.number).await?;
    store.schedule_circular(stored.id, &stored_time(at)).await?;
    println!(
        "circular {:03} scheduled for {} ({tz}); `circulars serve` sends it then",
        args.number,
        at.with_timezone(&tz).format("%Y-%m-%d %H:%M")
    );
    Ok(())
}

/// `send NNN --now [--wait]`.
pub async fn send(args: SendArgs, config: &Config) -> anyhow::Result<()> {
    let store = super::open_store(config).await?;
    let stored = load_from_files(&store, config, args.number).await?;
    // A transport or DKIM key that cannot work is refused before anything is scheduled.
    let workers = if args.wait {
        Some(Workers::from_config(config, &store, Some(stored.id))?)
    } else {
        None
    };
    store
        .schedule_circular(stored.id, &stored_time(chrono::Utc::now()))
        .await?;
    let Some(workers) = workers else {
        println!(
            "circular {:03} is due now: `circulars serve` sends it within seconds; `circulars status {}` follows it",
            args.number, args.number
        );
        return Ok(());
    };
    let place = Place::from_config(config);
    let stored = stored_or_unknown(&store, args.number).await?;
    if stored.status == CircularStatus::Scheduled {
        rounds::start(&store, &place, &stored).await?;
    }
    let stop = CancellationToken::new();
    // SIGTERM or Ctrl-C: stop claiming, finish and record what is on the wire.
    tokio::spawn(super::serve::cancel_on_signal(stop.clone()));
    let running = tokio::spawn(workers.run(stop.clone()));
    let result = follow(&store, &stored, &stop).await;
    stop.cancel();
    running.await.context("the workers stopped abnormally")?;
    result?;
    if store.finish_circular(stored.id).await? {
        log_end(&store, &stored).await?;
    }
    let stored = stored_or_unknown(&store, args.number).await?;
    print_status(&store, config, &stored, Format::Table).await
}

/// Waits until none of the circular's own deliveries is left to do, showing progress.
///
/// # Errors
/// The database fails, or `stop` came first (the rest is left for a daemon or a next run).
async fn follow(
    store: &Store,
    stored: &StoredCircular,
    stop: &CancellationToken,
) -> anyhow::Result<()> {
    let terminal = std::io::stderr().is_terminal();
    let bar = terminal.then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} {msg} {per_sec} time left {eta}",
            )
            .expect("template"),
        );
        bar
    });
    let mut last_line = std::time::Instant::now();
    loop {
        let counts = store.round_states(stored.id, "circular").await?;
        let done = counts.total() - counts.pending();
        let n = |s| counts.states.get(&s).copied().unwrap_or(0);
        let summary = format!(
            "sent {} deferred {} failed {} suppressed {}",
            n(State::Sent),
            n(State::Deferred),
            n(State::Failed),
            n(State::Suppressed)
        );
        match &bar {
            Some(bar) => {
                bar.set_length(u64::try_from(counts.total()).unwrap_or(0));
                bar.set_position(u64::try_from(done).unwrap_or(0));
                bar.set_message(summary);
            }
            None if last_line.elapsed() >= Duration::from_secs(5) || counts.pending() == 0 => {
                eprintln!(
                    "circular {:03}: {done}/{} {summary}",
                    stored.number,
                    counts.total()
                );
                last_line = std::time::Instant::now();
            }
            None => {}
        }
        let cancelled = store.circular_status(stored.id).await? == CircularStatus::Cancelled;
        // Notices (confirmations, answers to replies) about this circular go out too.
        let notices = store.pending_notices(stored.id).await?;
        if (counts.pending() == 0 && notices == 0) || cancelled {
            if let Some(bar) = bar {
                bar.finish();
            }
            if cancelled {
                eprintln!(
                    "circular {:03} was cancelled: {} not sent",
                    stored.number,
                    counts.pending()
                );
            }
            return Ok(());
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
            () = stop.cancelled() => {
                if let Some(bar) = bar {
                    bar.abandon();
                }
                anyhow::bail!(
                    "interrupted with {} deliveries of circular {:03} left: `circulars serve` \
                     or `circulars send {} --now --wait` sends them",
                    counts.pending(),
                    stored.number,
                    stored.number
                );
            }
        }
    }
}

/// `cancel NNN`.
pub async fn cancel(args: NumberArg, config: &Config) -> anyhow::Result<()> {
    let store = super::open_store(config).await?;
    let stored = stored_or_unknown(&store, args.number).await?;
    store.cancel_circular(stored.id).await?;
    let counts = store.round_counts(stored.id, "circular").await?;
    let sent = counts.states.get(&State::Sent).copied().unwrap_or(0);
    println!(
        "circular {:03} cancelled: {} not sent ({sent} sent before stay sent); `circulars schedule {}` resumes it",
        args.number,
        counts.pending(),
        args.number
    );
    Ok(())
}

/// `status NNN [--format json]`.
pub async fn status(args: StatusArgs, config: &Config) -> anyhow::Result<()> {
    let store = super::open_store(config).await?;
    let stored = match store.stored_circular(args.number).await? {
        Some(stored) => stored,
        None => load_from_files(&store, config, args.number).await?,
    };
    print_status(&store, config, &stored, args.format).await
}

#[derive(Serialize)]
struct StatusOut {
    number: u32,
    status: CircularStatus,
    total: i64,
    states: std::collections::BTreeMap<State, i64>,
    languages: std::collections::BTreeMap<Language, i64>,
    first_sent_at: Option<String>,
    last_sent_at: Option<String>,
    /// When the next thing is due: the sending, or the next reminder round.
    next_at: Option<String>,
    reminders: Vec<RoundOut>,
    /// Bounces that came back for this circular.
    bounces: BounceOut,
    /// Its recipients whose address is suppressed now.
    suppressions: i64,
    /// What the members' replies recorded.
    replies: ReplyCounts,
}

#[derive(Serialize)]
struct BounceOut {
    hard: i64,
    soft: i64,
}

#[derive(Serialize)]
struct RoundOut {
    slot: String,
    total: i64,
    states: std::collections::BTreeMap<State, i64>,
}

fn all_states(counts: &RoundCounts) -> std::collections::BTreeMap<State, i64> {
    State::ALL
        .into_iter()
        .map(|s| (s, counts.states.get(&s).copied().unwrap_or(0)))
        .collect()
}

async fn print_status(
    store: &Store,
    config: &Config,
    stored: &StoredCircular,
    format: Format,
) -> anyhow::Result<()> {
    let counts = store.round_counts(stored.id, "circular").await?;
    // When its sending or its next reminder round is due (the daemon's scheduler decides).
    let place = Place::from_config(config);
    let next_at = match rounds::definition(store, &place, stored).await {
        Ok(circular) if stored.status != CircularStatus::Draft => {
            let (timing, progress) = plan_of(stored, &circular, place.tz);
            crate::schedule::next_wakeup(&timing, &progress, chrono::Utc::now())
                .map(rounds::stored_time)
        }
        _ => None,
    };
    let bounces = store.bounce_counts(stored.id).await?;
    let mut reminders = Vec::new();
    for purpose in store.rounds(stored.id).await? {
        if let Some(slot) = purpose.strip_prefix("reminder:") {
            let round = store.round_counts(stored.id, &purpose).await?;
            reminders.push(RoundOut {
                slot: slot.to_string(),
                total: round.total(),
                states: all_states(&round),
            });
        }
    }
    let out = StatusOut {
        number: stored.number,
        status: stored.status,
        total: counts.total(),
        states: all_states(&counts),
        languages: counts.languages.clone(),
        first_sent_at: counts.first_sent_at.clone(),
        last_sent_at: counts.last_sent_at.clone(),
        next_at,
        reminders,
        bounces: BounceOut {
            hard: bounces.hard,
            soft: bounces.soft,
        },
        suppressions: store.suppressed_recipients(stored.id).await?,
        replies: store.reply_counts(stored.id).await?,
    };
    let mut stdout = std::io::stdout().lock();
    if format == Format::Json {
        serde_json::to_writer_pretty(&mut stdout, &out)?;
        writeln!(stdout)?;
        return Ok(());
    }
    writeln!(
        stdout,
        "circular {:03} ({}): {}",
        out.number, stored.slug, out.status
    )?;
    writeln!(stdout, "deliveries {}: {}", out.total, join(&out.states))?;
    if !out.languages.is_empty() {
        writeln!(stdout, "languages: {}", join(&out.languages))?;
    }
    if let Some(next) = out.next_at.as_deref().and_then(rounds::read_time) {
        let local = next.with_timezone(&config.locale.timezone);
        writeln!(
            stdout,
            "next: {} ({})",
            local.format("%Y-%m-%d %H:%M"),
            config.locale.timezone
        )?;
    }
    for round in &out.reminders {
        writeln!(
            stdout,
            "reminder {} {}: {}",
            round.slot,
            round.total,
            join(&round.states)
        )?;
    }
    writeln!(
        stdout,
        "bounces: hard {}, soft {}; suppressed addresses {}",
        out.bounces.hard, out.bounces.soft, out.suppressions
    )?;
    let r = &out.replies;
    writeln!(
        stdout,
        "registered {} ({} seats), waitlisted {}, refused {}, cancelled {}; declined {}; open questions {}",
        r.registered, r.seats, r.waitlisted, r.refused, r.cancelled, r.declined, r.open_questions
    )?;
    Ok(())
}

/// `key n, key n, …`.
fn join<K: std::fmt::Display>(map: &std::collections::BTreeMap<K, i64>) -> String {
    map.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) async fn stored_or_unknown(
    store: &Store,
    number: u32,
) -> anyhow::Result<StoredCircular> {
    store.stored_circular(number).await?.ok_or_else(|| {
        BadData(format!(
            "no circular {number}: `circulars circulars load` loads templates/circulars/"
        ))
        .into()
    })
}

/// Loads circular `number` from its files into the database (a circular whose files
/// changed since its sending started is named, and keeps sending the first version).
///
/// # Errors
/// No such circular (65), or its files are faulty (65, each fault named).
pub(super) async fn load_from_files(
    store: &Store,
    config: &Config,
    number: u32,
) -> anyhow::Result<StoredCircular> {
    let place = Place::from_config(config);
    let circular = super::circulars::load_circular(config, number)?;
    let (stored, changed) = rounds::load(store, &place, &circular).await?;
    if changed {
        eprintln!("note: {}", rounds::changed_notice(&place, number));
    }
    Ok(stored)
}
