//! `circulars serve`: the daemon.

use anyhow::Context;
use tokio_util::sync::CancellationToken;

use std::sync::Arc;

use crate::circulars::{Circular, Settings, check};
use crate::config::{Config, Secrets};
use crate::http::{self, AppState};
use crate::inbound::intake::Intake;
use crate::inbound::process::Processor;
use crate::mail::imap::{Imap, ImapSettings};
use crate::mail::maildir::{self, Maildir};
use crate::members::{Committee, recipients, sync};
use crate::outbox::rounds::{self, Place};
use crate::outbox::scheduler::Scheduler;
use crate::outbox::worker::Workers;
use crate::store::redact;

/// How long the database connections may take to close once HTTP has stopped.
const CLOSE_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

/// Starts the daemon and runs until SIGTERM or Ctrl-C.
///
/// # Errors
/// The database is unavailable, the secret cannot be kept, or the port cannot be bound.
pub async fn run(config: Config) -> anyhow::Result<()> {
    // Listening from the start: a SIGTERM during the start-up stops the daemon once the
    // start-up steps are done, cleanly, instead of killing it half-way.
    let shutdown = CancellationToken::new();
    tokio::spawn(cancel_on_signal(shutdown.clone()));
    let store = super::open_store(&config).await?;
    tracing::info!(url = %redact(&config.database.url), backend = ?store.backend(), "database ready");
    let secrets = Secrets::load(&config.data.dir).context("cannot load the signing secret")?;
    // A transport, CA file or DKIM key that cannot work stops the start before anything else.
    let workers = Workers::from_config(&config, &store, None)?;
    let processor = Processor::from_config(&config, &store)?;
    let imap = imap_settings(&config, &secrets)?;
    if config.recipients.sync_on_start
        && let Err(err) = sync_lists(&config, &store).await
    {
        tracing::error!(error = %super::causes(err.as_ref()), "lists not synced: the database keeps the lists it had");
    }
    let members = store.listed_members(None).await?.len();
    let committees: Vec<_> = store
        .committees()
        .await?
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    tracing::info!(
        committees = committees.len(),
        members,
        "member lists loaded"
    );
    let circulars = load_circulars(&config, &committees);
    let place = Place::from_config(&config);
    for circular in &circulars {
        match rounds::load(&store, &place, circular).await {
            Ok((_, true)) => {
                tracing::warn!(circular = circular.number, notice = %rounds::changed_notice(&place, circular.number), "circular changed after its sending started");
            }
            Ok(_) => {}
            Err(err) => {
                tracing::error!(circular = circular.number, error = %err, "circular not loaded into the database")
            }
        }
    }
    // Bound before sending starts: a port in use stops the start with nothing sent.
    let listener = tokio::net::TcpListener::bind(&config.http.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.http.bind))?;
    let daemon = workers.id.clone();
    let sending = tokio::spawn(workers.run(shutdown.clone()));
    let scheduler = Scheduler::new(
        daemon,
        store.clone(),
        place,
        crate::outbox::scheduler::system_clock(),
    );
    let scheduling = tokio::spawn(scheduler.run(shutdown.clone()));
    // Intake: mail coming back, stored raw, from IMAP when enabled, else from the Maildir
    // inbox; the processor reads what is stored.
    let intake = Intake::new(store.clone());
    let processing = tokio::spawn(processor.run(intake.stored(), shutdown.clone()));
    let receiving = start_maildir(&config, &intake, &shutdown);
    let reading =
        imap.map(|settings| tokio::spawn(Imap::new(settings, intake).run(shutdown.clone())));

    tracing::info!(bind = %config.http.bind, "serving HTTP");
    let state = AppState {
        store: store.clone(),
        circulars: Arc::new(circulars),
    };
    http::serve(listener, state, shutdown.clone()).await?;
    // HTTP has stopped; what is on the wire is finished and recorded before the exit.
    shutdown.cancel();
    let _ = scheduling.await;
    if let Some(receiving) = receiving {
        let _ = receiving.await;
    }
    let _ = sending.await;
    if let Some(reading) = reading {
        let _ = reading.await;
    }
    let _ = processing.await;
    // A request cut off at the end of the grace period may still hold a connection.
    if tokio::time::timeout(CLOSE_GRACE, store.close())
        .await
        .is_err()
    {
        tracing::warn!("database connections still in use: stopping anyway");
    }
    tracing::info!("stopped");
    Ok(())
}

