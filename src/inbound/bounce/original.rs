//! The message that bounced, as the bounce returns it: a `message/rfc822` part, a
//! `text/rfc822-headers` part, or the headers pasted after the notice.

use mail_parser::{Message, MimeHeaders, PartType};

use crate::inbound::read::PARSER;

/// The returned original's Message-ID (without `<>`), `To:` and `From:` address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Original {
    pub message_id: Option<String>,
    pub to: Option<String>,
    pub from: Option<String>,
    /// Whether the message was returned at all, as a part or pasted headers (even when
    /// those say nothing of use).
    pub returned: bool,
}

/// The original carried by `message`, else the one pasted into `after_notice`.
pub fn find(message: &Message<'_>, after_notice: &str) -> Original {
    for part in message.parts.iter().skip(1) {
        if let PartType::Message(inner) = &part.body {
            return of(inner);
        }
        if part.is_content_type("message", "rfc822") {
            // A returned message mail-parser could not read (cut short, anonymised).
            return Original {
                returned: true,
                ..Original::default()
            };
        }
        let headers_part = part.content_type().is_some_and(|ct| {
            ct.subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("rfc822-headers"))
        });
        if headers_part && let Some(inner) = PARSER.parse_headers(part.contents()) {
            return of(&inner);
        }
    }
    let lines: Vec<&str> = after_notice
        .lines()
        .skip_while(|l| !looks_like_header(l.trim_start()))
        .collect();
    let text = lines.join("\n");
    PARSER
        .parse_headers(text.as_bytes())
        .map(|inner| of(&inner))
        .filter(|o| o.message_id.is_some() || o.to.is_some() || o.from.is_some())
        .unwrap_or_default()
}

fn of(message: &Message<'_>) -> Original {
    let first_address = |a: Option<&mail_parser::Address<'_>>| {
        a.and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(str::to_lowercase)
    };
    Original {
        message_id: message.message_id().map(str::to_string),
        to: first_address(message.to()),
        from: first_address(message.from()),
        returned: true,
    }
}

/// `Name: value` with a name of letters, digits and dashes.
fn looks_like_header(line: &str) -> bool {
    line.split_once(':').is_some_and(|(name, _)| {
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })
}
