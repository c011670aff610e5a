//! What the members' replies recorded, and the secretariat's hand on it:
//! `registrations NNN` (and its corrections), `questions`, `answer`, `review` and
//! `review resolve`. Every change is logged in `records_log`, and the automatic answers it
//! calls for are queued in the outbox before the command ends.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

use super::{BadData, Format, UsageError, actor, open_store, table::write_table};
use crate::config::{Config, Secrets};
use crate::inbound::read;
use crate::mail::DkimSigner;
use crate::members::EmailAddress;
use crate::outbox::{Notices, answers};
use crate::replies::Attendee;
use crate::store::{
    Change, InboundFilter, Question, Registration, ReplyRecord, Store, StoredCircular,
    SuppressionChange, SuppressionReason,
};

#[derive(Debug, Args)]
pub struct RegistrationsArgs {
    /// The circular.
    number: u32,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// Cancel this member's registration: its seats go to the first on the waitlist, who
    /// is told; the member is told too, unless `--quiet`.
    #[arg(long, value_name = "EMAIL", conflicts_with = "member")]
    cancel: Option<String>,
    /// Set this member's attendees to the `--attendee` given (registering them if they
    /// were not).
    #[arg(long, value_name = "EMAIL", requires = "attendees")]
    member: Option<String>,
    /// A person registered, as `Name|Position|email` (position and email may be empty).
    #[arg(long = "attendee", value_name = "'Name|Position|email'")]
    attendees: Vec<String>,
    /// No mail to the member about the cancellation.
    #[arg(long)]
    quiet: bool,
}

#[derive(Debug, Args)]
pub struct QuestionsArgs {
    /// Only the questions about this circular.
    #[arg(long, value_name = "NNN")]
    circular: Option<u32>,
    /// Only those not answered yet.
    #[arg(long)]
    open: bool,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, Args)]
pub struct AnswerArgs {
    /// The question, as `questions` lists it.
    question_id: i64,
    /// The answer, in Markdown: sent in the member's thread, in the circular's layout.
    #[arg(long, value_name = "ANSWER.md")]
    file: PathBuf,
}

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

/// `registrations NNN`, or one of its corrections.
pub async fn registrations(args: RegistrationsArgs, config: &Config) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    let circular = circular(&store, args.number).await?;
    if let Some(email) = &args.cancel {
        let member = member_id(&store, email).await?;
        let change = Change {
            actor: &actor(),
            action: "registration.cancel",
            subject: format!("registration:{:03}:{email}", args.number),
            before: None,
            after: None,
        };
        store
            .cancel_registration(circular.id, member, !args.quiet, &change)
            .await?;
        let told = make_answers(&store, config).await?;
        eprintln!(
            "cancelled the registration of {email} to circular {:03}; {told} mail(s) queued",
            args.number
        );
        return Ok(());
    }
    if let Some(email) = &args.member {
        let member = member_id(&store, email).await?;
        let attendees = parse_attendees(&args.attendees)?;
        let change = Change {
            actor: &actor(),
            action: "registration.set",
            subject: format!("registration:{:03}:{email}", args.number),
            before: None,
            after: Some(serde_json::to_string(&attendees)?),
        };
        let status = store
            .set_registration(circular.id, member, &attendees, &change)
            .await?;
        let told = make_answers(&store, config).await?;
        eprintln!(
            "{email}: {} attendee(s), {}; {told} mail(s) queued",
            attendees.len(),
            status.as_str()
        );
        return Ok(());
    }
    let list = store.registrations(circular.id).await?;
    print_registrations(&list, args.format)
}

fn print_registrations(list: &[Registration], format: Format) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, list)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            writer.write_record([
                "member",
                "status",
                "late",
                "received_at",
                "name",
                "position",
                "email",
            ])?;
            for registration in list {
                for attendee in &registration.attendees {
                    writer.write_record([
                        registration.member.as_str(),
                        registration.status.as_str(),
                        if registration.late { "yes" } else { "no" },
                        &registration.received_at,
                        &attendee.name,
                        &attendee.position,
                        &attendee.email,
                    ])?;
                }
            }
            writer.flush()?;
        }
        Format::Table => {
            let rows: Vec<[String; 5]> = list
                .iter()
                .map(|r| {
                    [
                        r.member.clone(),
                        r.status.as_str().to_string(),
                        if r.late { "late" } else { "" }.to_string(),
                        r.received_at.clone(),
                        r.attendees
                            .iter()
                            .map(attendee_text)
                            .collect::<Vec<_>>()
                            .join("; "),
                    ]
                })
                .collect();
            write_table(
                &mut out,
                ["MEMBER", "STATUS", "LATE", "RECEIVED", "ATTENDEES"],
                &rows,
            )?;
            let seats: u32 = list
                .iter()
                .filter(|r| r.status == crate::registrations::Status::Confirmed)
                .map(|r| r.seats)
                .sum();
            writeln!(
                out,
                "{} registration(s), {seats} confirmed seat(s)",
                list.len()
            )?;
        }
    }
    Ok(())
}

