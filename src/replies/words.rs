//! The member's own words, ready to read: [`Read::own_text`], the answers written between
//! the quoted lines when the member points to them, without the closing, the signature,
//! the mobile footer and the disclaimer; then cut into sentences.

use super::attendees::lexicon::is_title;
use crate::inbound::read::{Read, first_phrase, fold};

use super::attendees::{is_name_field, name_words};
use super::phrases::SEE_BELOW;

/// The member's own words, in two cuts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Words {
    /// Everything the member wrote, signature included.
    pub all: String,
    /// What the member wrote before the closing and the signature.
    pub body: String,
}

impl Words {
    /// The member's own words in `read`.
    pub fn of(read: &Read) -> Words {
        let mut all = read.own_text().to_owned();
        let folded = fold(&all);
        if first_phrase(&folded, SEE_BELOW).is_some() {
            for line in inline_answers(&read.text) {
                all.push('\n');
                all.push_str(line);
            }
        }
        let sender = read.from.as_ref().map_or(("", ""), |from| {
            (from.name.as_deref().unwrap_or(""), from.address.as_str())
        });
        let body = body(&all, sender);
        Words { all, body }
    }
}

/// Unquoted lines written between quoted ones (an answer inline in the quote).
fn inline_answers(text: &str) -> Vec<&str> {
    let lines: Vec<&str> = text.lines().collect();
    let quoted = |l: &str| l.trim_start().starts_with('>');
    let Some(first) = lines.iter().position(|l| quoted(l)) else {
        return Vec::new();
    };
    let last = lines.iter().rposition(|l| quoted(l)).unwrap_or(first);
    lines[first..last]
        .iter()
        .copied()
        .filter(|l| !quoted(l) && !l.trim().is_empty())
        .collect()
}

/// `own` up to the closing, the signature or the footer a client adds (`sender`: the
/// sender's display name and address, whose block is a signature).
fn body(own: &str, sender: (&str, &str)) -> String {
    let lines: Vec<&str> = own.lines().collect();
    // A closing before anything was said is the greeting ("Cordial saludo," opens mail in
    // Colombia).
    let first = lines
        .iter()
        .position(|l| !l.trim().is_empty())
        .unwrap_or(lines.len());
    let end = lines
        .iter()
        .enumerate()
        .position(|(i, l)| (is_closing(l) && i > first) || is_footer(l))
        .unwrap_or(lines.len());
    let mut kept = &lines[..end];
    // A bare signature block at the end (name, position, phone), with no closing above
    // (above a closing, the last block is the message's: "… the following two officials:
    // Sibusiso Ndlovu / Senior Manager / sibusiso@…").
    if end == lines.len()
        && let Some(start) = trailing_signature(kept, sender)
    {
        kept = &kept[..start];
    }
    let mut body = kept.join("\n");
    body.push('\n');
    body
}

/// The closings that end a message, before the name.
const CLOSINGS: &[&str] = &[
    "regards",
    "best regards",
    "kind regards",
    "kindest regards",
    "warm regards",
    "warmest regards",
    "with best regards",
    "best wishes",
    "best",
    "cheers",
    "thanks",
    "thank you",
    "many thanks",
    "thanks in advance",
    "sincerely",
    "sincerely yours",
    "yours sincerely",
    "yours faithfully",
    "yours truly",
    "respectfully",
    "cordialement",
    "bien cordialement",
    "tres cordialement",
    "bien a vous",
    "salutations",
    "meilleures salutations",
    "avec mes salutations",
    "avec nos meilleures salutations",
    "avec mes excuses",
    "au plaisir",
    "merci",
    "merci d'avance",
    "merci beaucoup",
    "amities",
    "saludos",
    "un saludo",
    "saludos cordiales",
    "cordiales saludos",
    "atentamente",
    "cordialmente",
    "cordial saludo",
    "gracias",
    "muchas gracias",
    "un abrazo",
    "abrazo",
    "abrazos",
    "nga mihi",
];

