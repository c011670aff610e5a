//! Text that mail-parser decoded as it was labelled, repaired when the label was wrong.
//!
//! Mail from old clients often carries 8-bit windows-1252 with no charset, or labelled
//! `us-ascii`/`utf-8`/`iso-8859-1`: mail-parser then gives U+FFFD or C1 controls.

use std::borrow::Cow;

use encoding_rs::WINDOWS_1252;
use mail_parser::decoders::{base64::base64_decode, quoted_printable::quoted_printable_decode};
use mail_parser::{Encoding, HeaderName, Message, MessagePart, MimeHeaders};

/// The subject, decoded; raw 8-bit bytes that are not UTF-8 read as windows-1252.
pub(super) fn subject(message: &Message<'_>) -> Option<String> {
    let subject = message.subject()?;
    if !subject.contains('\u{FFFD}') {
        return Some(subject.trim().to_owned());
    }
    let header = message
        .headers()
        .iter()
        .find(|h| h.name == HeaderName::Subject)?;
    let raw = message
        .raw_message
        .get(header.offset_start as usize..header.offset_end as usize)?;
    Some(decode_8bit(raw).trim().to_owned())
}

/// `decoded` (a body part as mail-parser decoded it), or the part's bytes read again when
/// the declared charset was evidently wrong.
pub(super) fn repaired(message: &Message<'_>, part: &MessagePart<'_>, decoded: &str) -> String {
    if !mislabelled(part, decoded) {
        return decoded.to_owned();
    }
    match transfer_decoded(message, part) {
        Some(bytes) => decode_8bit(&bytes).into_owned(),
        None => decoded.to_owned(),
    }
}

fn mislabelled(part: &MessagePart<'_>, decoded: &str) -> bool {
    let charset = part
        .content_type()
        .and_then(|ct| ct.attribute("charset"))
        .map(str::to_ascii_lowercase);
    match charset.as_deref() {
        None | Some("us-ascii" | "ascii" | "utf-8" | "utf8") => decoded.contains('\u{FFFD}'),
        Some("iso-8859-1" | "latin1" | "latin-1" | "iso8859-1") => {
            decoded.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c))
        }
        _ => false,
    }
}

fn transfer_decoded<'m>(message: &'m Message<'_>, part: &MessagePart<'_>) -> Option<Cow<'m, [u8]>> {
    let raw = message
        .raw_message
        .get(part.offset_body as usize..part.offset_end as usize)?;
    match part.encoding {
        Encoding::None => Some(Cow::Borrowed(raw)),
        Encoding::QuotedPrintable => quoted_printable_decode(raw).map(Cow::Owned),
        Encoding::Base64 => base64_decode(raw).map(Cow::Owned),
    }
}

/// UTF-8 when the bytes are UTF-8, else windows-1252 (which maps every byte).
fn decode_8bit(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => WINDOWS_1252.decode_without_bom_handling(bytes).0,
    }
}
