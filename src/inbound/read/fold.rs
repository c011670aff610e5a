//! Text folded for matching words: lowercase, no accents, one space between words,
//! straight apostrophes, no space before a colon (French typography writes "Lu :").

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};

use aho_corasick::AhoCorasick;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// `text` folded for matching.
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return fold_chars(text.len(), text.chars());
    }
    fold_chars(text.len(), text.nfd().filter(|c| !is_combining_mark(*c)))
}

/// Folds characters already decomposed and without combining marks.
fn fold_chars(capacity: usize, chars: impl Iterator<Item = char>) -> String {
    let mut out = String::with_capacity(capacity);
    let mut space = false;
    for c in chars {
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
    whole_words(text, &[phrase]).map(|(_, start)| start).next()
}

/// The first of `phrases` (in their order) that folded `text` holds.
pub fn first_phrase<'p>(text: &str, phrases: &[&'p str]) -> Option<&'p str> {
    let first = whole_words(text, phrases).map(|(index, _)| index).min()?;
    Some(phrases[first])
}

/// Every place where `text` holds one of `phrases` as whole words: the phrase's index and
/// where it starts, in order of their ends.
fn whole_words<'t>(text: &'t str, phrases: &[&str]) -> impl Iterator<Item = (usize, usize)> + 't {
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let edges: Vec<(bool, bool)> = phrases
        .iter()
        .map(|p| {
            (
                p.starts_with(char::is_alphanumeric),
                p.ends_with(char::is_alphanumeric),
            )
        })
        .collect();
    searcher(phrases)
        .find_overlapping_iter(text)
        .collect::<Vec<_>>()
        .into_iter()
        .filter_map(move |found| {
            let (edge_start, edge_end) = edges[found.pattern().as_usize()];
            let before = text[..found.start()].chars().next_back();
            let after = text[found.end()..].chars().next();
            let glued = edge_start && word(before) || edge_end && word(after);
            (!glued).then_some((found.pattern().as_usize(), found.start()))
        })
}

/// The searcher for `phrases`, built once per list: the readers search the same few dozen
/// constant lists in every message, and building a searcher costs more than a search.
/// Lists are found by where they are in memory, then compared, so that a lookup neither
/// copies nor hashes a list of hundreds of phrases.
fn searcher(phrases: &[&str]) -> Arc<AhoCorasick> {
    /// More lists than the readers have: past it, a list is searched without being kept.
    const KEPT: usize = 256;
    type Kept = HashMap<(usize, usize), Vec<(Vec<String>, Arc<AhoCorasick>)>>;
    static SEARCHERS: LazyLock<RwLock<Kept>> = LazyLock::new(RwLock::default);
    let key = (phrases.as_ptr() as usize, phrases.len());
    let same = |kept: &[String]| kept.iter().zip(phrases).all(|(a, b)| a == b);
    let found = SEARCHERS.read().ok().and_then(|kept| {
        kept.get(&key)?
            .iter()
            .find(|(list, _)| same(list))
            .map(|(_, searcher)| searcher.clone())
    });
    if let Some(found) = found {
        return found;
    }
    let built = Arc::new(AhoCorasick::new(phrases).expect("a few phrases fit any automaton"));
    if let Ok(mut kept) = SEARCHERS.write()
        && kept.values().map(Vec::len).sum::<usize>() < KEPT
    {
        let list = phrases.iter().map(|p| (*p).to_owned()).collect();
        kept.entry(key).or_default().push((list, built.clone()));
    }
    built
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
