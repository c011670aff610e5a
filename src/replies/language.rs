//! The language of the member's own words, from the small words each language uses most.

use crate::inbound::read::fold;

const ENGLISH: &[&str] = &[
    "the", "and", "to", "of", "will", "we", "i", "you", "is", "for", "please", "thank", "with",
    "our", "my", "be", "are", "this", "meeting", "attend", "regards", "can", "would", "dear",
];
const FRENCH: &[&str] = &[
    "le",
    "les",
    "et",
    "je",
    "nous",
    "vous",
    "est",
    "pour",
    "merci",
    "a",
    "reunion",
    "des",
    "une",
    "du",
    "ma",
    "mon",
    "serai",
    "avec",
    "bonjour",
    "cordialement",
    "au",
    "pas",
    "ne",
    "sont",
];
const SPANISH: &[&str] = &[
    "el",
    "los",
    "las",
    "y",
    "que",
    "en",
    "por",
    "para",
    "gracias",
    "reunion",
    "mi",
    "una",
    "del",
    "con",
    "asistencia",
    "saludos",
    "estimados",
    "hola",
    "nuestra",
    "es",
    "al",
    "no",
    "podre",
    "sera",
];

/// "en", "fr" or "es" when one of them clearly has the most of its small words in `text`.
pub fn language(text: &str) -> Option<&'static str> {
    let folded = fold(text);
    let words: Vec<&str> = folded
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .collect();
    let count = |list: &[&str]| words.iter().filter(|w| list.contains(w)).count();
    let mut scores = [
        ("en", count(ENGLISH)),
        ("fr", count(FRENCH)),
        ("es", count(SPANISH)),
    ];
    scores.sort_by_key(|&(_, score)| std::cmp::Reverse(score));
    let (best, top) = scores[0];
    let second = scores[1].1;
    (top >= 1 && top > second).then_some(best)
}
