//! The pieces of an attendee as written: an email address, a person's name (without the
//! courtesy title), a position.

use super::lexicon::{COMMON, capitalised, elided, is_particle, is_position_like, is_title};
use crate::inbound::read::fold;

/// The email addresses in `text`, as written (without `mailto:`, brackets or a final stop),
/// with where each token starts and ends.
pub fn emails(text: &str) -> Vec<(usize, usize, String)> {
    let mut found = Vec::new();
    let mut start = None;
    let delimiter = |c: char| c.is_whitespace() || "<>()[],;\"'".contains(c);
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        match (delimiter(c), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                if let Some(email) = clean_email(&text[s..i]) {
                    found.push((s, i, email));
                }
                start = None;
            }
            _ => {}
        }
    }
    found
}

/// `token` as an email address, if it is one.
pub fn clean_email(token: &str) -> Option<String> {
    let token = token.trim();
    let token = token
        .strip_prefix("mailto:")
        .or_else(|| token.strip_prefix("MAILTO:"))
        .unwrap_or(token);
    let token = token.trim_matches(|c: char| "<>()[]".contains(c));
    let token = token.trim_end_matches(['.', ',', ';', ':', '!', '?']);
    let (local, domain) = token.split_once('@')?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@');
    ok.then(|| token.to_owned())
}

/// `text` without a leading courtesy title and list punctuation.
pub fn clean_name(text: &str) -> String {
    let mut words: Vec<&str> = text
        .trim_matches(|c: char| c.is_whitespace() || ",;:-–—*•".contains(c))
        .split_whitespace()
        .collect();
    while words.len() > 1 && is_title(words[0]) {
        words.remove(0);
    }
    let mut name = words.join(" ");
    // A sentence's full stop, not an initial's ("Camila Muñoz S.").
    if name.ends_with('.') && name.chars().rev().nth(1).is_some_and(char::is_lowercase) {
        name.pop();
    }
    name
}

/// Possessives that open a position in a sentence ("our deputy mayor"), followed by a space.
const POSSESSIVES: &[&str] = &[
    "our ", "my ", "their ", "his ", "her ", "notre ", "nos ", "mon ", "ma ", "sa ", "son ",
    "nuestro ", "nuestra ", "mi ", "su ",
];

/// Whether `text` opens with "our", "my", "notre", "nuestra" and the like.
pub fn opens_with_possessive(text: &str) -> bool {
    after_opening(text.trim_start(), POSSESSIVES).is_some()
}

/// What follows the first of `openings` that opens `text`, in any case.
fn after_opening<'a>(text: &'a str, openings: &[&str]) -> Option<&'a str> {
    openings.iter().find_map(|opening| {
        text.get(..opening.len())
            .filter(|head| head.eq_ignore_ascii_case(opening))
            .map(|_| &text[opening.len()..])
    })
}

/// Words that introduce an address, left at the end of a position ("…, con correo").
const EMAIL_LABELS: &[&str] = &[
    "a l'adresse electronique",
    "a l'adresse",
    "cuyo correo electronico es",
    "cuyo correo es",
    "cuyo mail es",
    "whose mail is",
    "whose email is",
    "whose e-mail is",
    "whose address is",
    "dont l'adresse est",
    "adresse",
    "reachable at",
    "joignable a",
    "con correo electronico",
    "con correo",
    "correo electronico",
    "correo",
    "email",
    "e-mail",
    "mail",
    "courriel",
    "adresse electronique",
    "with email",
    "at",
];

/// `text` without list punctuation at its ends, nor a bracket at an end that none
/// matches: "(Deputy Mayor)" is "Deputy Mayor", "Head (E-Services)" stays whole.
fn balanced(text: &str) -> &str {
    let mut text = text;
    loop {
        let opened = text.matches('(').count();
        let closed = text.matches(')').count();
        let wrapped = text.starts_with('(')
            && text.ends_with(')')
            && text[1..].find(')') == Some(text.len() - 2);
        let trimmed = if wrapped {
            &text[1..text.len() - 1]
        } else if text.starts_with('(') && opened > closed {
            &text[1..]
        } else if text.ends_with(')') && closed > opened {
            &text[..text.len() - 1]
        } else {
            return text;
        };
        text = trimmed.trim_matches(|c: char| c.is_whitespace() || ",;:-–—|/<>".contains(c));
    }
}

