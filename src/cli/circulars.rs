//! `circulars circulars list`, `circulars render`, `circulars check`.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

use super::{BadData, Format, UsageError};
use crate::circulars::check::{self, sample_members};
use crate::circulars::definition;
use crate::circulars::message::{self, Envelope};
use crate::circulars::{Circular, CircularStatus, Layout, Recipient, Renderer, Settings};
use crate::config::{Config, Secrets};
use crate::faults::Faults;
use crate::locale::Language;
use crate::members::recipients::read_committees;
use crate::members::{Committee, EmailAddress, Member, Role};
use crate::outbox::rounds::{self, Place};
use crate::outbox::snapshot::Files;
use crate::store::Store;
use crate::tokens::Signer;

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

/// Output of `render`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum RenderFormat {
    #[default]
    Text,
    Html,
    Eml,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The circular's number (30).
    number: u32,
    /// The language to render [default: the member's, else the default language].
    #[arg(long)]
    lang: Option<String>,
    /// Render exactly what this member would receive (from the database).
    #[arg(long)]
    member: Option<String>,
    /// Render for a sample member with this role (member, chair, vice-chair, observer,
    /// secretariat) [default: member].
    #[arg(long, conflicts_with = "member")]
    role: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    format: RenderFormat,
}

/// The committees of `committees.toml`; a missing or faulty file is an error, not an
/// empty list (which would make every circular's committee look unknown).
fn committees_from_files(config: &Config) -> Result<Vec<Committee>, Faults> {
    read_committees(
        &config.recipients.dir.join("committees.toml"),
        &config.locale.supported,
    )
}

/// `circulars check`: exit 65 with every fault when anything is wrong.
pub async fn check(config: &Config) -> anyhow::Result<()> {
    let report = check::check(
        &config.templates.dir,
        &committees_from_files(config)?,
        &config.locale.supported,
        &Settings::from_config(config),
    );
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

/// Loads one circular by number.
fn load_circular(config: &Config, number: u32) -> anyhow::Result<Circular> {
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
        let frozen = stored
            .iter()
            .find(|s| s.number == circular.number)
            .and_then(|s| s.snapshot_digest.clone());
        if let Some(frozen) = frozen {
            let files = Files::read(&config.templates.dir, &circular.dir)?;
            if files.digest() != frozen {
                changed.push(circular.number);
            }
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
    let report = check::check(
        &config.templates.dir,
        &committees_from_files(config)?,
        &config.locale.supported,
        &Settings::from_config(config),
    );
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

/// `circulars render NNN`: what a member (or a sample member) would receive.
pub async fn render(args: RenderArgs, config: &Config) -> anyhow::Result<()> {
    let lang = args
        .lang
        .as_deref()
        .map(|code| {
            code.parse::<Language>()
                .ok()
                .filter(|l| config.locale.supported.contains(l))
                .ok_or_else(|| UsageError(format!("unknown language `{code}`")))
        })
        .transpose()?;
    let circular = Arc::new(load_circular(config, args.number)?);
    let layout = Layout::load(&config.templates.dir.join("layout")).map_err(Faults)?;
    let secrets = Secrets::load(&config.data.dir).context("cannot load the signing secret")?;
    let renderer = Renderer::new(
        circular.clone(),
        Arc::new(layout),
        Settings::from_config(config),
        Signer::new(&secrets.signing_key),
    )?;

    let preview = preview_recipient(config, &circular, &args).await?;
    let (member, committee) = (&preview.member, &preview.committee);
    let lang = lang.or((args.member.is_none()).then_some(config.locale.default));
    let to = Recipient {
        member_id: preview.id,
        member,
        committee,
        role: &preview.role,
    };
    let rendered = renderer.render(to, lang)?;
    if rendered.fallback {
        eprintln!(
            "note: circular {} has no {} text: rendered in {}",
            circular.number,
            to.wanted_language(lang),
            rendered.language
        );
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        RenderFormat::Text => write!(out, "Subject: {}\n\n{}", rendered.subject, rendered.text)?,
        RenderFormat::Html => write!(out, "{}", rendered.html)?,
        RenderFormat::Eml => {
            let attachments = message::attachments(&circular)?;
            let envelope = Envelope {
                from_name: &config.sender.from_name,
                from_address: &config.sender.from_address,
                to_name: &member.name,
                to: &member.email,
                message_id: message::message_id(
                    circular.number,
                    preview.id,
                    &config.sender.reply_domain,
                ),
                date: std::time::SystemTime::now(),
                committee,
                list_domain: &config.sender.reply_domain,
                in_reply_to: None,
            };
            let message = message::build(&rendered, &attachments, &envelope)?;
            out.write_all(&message.formatted())?;
        }
    }
    Ok(())
}

/// Who a preview is for.
struct Preview {
    id: i64,
    member: Member,
    committee: Committee,
    /// Their role in that committee, as `Role::as_str()` writes it.
    role: String,
}

/// The member named by `--member` (their id, record, and first committee of the circular
/// they are in, with their role there), else a sample member of the circular's first
/// committee with the `--role` asked for.
async fn preview_recipient(
    config: &Config,
    circular: &Circular,
    args: &RenderArgs,
) -> anyhow::Result<Preview> {
    if let Some(email) = &args.member {
        return stored_recipient(config, circular, email).await;
    }
    let role = Role::parse(args.role.as_deref().unwrap_or_default())
        .map_err(UsageError)?
        .as_str()
        .to_string();
    let slug = circular.committees.first().cloned().unwrap_or_default();
    let committee = committees_from_files(config)?
        .into_iter()
        .find(|c| c.slug == slug)
        .ok_or_else(|| BadData(format!("committee `{slug}` is not in the recipients files")))?;
    let [_, member] = sample_members();
    Ok(Preview {
        id: 0,
        member,
        committee,
        role,
    })
}

/// A member of the database, in the first of the circular's committees they are in.
async fn stored_recipient(
    config: &Config,
    circular: &Circular,
    email: &str,
) -> anyhow::Result<Preview> {
    let email = EmailAddress::parse(email.trim())
        .map_err(|e| UsageError(format!("address `{email}` {e}")))?;
    let store = super::open_store(config).await?;
    let stored = store
        .member(&email)
        .await?
        .ok_or_else(|| crate::store::StoreError::UnknownMember(email.to_string()))?;
    let listed = store.listed_members(None).await?;
    let theirs = listed
        .iter()
        .find(|m| m.member.email == email)
        .map(|m| m.committees.as_slice())
        .unwrap_or_default();
    let (slug, role) = circular
        .committees
        .iter()
        .find_map(|c| theirs.iter().find(|(slug, _)| slug == c))
        .ok_or_else(|| {
            BadData(format!(
                "{email} is in none of the committees of circular {}",
                circular.number
            ))
        })?;
    let committee = store
        .committees()
        .await?
        .into_iter()
        .map(|(_, c)| c)
        .find(|c| &c.slug == slug)
        .ok_or_else(|| crate::store::StoreError::UnknownCommittee(slug.clone()))?;
    Ok(Preview {
        id: stored.id,
        member: stored.member,
        committee,
        role: role.as_str().to_string(),
    })
}