/// "Best regards,", "Cordialement", "Un saludo," and the like, alone on a line.
fn is_closing(line: &str) -> bool {
    const AFTER: &[&str] = &["for", "por", "pour", "de", "d'", "para", "a", "to", "of"];
    let folded = fold(line.trim());
    let folded = folded.trim_end_matches(['.', ',', '!', ';']).trim();
    let written: Vec<&str> = line.split_whitespace().collect();
    CLOSINGS.iter().any(|c| {
        folded.strip_prefix(c).is_some_and(|rest| {
            if rest.starts_with(char::is_alphanumeric) {
                return false;
            }
            if rest.trim_start().starts_with('/') {
                return true; // "Best regards / Mit freundlichen Grüßen"
            }
            let words: Vec<&str> = rest
                .trim_start_matches([',', '.', '!', ' ', '/'])
                .split_whitespace()
                .collect();
            // What follows the closing on its line is a name, if anything.
            let name = written[written.len().saturating_sub(words.len())..]
                .iter()
                .all(|w| w.starts_with(|c: char| c.is_uppercase()));
            words.len() <= 3 && name && !words.first().is_some_and(|w| AFTER.contains(w))
        })
    })
}

/// A client's footer or a disclaimer: what follows is never the member's message.
fn is_footer(line: &str) -> bool {
    const FOOTERS: &[&str] = &[
        "sent from my",
        "sent from yahoo",
        "get outlook for",
        "envoye de mon",
        "envoye depuis",
        "enviado desde mi",
        "obtener outlook para",
        "disclaimer",
        "confidentiality notice",
        "this e-mail and any",
        "this email and any",
        "this message and its",
        "this message is confidential",
        "avertissement",
        "ce message et",
        "aviso de confidencialidad",
        "aviso legal",
        "avis legal",
        "este mensaje y sus",
        "la informacion contenida en este",
    ];
    let folded = fold(line.trim());
    let folded = folded.trim_start_matches(['*', '_', ' ']);
    FOOTERS.iter().any(|f| folded.starts_with(f))
}

/// Where a trailing block of short, unpunctuated lines starting with a name begins: not
/// the last of several such blocks with an address each ("Jane Roe / Head of Open Data /
/// jane@…" twice), unless it names the sender.
fn trailing_signature(lines: &[&str], sender: (&str, &str)) -> Option<usize> {
    let (start, end) = last_block(lines)?;
    if start == 0 {
        return None;
    }
    let block = &lines[start..end];
    let above = last_block(&lines[..start]).map_or(&[][..], |(from, to)| &lines[from..to]);
    // The last block of a filled-in form ("ATTENDEE 2", "Name: …") is no signature, nor
    // is the last of a list announced ("… the following people:").
    let announced = above.last().is_some_and(|l| l.trim_end().ends_with(':'));
    if announced || block.iter().any(|l| is_name_field(l)) {
        return None;
    }
    let short = |l: &&str| {
        let l = l.trim();
        l.split_whitespace().count() <= 8
            && !l.ends_with(['.', '?', '!', ':'])
            && !l.contains('\t')
            && !l.contains('@')
    };
    // A signature may carry the address; the first line is the name.
    let signature_line =
        |l: &&str| short(l) || (l.contains('@') && l.split_whitespace().count() <= 6);
    let person = |block: &[&str]| {
        short(&block[0]) && block[1..].iter().all(signature_line) && looks_like_name(block[0])
    };
    if !person(block) {
        return None;
    }
    let addressed = |block: &[&str]| block.iter().any(|l| l.contains('@'));
    let (name, address) = sender;
    let sender_words = name_words(name);
    let names_sender = name_words(block[0])
        .iter()
        .any(|w| w.len() > 2 && sender_words.contains(w))
        || (!address.is_empty()
            && block
                .iter()
                .any(|l| l.to_lowercase().contains(&address.to_lowercase())));
    let one_of_a_list = !above.is_empty() && person(above) && addressed(above) && addressed(block);
    (names_sender || !one_of_a_list).then_some(start)
}

