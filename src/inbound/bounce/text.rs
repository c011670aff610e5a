//! The failed recipients of a bounce written for people (Exim, qmail, Postfix, Exchange, Gmail,
//! Yahoo, Sendmail, Domino, French and Spanish servers), found by how servers lay them out:
//! an address leading its line (`<user@example.org>:`, `  user@example.org`), after
//! `RCPT TO:`, or after words such as "delivered to", with the server's words that follow.

/// A recipient found in a notice, with the lines that explain its failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The address, lowercased.
    pub address: String,
    /// The lines after the address, up to a blank line or the next recipient.
    pub diagnostic: String,
}

/// Words that, ending the text before an address on its line, make it the failed recipient.
const LEADS: &[&str] = &[
    "rcpt to:",
    "delivered to",
    "deliver to",
    "delivery to",
    "message to",
    "recipient:",
    "recipients:",
    "recipient address:",
    "rejected recipient",
    "address:",
    "addressee:",
    "failed:",
    "userid:",
    "attempts:",
    "mailbox",
    // Exchange's X.400 form of the address: `c=US;a= ;p=Org;dda:SMTP=user@example.org;`.
    "smtp=",
    "remis à",
    "destinataire :",
    "destinataire:",
    "destinatario:",
    "entregar a",
    "entregado a",
];

/// Words before an address that make it the address the failed one was expanded from or
/// forwarded to: the one that was sent to, so failed too (checked before the sender words).
const ALIAS_LEADS: &[&str] = &["expanded from:", "expanded from", "generated from"];

/// Words that, in a sentence ending in a colon just before an address, say it is the one
/// that failed ("The following recipients returned permanent errors: …").
const NAMING_WORDS: &[&str] = &["recipient", "address", "destinatari", "destinatario"];

/// Text before an address that means the address is a sender, not a recipient.
const SENDER_LEADS: &[&str] = &["from", "sender", "return-path", "reply-to", "by "];

/// Local parts of the servers' own addresses, never a failed recipient.
const SERVER_LOCALS: &[&str] = &["mailer-daemon", "mail-daemon", "maildaemon"];

/// The failed recipients of `notice`, leaving out `exclude` (the bounce's own addresses).
pub fn recipients(notice: &str, exclude: &[String]) -> Vec<Found> {
    let lines: Vec<&str> = notice.lines().collect();
    let mut strong: Vec<Found> = Vec::new();
    let mut weak: Vec<Found> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        for (start, address) in addresses(line) {
            if exclude.contains(&address) || is_server(&address) {
                continue;
            }
            let before = line[..start].trim().to_lowercase();
            let before = before
                .trim_end_matches(['<', '"', '\'', '(', '['])
                .trim_end();
            let list = match lead(before) {
                Lead::Strong => &mut strong,
                Lead::Weak => &mut weak,
                Lead::No => continue,
            };
            let rest = &line[start..];
            let diagnostic = explanation(rest, &lines[i + 1..], &address);
            add(list, address, diagnostic);
        }
    }
    if strong.is_empty() { weak } else { strong }
}

enum Lead {
    Strong,
    Weak,
    No,
}

fn lead(before: &str) -> Lead {
    let bare = before.trim_start_matches(['*', '-', '•', '>', '#', ' ', '\t']);
    if ALIAS_LEADS.iter().any(|l| before.ends_with(l)) {
        Lead::Strong
    } else if SENDER_LEADS
        .iter()
        .any(|s| before.contains(s) && !before.contains("rcpt to"))
    {
        Lead::No
    } else if bare.is_empty()
        || bare.ends_with(" to")
        || LEADS.iter().any(|l| before.ends_with(l))
        || refusal_code(bare)
        || starts_with_reply_code(bare)
        || bare.ends_with(':') && NAMING_WORDS.iter().any(|w| bare.contains(w))
    {
        Lead::Strong
    } else if bare.ends_with("to:")
        || bare.ends_with(" for")
        || bare.ends_with(':') && bare.len() <= 24
        || bare.ends_with(',') && NAMING_WORDS.iter().any(|w| bare.contains(w))
    {
        Lead::Weak
    } else {
        Lead::No
    }
}

