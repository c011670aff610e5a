//! Text folded for matching words: lowercase, no accents, one space between words,
//! straight apostrophes, no space before a colon (French typography writes "Lu :").

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// `text` folded for matching.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.nfd().filter(|c| !is_combining_mark(*c)) {
        let c = match c {
            '\u{2018}' | '\u{2019}' | '\u{02bc}' | '`' | '\u{b4}' => '\'',
            c if c.is_whitespace() => ' ',
            c => c,
        };
        if c == ' ' {
            space = !out.is_empty();
            continue;
        }
        if space && c != ':' {
            out.push(' ');
        }
        space = false;
        out.extend(c.to_lowercase());
    }
    out
}

/// Whether folded `text` holds folded `phrase` as whole words.
pub fn has_phrase(text: &str, phrase: &str) -> bool {
    find_phrase(text, phrase).is_some()
}

/// Where folded `text` holds folded `phrase` as whole words.
pub fn find_phrase(text: &str, phrase: &str) -> Option<usize> {
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let edge_start = phrase.starts_with(char::is_alphanumeric);
    let edge_end = phrase.ends_with(char::is_alphanumeric);
    let mut from = 0;
    while let Some(at) = text[from..].find(phrase) {
        let start = from + at;
        let end = start + phrase.len();
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        let glued = edge_start && word(before) || edge_end && word(after);
        if !glued {
            return Some(start);
        }
        from = start + text[start..].chars().next().map_or(1, char::len_utf8);
    }
    None
}

/// The first of `phrases` that folded `text` holds.
pub fn first_phrase<'p>(text: &str, phrases: &[&'p str]) -> Option<&'p str> {
    phrases.iter().copied().find(|p| has_phrase(text, p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_case_accents_and_extra_spaces() {
        assert_eq!(
            fold("  Réponse\u{a0}automatique :  Absent\tdu BUREAU "),
            "reponse automatique: absent du bureau"
        );
        assert_eq!(fold("L’ordre"), "l'ordre");
    }

    #[test]
    fn phrases_match_whole_words_only() {
        assert!(has_phrase("please stop.", "stop"));
        assert!(!has_phrase("unstoppable", "stop"));
        assert!(!has_phrase("stopped", "stop"));
        assert!(has_phrase("re: lu: circ", "lu:"));
        assert!(has_phrase("stopped, then stop", "stop"));
    }
}