/// `[imap]` checked at start when enabled: no password or a bad CA file stops the start.
fn imap_settings(config: &Config, secrets: &Secrets) -> anyhow::Result<Option<ImapSettings>> {
    if !config.imap.enabled {
        return Ok(None);
    }
    let settings = ImapSettings::from_config(&config.imap, secrets.imap_password.clone())?;
    Ok(Some(settings))
}

/// Starts reading `[maildir] inbox` when IMAP is off; a folder that cannot be made is logged
/// and the rest of the daemon goes on.
fn start_maildir(
    config: &Config,
    intake: &Intake,
    shutdown: &CancellationToken,
) -> Option<tokio::task::JoinHandle<()>> {
    if config.imap.enabled {
        return None;
    }
    match Maildir::open(&config.maildir.inbox) {
        Ok(maildir) => Some(tokio::spawn(maildir::watch(
            maildir,
            intake.clone(),
            shutdown.clone(),
        ))),
        Err(error) => {
            tracing::error!(inbox = %config.maildir.inbox.display(), %error, "cannot open the Maildir inbox: no mail is read");
            None
        }
    }
}

/// Syncs the lists from the files when they changed since the last sync. Bad files, a
/// mass removal or database edits the files would overwrite are logged and the lists kept
/// as they were: a typo in a list must not stop circulars already scheduled.
async fn sync_lists(config: &Config, store: &crate::store::Store) -> anyhow::Result<()> {
    let dir = &config.recipients.dir;
    let lists = match recipients::read_dir(dir, &config.locale.supported) {
        Ok(lists) => lists,
        Err(faults) => {
            for fault in &faults.0 {
                tracing::error!(%fault, "recipients file refused");
            }
            tracing::warn!(dir = %dir.display(), "lists not synced: the database keeps the lists it had");
            return Ok(());
        }
    };
    let options = sync::SyncOptions::default();
    let outcome = store
        .sync_lists(&lists, "serve:sync_on_start", options)
        .await?;
    match &outcome.verdict {
        sync::Verdict::Apply => {
            for report in &outcome.reports {
                tracing::info!(
                    committee = %report.slug,
                    added = report.added.len(),
                    changed = report.changed.len(),
                    removed = report.removed.len(),
                    kept_columns = %report.absent.join(","),
                    "list synced"
                );
            }
        }
        sync::Verdict::KeepDatabase(kept) => {
            tracing::info!(
                edited = kept.len(),
                "files unchanged since the last sync: the database's edits are kept"
            );
        }
        sync::Verdict::Refused(refusal) => {
            for c in &refusal.conflicts {
                tracing::error!(member = %c.email, edited_by = %c.actors.join(","), "conflict: edited in the database, and the files changed");
            }
            tracing::error!(reason = %refusal, "lists not synced: the database keeps the lists it had");
        }
    }
    Ok(())
}

/// Loads and checks every circular; a faulty one is logged and left out, the others load.
fn load_circulars(config: &Config, committees: &[Committee]) -> Vec<Arc<Circular>> {
    let report = check::check(
        &config.templates.dir,
        committees,
        &config.locale.supported,
        &Settings::from_config(config),
    );
    for fault in &report.faults {
        tracing::error!(%fault, "circular refused");
    }
    for notice in &report.notices {
        tracing::warn!(%notice, "language fallback");
    }
    for circular in &report.circulars {
        let languages: Vec<&str> = circular.languages.iter().map(|l| l.code()).collect();
        tracing::info!(
            circular = circular.number,
            slug = %circular.slug,
            languages = %languages.join(","),
            "circular loaded"
        );
    }
    report.circulars
}

pub(super) async fn cancel_on_signal(shutdown: CancellationToken) {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(error) => {
            tracing::error!(%error, "cannot listen for SIGTERM");
            let _ = ctrl_c.await;
            shutdown.cancel();
            return;
        }
    };
    tokio::select! {
        _ = ctrl_c => tracing::info!("Ctrl-C: stopping"),
        _ = term.recv() => tracing::info!("SIGTERM: stopping"),
    }
    shutdown.cancel();
}
