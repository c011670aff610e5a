//! The few header fields intake needs, read tolerantly from any bytes: the header block's
//! fields, where the trace fields that MTAs prepend end, and the Message-ID, `Date:`,
//! `Subject:` and topmost `Received:` date.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// Fields prepended on the way in (by the MTA, the delivery agent, filters): not part of the
/// message as sent, so left out of the digest.
const TRACE: &[&str] = &[
    "return-path",
    "received",
    "x-received",
    "delivered-to",
    "x-original-to",
    "envelope-to",
    "x-envelope-from",
    "x-envelope-to",
    "authentication-results",
    "received-spf",
    "x-virus-scanned",
    "x-spam-flag",
    "x-spam-level",
    "x-spam-status",
    "x-spam-score",
    "x-spam-checker-version",
];

/// Trace families named by prefix (ARC seals, spam filter reports).
const TRACE_PREFIXES: &[&str] = &["arc-", "x-spam-"];

/// The longest Message-ID kept: it is part of a unique index, and PostgreSQL refuses index
/// entries beyond about 2.7 KB.
const MAX_MESSAGE_ID: usize = 500;

/// The longest `Date:` or `Subject:` kept.
const MAX_TEXT: usize = 1000;

/// One header field: its name and its raw value (continuation lines included).
#[derive(Debug, Clone, Copy)]
struct Field<'a> {
    name: &'a [u8],
    value: &'a [u8],
}

/// What intake reads from a message's header block.
#[derive(Debug)]
pub(super) struct Head<'a> {
    raw: &'a [u8],
    fields: Vec<Field<'a>>,
    /// Where the bytes past the leading trace fields start.
    trace_end: usize,
}

impl<'a> Head<'a> {
    /// Reads the header block of `raw`, stopping at the first line that is not a field.
    pub(super) fn read(raw: &'a [u8]) -> Head<'a> {
        let mut fields: Vec<Field<'a>> = Vec::new();
        let mut pos = 0;
        let mut trace_end = 0;
        let mut in_trace = true;
        // An mbox separator line (`From sender date`), as some pipes and filters prepend.
        if raw.starts_with(b"From ") {
            pos = line_end(raw, 0);
            trace_end = pos;
        }
        while pos < raw.len() {
            let end = line_end(raw, pos);
            let line = &raw[pos..end];
            let is_continuation = matches!(line.first(), Some(b' ' | b'\t'));
            if is_continuation && let Some(last) = fields.last_mut() {
                let start = last.value.as_ptr() as usize - raw.as_ptr() as usize;
                last.value = &raw[start..end];
            } else if let Some(colon) = field_name_end(line) {
                let field = Field {
                    name: line[..colon].trim_ascii_end(),
                    value: &line[colon + 1..],
                };
                in_trace = in_trace && is_trace(field.name);
                fields.push(field);
            } else {
                break;
            }
            pos = end;
            if in_trace {
                trace_end = pos;
            }
        }
        Head {
            raw,
            fields,
            trace_end,
        }
    }

    /// At least one header field: the bytes could be a message.
    pub(super) fn is_mail(&self) -> bool {
        !self.fields.is_empty()
    }

    /// SHA-256 (hex) of the bytes past the leading trace fields, with CRLF read as LF so the
    /// copy an IMAP server keeps and the one a pipe gets digest alike.
    pub(super) fn digest(&self) -> String {
        let mut hasher = Sha256::new();
        let mut pieces = self.raw[self.trace_end..].split(|b| *b == b'\n').peekable();
        while let Some(piece) = pieces.next() {
            if pieces.peek().is_some() {
                hasher.update(piece.strip_suffix(b"\r").unwrap_or(piece));
                hasher.update(b"\n");
            } else {
                hasher.update(piece);
            }
        }
        data_encoding::HEXLOWER.encode(&hasher.finalize())
    }

    /// The Message-ID without `<>`, '' when there is none.
    pub(super) fn message_id(&self) -> String {
        let Some(value) = self.value("message-id") else {
            return String::new();
        };
        let inner = match value.split_once('<') {
            Some((_, rest)) => rest.split_once('>').map_or(rest, |(id, _)| id),
            None => value.as_str(),
        };
        let id: String = inner.chars().filter(|c| !c.is_whitespace()).collect();
        truncate(id, MAX_MESSAGE_ID)
    }

    /// The `Date:` field as written (unfolded), if any.
    pub(super) fn date_header(&self) -> Option<String> {
        self.value("date").map(|d| truncate(d, MAX_TEXT))
    }

    /// The decoded `Subject:`, '' when there is none.
    pub(super) fn subject(&self) -> String {
        let Some(field) = self.field("subject") else {
            return String::new();
        };
        // Only the one field is decoded: the rest of the block (long Received traces) would
        // cost more than the subject.
        let mut bytes = b"Subject:".to_vec();
        bytes.extend_from_slice(field.value);
        bytes.extend_from_slice(b"\n\n");
        let parsed = mail_parser::MessageParser::new()
            .header_text(mail_parser::HeaderName::Subject)
            .parse_headers(&bytes);
        let subject = parsed
            .as_ref()
            .and_then(|m| m.subject())
            .map(str::to_string)
            .or_else(|| self.value("subject"))
            .unwrap_or_default();
        truncate(subject.trim().replace('\0', ""), MAX_TEXT)
    }

    /// The date of the topmost `Received:` field (after its last `;`), when it parses and is
    /// plausible.
    pub(super) fn received_date(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let value = self.value("received")?;
        let (_, date) = value.rsplit_once(';')?;
        let parsed = mail_parser::DateTime::parse_rfc822(date.trim())?;
        if !parsed.is_valid() {
            return None;
        }
        DateTime::from_timestamp(parsed.to_timestamp(), 0).filter(|d| plausible(*d, now))
    }

    /// The first field named `name` (lower case).
    fn field(&self, name: &str) -> Option<&Field<'a>> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name.as_bytes()))
    }

