//! A rendered circular as a MIME message: `multipart/alternative` (plain text and HTML),
//! inside `multipart/mixed` when documents are attached, with the list headers.

use std::path::Path;
use std::time::SystemTime;

use lettre::message::header::{ContentTransferEncoding, ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Body, Mailbox, MultiPart, SinglePart};

use super::definition::Circular;
use super::pieces::one_line;
use super::render::Rendered;
use crate::members::{Committee, EmailAddress};

/// What the message needs besides the rendered text.
#[derive(Debug, Clone)]
pub struct Envelope<'a> {
    pub from_name: &'a str,
    pub from_address: &'a str,
    pub to_name: &'a str,
    pub to: &'a EmailAddress,
    /// Fixed before the first attempt, so a resend carries the same one (without `<>`).
    pub message_id: String,
    pub date: SystemTime,
    pub committee: &'a Committee,
    /// The domain list ids are made under.
    pub list_domain: &'a str,
    /// The Message-ID (without `<>`) this mail follows up, for a reminder: its
    /// `In-Reply-To` and `References` thread it under the circular.
    pub in_reply_to: Option<String>,
    /// The thread above `in_reply_to`, oldest first (without `<>`), for `References`.
    pub references: Vec<String>,
    /// `Auto-Submitted` (RFC 3834): `auto-generated` for circulars and reminders,
    /// `auto-replied` for automatic answers, `no` for what a person wrote.
    pub auto_submitted: &'static str,
}

/// A file attached to the message.
#[derive(Debug, Clone)]
pub struct AttachedFile {
    pub filename: String,
    pub content_type: &'static str,
    /// The bytes already in their transfer encoding: encoded once, not once per message.
    body: Body,
}

/// The MIME type of a document, by its extension.
pub fn content_type(filename: &str) -> &'static str {
    let extension = Path::new(filename)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match extension.as_str() {
        "txt" | "md" => "text/plain; charset=utf-8",
        "html" | "htm" => "text/html; charset=utf-8",
        "pdf" => "application/pdf",
        "csv" => "text/csv; charset=utf-8",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "odt" => "application/vnd.oasis.opendocument.text",
        _ => "application/octet-stream",
    }
}

impl AttachedFile {
    /// Reads `dir/filename`, typing it by its extension.
    ///
    /// # Errors
    /// The file cannot be read.
    pub fn read(dir: &Path, filename: &str) -> std::io::Result<AttachedFile> {
        let bytes = std::fs::read(dir.join(filename))?;
        Ok(AttachedFile {
            filename: filename.to_string(),
            content_type: content_type(filename),
            body: Body::new(bytes),
        })
    }
}

/// The documents a circular attaches, every language version of each.
///
/// # Errors
/// A document cannot be read.
pub fn attachments(circular: &Circular) -> std::io::Result<Vec<AttachedFile>> {
    circular
        .documents
        .iter()
        .filter(|d| d.attach)
        .flat_map(|d| d.files.values())
        .map(|name| AttachedFile::read(&circular.dir, name))
        .collect()
}

/// The Message-ID (without `<>`) of a circular's mail to a member: the same at every
/// attempt, so a resend after a crash is recognisable as the same mail.
pub fn message_id(number: u32, member_id: i64, domain: &str) -> String {
    format!("circular-{number:03}.member-{member_id}@{domain}")
}

/// Why a message cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error("bad address `{0}`: {1}")]
    Address(String, lettre::address::AddressError),
    #[error("bad content type `{0}`")]
    ContentType(String),
    #[error(transparent)]
    Build(#[from] lettre::error::Error),
}

fn header(name: &'static str, value: String) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
}

