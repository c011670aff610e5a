//! The language of the member's own words, from the small words each language uses most.

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::inbound::read::{first_phrase, fold};

use super::phrases::FORM_LINES;

const ENGLISH: &[&str] = &[
    "yes",
    "hi",
    "hello",
    "thanks",
    "see",
    "below",
    "sorry",
    "unfortunately",
    "the",
    "and",
    "to",
    "of",
    "will",
    "we",
    "i",
    "you",
    "is",
    "for",
    "please",
    "thank",
    "with",
    "our",
    "my",
    "be",
    "are",
    "this",
    "meeting",
    "attend",
    "regards",
    "can",
    "would",
    "dear",
];
const FRENCH: &[&str] = &[
    "peux-tu",
    "quelqu'un",
    "salut",
    "voici",
    "ci-joint",
    "oui",
    "tres",
    "bien",
    "recu",
    "accuse",
    "reception",
    "madame",
    "monsieur",
    "veuillez",
    "le",
    "les",
    "et",
    "je",
    "nous",
    "vous",
    "est",
    "pour",
    "merci",
    "reunion",
    "tu",
    "sur",
    "il",
    "elle",
    "ce",
    "cette",
    "dans",
    "mais",
    "qui",
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
    "asistire",
    "confirmo",
    "confirmamos",
    "delegacion",
    "siguiente",
    "buenas",
    "tardes",
    "dias",
    "saludo",
    "cordial",
    "muy",
    "estimado",
    "estimada",
    "senores",
    "atentamente",
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
    "su",
    "sus",
    "nos",
    "lo",
    "este",
    "esta",
    "pero",
    "como",
    "usted",
    "ustedes",
    "tambien",
    "favor",
    "cordialmente",
    "agradezco",
    "sera",
];

/// The small words of each language, looked up once per word of a reply.
static SMALL_WORDS: LazyLock<[HashSet<&str>; 3]> =
    LazyLock::new(|| [ENGLISH, FRENCH, SPANISH].map(|list| list.iter().copied().collect()));

/// "en", "fr" or "es" when one of them clearly has the most of its small words in `text`.
pub fn language(text: &str) -> Option<&'static str> {
    // A form's labels may be in another language than the member's words.
    let words_only: Vec<&str> = text
        .lines()
        .filter(|l| !is_labelled(l) && first_phrase(&fold(l), FORM_LINES).is_none())
        .collect();
    let folded = fold(&words_only.join("\n"));
    let words: Vec<&str> = folded
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .collect();
    let [english, french, spanish] = &*SMALL_WORDS;
    let count = |set: &HashSet<&str>| words.iter().filter(|w| set.contains(*w)).count();
    // "l'open data", "d'équipe", "qu'il": French elides its small words.
    let elided = words
        .iter()
        .filter(|w| {
            w.split_once('\'').is_some_and(|(head, rest)| {
                ["l", "d", "j", "qu", "n", "c", "s", "m", "t"].contains(&head) && !rest.is_empty()
            })
        })
        .count();
    let mut scores = [
        ("en", count(english)),
        ("fr", count(french) + elided),
        ("es", count(spanish)),
    ];
    scores.sort_by_key(|&(_, score)| std::cmp::Reverse(score));
    let (best, top) = scores[0];
    let second = scores[1].1;
    (top >= 1 && top > second).then_some(best)
}

/// "Name: Ana Pérez": a label of a few words before a colon.
fn is_labelled(line: &str) -> bool {
    line.split_once(':').is_some_and(|(label, value)| {
        label.split_whitespace().count() <= 4 && !value.trim().is_empty()
    })
}
