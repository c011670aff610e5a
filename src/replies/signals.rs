//! What each sentence of the member's own words says: someone will come, the member
//! withdraws, nobody will come, a question; each with the phrase that says it.

use std::sync::LazyLock;

use crate::inbound::read::{Found, PhraseLists, find_phrase, first_phrase, fold, has_phrase};
use crate::inbound::robots::subject_without_reply_prefixes;

use super::phrases::{
    ADDING, ASKING, ATTEND, ATTEND_VERBS, CANCEL, COMING, DECLINE, FIRST_PERSON,
    FIRST_PERSON_COMING, FORM_LINES, FULFILLED_REQUEST, GREETING, INTENT, MEMBER_COMES,
    MYSELF_COMING, NEGATION, NO_LONGER, OFFERS, ON_BEHALF, OWN_PARTICIPATION, PENDING,
    QUESTION_OPENERS, REGISTRATION_WORDS, REPLACEMENT, REQUEST_OPENERS, SELF, SORRY, THANKS,
    WEAK_ATTEND, WITHDRAW_VERBS, WRITER_TOO,
};
use super::words::sentences;

/// The phrases found, the first of each kind, and the question sentences.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Signals {
    /// Someone will come ("I will attend", "please register", "asistirán").
    pub attend: Option<&'static str>,
    /// The member is among them ("I will attend", "moi-même", "asistiré"; or, written on
    /// their behalf, "her participation", "su asistencia").
    pub itself: Option<&'static str>,
    /// An earlier registration is withdrawn.
    pub cancel: Option<&'static str>,
    /// Someone comes instead of the member.
    pub replacement: Option<&'static str>,
    /// Nobody (or not the member) will come.
    pub decline: Option<&'static str>,
    /// Thanks or an acknowledgement.
    pub thanks: Option<&'static str>,
    /// The subject the circular's "register" link writes ("Registration – Circular 30").
    pub subject: Option<&'static str>,
    /// The sentences that ask something of the secretariat, as written.
    pub questions: Vec<String>,
    /// "On behalf of", "de la part de": someone writes for the member.
    pub on_behalf: Option<&'static str>,
    /// The member said to come in the third person ("she will attend", "su asistencia").
    pub member_comes: Option<&'static str>,
}

/// The lists each sentence is read for, searched in one pass.
static SENTENCE_LISTS: LazyLock<PhraseLists> = LazyLock::new(|| {
    PhraseLists::new(&[
        ASKING,
        REQUEST_OPENERS,
        FULFILLED_REQUEST,
        ADDING,
        PENDING,
        MYSELF_COMING,
        ATTEND,
        COMING,
        FIRST_PERSON_COMING,
        OWN_PARTICIPATION,
        CANCEL,
        WITHDRAW_VERBS,
        DECLINE,
        ATTEND_VERBS,
        NO_LONGER,
        SORRY,
        REPLACEMENT,
        SELF,
        WRITER_TOO,
        GREETING,
        OFFERS,
        FORM_LINES,
    ])
});

/// `sentence` folded, with what each of [`SENTENCE_LISTS`] finds in it.
fn searched(sentence: &str) -> Found<'static> {
    SENTENCE_LISTS.find(fold(sentence))
}

/// The member alone on a line of a list of attendees.
const MYSELF: &[&str] = &[
    "myself",
    "me",
    "moi",
    "moi-meme",
    "moi meme",
    "yo",
    "yo mismo",
    "yo misma",
    "el suscrito",
    "la suscrita",
    "le soussigne",
    "la soussignee",
    "the undersigned",
];