    /// The first field named `name` (lower case), unfolded, as text.
    fn value(&self, name: &str) -> Option<String> {
        let field = self.field(name)?;
        let text = String::from_utf8_lossy(field.value);
        let unfolded: Vec<&str> = text.lines().map(str::trim).collect();
        Some(unfolded.join(" ").trim().replace('\0', ""))
    }
}

/// Not before 1990, not more than a day ahead: anything else is a broken clock.
pub(super) fn plausible(date: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    let floor = DateTime::from_timestamp(631_152_000, 0).unwrap_or(DateTime::UNIX_EPOCH);
    date >= floor && date <= now + chrono::Duration::days(1)
}

fn is_trace(name: &[u8]) -> bool {
    let name = String::from_utf8_lossy(name).to_ascii_lowercase();
    TRACE.contains(&name.as_str()) || TRACE_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// The end of the line starting at `pos`, past its `\n`.
fn line_end(raw: &[u8], pos: usize) -> usize {
    raw[pos..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(raw.len(), |i| pos + i + 1)
}

/// The colon of a field line: a name of printable ASCII (obsolete syntax allows blanks
/// before the colon).
fn field_name_end(line: &[u8]) -> Option<usize> {
    let colon = line.iter().position(|b| *b == b':')?;
    let name = line[..colon].trim_ascii_end();
    let printable = name.iter().all(|b| (33..=126).contains(b));
    (!name.is_empty() && printable).then_some(colon)
}

/// At most `max` bytes, cut at a character boundary.
fn truncate(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut cut = max;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const MESSAGE: &[u8] = b"From: a@example.org\r\nMessage-ID: <abc@example.org>\r\n\
        Subject: =?utf-8?q?R=C3=A9ponse?=\r\nDate: Tue, 3 Mar 2026 10:00:00 +0100\r\n\r\nBody\r\n";

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-04T00:00:00Z")
            .unwrap()
            .to_utc()
    }

    #[test]
    fn trace_fields_added_on_the_way_in_do_not_change_the_digest() {
        let traced = [
            b"Return-Path: <b@example.org>\nDelivered-To: c@example.org\n".as_slice(),
            b"Received: from x by y; Tue, 3 Mar 2026 10:00:05 +0100\n",
            MESSAGE,
        ]
        .concat();
        assert_eq!(Head::read(&traced).digest(), Head::read(MESSAGE).digest());
    }

    #[test]
    fn a_copy_with_lf_line_ends_digests_like_the_crlf_one() {
        let lf: Vec<u8> = MESSAGE.iter().copied().filter(|b| *b != b'\r').collect();
        assert_eq!(Head::read(&lf).digest(), Head::read(MESSAGE).digest());
    }

    #[test]
    fn a_changed_body_changes_the_digest() {
        let other = [&MESSAGE[..MESSAGE.len() - 2], b"!\r\n"].concat();
        assert_ne!(Head::read(&other).digest(), Head::read(MESSAGE).digest());
    }

    #[test]
    fn message_id_date_and_decoded_subject_are_read() {
        let head = Head::read(MESSAGE);
        assert_eq!(head.message_id(), "abc@example.org");
        assert_eq!(
            head.date_header().as_deref(),
            Some("Tue, 3 Mar 2026 10:00:00 +0100")
        );
        assert_eq!(head.subject(), "Réponse");
        assert!(head.is_mail());
    }

    #[test]
    fn a_folded_message_id_with_comments_is_unfolded() {
        let head = Head::read(b"Message-ID: (c)\r\n <x.y@example.org> \r\n\r\n");
        assert_eq!(head.message_id(), "x.y@example.org");
        assert_eq!(Head::read(b"Subject: x\n\n").message_id(), "");
    }

    #[test]
    fn the_topmost_received_date_is_taken_obsolete_forms_too() {
        let raw = b"Received: from a (b [1.2.3.4]) by c; 3 Mar 26 09:30:00 EST\n\
            Received: from d by e; Mon, 2 Mar 2026 08:00:00 +0000\n\nx";
        let date = Head::read(raw).received_date(now()).unwrap();
        assert_eq!(date.to_rfc3339(), "2026-03-03T14:30:00+00:00");
    }

    #[test]
    fn an_absurd_or_unparsable_received_date_is_ignored() {
        for raw in [
            b"Received: by a; Thu, 1 Jan 1970 00:00:00 +0000\n\nx".as_slice(),
            b"Received: by a; Fri, 3 Mar 2028 00:00:00 +0000\n\nx",
            b"Received: by a; yesterday at noon\n\nx",
            b"Received: by a\n\nx",
        ] {
            assert_eq!(Head::read(raw).received_date(now()), None);
        }
    }

    #[test]
    fn bytes_without_a_header_line_are_not_mail() {
        for raw in [
            b"".as_slice(),
            b"\n\nHello",
            b"just text\nmore",
            b"\x00\xff\xfe",
        ] {
            assert!(!Head::read(raw).is_mail(), "{raw:?}");
        }
        assert!(Head::read(b"From x@y Tue Mar 3 10:00:00 2026\nSubject: a\n").is_mail());
    }

    #[test]
    fn eight_bit_and_nul_bytes_in_headers_give_text_fields() {
        let head = Head::read(b"Subject: caf\xe9\x00!\nMessage-ID: <a\x00b@x>\n\n");
        assert!(!head.subject().contains('\0'));
        assert!(head.subject().starts_with("caf"));
        assert_eq!(head.message_id(), "ab@x");
    }

    #[test]
    fn a_huge_message_id_is_cut_to_fit_an_index() {
        let raw = format!("Message-ID: <{}@x>\n\n", "é".repeat(2000));
        assert!(Head::read(raw.as_bytes()).message_id().len() <= MAX_MESSAGE_ID);
    }
}