fn attendee_text(a: &Attendee) -> String {
    [&a.name, &a.position, &a.email]
        .into_iter()
        .filter(|f| !f.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(", ")
}

/// `questions`.
pub async fn questions(args: QuestionsArgs, config: &Config) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    let circular_id = match args.circular {
        Some(number) => Some(circular(&store, number).await?.id),
        None => None,
    };
    let list = store.questions(circular_id, args.open).await?;
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &list)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            writer.write_record(["id", "circular", "member", "status", "received_at", "text"])?;
            for q in &list {
                writer.write_record(question_cells(q, usize::MAX))?;
            }
            writer.flush()?;
        }
        Format::Table => {
            let rows: Vec<[String; 6]> = list.iter().map(|q| question_cells(q, 70)).collect();
            write_table(
                &mut out,
                ["ID", "CIRCULAR", "MEMBER", "STATUS", "RECEIVED", "QUESTION"],
                &rows,
            )?;
            writeln!(out, "{} question(s)", list.len())?;
        }
    }
    Ok(())
}

fn question_cells(q: &Question, width: usize) -> [String; 6] {
    let text: String = q.text.split_whitespace().collect::<Vec<_>>().join(" ");
    [
        q.id.to_string(),
        q.circular.map(|n| format!("{n:03}")).unwrap_or_default(),
        q.member.clone().unwrap_or_default(),
        q.status.clone(),
        q.received_at.clone(),
        text.chars().take(width).collect(),
    ]
}

/// `answer QUESTION_ID --file ANSWER.md`.
pub async fn answer(args: AnswerArgs, config: &Config) -> anyhow::Result<()> {
    let markdown = std::fs::read_to_string(&args.file).map_err(|err| {
        BadData(format!(
            "cannot read the answer {}: {err}",
            args.file.display()
        ))
    })?;
    if markdown.trim().is_empty() {
        return Err(BadData(format!("{}: the answer is empty", args.file.display())).into());
    }
    let store = open_store(config).await?;
    let question = store
        .question(args.question_id)
        .await?
        .ok_or_else(|| BadData(format!("no question {}", args.question_id)))?;
    store
        .answer_question(&question, &markdown, &actor())
        .await?;
    let queued = make_answers(&store, config).await?;
    if queued == 0 {
        return Err(BadData(format!(
            "question {} is marked answered, but the answer could not be made: see the log",
            question.id
        ))
        .into());
    }
    eprintln!(
        "answer to question {} queued for {}",
        question.id,
        question.member.as_deref().unwrap_or("?")
    );
    Ok(())
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
pub async fn review(args: ReviewArgs, config: &Config) -> anyhow::Result<()> {
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
        (Some(number), _) | (None, Some(number)) => Some(circular(&store, number).await?.id),
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
        attendees.push(Attendee {
            name: member.member.name.clone(),
            position: member.member.position.clone(),
            email: member.member.email.to_string(),
        });
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

/// `Name|Position|email` → an attendee.
fn parse_attendees(given: &[String]) -> anyhow::Result<Vec<Attendee>> {
    given
        .iter()
        .map(|text| {
            let mut parts = text.split('|').map(str::trim);
            let attendee = Attendee {
                name: parts.next().unwrap_or_default().to_string(),
                position: parts.next().unwrap_or_default().to_string(),
                email: parts.next().unwrap_or_default().to_string(),
            };
            if parts.next().is_some() || attendee.name.is_empty() {
                return Err(UsageError(format!(
                    "--attendee {text:?}: write 'Name|Position|email' (position and email may be empty)"
                ))
                .into());
            }
            if !attendee.email.is_empty() && EmailAddress::parse(&attendee.email).is_err() {
                return Err(UsageError(format!(
                    "--attendee {text:?}: `{}` is not an email address",
                    attendee.email
                ))
                .into());
            }
            Ok(attendee)
        })
        .collect()
}

async fn circular(store: &Store, number: u32) -> anyhow::Result<StoredCircular> {
    store.stored_circular(number).await?.ok_or_else(|| {
        BadData(format!(
            "no circular {number}: `circulars circulars load` loads templates/circulars/"
        ))
        .into()
    })
}

async fn member_id(store: &Store, email: &str) -> anyhow::Result<i64> {
    let address = EmailAddress::parse(email)
        .map_err(|err| UsageError(format!("`{email}` is not an email address: {err}")))?;
    Ok(store
        .member(&address)
        .await?
        .ok_or_else(|| BadData(format!("no member with address `{email}`")))?
        .id)
}

/// Makes the answers the command's records called for into notices in the outbox; the
/// daemon sends them.
async fn make_answers(store: &Store, config: &Config) -> anyhow::Result<usize> {
    let secrets = Secrets::load(&config.data.dir)?;
    let dkim = DkimSigner::from_config(config)?;
    let notices = Notices::new(store.clone(), config, secrets.signing_key, dkim);
    Ok(answers::make_pending(store, &notices).await?)
}