/// Where the last block of non-blank lines of `lines` starts and ends.
fn last_block(lines: &[&str]) -> Option<(usize, usize)> {
    let end = lines.iter().rposition(|l| !l.trim().is_empty())? + 1;
    let start = lines[..end]
        .iter()
        .rposition(|l| l.trim().is_empty())
        .map_or(0, |i| i + 1);
    Some((start, end))
}

/// Two to five capitalised words, or one capitalised word alone ("Michael").
fn looks_like_name(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    (1..=5).contains(&words.len())
        && !line.contains(':')
        && words
            .iter()
            .all(|w| w.starts_with(|c: char| c.is_uppercase()) || w.len() <= 3)
}

/// The sentences of `text`: cut at line ends and after `.`, `!`, `?` and `;`, but not
/// after a title ("Mr.", "Mme", "Sr.") or an initial, and not where a client wrapped a
/// long line (the next line goes on in lower case).
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in unwrapped(text) {
        let mut start = 0;
        let mut chars = line.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            let end = at + c.len_utf8();
            let next = chars.peek().map(|&(_, next)| next);
            let ends = matches!(c, '!' | '?' | ';')
                || (c == '.' && !ends_in_abbreviation(&line[start..end]));
            if ends && next.is_none_or(char::is_whitespace) {
                push_sentence(&mut out, &line[start..end]);
                start = end;
            }
        }
        push_sentence(&mut out, &line[start..]);
    }
    out
}

/// The lines of `text`, with a line a client wrapped joined to its end: a line that does
/// not end a sentence or a label, followed by one that goes on in lower case (and is no
/// list item with an address) or opens with a bracket, or one that ends in a word that
/// cannot end anything ("of", "de", "et").
pub fn unwrapped(text: &str) -> Vec<String> {
    const DANGLING: &[&str] = &[
        "of", "the", "and", "for", "in", "to", "with", "our", "my", "is", "de", "du", "des", "la",
        "le", "les", "et", "pour", "en", "notre", "mon", "ma", "est", "del", "el", "los", "las",
        "y", "para", "con", "a", "nuestro", "nuestra", "mi", "es",
    ];
    let mut lines: Vec<String> = Vec::new();
    let mut open = false;
    let mut dangling = false;
    for line in text.lines() {
        let next = line.trim_start();
        // "…, our Head of Smart City Unit\n(sipho@…), who leads…": the address in brackets
        // goes with the words before it.
        let continues = next.starts_with(char::is_lowercase) && !next.contains('@')
            || next.starts_with(['(', '<']);
        match lines.last_mut() {
            Some(last) if open && (continues || dangling) && !next.is_empty() => {
                last.push(' ');
                last.push_str(line.trim());
            }
            _ => lines.push(line.to_owned()),
        }
        let end = line.trim_end();
        open = !end.is_empty() && !end.ends_with(['.', '!', '?', ';', ':', ',']);
        dangling = open
            && end
                .rsplit(char::is_whitespace)
                .next()
                .is_some_and(|w| DANGLING.contains(&fold(w).as_str()));
    }
    lines
}

fn push_sentence(out: &mut Vec<String>, sentence: &str) {
    let sentence = sentence.trim();
    if !sentence.is_empty() {
        out.push(sentence.to_owned());
    }
}

fn ends_in_abbreviation(text: &str) -> bool {
    // Titles written with a capital ("Dra.", "Lcdo.") are abbreviations too ("me." is
    // not).
    const ABBREVIATIONS: &[&str] = &[
        "mr", "mrs", "ms", "dr", "dra", "mme", "mlle", "sr", "sra", "srta", "ing", "lic", "prof",
        "st", "tel", "dept", "ext", "etc",
    ];
    let word = text
        .trim_end_matches('.')
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or_default();
    let folded = fold(word);
    ABBREVIATIONS.contains(&folded.as_str())
        || is_title(word) && word.starts_with(char::is_uppercase)
        || (word.chars().count() == 1 && word.chars().all(char::is_uppercase))
}
