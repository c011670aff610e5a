//! `circulars circulars list`, `circulars circulars load`, `circulars check`.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;
use clap::Subcommand;
use serde::Serialize;

use super::{BadData, Format};
use crate::circulars::check;
use crate::circulars::definition;
use crate::circulars::{Circular, CircularStatus, Settings};
use crate::config::Config;
use crate::faults::Faults;
use crate::locale::Language;
use crate::members::Committee;
use crate::members::recipients::read_committees;
use crate::outbox::rounds::{self, Place};
use crate::outbox::snapshot::Files;
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum CircularsCommand {
    /// List the circulars defined in templates/circulars/, with their status.
    List {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Load every circular of templates/circulars/ into the database (as `serve` does at
    /// start): a `send_at` schedules it, one already past sends it at once.
    Load,
}

/// The committees of `committees.toml`; a missing or faulty file is an error, not an
/// empty list (which would make every circular's committee look unknown).
pub(super) fn committees_from_files(config: &Config) -> Result<Vec<Committee>, Faults> {
    read_committees(
        &config.recipients.dir.join("committees.toml"),
        &config.locale.supported,
    )
}

/// Every circular of `templates/circulars/`, checked against the committees of the files.
fn checked(config: &Config) -> Result<check::Report, Faults> {
    Ok(check::check(
        &config.templates.dir,
        &committees_from_files(config)?,
        &config.locale.supported,
        &Settings::from_config(config),
    ))
}

/// `circulars check`: exit 65 with every fault when anything is wrong.
pub async fn check(config: &Config) -> anyhow::Result<()> {
    let report = checked(config)?;
    for notice in &report.notices {
        eprintln!("note: {notice}");
    }
    // A circular changed after its sending started is not a fault, but its author must
    // know the change is not sent. Without a database there is nothing to compare with.
    if let Ok(store) = super::open_store(config).await {
        for number in changed_since_start(&store, config, &report.circulars).await? {
            eprintln!(
                "note: {}",
                rounds::changed_notice(&Place::from_config(config), number)
            );
        }
    }
    if !report.faults.is_empty() {
        return Err(Faults(report.faults).into());
    }
    println!("{} circular(s) checked, no fault", report.circulars.len());
    Ok(())
}

/// Loads one circular by number: 65 if there is none or its files are faulty.
pub(super) fn load_circular(config: &Config, number: u32) -> anyhow::Result<Circular> {
    let dir = config.templates.dir.join("circulars");
    let folder = definition::folder_of(&dir, number)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .ok_or_else(|| BadData(format!("no circular {number} in {}", dir.display())))?;
    definition::load(&folder, &config.locale.supported).map_err(|faults| Faults(faults).into())
}

#[derive(Serialize)]
struct ListedCircular {
    number: u32,
    slug: String,
    languages: Vec<Language>,
    committees: Vec<String>,
    status: CircularStatus,
    send_at: Option<String>,
    deadline: Option<String>,
    capacity: Option<u32>,
}

/// The numbers of the circulars whose files differ from those frozen when they started.
async fn changed_since_start(
    store: &Store,
    config: &Config,
    circulars: &[Arc<Circular>],
) -> anyhow::Result<Vec<u32>> {
    let stored = store.stored_circulars().await?;
    let mut changed = Vec::new();
    for circular in circulars {
        // Only a started circular has frozen files to compare with.
        let started = stored
            .iter()
            .find(|s| s.number == circular.number && s.snapshot_digest.is_some());
        let Some(row) = started else {
            continue;
        };
        let digest = Files::read(&config.templates.dir, &circular.dir)?.digest();
        if rounds::changed_since_start(row, &digest) {
            changed.push(circular.number);
        }
    }
    Ok(changed)
}

pub async fn run(command: CircularsCommand, config: &Config) -> anyhow::Result<()> {
    let format = match command {
        CircularsCommand::List { format } => format,
        CircularsCommand::Load => return load(config).await,
    };
    let dir = config.templates.dir.join("circulars");
    let mut listed = Vec::new();
    let mut broken = Vec::new();
    let store = super::open_store(config).await?;
    let stored = store.stored_circulars().await?;
    for folder in
        definition::folders(&dir).with_context(|| format!("cannot read {}", dir.display()))?
    {
        match definition::load(&folder, &config.locale.supported) {
            Ok(c) => {
                let row = stored.iter().find(|s| s.number == c.number);
                // `schedule --at` wins over the file's send_at; shown in local time, as the
                // file writes it.
                let scheduled = row
                    .and_then(|s| s.send_at_override.as_deref())
                    .and_then(rounds::read_time)
                    .map(|t| {
                        t.with_timezone(&config.locale.timezone)
                            .format("%Y-%m-%dT%H:%M:%S")
                            .to_string()
                    });
                listed.push(ListedCircular {
                    status: row.map_or(CircularStatus::Draft, |s| s.status),
                    number: c.number,
                    languages: c.languages.clone(),
                    committees: c.committees.clone(),
                    send_at: scheduled.or(c.send_at.map(|w| w.to_template_value())),
                    deadline: c.deadline.map(|w| w.to_template_value()),
                    capacity: c.capacity,
                    slug: c.slug,
                });
            }
            Err(mut faults) => broken.append(&mut faults),
        }
    }
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &listed)?;
            writeln!(out)?;
        }
        Format::Table | Format::Csv => {
            let sep = if format == Format::Csv { "," } else { "  " };
            let header = [
                "NUMBER",
                "SLUG",
                "LANGUAGES",
                "STATUS",
                "SEND_AT",
                "DEADLINE",
                "CAPACITY",
            ];
            writeln!(out, "{}", header.join(sep))?;
            for c in &listed {
                let languages: Vec<&str> = c.languages.iter().map(|l| l.code()).collect();
                writeln!(
                    out,
                    "{}",
                    [
                        format!("{:03}", c.number),
                        c.slug.clone(),
                        languages.join(" "),
                        c.status.to_string(),
                        c.send_at.clone().unwrap_or_default(),
                        c.deadline.clone().unwrap_or_default(),
                        c.capacity.map(|n| n.to_string()).unwrap_or_default(),
                    ]
                    .join(sep)
                )?;
            }
        }
    }
    // The good circulars are listed; the broken ones fail the command.
    if broken.is_empty() {
        Ok(())
    } else {
        Err(Faults(broken).into())
    }
}

/// `circulars circulars load`: every checked circular into the database; the faulty ones
/// are named (exit 65) and the others loaded.
async fn load(config: &Config) -> anyhow::Result<()> {
    let report = checked(config)?;
    let store = super::open_store(config).await?;
    let place = Place::from_config(config);
    for circular in &report.circulars {
        let (stored, changed) = rounds::load(&store, &place, circular).await?;
        if changed {
            eprintln!("note: {}", rounds::changed_notice(&place, circular.number));
        }
        println!("circular {:03} loaded: {}", stored.number, stored.status);
    }
    if report.faults.is_empty() {
        Ok(())
    } else {
        Err(Faults(report.faults).into())
    }
}
