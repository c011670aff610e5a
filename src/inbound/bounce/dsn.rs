//! The machine-readable part of an RFC 3464 report: a block of per-message fields, then one
//! block per recipient (`Final-Recipient`, `Action`, `Status`, `Diagnostic-Code`).
//!
//! mail-parser hands `message/delivery-status` over as bytes, so the blocks are read here with
//! a small field reader: it accepts folded lines, any case, CRLF or LF, and ignores the rest.

/// What one per-recipient block says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recipient {
    /// `Original-Recipient`, else `Final-Recipient`, lowercased, without `rfc822;` or `<>`.
    pub address: String,
    /// `Action`, lowercased (`failed`, `delayed`, `delivered`, …), when given.
    pub action: Option<String>,
    /// The enhanced code of `Status`, when it holds one.
    pub status: Option<String>,
    /// `Diagnostic-Code` without its type (`smtp;`), on one line.
    pub diagnostic: Option<String>,
}

impl Recipient {
    /// Whether the server says it is still trying for this recipient.
    pub fn delayed(&self) -> bool {
        match self.action.as_deref() {
            Some(action) => action.starts_with("delay"),
            None => false,
        }
    }

    /// Whether the block reports a success (delivered, relayed, expanded, a 2.x.x status),
    /// not a failure.
    pub fn succeeded(&self) -> bool {
        matches!(
            self.action.as_deref(),
            Some("delivered" | "relayed" | "expanded" | "deliverable")
        ) || self.status.as_deref().is_some_and(|s| s.starts_with('2'))
    }
}

/// The per-recipient blocks of a delivery-status text.
pub fn recipients(text: &str) -> Vec<Recipient> {
    blocks(text)
        .into_iter()
        .filter_map(|fields| recipient(&fields))
        .collect()
}

fn recipient(fields: &[(String, String)]) -> Option<Recipient> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    // The address as it was sent to comes first: the final one may be an alias's target.
    let address = field("original-recipient")
        .and_then(|v| address_of(&v))
        .or_else(|| field("final-recipient").and_then(|v| address_of(&v)))
        .or_else(|| field("x-actual-recipient").and_then(|v| address_of(&v)))?;
    let diagnostic = field("diagnostic-code").map(|v| without_type(&v).to_string());
    let status = field("status")
        .and_then(|s| super::status::enhanced_code(&s))
        .or_else(|| diagnostic.as_deref().and_then(super::status::enhanced_code));
    Some(Recipient {
        address,
        action: field("action").map(|a| a.to_lowercase()),
        status,
        diagnostic,
    })
}

/// `rfc822; <User@Example.org>` → `user@example.org`; `None` when no address is left or its
/// domain is a host's own name (`user@sims-ms-daemon`).
fn address_of(value: &str) -> Option<String> {
    let address = without_type(value)
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_lowercase();
    let domain = address.split_once('@').map_or("", |(_, d)| d);
    domain.contains('.').then_some(address)
}

/// The value after an RFC 3464 type prefix (`rfc822;`, `smtp;`, `X-Postfix;`).
fn without_type(value: &str) -> &str {
    match value.split_once(';') {
        Some((kind, rest)) if !kind.contains(' ') && !kind.contains('@') => rest.trim(),
        _ => value.trim(),
    }
}

/// The field blocks of `text`, each as (lowercased name, unfolded value) pairs.
fn blocks(text: &str) -> Vec<Vec<(String, String)>> {
    let mut blocks = Vec::new();
    let mut current: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            if !current.is_empty() {
                blocks.push(std::mem::take(&mut current));
            }
        } else if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = current.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            let name = name.trim().to_lowercase();
            // Some servers put every recipient in one block: a repeated field starts the next.
            if name.ends_with("-recipient") && current.iter().any(|(n, _)| *n == name) {
                blocks.push(std::mem::take(&mut current));
            }
            current.push((name, value.trim().to_string()));
        }
    }
    if !current.is_empty() {
        blocks.push(current);
    }
    blocks
}