impl Signals {
    /// The signals of `body` (the member's words before the signature); thanks are looked
    /// for in `all` (the closing included), a registration's subject in `subject`.
    pub fn of(body: &str, all: &str, subject: &str) -> Signals {
        let mut signals = Signals {
            thanks: first_phrase(&fold(all), THANKS),
            subject: registering_subject(subject),
            ..Signals::default()
        };
        let sentences: Vec<(String, Found<'_>)> = sentences(body)
            .into_iter()
            .map(|s| {
                let found = searched(&s);
                (s, found)
            })
            .filter(|(_, found)| found.first(FORM_LINES).is_none())
            .collect();
        for (sentence, found) in &sentences {
            signals.read(sentence, found);
        }
        // "Seront présents : 1) moi-même ; 2) …": the member as an item of the list.
        if signals.itself.is_none() && signals.attend.is_some() {
            signals.itself = sentences.iter().find_map(|(_, found)| {
                let item = found.text().trim_matches(|c: char| !c.is_alphabetic());
                MYSELF.iter().find(|m| **m == item).copied()
            });
        }
        // Someone writing on the member's behalf says the member comes in the third person.
        let folded: Vec<&str> = sentences.iter().map(|(_, found)| found.text()).collect();
        let folded = folded.join(" ");
        signals.on_behalf = first_phrase(&folded, ON_BEHALF);
        signals.member_comes = first_phrase(&folded, MEMBER_COMES).or_else(|| {
            sentences
                .iter()
                .find_map(|(_, found)| subject_comes(found, Subject::Third))
        });
        if signals.itself.is_none() && signals.attend.is_some() && signals.on_behalf.is_some() {
            signals.itself = signals.member_comes;
        }
        signals
    }

    fn read(&mut self, sentence: &str, found: &Found<'_>) {
        let folded = found.text();
        // "Please cancel my registration", "Les agradecería liberar los cupos": a request
        // the record fulfils.
        // (Not "Before we register our team, could you let us know …?": what is asked
        // comes after the asking.)
        let asking = found.first(ASKING).and_then(|a| find_phrase(folded, a));
        let cancel = cancels(found);
        let polite = found
            .first(REQUEST_OPENERS)
            .and_then(|p| find_phrase(folded, p))
            .or_else(|| asking.filter(|_| !sentence.contains('?')));
        let asked = [FULFILLED_REQUEST, ADDING]
            .into_iter()
            .filter_map(|phrases| found.first(phrases))
            .chain(cancel)
            .filter_map(|p| find_phrase(folded, p))
            .max();
        let request = polite.zip(asked).is_some_and(|(p, a)| a > p);
        let pending = found.first(PENDING);
        let settled = pending.is_none();
        // "Les confirmaremos la próxima semana quiénes podrían viajar": a promise, no
        // question; "Before we register, please send me …" is a condition, and asks.
        let condition = pending.is_some_and(|p| {
            ["before", "avant", "antes"]
                .iter()
                .any(|w| p.starts_with(w))
        });
        // "Quería consultarles si …, y estamos evaluando si viajan": asked first, a question.
        let asks_first = asking
            .zip(pending.and_then(|p| find_phrase(folded, p)))
            .is_some_and(|(asked, pending)| asked < pending);
        let promise = !settled && !condition && !asks_first && !sentence.contains('?');
        let question = is_question(sentence, found) && !request && !promise;
        let attend = found
            .first(MYSELF_COMING)
            .or_else(|| found.first(ATTEND))
            .or_else(|| found.first(ADDING))
            .filter(|p| !turned(folded, p))
            .filter(|p| !(WEAK_ATTEND.contains(p) && negated(folded)))
            .or_else(|| intended(found))
            .or_else(|| writer_comes(found))
            .or_else(|| confirmed_participation(found))
            .or_else(|| bare_confirmation(folded));
        // "Nobody from Munich will be able to attend": a decline governs the coming it names
        // in the same clause (not "we cannot attend, but our deputy will come").
        let declined = found
            .first(DECLINE)
            .filter(|d| !hedged_or_described(folded, d));
        let attend = attend.filter(|p| declined.is_none_or(|d| !same_clause(folded, d, p)));
        let turned_verb = found
            .first(ATTEND_VERBS)
            .filter(|v| turned(folded, v) && !hedged_or_described(folded, v));
        let keep = |slot: &mut Option<&'static str>, found: Option<&'static str>| {
            if slot.is_none() {
                *slot = found;
            }
        };
        keep(&mut self.cancel, cancel);
        if turned_verb.is_some() && found.first(NO_LONGER).is_some() {
            keep(&mut self.cancel, turned_verb); // "I will no longer be able to come"
        }
        keep(&mut self.decline, declined);
        if found.first(ATTEND_VERBS).is_some() {
            keep(&mut self.decline, found.first(SORRY));
        }
        if question {
            self.questions.push(sentence.to_owned());
            return;
        }
        if settled {
            keep(&mut self.decline, turned_verb); // "I will not attend"
        }
        keep(&mut self.replacement, found.first(REPLACEMENT));
        if settled && attend.is_some() {
            keep(&mut self.attend, attend);
            let itself = found
                .first(MYSELF_COMING)
                .or_else(|| found.first(SELF))
                .or_else(|| found.first(WRITER_TOO))
                .filter(|p| !turned(folded, p))
                .or_else(|| writer_comes(found));
            keep(&mut self.itself, itself);
        }
    }
}

/// A verb of coming after an intent in the same clause, not turned: "I'd be delighted to
/// come", "nous comptons participer".
fn intended(found: &Found<'_>) -> Option<&'static str> {
    let folded = found.text();
    let verb = found.first(COMING)?;
    let at = find_phrase(folded, verb)?;
    let window = clause_window(&folded[..at]);
    let intent = INTENT.iter().any(|i| {
        if i.starts_with('\'') {
            window.contains(i)
        } else {
            has_phrase(&window, i)
        }
    });
    let coming = intent && !elsewhere(folded, verb, at + verb.len());
    (coming && !turned(folded, verb) && !hedged_or_described(folded, verb)).then_some(verb)
}

/// The writer among those who come: a verb of coming in the first person singular
/// ("asistiré", "je viendrai"), or "I" (je, yo) the subject of a verb of coming ("I'll be
/// travelling with …"; not "I would like to register my colleague").
fn writer_comes(found: &Found<'_>) -> Option<&'static str> {
    let folded = found.text();
    if let Some(verb) = found
        .first(FIRST_PERSON_COMING)
        .filter(|v| !turned(folded, v))
    {
        return Some(verb);
    }
    subject_comes(found, Subject::Writer)
}

/// Who a pronoun before a verb of coming is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Subject {
    /// I, je, yo.
    Writer,
    /// He, she, il, elle, ella: in a reply written for the member, the member.
    Third,
    /// We, they, who and the like.
    Others,
}

impl Subject {
    fn of(word: &str) -> Option<Subject> {
        const THIRD: &[&str] = &["he", "she", "il", "elle", "ella"];
        const OTHERS: &[&str] = &[
            "they", "we", "who", "ils", "elles", "nous", "qui", "ellos", "ellas", "nosotros",
            "quien",
        ];
        if FIRST_PERSON.contains(&word) || word.starts_with("j'") {
            Some(Subject::Writer)
        } else if THIRD.contains(&word) {
            Some(Subject::Third)
        } else {
            OTHERS.contains(&word).then_some(Subject::Others)
        }
    }
}

/// A verb of coming whose subject, the pronoun nearest before it in its clause, is
/// `subject` ("I confirm that he will be participating": he, not I).
fn subject_comes(found: &Found<'_>, subject: Subject) -> Option<&'static str> {
    let folded = found.text();
    const NOT_COMING: &[&str] = &["register", "inscrire", "inscribir"];
    let verb = found.first(COMING).filter(|v| !NOT_COMING.contains(v))?;
    let at = find_phrase(folded, verb)?;
    let nearest = clause_window(&folded[..at])
        .split(' ')
        .rev()
        .find_map(Subject::of);
    let coming = nearest == Some(subject) && !elsewhere(folded, verb, at + verb.len());
    (coming && !turned(folded, verb)).then_some(verb)
}

/// Whether `verb`, a verb of travelling ending at `end`, goes somewhere else than the
/// meeting ("he will be travelling to Kumasi that week").
fn elsewhere(folded: &str, verb: &str, end: usize) -> bool {
    const TRAVEL: &[&str] = &[
        "travel",
        "travelling",
        "traveling",
        "be travelling",
        "viajar",
        "voyager",
    ];
    const HERE: &[&str] = &[
        "bilbao", "the", "this", "la", "le", "el", "cette", "ce", "esta", "este", "dicha", "spain",
        "espagne", "espana",
    ];
    let mut after = folded[end..].split_whitespace();
    TRAVEL.contains(&verb)
        && matches!(after.next(), Some("to" | "a"))
        && after.next().is_some_and(|place| {
            !HERE.contains(&place.trim_matches(|c: char| !c.is_alphanumeric()))
        })
}

/// "Vous confirmer ma participation", "confirming our attendance": a form of "confirm"
/// before the writer's own participation, in the same clause.
fn confirmed_participation(found: &Found<'_>) -> Option<&'static str> {
    let folded = found.text();
    let noun = found.first(OWN_PARTICIPATION)?;
    let at = find_phrase(folded, noun)?;
    let confirms = clause_window(&folded[..at])
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w.starts_with("confirm"));
    (confirms && !turned(folded, noun)).then_some(noun)
}

/// A withdrawal: a phrase of [`CANCEL`], or a verb of [`WITHDRAW_VERBS`] with what it
/// takes back a few words after it ("kindly withdraw the registration of Mr. Boateng"),
/// not turned.
fn cancels(found: &Found<'_>) -> Option<&'static str> {
    let folded = found.text();
    found.first(CANCEL).or_else(|| {
        let verb = found.first(WITHDRAW_VERBS)?;
        let at = find_phrase(folded, verb)? + verb.len();
        let after: Vec<&str> = folded[at..]
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(4)
            .collect();
        let object = after.iter().any(|w| REGISTRATION_WORDS.contains(w));
        (object && !turned(folded, verb)).then_some(verb)
    })
}

/// A sentence that only confirms ("Confirmo.", "Je confirme !", "Confirmed."): in a reply
/// to an invitation, a yes.
fn bare_confirmation(folded: &str) -> Option<&'static str> {
    const CONFIRMATIONS: &[&str] = &[
        "i confirm",
        "confirmed",
        "we confirm",
        "je confirme",
        "nous confirmons",
        "confirme",
        "confirmo",
        "confirmamos",
        "confirmado",
        "i'm in",
        "je suis partant",
        "je suis partante",
        "me apunto",
    ];
    let bare = folded.trim_matches(|c: char| !c.is_alphanumeric());
    CONFIRMATIONS.iter().copied().find(|c| *c == bare)
}

/// The last words of `before` in its clause: where a negation or an intent bears on what
/// follows.
fn clause_window(before: &str) -> String {
    let clause_start = [
        ",", ";", ":", "(", ")", " but ", " mais ", " pero ", " sino ",
    ]
    .iter()
    .filter_map(|c| before.rfind(c).map(|i| i + c.len()))
    .max()
    .unwrap_or(0);
    let words: Vec<&str> = before[clause_start..].split_whitespace().collect();
    words[words.len().saturating_sub(6)..].join(" ")
}

/// Whether the negated `verb` is only feared ("the adviser may not be able to travel") or
/// describes someone ("people who cannot travel would like to follow"): no decline.
fn hedged_or_described(folded: &str, verb: &str) -> bool {
    const WORDS: &[&str] = &[
        "part of",
        "some of",
        "une partie",
        "certains",
        "parte de",
        "parte del",
        "algunos",
        "algunas",
        "varios",
        "varias",
        "several",
        "plusieurs",
        "quelques",
        "who",
        "which",
        "may",
        "might",
        "qui",
        "pourrait",
        "pourraient",
        "peut-etre",
        "quienes",
        "colegas que",
        "companeros que",
        "personas que",
        "funcionarios que",
        "quizas",
        "quiza",
        "tal vez",
        "puede que",
    ];
    let Some(at) = find_phrase(folded, verb) else {
        return false;
    };
    let window = clause_window(&folded[..at]);
    WORDS.iter().any(|w| has_phrase(&window, w))
}

/// Whether phrases `a` and `b` of `folded` stand in one clause: no "but" or ";" between.
fn same_clause(folded: &str, a: &str, b: &str) -> bool {
    let (Some(at_a), Some(at_b)) = (find_phrase(folded, a), find_phrase(folded, b)) else {
        return false;
    };
    let between = &folded[at_a.min(at_b)..at_a.max(at_b)];
    ![
        " but ",
        " mais ",
        " pero ",
        " sino ",
        " however",
        " cependant",
        " sin embargo",
        ";",
    ]
    .iter()
    .any(|c| between.contains(c))
}

/// Whether a negation comes shortly before `phrase` in the same clause of `folded`.
fn turned(folded: &str, phrase: &str) -> bool {
    let Some(at) = find_phrase(folded, phrase) else {
        return false;
    };
    let window = clause_window(&folded[..at]);
    // "ne sont disponibles qu'en anglais": French's "ne … que" restricts, it does not deny.
    let after = folded[at + phrase.len()..].trim_start();
    let restricted = (after.starts_with("qu'") || after.starts_with("que "))
        && !["pas", "plus", "jamais", "personne", "aucun"]
            .iter()
            .any(|w| has_phrase(&window, w));
    !restricted && negated(&window) || negated(&fold(phrase))
}

/// Whether `sentence` says, settled and unturned, that someone will come.
pub fn says_attending(sentence: &str) -> bool {
    let found = searched(sentence);
    let folded = found.text();
    (found
        .first(MYSELF_COMING)
        .or_else(|| found.first(ATTEND))
        .or_else(|| found.first(ADDING))
        .is_some_and(|p| !turned(folded, p))
        || intended(&found).is_some()
        // "My colleague Dr Hannah Brooks will go in my place" (not "he asked me to
        // register in his place": the one named there is replaced).
        || found.first(REPLACEMENT).is_some_and(|p| {
            let mine = p.split(' ').any(|w| ["my", "me", "ma", "mi", "moi"].contains(&w));
            mine && !turned(folded, p)
        }))
        && found.first(PENDING).is_none()
        && !is_question(sentence, &found)
}

/// Whether `sentence` withdraws someone or says someone will not come.
pub fn says_not_coming(sentence: &str) -> bool {
    let found = searched(sentence);
    cancels(&found).is_some() || found.first(DECLINE).is_some()
}

fn negated(folded: &str) -> bool {
    folded.contains("n't") || NEGATION.iter().any(|n| has_phrase(folded, n))
}

/// A sentence that asks: a question mark (not a greeting), or an asking phrase.
fn is_question(sentence: &str, found: &Found<'_>) -> bool {
    let folded = found.text();
    let marked = sentence.contains('?') || sentence.trim_start().starts_with('¿');
    if marked {
        let greeting = found.first(GREETING).is_some();
        return !greeting || folded.split_whitespace().count() > 6;
    }
    let opens = |opener: &&str| {
        folded
            .trim_start_matches(|c: char| !c.is_alphanumeric())
            .strip_prefix(opener)
            .is_some_and(|rest| rest.starts_with([' ', '-', '\'']))
    };
    // "No nos es posible esta vez.": a refusal, not "¿es posible …?".
    let declines = found
        .first(DECLINE)
        .is_some_and(|d| !hedged_or_described(folded, d));
    if found.first(OFFERS).is_some() || declines {
        return false;
    }
    found.first(ASKING).is_some() || QUESTION_OPENERS.iter().any(opens)
}

/// The registration word that opens `subject`, past "Re:", "AW:", "Fwd:" and the like.
fn registering_subject(subject: &str) -> Option<&'static str> {
    const WORDS: &[&str] = &[
        "registration",
        "register",
        "inscription",
        "inscripcion",
        "inscribirse",
        "s'inscrire",
    ];
    let folded = fold(subject);
    let rest = subject_without_reply_prefixes(&folded);
    WORDS.iter().copied().find(|w| {
        rest.strip_prefix(w)
            .is_some_and(|after| !after.starts_with(char::is_alphanumeric))
    })
}
