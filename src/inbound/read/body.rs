//! The body of a message as text, its attachments and the messages it carries.

use mail_parser::{Message, MessagePart, MimeHeaders, PartType};

use super::{Attachment, Inner, PARSER, document, html, inner, text};

/// Reads the text of the documents attached to `message` into `attachments` (which lists
/// them in the same order): only for a person's reply, where a form may be attached.
pub(super) fn read_documents(message: &Message<'_>, attachments: &mut [Attachment]) {
    for (part, attachment) in message.attachments().zip(attachments) {
        if !matches!(part.body, PartType::Message(_) | PartType::Multipart(_)) {
            attachment.text = document::text_of(
                attachment.name.as_deref(),
                &attachment.content_type,
                part.contents(),
            );
        }
    }
}

/// What the parts of a message give.
pub(super) struct Body {
    pub text: String,
    pub html_only: bool,
    pub attachments: Vec<Attachment>,
    pub inner: Vec<Inner>,
}

impl Body {
    pub fn of(message: &Message<'_>) -> Body {
        let (text, html_only) = body_text(message);
        let mut attachments = Vec::new();
        let mut carried = Vec::new();
        for part in message.attachments() {
            match &part.body {
                PartType::Message(nested) => carried.push(inner(nested)),
                _ if is_type(part, "text", "rfc822-headers") => {
                    if let Some(headers) = headers_only(part) {
                        carried.push(headers);
                    }
                }
                _ => {}
            }
            attachments.push(attachment(part));
        }
        Body {
            text,
            html_only,
            attachments,
            inner: carried,
        }
    }
}

/// The text/plain parts, or the HTML ones turned into text when there is no plain text.
fn body_text(message: &Message<'_>) -> (String, bool) {
    let mut plain = Vec::new();
    let mut html = Vec::new();
    for part in message.text_bodies() {
        match &part.body {
            PartType::Text(body) => plain.push(text::repaired(message, part, body)),
            PartType::Html(body) => html.push(text::repaired(message, part, body)),
            _ => {}
        }
    }
    if plain.is_empty() && !html.is_empty() {
        let text: Vec<String> = html.iter().map(|h| html::html_to_text(h)).collect();
        return (text.join("\n"), true);
    }
    (plain.join("\n"), false)
}

fn attachment(part: &MessagePart<'_>) -> Attachment {
    let content_type = part.content_type().map_or_else(
        || "text/plain".to_owned(),
        |ct| match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub),
            None => ct.ctype().to_owned(),
        },
    );
    let size = match &part.body {
        PartType::Text(t) | PartType::Html(t) => t.len(),
        PartType::Binary(b) | PartType::InlineBinary(b) => b.len(),
        PartType::Message(m) => m.raw_message.len(),
        PartType::Multipart(_) => 0,
    };
    Attachment {
        name: part.attachment_name().map(str::to_owned),
        content_type: content_type.to_lowercase(),
        size,
        text: None,
    }
}

fn is_type(part: &MessagePart<'_>, ctype: &str, subtype: &str) -> bool {
    part.is_content_type(ctype, subtype)
}

fn headers_only(part: &MessagePart<'_>) -> Option<Inner> {
    let bytes: &[u8] = match &part.body {
        PartType::Text(t) => t.as_bytes(),
        PartType::Binary(b) | PartType::InlineBinary(b) => b,
        _ => return None,
    };
    let parsed = PARSER.parse_headers(bytes)?;
    (!parsed.parts.is_empty()).then(|| inner(&parsed))
}
