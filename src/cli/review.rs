//! `circulars review` and `circulars review resolve ID --kind …`: the replies the reader
//! was not sure of, and the secretariat's reading of any reply, recorded with the same
//! effects as the reader's own and logged in `records_log`.

use std::io::Write;

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

use super::replies::{make_answers, member_id, parse_attendees};
use super::sending::stored_or_unknown;
use super::{BadData, Format, UsageError, actor, open_store};
use crate::config::Config;
use crate::inbound::read;
use crate::replies::Attendee;
use crate::store::{
    Change, InboundFilter, ReplyRecord, Store, SuppressionChange, SuppressionReason,
};

#[derive(Debug, Args)]
pub struct ReviewArgs {
    #[command(subcommand)]
    action: Option<ReviewAction>,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, Subcommand)]
pub enum ReviewAction {
    /// Record the secretariat's reading of a reply (one in review, or any reply to
    /// correct): what it recorded before is undone, this is recorded instead.
    Resolve(ResolveArgs),
}

#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// The message, as `review` or `inbound list` shows it.
    id: i64,
    /// What the reply is; several for a registration with a question.
    #[arg(long, value_enum, required = true)]
    kind: Vec<ResolvedKind>,
    /// A person registered (or withdrawn), as `Name|Position|email`; without any, a
    /// registration is the member's own.
    #[arg(long = "attendee", value_name = "'Name|Position|email'")]
    attendees: Vec<String>,
    /// The question, in the member's words [default: the reply's own text].
    #[arg(long)]
    question: Option<String>,
    /// The member it is about, when it was not matched to one.
    #[arg(long, value_name = "EMAIL")]
    member: Option<String>,
    /// The circular it is about, when it was not matched to one.
    #[arg(long, value_name = "NNN")]
    circular: Option<u32>,
}

/// The kinds the secretariat can give a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ResolvedKind {
    Registration,
    #[value(name = "registration_cancel")]
    RegistrationCancel,
    Question,
    Declines,
    Unsubscribe,
    Other,
    #[value(name = "auto_reply")]
    AutoReply,
    Bounce,
}

impl ResolvedKind {
    fn as_str(self) -> &'static str {
        match self {
            ResolvedKind::Registration => "registration",
            ResolvedKind::RegistrationCancel => "registration_cancel",
            ResolvedKind::Question => "question",
            ResolvedKind::Declines => "declines",
            ResolvedKind::Unsubscribe => "unsubscribe",
            ResolvedKind::Other => "other",
            ResolvedKind::AutoReply => "auto_reply",
            ResolvedKind::Bounce => "bounce",
        }
    }
}

/// One reply in the review queue, as `review --format json` prints it.
#[derive(Serialize)]
struct ReviewItem {
    id: i64,
    received_at: String,
    from: String,
    subject: String,
    circular: Option<u32>,
    member: Option<String>,
    kinds: Vec<String>,
    confidence: Option<u64>,
    attendees: serde_json::Value,
    question: serde_json::Value,
    reasons: Vec<String>,
    /// The member's own words, quoted text and signature set aside.
    text: String,
}

/// `review`, or `review resolve`.
pub async fn run(args: ReviewArgs, config: &Config) -> anyhow::Result<()> {
    match args.action {
        Some(ReviewAction::Resolve(resolve)) => self::resolve(resolve, config).await,
        None => list_review(args.format, config).await,
    }
}

async fn list_review(format: Format, config: &Config) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    let items = review_items(&store).await?;
    let mut out = std::io::stdout().lock();
    if format == Format::Json {
        serde_json::to_writer_pretty(&mut out, &items)?;
        writeln!(out)?;
        return Ok(());
    }
    for item in &items {
        writeln!(
            out,
            "#{}  {}  {}  circular {}  member {}",
            item.id,
            item.received_at,
            item.from,
            item.circular
                .map_or_else(|| "?".into(), |n| format!("{n:03}")),
            item.member.as_deref().unwrap_or("?")
        )?;
        writeln!(out, "  Subject: {}", item.subject)?;
        let confidence = item
            .confidence
            .map(|c| format!(" ({c}%)"))
            .unwrap_or_default();
        writeln!(out, "  Read as: {}{confidence}", item.kinds.join(", "))?;
        if let Some(why) = item
            .reasons
            .iter()
            .rev()
            .find(|r| r.starts_with("to review"))
        {
            writeln!(out, "  Why:     {why}")?;
        }
        for line in item.text.lines().take(12) {
            writeln!(out, "  | {line}")?;
        }
        writeln!(out)?;
    }
    writeln!(
        out,
        "{} repl(ies) to review; `circulars review resolve ID --kind KIND` records one",
        items.len()
    )?;
    Ok(())
}

