//! Auto-replies, challenge-response and read receipts.
//!
//! Headers are the surest sign (RFC 3834 `Auto-Submitted`, the non-standard `X-Autoreply`
//! family, `Precedence`, Exchange's rule headers, the null sender); then subjects and the
//! member's own words in EN/FR/ES and a few other languages. `X-Auto-Response-Suppress`
//! alone proves nothing: Outlook puts it on people's mail too.

mod challenge;
mod phrases;

use std::cell::OnceCell;
use std::sync::LazyLock;

use mail_parser::{Message, MimeHeaders};

use super::read::{Found, PhraseLists, Read, first_phrase, fold, has_phrase};
use challenge::challenge;
use phrases::*;

/// A message a machine sent in answer to ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Robot {
    /// Out-of-office, vacation and other automatic answers, list and rule traffic.
    AutoReply,
    /// "Confirm you are human" before the message is delivered.
    Challenge,
    /// A read receipt (MDN, RFC 8098, or its plain-text forms).
    ReadReceipt,
}

/// The robot that sent `message` (its `signs` read by [`Signs::of`]), with the reason, or
/// None for a person.
pub fn robot(message: &Message<'_>, signs: &Signs<'_>) -> Option<(Robot, String)> {
    if let Some(reason) = read_receipt(message, signs) {
        return Some((Robot::ReadReceipt, reason));
    }
    if let Some((reason, _)) = signs.challenge() {
        return Some((Robot::Challenge, reason.clone()));
    }
    auto_reply(signs)
        .or_else(|| mail_system(message, signs))
        .map(|reason| (Robot::AutoReply, reason))
}

/// A challenge-response so plainly one that it wins over reading the message as a bounce
/// (Boxbe and its kind send their challenges as delivery reports): a challenge service's
/// header, the service named beside a challenge's words, or words asking to prove that the
/// sender is a person. The reason, or None.
pub fn sure_challenge(signs: &Signs<'_>) -> Option<String> {
    signs
        .challenge()
        .filter(|(_, sure)| *sure)
        .map(|(reason, _)| reason.clone())
}

/// The lists searched in a message's own text (its first 4,000 bytes), in one pass.
static OWN_LISTS: LazyLock<PhraseLists> = LazyLock::new(|| {
    PhraseLists::new(&[
        &SELF_DECLARED,
        &OUT_OF_OFFICE,
        &CHALLENGE_SERVICES,
        &CHALLENGE_PHRASES,
        &HUMAN_PROOF_PHRASES,
    ])
});

/// What the rules look at, folded once per message.
pub struct Signs<'m> {
    /// (lowercased name, raw value) of the top-level headers.
    headers: Vec<(String, &'m str)>,
    subject: String,
    own: Found<'static>,
    from_local: String,
    /// The domain of the sender's address.
    from_domain: String,
    /// The folded display name of the sender ("mail delivery system").
    from_name: String,
    /// The local part of the `Return-Path:` address.
    return_local: String,
    null_sender: bool,
    /// What [`challenge`] finds, once: `classify` asks before the bounce reader and after.
    challenge: OnceCell<Option<(String, bool)>>,
}

