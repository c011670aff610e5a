//! `circulars inbound list|show`: the messages that came back, and what was decided.

use std::io::Write;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::{BadData, Format, open_store, table::write_table};
use crate::config::Config;
use crate::inbound::read;
use crate::store::{InboundFilter, InboundRow};

#[derive(Debug, Subcommand)]
pub enum InboundCommand {
    /// The stored messages, oldest first.
    List(ListArgs),
    /// One message: its headers, its text as read, what was decided and why.
    Show(ShowArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only the messages about this circular.
    #[arg(long, value_name = "NNN")]
    circular: Option<u32>,
    /// Only the messages of this kind (bounce, auto_reply, unsubscribe, other, …).
    #[arg(long)]
    kind: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    id: i64,
    /// The stored bytes, exactly as received.
    #[arg(long)]
    raw: bool,
}

/// The shape scripts rely on (SPEC, Machine-readable output).
#[derive(Serialize)]
struct InboundJson<'a> {
    id: i64,
    message_id: &'a str,
    from: &'a str,
    subject: &'a str,
    received_at: &'a str,
    circular: Option<u32>,
    member: Option<&'a str>,
    kinds: &'a [String],
    bounce: Option<serde_json::Value>,
    status: &'a str,
}

pub async fn run(command: InboundCommand, config: &Config) -> anyhow::Result<()> {
    match command {
        InboundCommand::List(args) => list(args, config).await,
        InboundCommand::Show(args) => show(args, config).await,
    }
}

async fn list(args: ListArgs, config: &Config) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    let filter = InboundFilter {
        circular: args.circular,
        kind: args.kind,
        status: None,
    };
    let rows = store.inbound_rows(&filter).await?;
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            let json: Vec<InboundJson> = rows.iter().map(json_of).collect();
            serde_json::to_writer_pretty(&mut out, &json)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            writer.write_record([
                "id",
                "received_at",
                "from",
                "subject",
                "circular",
                "member",
                "kinds",
                "status",
            ])?;
            for row in &rows {
                writer.write_record(cells(row))?;
            }
            writer.flush()?;
        }
        Format::Table => {
            let header = [
                "ID", "RECEIVED", "FROM", "SUBJECT", "CIRCULAR", "MEMBER", "KINDS", "STATUS",
            ];
            let table: Vec<[String; 8]> = rows.iter().map(cells).collect();
            write_table(&mut out, header, &table)?;
            writeln!(out, "{} message(s)", rows.len())?;
        }
    }
    Ok(())
}

fn json_of(row: &InboundRow) -> InboundJson<'_> {
    InboundJson {
        id: row.id,
        message_id: &row.message_id,
        from: &row.from,
        subject: &row.subject,
        received_at: &row.received_at,
        circular: row.circular,
        member: row.member.as_deref(),
        kinds: &row.kinds,
        bounce: row
            .bounce
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok()),
        status: &row.status,
    }
}

fn cells(row: &InboundRow) -> [String; 8] {
    let subject: String = row.subject.chars().take(50).collect();
    [
        row.id.to_string(),
        row.received_at.clone(),
        row.from.clone(),
        subject,
        row.circular.map(|n| format!("{n:03}")).unwrap_or_default(),
        row.member.clone().unwrap_or_default(),
        row.kinds.join(","),
        row.status.clone(),
    ]
}

async fn show(args: ShowArgs, config: &Config) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    let message = store
        .inbound_message(args.id)
        .await?
        .ok_or_else(|| BadData(format!("no inbound message #{}", args.id)))?;
    let mut out = std::io::stdout().lock();
    if args.raw {
        out.write_all(&message.raw)?;
        return Ok(());
    }
    let row = &message.row;
    writeln!(
        out,
        "Message #{} ({}, {} bytes)",
        row.id,
        message.source,
        message.raw.len()
    )?;
    writeln!(
        out,
        "Received: {} (from the {})",
        row.received_at,
        time_source(&message.time_source)
    )?;
    if let Some(date) = &message.date_header {
        writeln!(out, "Date:     {date} (the sender's claim)")?;
    }
    writeln!(out, "Status:   {}", row.status)?;
    writeln!(out, "Kinds:    {}", row.kinds.join(", "))?;
    if let Some(member) = &row.member {
        let how = message.matched_by.as_deref().unwrap_or("?");
        writeln!(out, "Member:   {member} (matched by {how})")?;
    }
    if let Some(circular) = row.circular {
        writeln!(out, "Circular: {circular:03}")?;
    }
    if !message.faults.is_empty() {
        writeln!(out, "Faults:   {}", message.faults)?;
    }
    if let Some(decision) = message
        .decision
        .as_deref()
        .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
    {
        writeln!(out, "\nWhy:")?;
        for reason in decision["reasons"].as_array().into_iter().flatten() {
            writeln!(out, "  - {}", reason.as_str().unwrap_or_default())?;
        }
        if !decision["bounce"].is_null() {
            writeln!(out, "Bounce:   {}", decision["bounce"])?;
        }
        if !decision["reply"].is_null() {
            writeln!(out, "Reply:    {}", decision["reply"])?;
        }
    }
    writeln!(out, "\nHeaders:")?;
    for line in String::from_utf8_lossy(header_section(&message.raw)).lines() {
        writeln!(out, "  {line}")?;
    }
    let read = read::read(&message.raw);
    writeln!(out, "\nText as read:\n{}", read.text)?;
    for attachment in &read.attachments {
        let name = attachment.name.as_deref().unwrap_or("(no name)");
        let text = attachment
            .text
            .as_ref()
            .map(|t| format!(", its text read: {} characters", t.chars().count()))
            .unwrap_or_default();
        writeln!(
            out,
            "Attachment: {name} ({}, {} bytes{text})",
            attachment.content_type, attachment.size
        )?;
    }
    Ok(())
}

fn time_source(source: &str) -> &str {
    match source {
        "internaldate" => "IMAP server's INTERNALDATE",
        "received" => "topmost Received: header",
        "mtime" => "file's modification time",
        _ => "moment it was stored",
    }
}

/// The bytes before the first empty line.
fn header_section(raw: &[u8]) -> &[u8] {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .or_else(|| raw.windows(2).position(|w| w == b"\n\n"))
        .unwrap_or(raw.len());
    &raw[..end]
}
