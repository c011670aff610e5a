//! `circulars recipients sync|export`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;

use super::BadData;
use crate::config::Config;
use crate::members::recipients::{self, COLUMNS, Delimiter};
use crate::members::sync::{SyncOptions, Verdict};
use crate::members::{Member, Role};
use crate::store::{Store, StoreError, SyncOutcome};

#[derive(Debug, Subcommand)]
pub enum RecipientsCommand {
    /// Make the database's lists equal to the files; print what was added, changed, removed.
    /// Refused (65) when it would remove more than a third of a list, or overwrite members
    /// edited in the database since the last sync; unchanged files keep those edits.
    Sync {
        /// Folder of committees.toml and the <slug>.csv lists [default: [recipients] dir].
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Print what would change and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Remove more than a third of a committee's members if the files say so.
        #[arg(long)]
        allow_removals: bool,
        /// Overwrite the members edited in the database since the last sync.
        #[arg(long)]
        force: bool,
    },
    /// Write the lists in the recipients CSV format: one committee's list, or every list
    /// with a last column `committee`, on standard output; or files into a folder.
    Export {
        /// Only this committee.
        #[arg(long)]
        committee: Option<String>,
        /// Write committees.toml and every <slug>.csv into this folder instead.
        #[arg(long)]
        dir: Option<PathBuf>,
        /// For Excel: UTF-8 with a byte-order mark, Windows line endings, and semicolons
        /// (what Excel splits on in French and Spanish locales) unless --delimiter says otherwise.
        #[arg(long)]
        excel: bool,
        /// comma, semicolon or tab [default: comma, or semicolon with --excel].
        #[arg(long)]
        delimiter: Option<Delimiter>,
    },
}

pub async fn run(command: RecipientsCommand, config: &Config) -> anyhow::Result<()> {
    match command {
        RecipientsCommand::Sync {
            dir,
            dry_run,
            allow_removals,
            force,
        } => {
            let dir = dir.unwrap_or_else(|| config.recipients.dir.clone());
            // Read and check every file before touching the database.
            let lists = recipients::read_dir(&dir, &config.locale.supported)?;
            let store = super::open_store(config).await?;
            let options = SyncOptions {
                dry_run,
                allow_removals,
                force,
            };
            let outcome = store.sync_lists(&lists, &super::actor(), options).await?;
            print_sync(&lists, &outcome, dry_run)
        }
        RecipientsCommand::Export {
            committee,
            dir,
            excel,
            delimiter,
        } => {
            let store = super::open_store(config).await?;
            let style = CsvStyle::new(excel, delimiter);
            match dir {
                Some(dir) => export_dir(&store, &dir, committee.as_deref(), style).await,
                None => {
                    let out = std::io::stdout().lock();
                    match committee {
                        Some(slug) => write_csv(&store, &slug, out, style).await,
                        None => write_all_csv(&store, out, style).await,
                    }
                }
            }
        }
    }
}

/// How an export is written: plain UTF-8, or for Excel.
#[derive(Debug, Clone, Copy)]
struct CsvStyle {
    excel: bool,
    delimiter: Delimiter,
}

impl CsvStyle {
    fn new(excel: bool, delimiter: Option<Delimiter>) -> CsvStyle {
        let default = if excel {
            Delimiter::Semicolon
        } else {
            Delimiter::Comma
        };
        CsvStyle {
            excel,
            delimiter: delimiter.unwrap_or(default),
        }
    }

    /// A CSV writer on `out`, the byte-order mark written first for Excel.
    fn writer<W: Write>(self, mut out: W) -> std::io::Result<csv::Writer<W>> {
        let mut builder = csv::WriterBuilder::new();
        builder.delimiter(self.delimiter.byte());
        if self.excel {
            // Without the mark Excel reads the file in the machine's ANSI code page.
            out.write_all(b"\xEF\xBB\xBF")?;
            builder.terminator(csv::Terminator::CRLF);
        }
        Ok(builder.from_writer(out))
    }
}