impl<'m> Signs<'m> {
    pub fn of(message: &'m Message<'_>, read: &Read) -> Signs<'m> {
        let headers = message
            .headers_raw()
            .map(|(name, value)| (name.to_ascii_lowercase(), value.trim()))
            .collect();
        let own = read.own_text();
        let own = &own[..floor_char_boundary(own, 4000)];
        let from_local = read
            .from
            .as_ref()
            .and_then(|f| f.address.split('@').next())
            .unwrap_or_default()
            .to_owned();
        let from_domain = read
            .from
            .as_ref()
            .and_then(|f| f.address.split_once('@'))
            .map(|(_, domain)| domain.to_ascii_lowercase())
            .unwrap_or_default();
        let local = |address: &str| address.split('@').next().unwrap_or_default().to_owned();
        Signs {
            headers,
            subject: fold(read.subject.as_deref().unwrap_or_default()),
            own: OWN_LISTS.find(fold(own)),
            from_local,
            from_domain,
            from_name: fold(
                read.from
                    .as_ref()
                    .and_then(|f| f.name.as_deref())
                    .unwrap_or_default(),
            ),
            return_local: local(read.return_path.as_deref().unwrap_or_default()),
            null_sender: read.return_path.as_deref() == Some(""),
            challenge: OnceCell::new(),
        }
    }

    /// The challenge-response reading: the reason and whether it is sure enough to win over
    /// a bounce reading.
    fn challenge(&self) -> Option<&(String, bool)> {
        self.challenge.get_or_init(|| challenge(self)).as_ref()
    }

    fn header(&self, name: &str) -> Option<&'m str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
    }

    /// A sign that a machine wrote this, too weak alone to say which robot.
    fn machine_hint(&self) -> bool {
        self.null_sender
            || self.header("auto-submitted").is_some()
            || self.header("precedence").is_some()
            || MACHINE_SENDERS.contains(&self.from_local.as_str())
    }

    fn words(&self) -> usize {
        self.own.text().split_whitespace().count()
    }
}

