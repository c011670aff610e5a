//! Attendees written in a line: one per line in a list ("Ana Pérez – Deputy Mayor –
//! ana@x.org", "Ana Pérez, Deputy Mayor (ana@x.org)") or in a sentence ("… and her
//! adviser Luis Ortiz, Head of Data (luis.ortiz@x.org), will attend").
//!
//! Each email address anchors one attendee: the words before it, back to the previous
//! address or the start of the sentence, hold the name and the position.

use super::person::{
    clean_name, clean_position, emails, is_name, is_position_like, trailing_name,
};
use crate::replies::Attendee;
use crate::replies::words::sentences;

/// The attendees named in the lines of `body`.
pub fn attendees(body: &str) -> Vec<Attendee> {
    let mut found: Vec<Attendee> = Vec::new();
    for line in body.lines() {
        let mut from = 0;
        let mut last_email = String::new();
        let anchored = emails(line);
        for (start, end, email) in &anchored {
            let clause = &line[from..*start];
            from = *end;
            if email.eq_ignore_ascii_case(&last_email) {
                continue; // "ana@x.org <mailto:ana@x.org>"
            }
            last_email.clone_from(email);
            if let Some(mut attendee) = in_clause(clause) {
                attendee.email.clone_from(email);
                found.push(attendee);
            }
        }
        if anchored.is_empty() {
            found.extend(without_email(line));
        }
    }
    found
}

/// The name and position in the words before an email address.
fn in_clause(clause: &str) -> Option<Attendee> {
    let sentence = sentences(clause).pop()?;
    let segments = segments(&sentence);
    // The name nearest the address: what lies between them is the position.
    let named = segments
        .iter()
        .rposition(|s| trailing_name(s).is_some_and(|n| !is_position_like(&n)))?;
    let name = trailing_name(&segments[named])?;
    let after: Vec<String> = segments[named + 1..]
        .iter()
        .map(|s| clean_position(s))
        .filter(|s| !s.is_empty())
        .collect();
    let mut position = after.join(", ");
    if position.is_empty() && named > 0 {
        // "our Chief Digital Officer, Ravi Patel, ravi.patel@…"
        position = trailing_name(&segments[named - 1])
            .filter(|p| is_position_like(p))
            .unwrap_or_default();
    }
    Some(Attendee {
        name,
        position,
        email: String::new(),
    })
}

/// The parts of a clause: between spaced dashes or bars when it has them, else between
/// commas and parentheses.
fn segments(clause: &str) -> Vec<String> {
    const DASHES: [&str; 4] = [" - ", " – ", " — ", " | "];
    let parts: Vec<String> = if DASHES.iter().any(|d| clause.contains(d)) {
        let mut parts = vec![clause.to_owned()];
        for dash in DASHES {
            parts = parts
                .iter()
                .flat_map(|p| p.split(dash).map(str::to_owned).collect::<Vec<_>>())
                .collect();
        }
        parts
    } else {
        clause
            .split([',', '(', ')'])
            .map(str::to_owned)
            .collect()
    };
    parts
        .into_iter()
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.trim_matches(|c: char| !c.is_alphanumeric()).is_empty())
        .collect()
}

/// A list item without an address: "- Ana Pérez, Deputy Mayor", "Ana Pérez – Deputy Mayor".
fn without_email(line: &str) -> Option<Attendee> {
    let trimmed = line.trim();
    let item = trimmed
        .strip_prefix(['-', '*', '•'])
        .or_else(|| {
            let digits = trimmed.trim_start_matches(|c: char| c.is_ascii_digit());
            (digits.len() < trimmed.len())
                .then(|| digits.strip_prefix(['.', ')']))
                .flatten()
        })
        .map(str::trim);
    let dashed = [" - ", " – ", " — "].iter().any(|d| trimmed.contains(d));
    let text = item.unwrap_or(trimmed);
    if item.is_none() && !dashed {
        return None;
    }
    let parts = segments(text);
    let (first, rest) = parts.split_first()?;
    let position = clean_position(&rest.join(", "));
    (is_name(first) && !rest.is_empty() && is_position_like(&position)).then(|| Attendee {
        name: clean_name(first),
        position,
        email: String::new(),
    })
}
