//! `circulars render`: a circular exactly as a member (or a sample member) would receive it.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::circulars::{committees_from_files, load_circular};
use super::{BadData, UsageError};
use crate::circulars::check::sample_members;
use crate::circulars::message::{self, Envelope};
use crate::circulars::{Circular, Layout, Recipient, Renderer, Settings};
use crate::config::{Config, Secrets};
use crate::faults::Faults;
use crate::locale::Language;
use crate::members::{Committee, EmailAddress, Member, Role};
use crate::tokens::Signer;

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
                references: Vec::new(),
                auto_submitted: "auto-generated",
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
