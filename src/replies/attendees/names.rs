//! Names in running text: the name that ends a phrase, every name in a sentence, and the
//! position said just before a name.

use super::lexicon::{COMMON, STOPS, capitalised, elided, is_particle, is_position_like, is_title};
use super::person::clean_name;
use crate::inbound::read::fold;

/// The words before the name that ends `text` (titles left out), and the name.
pub fn split_name(text: &str) -> Option<(String, String)> {
    if text.trim_end().ends_with(':') {
        return None; // "Addressed To:", "Contact person:": a label, not a name
    }
    let words: Vec<&str> = text
        .trim_end_matches(|c: char| c.is_whitespace() || ",;:<([".contains(c))
        .split_whitespace()
        .collect();
    let mut start = words.len();
    while start > 0
        && start + 6 > words.len()
        && extends_name(words[start - 1], start < words.len())
    {
        start -= 1;
    }
    while start < words.len()
        && (is_particle(words[start]) && !capitalised(words[start])
            || COMMON.contains(&words[start].to_lowercase().as_str()))
    {
        start += 1;
    }
    let run = &words[start..];
    let capitals = run
        .iter()
        .filter(|w| capitalised(w) && !is_particle(w) || elided(w))
        .count();
    if capitals < 2 || ends_with_stop(run) {
        return None;
    }
    let before: Vec<&str> = words[..start]
        .iter()
        .copied()
        .filter(|w| !is_title(w))
        .collect();
    Some((before.join(" "), clean_name(&run.join(" "))))
}

/// Whether `word` can be part of a name read backwards; `inner` when a word of the name
/// follows it (then it may not end in a comma).
fn extends_name(word: &str, inner: bool) -> bool {
    if is_title(word) || STOPS.contains(&fold(word).as_str()) {
        return false;
    }
    let punctuated = inner && word.ends_with([',', ';', ':', '!', '?', ')']);
    let letters = word
        .trim_end_matches([',', ';', ':', '.', ')'])
        .chars()
        .all(|c| c.is_alphabetic() || "-'\u{2019}.".contains(c));
    let pronoun = word == "I" || word.starts_with("I'") || word.starts_with("I\u{2019}");
    (capitalised(word) || is_particle(word) || elided(word)) && letters && !punctuated && !pronoun
}

/// The position said before a name: "our deputy mayor" in "our deputy mayor Ana Pérez".
pub fn position_before(before: &str) -> String {
    const DETERMINERS: &[&str] = &[
        "our", "my", "her", "his", "their", "the", "notre", "mon", "ma", "son", "sa", "leur", "le",
        "la", "nuestro", "nuestra", "mi", "su", "el",
    ];
    const RELATIONS: &[&str] = &[
        "colleague",
        "colleagues",
        "collegue",
        "colega",
        "companero",
        "companera",
        "friend",
    ];
    // "two members of my team: Dr. Ana Lima": a colon announces who follows.
    if before.trim_end().ends_with(':') {
        return String::new();
    }
    let words: Vec<&str> = before.split_whitespace().collect();
    let Some(at) = words
        .iter()
        .rposition(|w| DETERMINERS.contains(&fold(w).as_str()))
    else {
        return String::new();
    };
    let kept: Vec<&str> = words[at + 1..]
        .iter()
        .copied()
        .filter(|w| !RELATIONS.contains(&fold(w).as_str()))
        .collect();
    let position = kept.join(" ");
    if kept.len() <= 6 && is_position_like(&position) {
        position
    } else {
        String::new()
    }
}

/// Every person's name in `text`, with the words said before each (since the previous one).
pub fn names_in(text: &str) -> Vec<(String, String)> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut found: Vec<(String, String)> = Vec::new();
    for end in 0..words.len() {
        let ends_run = capitalised(words[end])
            && words
                .get(end + 1)
                .is_none_or(|next| !capitalised(next) || STOPS.contains(&fold(next).as_str()));
        if !ends_run {
            continue;
        }
        let piece = words[..=end].join(" ");
        let Some((before, name)) = split_name(&piece) else {
            continue;
        };
        // "The Spanish embassy", "Our Director": a capitalised small word opens the run.
        let mut name_words: Vec<&str> = name.split_whitespace().collect();
        while name_words
            .first()
            .is_some_and(|w| COMMON.contains(&w.to_lowercase().as_str()))
        {
            name_words.remove(0);
        }
        let name = name_words.join(" ");
        if name_words.len() >= 2 && !is_position_like(&name) {
            let since = found
                .last()
                .and_then(|(_, last)| before.rsplit_once(last.as_str()).map(|(_, b)| b))
                .unwrap_or(&before);
            found.push((since.trim().to_owned(), name));
        }
    }
    found
}

/// An all-capitals run must not end on "Y" or "ET" read as a name.
fn ends_with_stop(run: &[&str]) -> bool {
    run.last()
        .is_some_and(|w| STOPS.contains(&fold(w).as_str()))
}