/// Prints what a sync did, would do, or why it did nothing; a refusal is an error (65).
fn print_sync(
    lists: &[recipients::CommitteeList],
    outcome: &SyncOutcome,
    dry_run: bool,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for list in lists {
        writeln!(out, "{}: {}", list.file.display(), list.source)?;
    }
    if let Verdict::KeepDatabase(kept) = &outcome.verdict {
        writeln!(
            out,
            "files unchanged since the last sync; database edits kept \
             (use --force to make the database equal to the files):"
        )?;
        for c in kept {
            writeln!(out, "  = {} (edited by {})", c.email, c.actors.join(", "))?;
            for change in &c.changes {
                writeln!(out, "      {change}")?;
            }
        }
        return Ok(());
    }
    if let (Verdict::Refused(refusal), false) = (&outcome.verdict, dry_run) {
        return Err(BadData(format!(
            "refused: {refusal} `circulars recipients sync --dry-run` shows the whole plan."
        ))
        .into());
    }
    for report in &outcome.reports {
        write!(out, "{report}")?;
    }
    match &outcome.verdict {
        Verdict::Refused(refusal) => {
            writeln!(
                out,
                "(dry run: nothing was changed; the sync would be refused:)"
            )?;
            writeln!(out, "{refusal}")?;
        }
        _ if dry_run => writeln!(out, "(dry run: nothing was changed)")?,
        _ => {}
    }
    Ok(())
}

async fn export_dir(
    store: &Store,
    dir: &Path,
    only: Option<&str>,
    style: CsvStyle,
) -> anyhow::Result<()> {
    #[derive(serde::Serialize)]
    struct File<'a> {
        committee: Vec<&'a crate::members::Committee>,
    }
    let committees: Vec<_> = store
        .committees()
        .await?
        .into_iter()
        .map(|(_, c)| c)
        .filter(|c| only.is_none_or(|slug| slug == c.slug))
        .collect();
    if let Some(slug) = only
        && committees.is_empty()
    {
        return Err(StoreError::UnknownCommittee(slug.to_string()).into());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    // Only the committees written out, so the folder syncs back as it is.
    let file = File {
        committee: committees.iter().collect(),
    };
    let toml_path = dir.join("committees.toml");
    std::fs::write(&toml_path, toml::to_string(&file)?)
        .with_context(|| format!("cannot write {}", toml_path.display()))?;
    for committee in &committees {
        let path = dir.join(format!("{}.csv", committee.slug));
        let file = std::fs::File::create(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        write_csv(store, &committee.slug, file, style).await?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

async fn write_csv(
    store: &Store,
    slug: &str,
    out: impl Write,
    style: CsvStyle,
) -> anyhow::Result<()> {
    let members = store.listed_members(Some(slug)).await?;
    let mut writer = style.writer(out)?;
    writer.write_record(COLUMNS)?;
    for listed in &members {
        if let Some((_, role)) = listed.committees.iter().find(|(s, _)| s == slug) {
            writer.write_record(row(&listed.member, role))?;
        }
    }
    writer.flush()?;
    Ok(())
}

/// Every list in one CSV: the recipients columns and `committee`, a row per membership.
async fn write_all_csv(store: &Store, out: impl Write, style: CsvStyle) -> anyhow::Result<()> {
    let members = store.listed_members(None).await?;
    let mut writer = style.writer(out)?;
    writer.write_record(COLUMNS.iter().chain(&["committee"]))?;
    for listed in &members {
        for (slug, role) in &listed.committees {
            let mut record = row(&listed.member, role);
            record.push(slug.clone());
            writer.write_record(record)?;
        }
    }
    writer.flush()?;
    Ok(())
}

/// A member as a row of the recipients CSV.
fn row(m: &Member, role: &Role) -> Vec<String> {
    let mut row = m.csv_fields();
    row.push(role.as_str().to_string());
    row
}
