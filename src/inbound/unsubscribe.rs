//! Requests to stop receiving circulars: the word in the subject, or alone in the member's
//! own words (never in the quoted circular, whose footer says "unsubscribe" itself).

use super::read::{Read, first_phrase, fold};
use super::robots::subject_without_reply_prefixes;

/// Words that ask to stop wherever they stand in a short line.
const REQUESTS: [&str; 33] = [
    "unsubscribe",
    "unsuscribe",
    "unsubcribe",
    "remove me",
    "take me off",
    "opt out",
    "opt-out",
    "stop sending",
    "no more emails",
    "no longer wish to receive",
    "se desabonner",
    "desabonner",
    "desabonnez-moi",
    "desabonnement",
    "desinscription",
    "desinscrire",
    "desinscrivez-moi",
    "me desinscrire",
    "retirez-moi",
    "ne plus recevoir",
    "darse de baja",
    "dar de baja",
    "darme de baja",
    "denme de baja",
    "dadme de baja",
    "deme de baja",
    "cancelar suscripcion",
    "cancelar mi suscripcion",
    "anular suscripcion",
    "no deseo recibir",
    "no quiero recibir",
    "abmelden",
    "austragen",
];

/// Words that ask to stop only when they are the whole line (give or take politeness):
/// "stop" or "baja" inside a sentence mean something else.
const ALONE: [&str; 8] = [
    "stop",
    "baja",
    "remove",
    "arret",
    "arreter",
    "stop please",
    "alto",
    "annuler",
];

/// Politeness around a request, dropped before comparing a line with [`ALONE`].
const POLITE: [&str; 12] = [
    "please",
    "pls",
    "thanks",
    "thank you",
    "merci",
    "svp",
    "s'il vous plait",
    "por favor",
    "gracias",
    "bitte",
    "danke",
    "hi",
];

/// Negations that turn a request around ("I do not want to unsubscribe").
const NEGATIONS: [&str; 10] = [
    "not",
    "don't",
    "do not",
    "never",
    "ne pas",
    "ne veux pas",
    "pas me",
    "no quiero darme",
    "no me",
    "nicht",
];

/// The longest own text still read as a request rather than a letter mentioning one.
const MAX_WORDS: usize = 60;
/// The longest line in which a request word counts.
const MAX_LINE_WORDS: usize = 14;

/// The reason when `read` asks to stop receiving circulars.
pub fn requested(read: &Read) -> Option<String> {
    in_subject(read).or_else(|| in_body(read))
}

fn in_subject(read: &Read) -> Option<String> {
    let folded = fold(read.subject.as_deref().unwrap_or_default());
    let subject = subject_without_reply_prefixes(&folded);
    if let Some(word) = first_phrase(subject, &REQUESTS).filter(|_| !negated(subject)) {
        return Some(format!("subject asks to \"{word}\""));
    }
    alone(subject).map(|word| format!("subject is \"{word}\""))
}

fn in_body(read: &Read) -> Option<String> {
    // Folding keeps the words as they are: they may be counted before it.
    if read.own_text().split_whitespace().count() > MAX_WORDS {
        return None;
    }
    read.own_text().lines().find_map(|line| {
        let line = fold(&without_links(line));
        let words = line.split_whitespace().count();
        if words == 0 || words > MAX_LINE_WORDS || negated(&line) {
            return None;
        }
        if let Some(word) = first_phrase(&line, &REQUESTS) {
            return Some(format!("the member wrote \"{word}\""));
        }
        alone(&line).map(|word| format!("the member wrote \"{word}\" alone"))
    })
}

/// The [`ALONE`] word that `line` is, once politeness and punctuation are dropped.
fn alone(line: &str) -> Option<&'static str> {
    let mut bare: String = line
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' || c == '-' {
                c
            } else {
                ' '
            }
        })
        .collect();
    for polite in POLITE {
        bare = strip_phrase(&bare, polite);
    }
    let bare = bare.split_whitespace().collect::<Vec<_>>().join(" ");
    ALONE.iter().copied().find(|word| bare == *word)
}

fn strip_phrase(text: &str, phrase: &str) -> String {
    match super::read::find_phrase(text, phrase) {
        Some(at) => format!("{} {}", &text[..at], &text[at + phrase.len()..]),
        None => text.to_owned(),
    }
}

/// `line` without its links: a footer's `…/unsubscribe` URL asks nothing.
fn without_links(line: &str) -> String {
    line.split_whitespace()
        .filter(|w| {
            !(w.contains("://")
                || w.starts_with("www.")
                || w.starts_with("(http")
                || w.contains("mailto:"))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn negated(line: &str) -> bool {
    first_phrase(line, &NEGATIONS).is_some()
}

#[cfg(test)]
mod tests {
    use super::requested;
    use crate::inbound::read::read;

    fn message(subject: &str, body: &str) -> Vec<u8> {
        format!("From: m@example.org\r\nSubject: {subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}")
            .into_bytes()
    }

    #[test]
    fn the_word_in_the_subject_is_a_request() {
        for subject in [
            "Unsubscribe",
            "RE: Circulaire 12 - désinscription",
            "Darse de baja",
            "STOP",
            "Re: baja",
        ] {
            assert!(
                requested(&read(&message(subject, "x"))).is_some(),
                "{subject}"
            );
        }
    }

    #[test]
    fn the_word_alone_in_the_members_words_is_a_request() {
        let bodies = [
            "unsubscribe\n",
            "Hello,\n\nPlease remove me from this list.\n\nThanks,\nJohn\n",
            "Merci de me désinscrire.\n\nLe lun. 5 janv. 2026, Ville a écrit :\n> Circulaire\n",
            "Bonjour, je souhaite ne plus recevoir vos messages. Cordialement\n",
            "Por favor, darme de baja.\n\nEl lun, 5 ene 2026, Red escribió:\n> texto\n",
            "Baja\n",
            "STOP!\n",
        ];
        for body in bodies {
            assert!(
                requested(&read(&message("Re: Circular 12", body))).is_some(),
                "{body}"
            );
        }
    }

    #[test]
    fn the_word_in_quoted_text_or_a_sentence_is_not_a_request() {
        let bodies = [
            "Yes, we will come.\n\nOn Mon, Circulars wrote:\n> To unsubscribe, reply with unsubscribe.\n",
            "Count me in.\n\n-----Original Message-----\nFrom: Circulars\nSent: Monday\nTo: me\n\nUnsubscribe: reply STOP\n",
            "I do not want to unsubscribe, I just changed address.\n",
            "The bus stop near the town hall is closed, please use the other one.\n",
            "La tasa de paro está a la baja en nuestra ciudad.\n",
        ];
        for body in bodies {
            assert_eq!(
                requested(&read(&message("Re: Circular 12", body))),
                None,
                "{body}"
            );
        }
        assert_eq!(
            requested(&read(&message("Re: Stop the new ring road", "We agree.\n"))),
            None
        );
    }
}
