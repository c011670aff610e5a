//! A message as text: headers, body (HTML turned into text), attachments, the
//! messages it carries, and what was wrong with it.
//!
//! [`parse`] parses the raw bytes once with mail-parser and gives both the parsed
//! [`Message`] (for [`super::bounce`] and [`super::robots`], which look at parts and
//! headers) and the [`Read`] built from it. [`read`] is the same when only the text matters.

mod body;
mod document;
mod faults;
mod fold;
mod html;
mod own;
mod text;

use std::ops::Range;
use std::panic::catch_unwind;
use std::sync::{LazyLock, OnceLock};

use chrono::{DateTime, FixedOffset};
use mail_parser::{HeaderForm, HeaderName, HeaderValue, Message, MessageParser, MessagePart};

pub use faults::Faults;
pub use fold::{Found, PhraseLists, find_phrase, first_phrase, fold, has_phrase};
pub use html::html_to_text;

/// A mailbox: display name and lowercased address.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mailbox {
    pub name: Option<String>,
    pub address: String,
}

/// The `Date:` header: the sender's claim, as written and as understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Date {
    pub written: String,
    pub parsed: Option<DateTime<FixedOffset>>,
}

/// A part that is not the body: its file name, content type and decoded size in bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: Option<String>,
    pub content_type: String,
    pub size: usize,
    /// Its text, for a document that can be read (`.docx`, `.odt`, PDF, plain text), once
    /// [`Parsed::read_documents`] has run.
    pub text: Option<String>,
}

/// A message carried inside this one (`message/rfc822`, or `text/rfc822-headers`): a
/// forward, or the original that a bounce returns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Inner {
    pub message_id: Option<String>,
    pub from: Option<Mailbox>,
    pub to: Vec<String>,
    pub subject: Option<String>,
}

/// A message as text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Read {
    /// Without the angle brackets.
    pub message_id: Option<String>,
    pub from: Option<Mailbox>,
    /// The topmost `Return-Path:` address; `Some("")` for the null sender `<>`.
    pub return_path: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub delivered_to: Vec<String>,
    pub x_original_to: Vec<String>,
    pub subject: Option<String>,
    pub date: Option<Date>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    /// The body as text: the text/plain part, else the HTML turned into text.
    pub text: String,
    /// The body came from HTML only (no text/plain part).
    pub html_only: bool,
    pub attachments: Vec<Attachment>,
    pub inner: Vec<Inner>,
    pub faults: Faults,
    /// Where [`Read::own_text`] lies in `text`, found on first use: several readers ask.
    own: OwnRange,
}

/// A cache of what `text` determines: never part of a comparison.
#[derive(Debug, Clone, Default)]
struct OwnRange(OnceLock<Range<usize>>);

impl PartialEq for OwnRange {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for OwnRange {}

/// A message parsed once: mail-parser's view and ours.
#[derive(Debug)]
pub struct Parsed<'a> {
    /// What mail-parser made of it; an empty message (one part, no header) when it made
    /// nothing, so callers never need a second case.
    pub message: Message<'a>,
    pub read: Read,
}

/// mail-parser's own parser for each field, but for the `Received:` traces: they are never
/// read structured here, and parsing them costs more than all the other fields. Every
/// reader of `inbound` parses with it.
pub(super) static PARSER: LazyLock<MessageParser> = LazyLock::new(|| {
    use HeaderName::*;
    let mut parser = MessageParser::new()
        .with_mime_headers()
        .with_date_headers()
        .with_address_headers()
        .with_message_ids()
        .header_text(Subject)
        .header_text(Comments)
        .header_id(ReturnPath)
        .header_comma_separated(Keywords)
        .header_comma_separated(ContentLanguage);
    for list in [
        ListArchive,
        ListHelp,
        ListId,
        ListOwner,
        ListPost,
        ListSubscribe,
        ListUnsubscribe,
    ] {
        parser = parser.header_address(list);
    }
    parser
});

/// Parses `raw` once. Never panics, whatever the bytes.
pub fn parse(raw: &[u8]) -> Parsed<'_> {
    // mail-parser checks its own invariants in debug builds, and fuzzing found a MIME tree
    // it cannot close (release builds recover from it): when it panics, the headers alone
    // are read and the message is flagged broken, so the reader never stops.
    let (message, whole) = match catch_unwind(|| PARSER.parse(raw)) {
        Ok(parsed) => (parsed.unwrap_or_else(|| empty_message(raw)), true),
        Err(_) => {
            let headers = catch_unwind(|| PARSER.parse_headers(raw)).ok().flatten();
            (headers.unwrap_or_else(|| empty_message(raw)), false)
        }
    };
    let mut read = read_message(&message, raw);
    read.faults.broken_mime |= !whole;
    Parsed { message, read }
}

