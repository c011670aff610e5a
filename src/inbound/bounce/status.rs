//! From a status code and the server's words to hard or soft.
//!
//! "Hard" means the address itself failed for good: no such user, no such domain, moved, or a
//! mailbox disabled or closed; sending to it again cannot succeed. Everything else a server
//! refuses for (a full mailbox, spam, content or policy blocks, rate limits, size, timeouts,
//! anything it calls temporary) is soft, even with a 5xx code: the address may be fine. See
//! the README, "Accuracy on mail written by others".

use super::words::{HARD, NOT_THE_ADDRESS, SOFT};

/// Whether a failure is hard, from its status code, the server's diagnostic for the
/// recipient and, weaker, other words (`context`, lowercased: the lines of the notice about
/// the recipient, then the notice as a whole).
///
/// The server calling it temporary (4.x.x) makes it soft; then the server's words (about
/// anything but the address: soft; saying the address does not exist or is disabled:
/// hard), then a status code that says which, then the context's words in order. Without
/// evidence that the address failed it is soft: a hard bounce suppresses a member, so a
/// doubt must not.
pub fn is_hard(status: Option<&str>, diagnostic: &str, context: &[&str]) -> bool {
    let own = diagnostic.to_lowercase();
    let class = status.or_else(|| smtp_code(&own));
    if class.is_some_and(|c| c.starts_with('4')) {
        return false;
    }
    // 521 and 556 (RFC 7504): the domain accepts no mail at all, unless the words say the
    // refusal is about the sender ("521 5.7.1 blocked using a DNSBL").
    let no_mail = smtp_code(&own).is_some_and(|c| c == "521" || c == "556");
    first_reply(&own)
        .and_then(by_words)
        .or_else(|| by_words(&own))
        .or(no_mail.then_some(true))
        .or_else(|| status.and_then(hard_by_code))
        .or_else(|| context.iter().find_map(|words| by_words(words)))
        .unwrap_or(false)
}

/// The server's first reply when the diagnostic starts with one (`<<< 550 … User unknown`),
/// up to the next reply: a transcript's answer about the recipient, before the lines of
/// whatever was tried after it.
fn first_reply(diagnostic: &str) -> Option<&str> {
    let reply = diagnostic.trim_start_matches(['<', ' ']);
    let code = smtp_code(reply)?;
    if !reply.starts_with(code) {
        return None;
    }
    let rest = &reply[3..];
    let next = smtp_code(rest).map_or(rest.len(), |c| c.as_ptr() as usize - rest.as_ptr() as usize);
    Some(&reply[..3 + next])
}

/// What the words say: `Some(false)` for a refusal that is not about the address,
/// `Some(true)` for an address that does not exist, `None` when they say neither.
fn by_words(words: &str) -> Option<bool> {
    let any = |list: &[&str]| list.iter().any(|w| words.contains(w));
    if any(NOT_THE_ADDRESS) || any(SOFT) {
        Some(false)
    } else if any(HARD) {
        Some(true)
    } else {
        None
    }
}

/// The meaning of an enhanced status code (RFC 3463) alone, when it says hard or soft.
fn hard_by_code(code: &str) -> Option<bool> {
    let mut parts = code.split('.');
    let class = parts.next().unwrap_or_default();
    let subject = parts.next().unwrap_or_default();
    let detail = parts.next().unwrap_or_default();
    if class != "5" {
        return Some(false);
    }
    match (subject, detail) {
        // Addressing: bad mailbox, bad destination system, bad syntax, moved (5.1.1-5.1.6,
        // 5.1.10); 5.1.0 says nothing more than "address".
        ("1", "7" | "8") => Some(false),
        ("1", "0") => None,
        ("1", _) => Some(true),
        // Mailbox: disabled (5.2.1) is hard; full, too large, list expansion are soft.
        ("2", "1") => Some(true),
        ("2", "0") => None,
        ("2", _) => Some(false),
        // 5.4.4 is "unable to route": the domain has no mail host.
        ("4", "4") => Some(true),
        // Message content (5.6.x) and security or policy (5.7.x): the address may be fine.
        ("3", "4") | ("6" | "7", _) => Some(false),
        _ => None,
    }
}

/// The first enhanced status code (`5.1.1`, `4.2.2`) in `text`.
pub fn enhanced_code(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    (0..bytes.len()).find_map(|start| code_at(bytes, start))
}

fn code_at(bytes: &[u8], start: usize) -> Option<String> {
    let class = *bytes.get(start)?;
    if !matches!(class, b'2' | b'4' | b'5') || start > 0 && is_code_char(bytes[start - 1]) {
        return None;
    }
    let mut end = start + 1;
    // The subject and the detail: one to three digits each.
    for _ in 0..2 {
        if bytes.get(end) != Some(&b'.') {
            return None;
        }
        let digits = bytes[end + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 || digits > 3 {
            return None;
        }
        end += 1 + digits;
    }
    if bytes.get(end).is_some_and(|b| is_code_char(*b)) {
        return None;
    }
    std::str::from_utf8(&bytes[start..end])
        .ok()
        .map(str::to_string)
}

fn is_code_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.'
}

/// The first three-digit SMTP reply code (`550`, `452`) standing alone in `text`.
pub fn smtp_code(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(2)).find_map(|i| {
        let code = &bytes[i..i + 3];
        let alone_before = i == 0 || !bytes[i - 1].is_ascii_alphanumeric() && bytes[i - 1] != b'.';
        let alone_after = bytes
            .get(i + 3)
            .is_none_or(|b| matches!(b, b' ' | b'-' | b'\t' | b'\n' | b'\r' | b')'));
        let reply =
            matches!(code[0], b'4' | b'5') && code[1].is_ascii_digit() && code[2].is_ascii_digit();
        (reply && alone_before && alone_after).then(|| &text[i..i + 3])
    })
}

/// Whether `text` (lowercased) quotes a server's refusal: a 4xx/5xx reply or an enhanced
/// code, with words saying what went wrong.
pub fn smtp_error(text: &str) -> bool {
    let code =
        smtp_code(text).is_some() || enhanced_code(text).is_some_and(|c| !c.starts_with('2'));
    code && by_words(text).is_some()
}
