//! Reading a message as a bounce: the RFC 3464 report when there is one, the notice's text
//! otherwise, and the verdict for each recipient.

use mail_parser::{Message, MimeHeaders, PartType};

use super::original::{self, Original};
use super::{BounceKind, Failed, Report, delay, dsn, sieve, signs, status, text};

/// The text a person would read, split at the returned original.
struct Notice {
    text: String,
    lower: String,
    after: String,
}

impl Notice {
    fn of(message: &Message<'_>) -> Notice {
        let mut body = String::new();
        for i in 0..message.text_body_count().min(4) {
            if let Some(text) = message.body_text(i) {
                body.push_str(&text);
                body.push('\n');
            }
        }
        if body.trim().is_empty() {
            body = message
                .body_html(0)
                .map(|h| h.into_owned())
                .unwrap_or_default();
        }
        if body.trim().is_empty() {
            // Broken MIME (a boundary the body never uses) leaves no parts: read the raw body.
            let raw = message.raw_message();
            let start = (message.root_part().raw_body_offset() as usize).min(raw.len());
            body = String::from_utf8_lossy(&raw[start..]).into_owned();
        }
        let end = signs::notice_end(&body);
        let after = body.split_off(end);
        Notice {
            lower: body.to_lowercase(),
            text: body,
            after,
        }
    }
}

pub fn read(message: &Message<'_>) -> Option<Report> {
    let report_type = report_type(message);
    // Feedback reports (ARF) are reports, but not bounces; so are read receipts (MDN),
    // except the one a Sieve `reject` sends (RFC 5429): automatic, "deleted".
    let disposition = report_type
        .as_deref()
        .is_some_and(|t| t.contains("disposition"));
    if report_type
        .as_deref()
        .is_some_and(|t| t.contains("feedback"))
    {
        return None;
    }
    let notice = Notice::of(message);
    let original = || original::find(message, &notice.after);
    if disposition {
        let blocks = sieve::rejected(message);
        return (!blocks.is_empty())
            .then(|| from_dsn(&blocks, &notice, original(), "sieve-reject"))
            .flatten();
    }
    // A person forwarding a bounce (to ask what it means) writes to us: not a bounce.
    if report_type.is_none()
        && !signs::from_server(message)
        && message.subject().is_some_and(signs::forwarded)
    {
        return None;
    }
    let mut blocks = delivery_status(message);
    if blocks.is_empty() && notice.lower.contains("final-recipient:") {
        blocks = dsn::recipients(&notice.text);
    }
    if !blocks.is_empty() {
        return from_dsn(&blocks, &notice, original(), "rfc3464");
    }
    let report = report_type.is_some_and(|t| t.contains("delivery-status"));
    if (report || signs::from_server(message))
        && let Some(carried) = carried_report(message)
    {
        return Some(carried);
    }
    from_text(message, &notice, original, report)
}

/// A delivery report a server sent on as an attachment (some Exchange gateways wrap the
/// report in a message of their own): read as the bounce it is. Only for a server's
/// message, never a person forwarding a bounce.
fn carried_report(message: &Message<'_>) -> Option<Report> {
    message.parts.iter().find_map(|part| match &part.body {
        PartType::Message(inner) if !delivery_status(inner).is_empty() => read(inner),
        _ => None,
    })
}

fn report_type(message: &Message<'_>) -> Option<String> {
    let ct = message.content_type()?;
    let report = ct.ctype().eq_ignore_ascii_case("multipart")
        && ct
            .subtype()
            .is_some_and(|s| s.eq_ignore_ascii_case("report"));
    report.then(|| {
        ct.attribute("report-type")
            .unwrap_or_default()
            .to_lowercase()
    })
}

/// The per-recipient blocks of every `message/delivery-status` part.
fn delivery_status(message: &Message<'_>) -> Vec<dsn::Recipient> {
    message
        .parts
        .iter()
        .filter(|part| {
            part.content_type().is_some_and(|ct| {
                ct.subtype()
                    .is_some_and(|s| s.to_ascii_lowercase().ends_with("delivery-status"))
            })
        })
        .flat_map(|part| dsn::recipients(&String::from_utf8_lossy(part.contents())))
        .collect()
}

fn from_dsn(
    blocks: &[dsn::Recipient],
    notice: &Notice,
    original: Original,
    format: &'static str,
) -> Option<Report> {
    let failing: Vec<&dsn::Recipient> = blocks.iter().filter(|b| !b.succeeded()).collect();
    if failing.is_empty() {
        return None;
    }
    let delayed = failing.iter().all(|b| b.delayed())
        || failing.iter().all(|b| b.action.is_none()) && delay::only_delayed(&notice.lower);
    let mut failed: Vec<Failed> = Vec::new();
    // A report without Diagnostic-Code often explains each recipient in its text part.
    let explained = text::recipients(&notice.text, &[]);
    for block in failing {
        if failed.iter().any(|f| f.address == block.address) {
            continue;
        }
        let from_text = || {
            explained
                .iter()
                .find(|f| f.address == block.address)
                .map(|f| f.diagnostic.as_str())
        };
        // The server's own words first; the text's guess only after the status code.
        let (words, context) = match block.diagnostic.as_deref() {
            Some(words) => (words, String::new()),
            None => ("", from_text().unwrap_or_default().to_lowercase()),
        };
        let status = block.status.as_deref();
        let hard = status::is_hard(status, words, &[&context, &notice.lower]);
        failed.push(Failed {
            address: block.address.clone(),
            hard: !block.delayed() && hard,
            status: block.status.clone(),
            diagnostic: block.diagnostic.clone(),
        });
    }
    let reason = format!("delivery-status report for {} recipient(s)", failed.len());
    let kind = kind(&failed, delayed, notice);
    Some(report(failed, kind, original, format, reason))
}

