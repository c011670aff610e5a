//! `circulars suppressions list|add|remove`: the addresses that get no more mail. Every
//! change is written to the suppression log with who made it.

use std::io::Write;

use clap::{Args, Subcommand};

use super::{BadData, Format, actor, open_store, table::write_table};
use crate::config::Config;
use crate::members::EmailAddress;
use crate::store::{SuppressionChange, SuppressionReason};

#[derive(Debug, Subcommand)]
pub enum SuppressionsCommand {
    /// Every suppressed address, with why and since when.
    List {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Stop all mail to an address (reason `manual`).
    Add(AddArgs),
    /// Send to an address again.
    Remove { email: String },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    email: String,
    /// Why, kept with the suppression.
    #[arg(long, default_value = "")]
    note: String,
}

pub async fn run(command: SuppressionsCommand, config: &Config) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    match command {
        SuppressionsCommand::List { format } => {
            let suppressions = store.suppressions().await?;
            let mut out = std::io::stdout().lock();
            match format {
                Format::Json => {
                    serde_json::to_writer_pretty(&mut out, &suppressions)?;
                    writeln!(out)?;
                }
                Format::Csv => {
                    let mut writer = csv::Writer::from_writer(out);
                    writer.write_record(["email", "reason", "at", "source"])?;
                    for s in &suppressions {
                        writer.write_record([&s.email, s.reason.as_str(), &s.at, &s.source])?;
                    }
                    writer.flush()?;
                }
                Format::Table => {
                    let rows: Vec<[String; 4]> = suppressions
                        .iter()
                        .map(|s| {
                            [
                                s.email.clone(),
                                s.reason.as_str().into(),
                                s.at.clone(),
                                s.source.clone(),
                            ]
                        })
                        .collect();
                    write_table(&mut out, ["EMAIL", "REASON", "SINCE", "SOURCE"], &rows)?;
                    writeln!(out, "{} address(es)", rows.len())?;
                }
            }
        }
        SuppressionsCommand::Add(args) => {
            let email = address(&args.email)?;
            let actor = actor();
            let change = SuppressionChange {
                email: &email,
                reason: SuppressionReason::Manual,
                source: &args.note,
                actor: &actor,
            };
            if store.suppress(change).await? {
                eprintln!("{email}: suppressed");
            } else {
                eprintln!("{email}: already suppressed");
            }
        }
        SuppressionsCommand::Remove { email } => {
            let email = address(&email)?;
            if !store.unsuppress(&email, &actor()).await? {
                return Err(BadData(format!("{email} is not suppressed")).into());
            }
            eprintln!("{email}: no longer suppressed");
        }
    }
    Ok(())
}

/// The address as members' addresses are stored, so it matches theirs.
fn address(text: &str) -> Result<String, super::UsageError> {
    EmailAddress::parse(text)
        .map(|email| email.to_string())
        .map_err(|err| super::UsageError(format!("bad address `{text}`: {err}")))
}
