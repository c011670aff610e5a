//! Attendees written in a line: one per line in a list ("Ana Pérez – Deputy Mayor –
//! ana@x.org", "Ana Pérez, Deputy Mayor (ana@x.org)") or in a sentence ("our deputy mayor
//! Ana Pérez and her adviser Luis Ortiz (luis.ortiz@x.org) will attend").
//!
//! Each email address anchors one attendee: the words before it, back to the previous
//! address or the start of the sentence, hold the name and the position. Names without an
//! address count in a sentence that says they come.

use super::person::{
    clean_name, clean_position, emails, is_name, is_position_like, is_title, names_in,
    position_before, split_name,
};
use crate::inbound::read::fold;
use crate::replies::Attendee;
use crate::replies::signals::says_attending;
use crate::replies::words::sentences;

/// The attendees named in the lines of `body`, and whether one of them was a line of its
/// own (a list).
pub fn attendees(body: &str) -> (Vec<Attendee>, bool) {
    let mut found: Vec<Attendee> = Vec::new();
    let mut listed = false;
    for line in body.lines() {
        let anchored = emails(line);
        if anchored.is_empty() {
            let item = without_email(line);
            listed |= item.is_some();
            found.extend(item);
            for sentence in sentences(line) {
                if says_attending(&sentence) {
                    found.extend(unaddressed(&sentence));
                }
            }
            continue;
        }
        let mut from = 0;
        let mut last_email = String::new();
        for (start, end, email) in &anchored {
            let clause = &line[from..*start];
            from = *end;
            if email.eq_ignore_ascii_case(&last_email) {
                continue; // "ana@x.org <mailto:ana@x.org>"
            }
            last_email.clone_from(email);
            let attendees = in_clause(clause, email);
            listed |= attendees.len() == 1 && is_item(clause, &attendees[0].name);
            found.extend(attendees);
        }
    }
    (found, listed)
}

/// Whether `clause` opens with `name`, after list marks and a title: a line of a list.
fn is_item(clause: &str, name: &str) -> bool {
    let words: Vec<&str> = clause
        .split_whitespace()
        .skip_while(|w| {
            w.chars().all(|c| !c.is_alphabetic()) || is_title(w) || w.ends_with(['.', ')']) && w.len() <= 3
        })
        .collect();
    words.join(" ").starts_with(name)
}

/// The attendee whose address is `email`, with the name and position in the words before
/// it; and the people named with them ("Ana Pérez and Luis Ortiz (luis@…)").
fn in_clause(clause: &str, email: &str) -> Vec<Attendee> {
    let Some(sentence) = sentences(clause).pop() else {
        return Vec::new();
    };
    let segments = segments(&sentence);
    // The name nearest the address: what lies between them is the position.
    let Some(named) = segments
        .iter()
        .rposition(|s| split_name(s).is_some_and(|(_, n)| !is_position_like(&n)))
    else {
        return Vec::new();
    };
    let Some((before, name)) = split_name(&segments[named]) else {
        return Vec::new();
    };
    let after: Vec<String> = segments[named + 1..]
        .iter()
        .map(|s| clean_position(s))
        .filter(|s| !s.is_empty())
        .collect();
    let mut position = after.join(", ");
    if position.is_empty() {
        position = position_before(&before);
    }
    if position.is_empty() && named > 0 {
        // "our Chief Digital Officer, Ravi Patel, ravi.patel@…"
        position = split_name(&segments[named - 1])
            .map(|(_, p)| p)
            .filter(|p| is_position_like(p))
            .unwrap_or_default();
    }
    let mut found = unaddressed(&before);
    found.push(Attendee {
        name,
        position,
        email: email.to_owned(),
    });
    found
}

/// People named without an address, each with the position said before the name.
fn unaddressed(text: &str) -> Vec<Attendee> {
    const ON_BEHALF: &[&str] = &["behalf of", "part de", "nom de", "nombre de", "nombre del"];
    if !text.chars().any(char::is_lowercase) {
        return Vec::new(); // in capitals, names cannot be told from other words
    }
    names_in(text)
        .into_iter()
        .filter(|(before, _)| {
            let before = fold(before);
            !ON_BEHALF.iter().any(|p| before.contains(p))
        })
        .map(|(before, name)| Attendee {
            position: position_before(&before),
            name,
            email: String::new(),
        })
        .collect()
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
        clause.split([',', '(', ')']).map(str::to_owned).collect()
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