/// Whether `before` is only a refusal's reply code, as Sendmail's transcripts write
/// `554 <user@example.org>... Host unknown` (`<<< 550`, `550 5.1.1` too).
fn refusal_code(before: &str) -> bool {
    let mut words = before.trim_start_matches(['<', ' ']).split_whitespace();
    let reply = words.next().is_some_and(|w| {
        w.len() == 3 && w.starts_with(['4', '5']) && w.bytes().all(|b| b.is_ascii_digit())
    });
    let rest_is_code = words
        .all(|w| w.split('.').count() == 3 && w.chars().all(|c| c.is_ascii_digit() || c == '.'));
    reply && rest_is_code
}

/// Whether `before` is a server's refusal that names the address further on, as in
/// `552 Quota violation for user@example.org`.
fn starts_with_reply_code(before: &str) -> bool {
    before
        .split_whitespace()
        .next()
        .is_some_and(refusal_code)
}

fn add(list: &mut Vec<Found>, address: String, diagnostic: String) {
    match list.iter_mut().find(|f| f.address == address) {
        Some(found) if found.diagnostic.is_empty() => found.diagnostic = diagnostic,
        Some(_) => {}
        None => list.push(Found {
            address,
            diagnostic,
        }),
    }
}

/// The rest of the address's line and the lines after it, up to a blank line or another
/// address-led line, on one line. When the address stands alone in its paragraph (Gmail,
/// DragonFly), the next paragraph explains it.
fn explanation(rest: &str, after: &[&str], address: &str) -> String {
    let first = rest
        .split_once(char::is_whitespace)
        .map_or("", |(_, r)| r)
        .trim_start_matches([':', '>', ' ', '.']);
    let mut words = vec![first.trim()];
    words.extend(paragraph(after, address));
    if words.iter().all(|w| w.is_empty()) {
        let blank = after.iter().take_while(|l| l.trim().is_empty()).count();
        if blank > 0 {
            words.extend(paragraph(&after[blank..], address));
        }
    }
    words.retain(|w| !w.is_empty());
    words.join(" ")
}

/// The lines of `lines` up to a blank line or a line led by another address, at most six.
fn paragraph<'a>(lines: &[&'a str], address: &str) -> Vec<&'a str> {
    let another = |line: &str| {
        addresses(line)
            .first()
            .is_some_and(|(start, found)| *start <= 1 && found != address)
    };
    lines
        .iter()
        .take(6)
        .map(|l| l.trim())
        .take_while(|l| !l.is_empty() && !another(l))
        .collect()
}

fn is_server(address: &str) -> bool {
    let local = address.split('@').next().unwrap_or_default();
    SERVER_LOCALS.contains(&local)
}

/// The addresses in `line`, each with the byte offset where it starts, lowercased.
pub fn addresses(line: &str) -> Vec<(usize, String)> {
    let bytes = line.as_bytes();
    let mut found = Vec::new();
    for (at, _) in line.match_indices('@') {
        let start = bytes[..at]
            .iter()
            .rposition(|b| !is_local_char(*b))
            .map_or(0, |p| p + 1);
        let end = bytes[at + 1..]
            .iter()
            .position(|b| !is_domain_char(*b))
            .map_or(bytes.len(), |p| at + 1 + p);
        let domain = line[at + 1..end].trim_end_matches(['.', '-']);
        // A quote opening the local part is the text's, not the address's ('user@example.org').
        let mut start = start;
        if line[start..at].len() > 5 && line[start..start + 5].eq_ignore_ascii_case("smtp=") {
            start += 5;
        }
        let local = line[start..at].trim_start_matches(['\'', '`']);
        if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') {
            found.push((start, format!("{local}@{domain}").to_lowercase()));
        }
    }
    found
}

fn is_local_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"._%+-=!#$&'*/?^`{|}~".contains(&b)
}

fn is_domain_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'-'
}