/// Whether `subject` is a forward's ("Fwd:", "TR :", "RV:", "WG:"…).
pub fn forwarded_subject(subject: &str) -> bool {
    const FORWARDS: &[&str] = &["fwd:", "fw:", "tr:", "rv:", "wg:", "enc:", "i:", "doorst:"];
    let subject = fold(subject);
    let subject = subject.replace(" :", ":");
    FORWARDS.iter().any(|f| subject.starts_with(f))
}

/// `raw` as text, with the text of its attached documents. Never panics, whatever the
/// bytes.
pub fn read(raw: &[u8]) -> Read {
    let mut parsed = parse(raw);
    parsed.read_documents();
    parsed.read
}

impl Parsed<'_> {
    /// Reads the text of the attached documents (`.docx`, `.odt`, PDF, text) into
    /// [`Read::attachments`]: [`parse`] leaves it out, as only a person's reply needs it.
    pub fn read_documents(&mut self) {
        body::read_documents(&self.message, &mut self.read.attachments);
    }
}

fn empty_message(raw: &[u8]) -> Message<'_> {
    Message {
        parts: vec![MessagePart::default()],
        raw_message: raw.into(),
        ..Message::default()
    }
}

fn read_message(message: &Message<'_>, raw: &[u8]) -> Read {
    let body = body::Body::of(message);
    let mut read = Read {
        message_id: message.message_id().map(str::to_owned),
        from: first_mailbox(message, HeaderName::From),
        return_path: return_path(message),
        to: addresses(message, HeaderName::To),
        cc: addresses(message, HeaderName::Cc),
        delivered_to: addresses(message, HeaderName::DeliveredTo),
        x_original_to: addresses(message, HeaderName::Other("X-Original-To".into())),
        subject: text::subject(message),
        date: date(message),
        in_reply_to: ids(message.in_reply_to()),
        references: ids(message.references()),
        text: body.text,
        html_only: body.html_only,
        attachments: body.attachments,
        inner: body.inner,
        faults: Faults::default(),
        own: OwnRange::default(),
    };
    read.faults = Faults::of(raw, message, &read);
    read
}

fn mailboxes<'m>(message: &'m Message<'_>, name: HeaderName<'m>) -> Vec<Mailbox> {
    message
        .header_as(name, HeaderForm::Addresses)
        .iter()
        .filter_map(HeaderValue::as_address)
        .flat_map(|address| address.iter())
        .filter_map(|addr| {
            let address = addr
                .address()?
                .trim()
                .trim_matches(['<', '>'])
                .to_lowercase();
            (!address.is_empty()).then(|| Mailbox {
                name: addr
                    .name()
                    .map(|n| n.trim().to_owned())
                    .filter(|n| !n.is_empty()),
                address,
            })
        })
        .collect()
}

fn first_mailbox<'m>(message: &'m Message<'_>, name: HeaderName<'m>) -> Option<Mailbox> {
    mailboxes(message, name).into_iter().next()
}

fn addresses<'m>(message: &'m Message<'_>, name: HeaderName<'m>) -> Vec<String> {
    mailboxes(message, name)
        .into_iter()
        .map(|m| m.address)
        .collect()
}

/// The topmost `Return-Path:` (the one the final MTA wrote), `Some("")` for `<>`.
fn return_path(message: &Message<'_>) -> Option<String> {
    let header = message
        .headers()
        .iter()
        .find(|h| h.name == HeaderName::ReturnPath)?;
    let raw = message
        .raw_message
        .get(header.offset_start as usize..header.offset_end as usize)?;
    let value = String::from_utf8_lossy(raw);
    let value = value.trim();
    let inside = match (value.find('<'), value.rfind('>')) {
        (Some(open), Some(close)) if open < close => &value[open + 1..close],
        _ => value,
    };
    Some(inside.trim().to_lowercase())
}

fn date(message: &Message<'_>) -> Option<Date> {
    let header = message
        .headers()
        .iter()
        .find(|h| h.name == HeaderName::Date)?;
    let raw = message
        .raw_message
        .get(header.offset_start as usize..header.offset_end as usize)?;
    let written = String::from_utf8_lossy(raw).trim().to_owned();
    let parsed = header
        .value
        .as_datetime()
        .filter(|d| d.is_valid())
        .and_then(|d| DateTime::parse_from_rfc3339(&d.to_rfc3339()).ok());
    Some(Date { written, parsed })
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    let clean = |id: &str| id.trim().trim_matches(['<', '>']).to_owned();
    match value {
        HeaderValue::Text(id) => vec![clean(id)],
        HeaderValue::TextList(list) => list.iter().map(|id| clean(id)).collect(),
        _ => Vec::new(),
    }
    .into_iter()
    .filter(|id| !id.is_empty())
    .collect()
}

/// The headers of a carried message: a parsed `message/rfc822` or `text/rfc822-headers`.
fn inner(message: &Message<'_>) -> Inner {
    Inner {
        message_id: message.message_id().map(str::to_owned),
        from: first_mailbox(message, HeaderName::From),
        to: addresses(message, HeaderName::To),
        subject: message.subject().map(str::to_owned),
    }
}

#[cfg(test)]
mod tests;