/// The replies in review, oldest first, with their own words.
async fn review_items(store: &Store) -> anyhow::Result<Vec<ReviewItem>> {
    let filter = InboundFilter {
        status: Some("review".into()),
        ..InboundFilter::default()
    };
    let mut items = Vec::new();
    for row in store.inbound_rows(&filter).await? {
        let Some(message) = store.inbound_message(row.id).await? else {
            continue;
        };
        let decision: serde_json::Value = message
            .decision
            .as_deref()
            .and_then(|d| serde_json::from_str(d).ok())
            .unwrap_or_default();
        let reply = &decision["reply"];
        let read = read::read(&message.raw);
        items.push(ReviewItem {
            id: row.id,
            received_at: row.received_at,
            from: row.from,
            subject: row.subject,
            circular: row.circular,
            member: row.member,
            kinds: row.kinds,
            confidence: reply["confidence"].as_u64(),
            attendees: reply["attendees"].clone(),
            question: reply["question"].clone(),
            reasons: decision["reasons"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r.as_str().map(str::to_string))
                .collect(),
            text: read.own_text().trim().to_string(),
        });
    }
    Ok(items)
}

async fn resolve(args: ResolveArgs, config: &Config) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    let message = store
        .inbound_message(args.id)
        .await?
        .ok_or_else(|| BadData(format!("no inbound message #{}", args.id)))?;
    let circular_id = match (args.circular, message.row.circular) {
        (Some(number), _) | (None, Some(number)) => {
            Some(stored_or_unknown(&store, number).await?.id)
        }
        (None, None) => None,
    };
    let member_id = match (&args.member, &message.row.member) {
        (Some(email), _) | (None, Some(email)) => Some(member_id(&store, email).await?),
        (None, None) => None,
    };
    let kinds: Vec<&str> = args.kind.iter().map(|k| k.as_str()).collect();
    let records = args.kind.iter().any(|k| {
        matches!(
            k,
            ResolvedKind::Registration
                | ResolvedKind::RegistrationCancel
                | ResolvedKind::Question
                | ResolvedKind::Declines
        )
    });
    let (Some(circular_id), Some(member_id)) = (circular_id, member_id) else {
        if records || args.kind.contains(&ResolvedKind::Unsubscribe) {
            return Err(UsageError(format!(
                "message #{} is not matched to a member and a circular: give --member and --circular",
                args.id
            ))
            .into());
        }
        store
            .set_inbound_kinds(args.id, &kinds.join(","), &actor())
            .await?;
        eprintln!("message #{} recorded as {}", args.id, kinds.join(", "));
        return Ok(());
    };
    let mut attendees = parse_attendees(&args.attendees)?;
    let has = |kind| args.kind.contains(&kind);
    if has(ResolvedKind::Registration) && attendees.is_empty() {
        let member = store
            .member_by_id(member_id)
            .await?
            .ok_or_else(|| BadData(format!("member {member_id} is not in the database")))?;
        attendees.push(Attendee::of_member(&member.member));
    }
    let own_text = read::read(&message.raw).own_text().trim().to_string();
    let record = ReplyRecord {
        inbound_id: args.id,
        circular_id,
        member_id,
        received_at: message.row.received_at.clone(),
        register: has(ResolvedKind::Registration).then(|| attendees.clone()),
        cancel: has(ResolvedKind::RegistrationCancel).then(|| {
            if has(ResolvedKind::Registration) {
                Vec::new()
            } else {
                attendees.clone()
            }
        }),
        declines: has(ResolvedKind::Declines),
        question: has(ResolvedKind::Question).then(|| args.question.clone().unwrap_or(own_text)),
    };
    let change = Change {
        actor: &actor(),
        action: "reply.resolve",
        subject: format!("inbound:{}", args.id),
        before: Some(format!(
            "{} ({})",
            message.row.kinds.join(","),
            message.row.status
        )),
        after: Some(kinds.join(",")),
    };
    let recorded = store
        .resolve_reply(&record, &kinds.join(","), &change)
        .await?;
    if has(ResolvedKind::Unsubscribe)
        && let Some(member) = store.member_by_id(member_id).await?
    {
        let email = member.member.email.to_string();
        store
            .suppress(SuppressionChange {
                email: &email,
                reason: SuppressionReason::Unsubscribe,
                source: &format!("inbound #{}", args.id),
                actor: &actor(),
            })
            .await?;
    }
    let told = make_answers(&store, config).await?;
    match recorded.review {
        Some(why) => eprintln!("message #{}: {why}", args.id),
        None => eprintln!(
            "message #{} recorded as {}; {told} mail(s) queued",
            args.id,
            kinds.join(", ")
        ),
    }
    Ok(())
}
