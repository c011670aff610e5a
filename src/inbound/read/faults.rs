//! What was wrong with a message: none of it stops intake, all of it is kept.

use mail_parser::{HeaderName, Message, MimeHeaders, PartType};

use super::Read;

/// Messages over this size are flagged `large`.
pub const LARGE: usize = 10 * 1024 * 1024;

/// What was wrong with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Faults {
    /// No mail header at all: not a message.
    pub not_mail: bool,
    /// A multipart without its boundary, a part that could not be decoded, a message cut off.
    pub broken_mime: bool,
    /// Raw non-ASCII bytes in the header section.
    pub eight_bit_headers: bool,
    pub nul_byte: bool,
    /// Neither text nor attachments.
    pub no_body: bool,
    /// Over [`LARGE`] bytes.
    pub large: bool,
}

impl Faults {
    pub(super) fn of(raw: &[u8], message: &Message<'_>, read: &Read) -> Faults {
        let not_mail = !has_mail_header(message);
        Faults {
            not_mail,
            broken_mime: !not_mail && broken_mime(message),
            eight_bit_headers: header_section(raw).iter().any(|b| *b >= 0x80),
            nul_byte: raw.contains(&0),
            no_body: read.text.trim().is_empty() && read.attachments.is_empty(),
            large: raw.len() > LARGE,
        }
    }

    /// True when nothing is wrong.
    pub fn is_clean(&self) -> bool {
        *self == Faults::default()
    }
}

/// Header names that only mail has; a text file with a `Note:` line is not mail.
fn has_mail_header(message: &Message<'_>) -> bool {
    const MAIL: [&str; 8] = [
        "x-mailer",
        "x-original-to",
        "envelope-to",
        "x-envelope-from",
        "thread-topic",
        "x-ms-exchange-organization-scl",
        "x-failed-recipients",
        "auto-submitted",
    ];
    message.headers().iter().any(|h| match &h.name {
        HeaderName::Other(name) => MAIL.iter().any(|m| name.eq_ignore_ascii_case(m)),
        HeaderName::Comments | HeaderName::Keywords | HeaderName::Encoding => false,
        _ => true,
    })
}

/// The bytes before the first empty line (LF or CRLF line ends).
fn header_section(raw: &[u8]) -> &[u8] {
    let mut start = 0;
    while let Some(at) = raw[start..].iter().position(|&b| b == b'\n') {
        if matches!(&raw[start..start + at], b"" | b"\r") {
            return &raw[..start];
        }
        start += at + 1;
    }
    raw
}

fn broken_mime(message: &Message<'_>) -> bool {
    if message.parts.iter().any(|p| p.is_encoding_problem) {
        return true;
    }
    message.parts.iter().any(|part| {
        let Some(ct) = part.content_type() else {
            return false;
        };
        let multipart = ct.ctype().eq_ignore_ascii_case("multipart");
        let parsed_as_multipart = matches!(part.body, PartType::Multipart(_));
        multipart && (ct.attribute("boundary").is_none() || !parsed_as_multipart)
    }) || message.parts.iter().any(|part| match &part.body {
        PartType::Message(nested) => broken_mime(nested),
        _ => false,
    })
}