fn floor_char_boundary(text: &str, at: usize) -> usize {
    (0..=at.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

fn read_receipt(message: &Message<'_>, signs: &Signs<'_>) -> Option<String> {
    let root = message.root_part();
    if root.is_content_type("multipart", "report")
        && root
            .content_type()
            .and_then(|ct| ct.attribute("report-type"))
            .is_some_and(|t| t.eq_ignore_ascii_case("disposition-notification"))
    {
        return Some("multipart/report; report-type=disposition-notification".into());
    }
    if message
        .parts
        .iter()
        .any(|p| p.is_content_type("message", "disposition-notification"))
    {
        return Some("a message/disposition-notification part".into());
    }
    let subject = subject_without_reply_prefixes(&signs.subject);
    RECEIPT_SUBJECT_PREFIXES
        .iter()
        .find(|p| signs.subject.starts_with(*p) || subject.starts_with(*p))
        .map(|p| format!("subject begins with \"{p}\" (a read receipt)"))
}

fn auto_reply(signs: &Signs<'_>) -> Option<String> {
    auto_reply_header(signs)
        .or_else(|| auto_reply_sender(signs))
        .or_else(|| auto_reply_subject(signs))
        .or_else(|| auto_reply_body(signs))
}

fn auto_reply_header(signs: &Signs<'_>) -> Option<String> {
    const FLAGS: [&str; 9] = [
        "x-autoreply",
        "x-autorespond",
        "x-autoresponder",
        "x-autoreply-from",
        "x-mail-autoreply",
        "x-vacation",
        "x-autogenerated",
        "x-auto-reply",
        "x-ms-exchange-inbox-rules-loop",
    ];
    for (name, value) in &signs.headers {
        let value = value.to_ascii_lowercase();
        let negative = ["no", "false", "0", "off"].contains(&value.as_str());
        let found = match name.as_str() {
            "auto-submitted" => !value.starts_with("no") && !value.is_empty(),
            "precedence" => ["bulk", "junk", "list", "auto_reply", "auto-reply"]
                .iter()
                .any(|p| value.starts_with(p)),
            "x-ms-exchange-generated-message-source" => true,
            "x-mailer" | "user-agent" => AUTO_MAILERS.iter().any(|m| value.contains(m)),
            name => FLAGS.contains(&name) && !negative,
        };
        if found {
            return Some(format!("header {name}: {value}"));
        }
    }
    None
}

fn auto_reply_sender(signs: &Signs<'_>) -> Option<String> {
    if signs.null_sender {
        return Some("null sender (Return-Path: <>) and not a bounce".into());
    }
    if let Some(who) = [&signs.from_local, &signs.return_local, &signs.from_name]
        .into_iter()
        .find(|who| MACHINE_SENDERS.contains(&who.as_str()))
    {
        return Some(format!("sent by {who}, a mail system"));
    }
    // Mailing-list software answers from its administrative addresses.
    LIST_SUFFIXES
        .iter()
        .find(|s| signs.from_local.ends_with(*s))
        .map(|s| format!("sent by {}, a list's {s} address", signs.from_local))
}

/// A delivery report or mail-system notice that the bounce reader did not read: still
/// a machine, never a person.
fn mail_system(message: &Message<'_>, signs: &Signs<'_>) -> Option<String> {
    if message.root_part().is_content_type("multipart", "report")
        || message
            .parts
            .iter()
            .any(|p| p.is_content_type("message", "delivery-status"))
    {
        return Some("a delivery report (multipart/report)".into());
    }
    if let Some(name) = ["x-failed-recipients", "x-mailer-daemon-error"]
        .into_iter()
        .find(|name| signs.header(name).is_some())
    {
        return Some(format!("mail-system header {name}"));
    }
    if let Some(name) = MAIL_SYSTEM_NAMES
        .iter()
        .find(|n| signs.from_name.contains(*n))
    {
        return Some(format!("sent by \"{name}\", a mail system"));
    }
    MAIL_SYSTEM_SUBJECTS
        .iter()
        .find(|p| signs.subject.starts_with(*p))
        .map(|p| format!("subject begins with \"{p}\", a mail-system notice"))
}

fn auto_reply_subject(signs: &Signs<'_>) -> Option<String> {
    if let Some(prefix) = AUTO_SUBJECT_PREFIXES
        .iter()
        .find(|p| signs.subject.starts_with(*p))
    {
        return Some(format!("subject begins with \"{prefix}\""));
    }
    first_phrase(&signs.subject, &AUTO_SUBJECT_PHRASES)
        .map(|phrase| format!("subject says \"{phrase}\""))
}

fn auto_reply_body(signs: &Signs<'_>) -> Option<String> {
    if let Some(phrase) = signs.own.first(&SELF_DECLARED) {
        return Some(format!("the text says \"{phrase}\""));
    }
    let phrase = signs.own.first(&OUT_OF_OFFICE)?;
    let phrases = OUT_OF_OFFICE
        .iter()
        .filter(|p| has_phrase(signs.own.text(), p))
        .count();
    let not_a_reply = subject_without_reply_prefixes(&signs.subject).len() == signs.subject.len();
    let hint = signs.machine_hint() || signs.header("x-auto-response-suppress").is_some();
    let short = signs.words() <= 120;
    (short && (phrases >= 2 || hint || not_a_reply) || hint && phrases >= 2)
        .then(|| format!("out-of-office wording \"{phrase}\" ({phrases} such phrases)"))
}

/// The openings clients put before a subject they answer, folded ("Réf. :" is "ref.:").
const REPLY_PREFIXES: [&str; 8] = ["re:", "aw:", "sv:", "ref:", "ref.:", "res:", "r:", "antw:"];
/// The openings of a forward: "Fwd:", Outlook's "TR :" in French, "RV:" in Spanish, "WG:" in
/// German, "ENC:" in Portuguese, "I:" in Italian.
const FORWARD_PREFIXES: [&str; 7] = ["fwd:", "fw:", "tr:", "rv:", "wg:", "enc:", "i:"];

/// Folded `subject` past the openings of `lists`, as often as clients add them.
fn without<'s>(folded: &'s str, lists: &[&[&str]]) -> &'s str {
    let mut subject = folded.trim_start();
    while let Some(p) = lists
        .iter()
        .flat_map(|list| list.iter())
        .find(|p| subject.starts_with(**p))
    {
        subject = subject[p.len()..].trim_start();
    }
    subject
}

/// The subject after any "Re:", "AW:", "TR:", "RV:", "Fwd:" openings.
pub(crate) fn subject_without_reply_prefixes(folded: &str) -> &str {
    without(folded, &[&REPLY_PREFIXES, &FORWARD_PREFIXES])
}

/// Whether folded `subject` opens as a forward, after any "Re:" openings.
pub(crate) fn forwarded_subject(folded: &str) -> bool {
    let rest = without(folded, &[&REPLY_PREFIXES]);
    FORWARD_PREFIXES.iter().any(|p| rest.starts_with(p))
}

#[cfg(test)]
mod tests;