/// A position as written, without list punctuation or an email label left at its end.
pub fn clean_position(text: &str) -> String {
    /// Words of a remark in brackets about something else than the position.
    const REMARKS: &[&str] = &[
        "mail",
        "correo",
        "courriel",
        "confirm",
        "tbc",
        "tbd",
        "pendiente",
        "later",
        "plus tard",
        "myself",
        "moi-meme",
        "yo mismo",
        "yo misma",
        "joignable",
        "reachable",
        "contactable",
        "localizable",
    ];
    let mut position =
        balanced(text.trim_matches(|c: char| c.is_whitespace() || ",;:-–—|/<>".contains(c)))
            .to_owned();
    // "Asesor Jurídico (correo por confirmar)", "Head (she can only join on day 2)".
    // "Analista de Datos (Big Data), correo por confirmar": a remark after the last comma.
    if let Some((kept, last)) = position.rsplit_once(", ")
        && !last.contains('(')
        && REMARKS.iter().any(|r| fold(last).contains(r))
        && !is_position_like(last)
    {
        position = kept.to_owned();
    }
    if let Some(open) = position.rfind('(')
        && position.ends_with(')')
    {
        let inside = position[open + 1..].trim();
        let remark = fold(inside);
        let sentence = inside.starts_with(char::is_lowercase) && remark.split(' ').count() >= 3;
        if sentence || REMARKS.iter().any(|r| remark.contains(r)) {
            position.truncate(open);
            position = position
                .trim_end_matches(|c: char| c.is_whitespace() || ",;:-–—|".contains(c))
                .to_owned();
        }
    }
    // "who is our Open Data Programme Coordinator": the relative is the sentence's.
    const RELATIVES: &[&str] = &["who is ", "who's ", "qui est ", "quien es ", "que es "];
    if let Some(rest) = after_opening(&position, RELATIVES) {
        position = rest.to_owned();
    }
    // "our Manager for Open Data": the possessive is the sentence's, not the position's.
    if opens_with_possessive(&position)
        && let Some((_, rest)) = position.split_once(' ')
        && rest.contains(char::is_alphabetic)
    {
        position = rest.to_owned();
    }
    // A final full stop after a word, not after an abbreviation ("D.C.").
    if position.ends_with('.')
        && position
            .chars()
            .rev()
            .nth(1)
            .is_some_and(char::is_lowercase)
    {
        position.pop();
    }
    for label in EMAIL_LABELS {
        let folded = fold(&position);
        if folded == *label {
            return String::new();
        }
        if let Some(stem) = folded.strip_suffix(label)
            && stem.ends_with([' ', ','])
        {
            let keep = position.chars().count() - label.chars().count();
            position = position.chars().take(keep).collect();
            position = position.trim_end_matches([' ', ',', ':']).to_owned();
        }
    }
    position
}

/// Whether `text` is a person's name alone: two to six words, capitalised or particles.
pub fn is_name(text: &str) -> bool {
    let name = clean_name(text);
    let words: Vec<&str> = name.split_whitespace().collect();
    // Not "Thanks Zoë", "Dear Ana".
    let opens_a_sentence = words
        .first()
        .is_some_and(|w| COMMON.contains(&fold(w).as_str()));
    (2..=6).contains(&words.len())
        && !opens_a_sentence
        && words
            .iter()
            .all(|w| capitalised(w) || is_particle(w) || elided(w))
        && !name.contains(['@', ':', ';', ','])
        && !name.chars().any(|c| c.is_ascii_digit())
        && !is_position_like(&name)
}