/// A bounce written for people: a server's sentence with a server's sign (its sender, a
/// bounce's subject, a report's type, `X-Failed-Recipients`), or, without such a sentence,
/// a server quoting a refusal or returning the message to recipients it names.
fn from_text(
    message: &Message<'_>,
    notice: &Notice,
    original: impl FnOnce() -> Original,
    a_report: bool,
) -> Option<Report> {
    let sender = signs::from_server(message) || a_report;
    let subject = message.subject().is_some_and(signs::subject_says_bounce);
    let header_recipients = failed_recipients_header(message);
    // A person's message (most of what comes back) has none of a server's signs: no
    // need to read its text as a notice.
    if !sender && !subject && header_recipients.is_empty() {
        return None;
    }
    let original = original();
    let sentence = signs::sentence(&notice.lower);
    let exclude = own_addresses(message, &original);
    let found = text::recipients(&notice.text, &exclude);
    let reason = match sentence {
        Some((phrase, _)) => (sender || subject || !header_recipients.is_empty())
            .then(|| format!("the notice says \"{phrase}\"")),
        None if !sender => None,
        None if subject => Some("sent by a mail server with a bounce's subject".to_string()),
        None if status::smtp_error(&notice.lower) => {
            Some("sent by a mail server quoting a refusal".to_string())
        }
        None => (original.returned && !found.is_empty())
            .then(|| "a mail server returned the message to the addresses it names".to_string()),
    }?;
    let found = with_header_and_original(found, header_recipients, &original, &exclude);
    let delayed = delay::only_delayed(&notice.lower);
    let failed = found
        .into_iter()
        .map(|f| failed_in_text(f, notice, delayed))
        .collect::<Vec<_>>();
    let kind = kind(&failed, delayed, notice);
    let format = sentence.map_or("text", |(_, format)| format);
    Some(report(failed, kind, original, format, reason))
}

/// The recipients found in the text, narrowed to `X-Failed-Recipients` when the server
/// names them there, else the returned message's own `To:` when nothing names them.
fn with_header_and_original(
    mut found: Vec<text::Found>,
    header: Vec<String>,
    original: &Original,
    exclude: &[String],
) -> Vec<text::Found> {
    let bare = |address: String| text::Found {
        address,
        diagnostic: String::new(),
    };
    if !header.is_empty() {
        found.retain(|f| header.contains(&f.address));
        for address in header {
            if !found.iter().any(|f| f.address == address) {
                found.push(bare(address));
            }
        }
    } else if found.is_empty()
        && let Some(to) = original.to.clone().filter(|to| !exclude.contains(to))
    {
        found.push(bare(to));
    }
    found
}

/// A recipient of a notice written for people, with its code and verdict.
fn failed_in_text(found: text::Found, notice: &Notice, delayed: bool) -> Failed {
    let code = status::enhanced_code(&found.diagnostic)
        .or_else(|| status::enhanced_code(&notice.text).filter(|_| found.diagnostic.is_empty()));
    let hard = !delayed && hard(code.as_deref(), &found.diagnostic, notice);
    Failed {
        address: found.address,
        hard,
        status: code,
        diagnostic: (!found.diagnostic.is_empty()).then_some(found.diagnostic),
    }
}

/// Hard or soft from the recipient's own words first, then from the whole notice.
fn hard(code: Option<&str>, words: &str, notice: &Notice) -> bool {
    status::is_hard(code, words, &[&notice.lower])
}

/// Hard when any recipient is; with no recipient found, what the notice says as a whole.
fn kind(failed: &[Failed], delayed: bool, notice: &Notice) -> BounceKind {
    let hard = if failed.is_empty() {
        hard(status::enhanced_code(&notice.text).as_deref(), "", notice)
    } else {
        failed.iter().any(|f| f.hard)
    };
    match (delayed, hard) {
        (true, _) => BounceKind::Delay,
        (false, true) => BounceKind::Hard,
        (false, false) => BounceKind::Soft,
    }
}

fn report(
    failed: Vec<Failed>,
    kind: BounceKind,
    original: Original,
    format: &'static str,
    reason: String,
) -> Report {
    Report {
        kind,
        failed,
        original_message_id: original.message_id,
        original_to: original.to,
        format,
        reason,
    }
}

/// Exim's `X-Failed-Recipients` header, lowercased.
fn failed_recipients_header(message: &Message<'_>) -> Vec<String> {
    message
        .header_raw("X-Failed-Recipients")
        .map(|v| text::addresses(v).into_iter().map(|(_, a)| a).collect())
        .unwrap_or_default()
}

/// The bounce's sender and recipient (the original's sender), never a failed recipient.
fn own_addresses(message: &Message<'_>, original: &Original) -> Vec<String> {
    let mut own: Vec<String> = [message.from(), message.to()]
        .into_iter()
        .flatten()
        .flat_map(|a| a.iter())
        .filter_map(|a| a.address())
        .map(str::to_lowercase)
        .collect();
    own.extend(original.from.clone());
    own
}
