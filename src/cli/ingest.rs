//! `circulars ingest FILE…|-`: raw messages from files or standard input, for an MTA pipe.
//!
//! Exit 0 when every input is stored (already stored counts), 75 (EX_TEMPFAIL) when the
//! database is unavailable so the MTA tries again later, 65 when an input is missing or is
//! not a message at all (kept all the same, flagged `not_mail`).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::BadData;
use crate::config::Config;
use crate::inbound::intake::{Arrival, Intake, Kept, Source, looks_like_mail};
use crate::inbound::process::Processor;

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Message files, or `-` for standard input.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// `json` prints `[{"file","id","new","not_mail"}]` on standard output.
    #[arg(long, value_enum, default_value_t)]
    format: IngestFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
enum IngestFormat {
    #[default]
    Text,
    Json,
}

/// Nothing (more) could be stored: the database is unavailable (75, the MTA retries).
#[derive(Debug, thiserror::Error)]
#[error("{0}: not stored, try again later")]
pub struct NotStored(String, #[source] anyhow::Error);

/// One input as stored.
#[derive(Debug, Serialize)]
struct Ingested {
    file: String,
    id: i64,
    new: bool,
    not_mail: bool,
}

/// `ingest FILE…|-`.
///
/// # Errors
/// [`NotStored`] when the database is unavailable, [`BadData`] naming the inputs that are
/// missing or not mail.
pub async fn run(args: IngestArgs, config: &Config) -> anyhow::Result<()> {
    let store = super::open_store(config)
        .await
        .map_err(|e| NotStored("the database".into(), e.into()))?;
    let intake = Intake::new(store);
    let mut done = Vec::new();
    let mut bad = Vec::new();
    for path in &args.files {
        let name = path.display().to_string();
        match read(path).await {
            Ok((raw, modified)) => {
                let one = ingest_one(&intake, name, &raw, modified).await?;
                if one.not_mail {
                    bad.push(format!(
                        "{} (not a message: no header line; kept as #{})",
                        one.file, one.id
                    ));
                }
                done.push(one);
            }
            Err(error) => {
                eprintln!("{name}: cannot read: {error}");
                bad.push(format!("{name} (cannot read: {error})"));
            }
        }
    }
    process(config, intake.store()).await;
    intake.store().close().await;
    if args.format == IngestFormat::Json {
        println!("{}", serde_json::to_string(&done)?);
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(BadData(format!("bad input: {}", bad.join(", "))).into())
    }
}

/// Reads, matches and classifies what is stored now, so a message piped in is understood
/// without waiting for the daemon. What is stored stays stored whatever happens here: a
/// failure is reported, and the daemon processes the message later.
async fn process(config: &Config, store: &crate::store::Store) {
    let processor = match Processor::from_config(config, store) {
        Ok(processor) => processor,
        Err(error) => {
            eprintln!("stored, not processed yet: {}", super::causes(&error));
            return;
        }
    };
    loop {
        match processor.process_pending().await {
            Ok(0) => break,
            Ok(_) => {}
            Err(error) => {
                eprintln!("stored, not processed yet: {}", super::causes(&error));
                break;
            }
        }
    }
}

/// Stores one input and says so on standard error.
async fn ingest_one(
    intake: &Intake,
    name: String,
    raw: &[u8],
    modified: Option<SystemTime>,
) -> Result<Ingested, NotStored> {
    let arrival = Arrival {
        raw,
        source: Source::Ingest { file: name.clone() },
        internal_date: None,
        modified,
    };
    let kept = match intake.keep(arrival).await {
        Ok(kept) => kept,
        Err(error) => return Err(NotStored(name, error.into())),
    };
    let not_mail = !looks_like_mail(raw);
    eprintln!("{name}: {}", said(kept, not_mail));
    Ok(Ingested {
        file: name,
        id: kept.id,
        new: kept.new,
        not_mail,
    })
}

fn said(kept: Kept, not_mail: bool) -> String {
    let what = if kept.new { "stored" } else { "already stored" };
    let flag = if not_mail { " (not mail)" } else { "" };
    format!("{what} #{}{flag}", kept.id)
}

/// The bytes of `path` (`-`: standard input) and its modification time.
async fn read(path: &Path) -> std::io::Result<(Vec<u8>, Option<SystemTime>)> {
    if path.as_os_str() == "-" {
        let raw = tokio::task::spawn_blocking(|| {
            let mut raw = Vec::new();
            std::io::stdin().lock().read_to_end(&mut raw).map(|_| raw)
        })
        .await
        .map_err(std::io::Error::other)??;
        return Ok((raw, None));
    }
    let raw = tokio::fs::read(path).await?;
    let modified = tokio::fs::metadata(path).await?.modified().ok();
    Ok((raw, modified))
}