/// Builds the message.
///
/// # Errors
/// An address lettre refuses.
pub fn build(
    rendered: &Rendered,
    attachments: &[AttachedFile],
    envelope: &Envelope<'_>,
) -> Result<lettre::Message, MessageError> {
    let mailbox = |name: &str, address: &str| -> Result<Mailbox, MessageError> {
        let parsed = address
            .parse()
            .map_err(|e| MessageError::Address(address.to_string(), e))?;
        let name = name.trim();
        Ok(Mailbox::new(
            (!name.is_empty()).then(|| one_line(name)),
            parsed,
        ))
    };
    let list_name = one_line(envelope.committee.name.get(rendered.language));
    let alternative = MultiPart::alternative()
        .singlepart(text_part(ContentType::TEXT_PLAIN, &rendered.text))
        .singlepart(text_part(ContentType::TEXT_HTML, &rendered.html));
    let builder = lettre::Message::builder()
        .from(mailbox(envelope.from_name, envelope.from_address)?)
        .to(mailbox(envelope.to_name, &envelope.to.to_ascii())?)
        .reply_to(mailbox("", &rendered.reply_to)?)
        .subject(rendered.subject.clone())
        .date(envelope.date)
        .message_id(Some(format!("<{}>", envelope.message_id)));
    let builder = match &envelope.in_reply_to {
        Some(parent) => {
            let thread: Vec<String> = envelope
                .references
                .iter()
                .chain([parent])
                .map(|id| format!("<{id}>"))
                .collect();
            builder
                .in_reply_to(format!("<{parent}>"))
                .references(thread.join(" "))
        }
        None => builder,
    };
    let builder = builder
        .raw_header(list_id(
            &list_name,
            &format!("{}.{}", envelope.committee.slug, envelope.list_domain),
        ))
        .raw_header(header(
            "List-Unsubscribe",
            format!(
                "<{}>, <{}>",
                rendered.unsubscribe_mailto, rendered.unsubscribe_url
            ),
        ))
        .raw_header(header(
            "List-Unsubscribe-Post",
            "List-Unsubscribe=One-Click".into(),
        ))
        .raw_header(header("Content-Language", rendered.language.code().into()))
        .raw_header(header("Auto-Submitted", envelope.auto_submitted.into()));
    let message = if attachments.is_empty() {
        builder.multipart(alternative)?
    } else {
        let mut mixed = MultiPart::mixed().multipart(alternative);
        for file in attachments {
            let content_type = ContentType::parse(file.content_type)
                .map_err(|_| MessageError::ContentType(file.content_type.to_string()))?;
            mixed = mixed.singlepart(
                Attachment::new(file.filename.clone()).body(file.body.clone(), content_type),
            );
        }
        builder.multipart(mixed)?
    };
    Ok(message)
}

/// A text part in base64 of its CRLF form. Base64 of each member's text costs a fraction of
/// what lettre's choice of encoding, quoted-printable and line-ending pass did (a seventh of
/// the daemon's time per message, `cargo bench --bench send`).
fn text_part(content_type: ContentType, text: &str) -> SinglePart {
    let mut crlf = String::with_capacity(text.len() + text.len() / 32);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            crlf.push_str("\r\n");
        }
        crlf.push_str(line.strip_suffix('\r').unwrap_or(line));
    }
    let encoded = data_encoding::BASE64_MIME.encode(crlf.as_bytes());
    SinglePart::builder()
        .header(content_type)
        .body(Body::dangerous_pre_encoded(
            encoded.into_bytes(),
            ContentTransferEncoding::Base64,
        ))
}

/// `List-Id: "Name" <id>`. A name that is not ASCII is written as RFC 2047 encoded words,
/// which may not stand inside a quoted string.
fn list_id(name: &str, id: &str) -> HeaderValue {
    let phrase = if name.is_ascii() && !name.contains(['"', '\\']) {
        format!("\"{name}\"")
    } else {
        encoded_words(name)
    };
    HeaderValue::dangerous_new_pre_encoded(
        HeaderName::new_from_ascii_str("List-Id"),
        format!("{name} <{id}>"),
        format!("{phrase} <{id}>"),
    )
}

/// `=?utf-8?b?…?=` words of at most 75 characters, folded onto continuation lines.
fn encoded_words(text: &str) -> String {
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        // 45 bytes of UTF-8 make 60 of base64: with `=?utf-8?b?` and `?=`, 72.
        if chunk.len() + c.len_utf8() > 45 {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.push(c);
    }
    words.push(chunk);
    words
        .iter()
        .map(|w| format!("=?utf-8?b?{}?=", data_encoding::BASE64.encode(w.as_bytes())))
        .collect::<Vec<_>>()
        .join("\r\n ")
}
