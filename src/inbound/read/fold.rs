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
        return fold_ascii(text);
    }
    fold_chars(text.len(), text.nfd().filter(|c| !is_combining_mark(*c)))
}

/// [`fold`] of ASCII text, byte by byte: most mail is ASCII, and most of the rest is
/// ASCII line by line.
fn fold_ascii(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    let mut space = false;
    for &b in text.as_bytes() {
        let b = match b {
            b'`' => b'\'',
            b if b.is_ascii_whitespace() || b == 0x0b => b' ',
            b => b.to_ascii_lowercase(),
        };
        if b == b' ' {
            space = !out.is_empty();
            continue;
        }
        if space && b != b':' {
            out.push(b' ');
        }
        space = false;
        out.push(b);
    }
    String::from_utf8(out).expect("ASCII in, ASCII out")
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
    if phrase.is_empty() {
        return None;
    }
    let edges = Edges::of(phrase);
    let mut from = 0;
    while let Some(at) = text[from..].find(phrase) {
        let start = from + at;
        if edges.whole(text, start, start + phrase.len()) {
            return Some(start);
        }
        // Overlapping places too: the next one may start inside this one.
        from = start + text[start..].chars().next().map_or(1, char::len_utf8);
    }
    None
}

/// The first of `phrases` (in their order) that folded `text` holds.
///
/// `phrases` are constant lists: each gets its searcher once, found again by where the
/// list is.
pub fn first_phrase(text: &str, phrases: &'static [&'static str]) -> Option<&'static str> {
    let searcher = searcher(phrases);
    let mut first: Option<usize> = None;
    for found in searcher.automaton.find_overlapping_iter(text) {
        let index = found.pattern().as_usize();
        if first.is_some_and(|f| f <= index) {
            continue;
        }
        if searcher.edges[index].whole(text, found.start(), found.end()) {
            first = Some(index);
            if index == 0 {
                break;
            }
        }
    }
    first.map(|index| phrases[index])
}

/// Several constant lists searched together: one pass of one automaton over a text finds
/// what [`first_phrase`] would find in each of them. For readers that ask many lists of
/// the same short text (a sentence): one pass costs about what a single list's did.
pub struct PhraseLists {
    lists: Vec<&'static [&'static str]>,
    automaton: AhoCorasick,
    /// For each distinct phrase: its edges, and the lists (and places in them) holding it.
    phrases: Vec<(Edges, Vec<(usize, usize)>)>,
}

/// The first phrase of each of the [`PhraseLists`] that one text holds.
pub struct Found<'l> {
    lists: &'l PhraseLists,
    text: String,
    firsts: Vec<Option<usize>>,
}

impl PhraseLists {
    pub fn new(lists: &[&'static [&'static str]]) -> PhraseLists {
        let mut patterns: Vec<&str> = Vec::new();
        let mut phrases: Vec<(Edges, Vec<(usize, usize)>)> = Vec::new();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (list, phrases_of_list) in lists.iter().enumerate() {
            for (index, &phrase) in phrases_of_list.iter().enumerate() {
                if phrase.is_empty() {
                    continue;
                }
                let id = *seen.entry(phrase).or_insert_with(|| {
                    patterns.push(phrase);
                    phrases.push((Edges::of(phrase), Vec::new()));
                    patterns.len() - 1
                });
                phrases[id].1.push((list, index));
            }
        }
        PhraseLists {
            lists: lists.to_vec(),
            automaton: AhoCorasick::new(&patterns).expect("the phrase lists fit an automaton"),
            phrases,
        }
    }

    /// What each list finds in folded `text`.
    pub fn find(&self, text: String) -> Found<'_> {
        let mut firsts: Vec<Option<usize>> = vec![None; self.lists.len()];
        for found in self.automaton.find_overlapping_iter(&text) {
            let (edges, owners) = &self.phrases[found.pattern().as_usize()];
            if !edges.whole(&text, found.start(), found.end()) {
                continue;
            }
            for &(list, index) in owners {
                if firsts[list].is_none_or(|first| index < first) {
                    firsts[list] = Some(index);
                }
            }
        }
        Found {
            lists: self,
            text,
            firsts,
        }
    }
}

impl Found<'_> {
    /// The folded text searched.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// What [`first_phrase`] finds of `phrases` in the text: at once for one of the lists,
    /// by a search of its own for another.
    pub fn first(&self, phrases: &'static [&'static str]) -> Option<&'static str> {
        let same = |list: &&[&str]| std::ptr::eq(*list, phrases);
        match self.lists.lists.iter().position(same) {
            Some(list) => self.firsts[list].map(|index| phrases[index]),
            None => first_phrase(&self.text, phrases),
        }
    }
}

/// Whether a phrase begins and ends with a word character: only those must not be glued
/// to the text's words.
#[derive(Clone, Copy)]
struct Edges {
    start: bool,
    end: bool,
}

impl Edges {
    fn of(phrase: &str) -> Edges {
        Edges {
            start: phrase.starts_with(char::is_alphanumeric),
            end: phrase.ends_with(char::is_alphanumeric),
        }
    }

    /// Whether `text[start..end]` stands as whole words.
    fn whole(self, text: &str, start: usize, end: usize) -> bool {
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        !(self.start && word(text[..start].chars().next_back())
            || self.end && word(text[end..].chars().next()))
    }
}

/// A constant list's automaton and the edges of its phrases.
struct Searcher {
    automaton: AhoCorasick,
    edges: Vec<Edges>,
}

/// The searcher for `phrases`, built once per list: the readers search the same few dozen
/// constant lists in every message, and building a searcher costs more than a search.
/// A `'static` list never changes, so where it is and its length name it.
fn searcher(phrases: &'static [&'static str]) -> Arc<Searcher> {
    type Kept = HashMap<(usize, usize), Arc<Searcher>>;
    static SEARCHERS: LazyLock<RwLock<Kept>> = LazyLock::new(RwLock::default);
    let key = (phrases.as_ptr() as usize, phrases.len());
    if let Some(found) = SEARCHERS
        .read()
        .ok()
        .and_then(|kept| kept.get(&key).cloned())
    {
        return found;
    }
    let built = Arc::new(Searcher {
        automaton: AhoCorasick::new(phrases).expect("a few phrases fit any automaton"),
        edges: phrases.iter().map(|p| Edges::of(p)).collect(),
    });
    if let Ok(mut kept) = SEARCHERS.write() {
        kept.entry(key).or_insert_with(|| built.clone());
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
    fn lists_searched_together_find_what_each_finds_alone() {
        static COMING: &[&str] = &["will attend", "attend", "come"];
        static NOT: &[&str] = &["cannot attend", "not"];
        static ASKED: &[&str] = &["could you", "attend"];
        static ELSE: &[&str] = &["please"];
        let lists = PhraseLists::new(&[COMING, NOT, ASKED]);
        for text in [
            "we cannot attend, could you please tell us",
            "i will attend",
            "unattended, not coming",
            "",
        ] {
            let found = lists.find(text.to_owned());
            for list in [COMING, NOT, ASKED, ELSE] {
                assert_eq!(found.first(list), first_phrase(text, list), "{text}");
            }
        }
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
