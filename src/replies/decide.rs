//! From the signals and the attendees found to the kinds, the member's own seat, the
//! question and the confidence, with the reasons in plain words.

use crate::inbound::read::{Read, fold, forwarded_subject};

use super::attendees::{self, Found, is_person};
use super::phrases::{FORM_FILE, MEMBER_COMES};
use super::signals::Signals;
use super::{Attendee, ReplyKind, Understanding};

/// The reading of a reply from what was found in it.
pub fn decide(
    read: &Read,
    signals: &Signals,
    found: Found,
    form: Option<&FormFile>,
) -> Understanding {
    let mut reading = Reading::default();
    if let Some(reason) = internal_forward(read) {
        reading.reason(reason);
        return reading.into_understanding(vec![ReplyKind::Other], 0.75);
    }
    let mut kinds = Vec::new();
    let mut confidence =
        main_kind(&mut reading, read, signals, found, form).map(|(kind, confidence)| {
            kinds.push(kind);
            confidence
        });
    if !signals.questions.is_empty() {
        let question = signals.questions.join(" ");
        reading.reason(format!(
            "a question in the member's own words: '{question}'"
        ));
        reading.question = Some(question);
        kinds.push(ReplyKind::Question);
        confidence = Some(confidence.map_or(0.85, |c| c.min(0.85)));
    }
    let confidence = match confidence {
        Some(confidence) => confidence,
        None => {
            kinds.push(ReplyKind::Other);
            nothing_to_act_on(&mut reading, signals)
        }
    };
    reading.into_understanding(kinds, confidence)
}

/// A withdrawal, a registration or a decline, with its confidence; `None` when the reply
/// is none of them.
fn main_kind(
    reading: &mut Reading,
    read: &Read,
    signals: &Signals,
    found: Found,
    form_file: Option<&FormFile>,
) -> Option<(ReplyKind, f32)> {
    let Found {
        attendees,
        structured,
        withdrawn,
    } = found;
    let replaced = signals.replacement.is_some() && !attendees.is_empty();
    let by_subject = signals.subject.is_some() && signals.decline.is_none();
    let registers =
        signals.attend.is_some() || structured || replaced || form_file.is_some() || by_subject;
    if let (Some(cancel), false) = (signals.cancel, replaced) {
        reading.quote(cancel, "a withdrawal");
        // The people named are those withdrawn (none: the whole registration).
        reading.attendees = if withdrawn.is_empty() {
            attendees
        } else {
            withdrawn
        };
        return Some((ReplyKind::RegistrationCancel, 0.85));
    }
    if registers {
        let from_file = form_file.is_some_and(|f| f.attendees > 0) && !structured;
        let mut confidence = registration(reading, read, signals, attendees, structured);
        if let Some(file) = form_file {
            let name = &file.name;
            if file.attendees > 0 {
                reading.reason(format!(
                    "the attached form '{name}' names {} attendee(s)",
                    file.attendees
                ));
                if from_file {
                    confidence = confidence.max(0.75);
                }
            } else {
                reading.reason(format!(
                    "the attachment '{name}' looks like a registration form, but names nobody the reader can find"
                ));
                confidence = confidence.min(0.5);
            }
        }
        return Some((ReplyKind::Registration, confidence));
    }
    let decline = signals.decline?;
    reading.quote(decline, "nobody will come");
    // Who is named as not coming: withdrawn, when they were registered.
    reading.attendees = withdrawn;
    Some((ReplyKind::Declines, 0.85))
}

/// The confidence of an "other" reading: fair for thanks, low for nothing at all.
fn nothing_to_act_on(reading: &mut Reading, signals: &Signals) -> f32 {
    match signals.thanks {
        Some(thanks) => {
            reading.quote(thanks, "thanks or an acknowledgement, nothing to act on");
            0.7
        }
        None => {
            reading.reason("nothing to act on was found in the member's own words".into());
            0.45
        }
    }
}

/// Who comes; returns the confidence of the registration.
fn registration(
    reading: &mut Reading,
    read: &Read,
    signals: &Signals,
    mut attendees: Vec<Attendee>,
    structured: bool,
) -> f32 {
    let mut confidence: f32 = 0.9;
    match (signals.attend, signals.replacement) {
        (_, Some(replacement)) if !attendees.is_empty() => {
            reading.quote(replacement, "someone named comes instead of the member");
            confidence = 0.8;
        }
        (Some(attend), _) => reading.quote(attend, "someone will come"),
        (None, _) if structured => {
            reading.reason("a form or a table of attendees in the member's own words".into());
            confidence = 0.8;
        }
        (None, _) => match signals.subject {
            Some(word) => {
                reading.reason(format!(
                    "the subject opens with '{word}', as the circular's register link writes it"
                ));
                confidence = 0.7;
            }
            None => confidence = 0.5,
        },
    }
    if signals.decline.is_some() {
        reading.reason("the reply also says someone will not come".into());
        confidence -= 0.1;
    }
    let (name, address) = read.from.as_ref().map_or(("", ""), |from| {
        (from.name.as_deref().unwrap_or(""), from.address.as_str())
    });
    // The member named with nothing else ("Grace Wanjiku and John Kamau (…)") comes, but
    // is no extra attendee.
    let count = attendees.len();
    // Nor is the member who says "I will attend" and signs "Ana Pérez, Deputy Mayor".
    let signs = signals.itself.is_some();
    attendees.retain(|a| {
        !(is_person(a, name, address) && (a.position.is_empty() || signs && a.email.is_empty()))
    });
    let named = attendees.len() < count;
    let listed = attendees.iter().any(|a| is_person(a, name, address));
    let replaced = signals.replacement.is_some() && !attendees.is_empty();
    reading.itself =
        named || (!replaced && !listed && (signals.itself.is_some() || attendees.is_empty()));
    // "Sérgio forwarded me your invitation; I would like to register myself": the circular
    // quoted below greets the member, and someone else says "I".
    let first_person =
        signals.on_behalf.is_none() && signals.itself.is_none_or(|p| !MEMBER_COMES.contains(&p));
    if reading.itself
        && !named
        && first_person
        && let Some(member) = greeted_member(&read.text)
        && someone_else(&member, name)
    {
        reading.itself = false;
        reading.reason(format!(
            "the circular quoted greets {member}, and {name} writes in the first person: the sender comes"
        ));
        if !attendees.iter().any(|a| is_person(a, name, address)) {
            attendees.insert(
                0,
                Attendee {
                    name: attendees::clean_name(name),
                    position: attendees::position_under(read.own_text(), name),
                    email: address.to_owned(),
                },
            );
        }
    }
    // "Madame Lefèvre participera … Elle sera accompagnée de …", "me permito confirmar la
    // participación de la Dra. Juliana Méndez": someone else writes that the member the
    // circular greets comes.
    if !reading.itself
        && !replaced
        && (!listed || signals.member_comes.is_some())
        && let Some(member) = greeted_member(&read.text)
        && someone_else(&member, name)
    {
        // Named in a sentence (no address of their own), the member is no extra attendee;
        // in a form or a table, everyone written is listed.
        let count = attendees.len();
        attendees.retain(|a| !(is_person(a, &member, "") && (!structured || a.email.is_empty())));
        if attendees.len() < count || signals.member_comes.is_some() {
            reading.itself = true;
            reading.reason(format!("{name} writes that {member}, the member, comes"));
        }
    }
    if let (true, Some(words)) = (reading.itself, signals.itself) {
        reading.quote(words, "the member comes");
    }
    if listed {
        reading.reason("the sender is listed among the attendees".into());
    }
    if attendees.iter().any(|a| a.email.is_empty()) {
        reading.reason("an attendee has no email address".into());
        confidence -= 0.1;
    }
    reading.attendees = attendees;
    confidence
}

/// The member the quoted circular greets ("Dear Ana Pérez,", "Chère, cher Ana Pérez,",
/// "Estimado/a Ana Pérez:"), if the reply quotes it.
fn greeted_member(text: &str) -> Option<String> {
    const GREETINGS: [(&str, char); 3] =
        [("Dear ", ','), ("Chère, cher ", ','), ("Estimado/a ", ':')];
    // Not the reply's own "Dear Sir or Madam,": the circular is quoted last.
    const ANYONE: &[&str] = &["sir", "madam", "colleagues", "secretariat", "team", "all"];
    text.lines()
        .rev()
        .map(|line| line.trim_start_matches(|c: char| c == '>' || c.is_whitespace()))
        .find_map(|line| {
            GREETINGS.iter().find_map(|(opening, end)| {
                let name = line.strip_prefix(opening)?.strip_suffix(*end)?.trim();
                // A person's name: "Dear Committee members," is not one.
                let named = name
                    .split_whitespace()
                    .all(|w| w.starts_with(char::is_uppercase) || w.chars().count() <= 3);
                let anyone = fold(name).split_whitespace().any(|w| ANYONE.contains(&w));
                (named && !anyone && name.split_whitespace().count() >= 2 && name.len() <= 80)
                    .then(|| name.to_owned())
            })
        })
}

/// Whether `sender` (a display name) is surely not `member`: two words or more, none of
/// them in the member's name ("Ana" alone may be Ana Pérez).
fn someone_else(member: &str, sender: &str) -> bool {
    let (member, sender) = (attendees::name_words(member), attendees::name_words(sender));
    sender.len() >= 2 && !sender.iter().any(|w| member.contains(w))
}

/// A forward to a colleague of the same organisation, with us only in copy.
fn internal_forward(read: &Read) -> Option<String> {
    if !forwarded_subject(read.subject.as_deref().unwrap_or("")) || read.to.is_empty() {
        return None;
    }
    let domain = |address: &str| address.rsplit('@').next().unwrap_or("").to_owned();
    let sender = domain(&read.from.as_ref()?.address);
    let colleagues = read.to.iter().all(|to| domain(to) == sender);
    colleagues.then(|| {
        "a forward to a colleague of the same organisation, with the secretariat only in copy"
            .to_owned()
    })
}

/// An attached document that is a registration form: named like one, or whose text is
/// a form naming someone.
#[derive(Debug, Clone)]
pub struct FormFile {
    pub name: String,
    /// Its text; empty when it cannot be read.
    pub text: String,
    /// The attendees its text names.
    pub attendees: usize,
}

/// The first attached document that is a registration form.
pub fn form_file(read: &Read) -> Option<FormFile> {
    const DOCUMENTS: &[&str] = &[".docx", ".doc", ".odt", ".pdf", ".rtf", ".txt"];
    read.attachments.iter().find_map(|attachment| {
        let name = attachment.name.as_deref()?;
        let folded = fold(name);
        let document = DOCUMENTS.iter().any(|d| folded.ends_with(d));
        let words: Vec<&str> = folded.split(|c: char| !c.is_alphanumeric()).collect();
        let named_like_one = FORM_FILE.iter().any(|f| words.contains(f));
        let text = attachment.text.clone().unwrap_or_default();
        let found = attendees::find(&text);
        let filled = found.structured && !found.attendees.is_empty();
        (document && (named_like_one || filled)).then(|| FormFile {
            name: name.to_owned(),
            text,
            attendees: found.attendees.len(),
        })
    })
}

/// The parts of an understanding gathered while deciding.
#[derive(Default)]
struct Reading {
    reasons: Vec<String>,
    attendees: Vec<Attendee>,
    itself: bool,
    question: Option<String>,
}

impl Reading {
    fn reason(&mut self, reason: String) {
        self.reasons.push(reason);
    }

    fn quote(&mut self, phrase: &str, meaning: &str) {
        self.reason(format!("'{phrase}' in the member's own words: {meaning}"));
    }

    fn into_understanding(self, kinds: Vec<ReplyKind>, confidence: f32) -> Understanding {
        Understanding {
            kinds,
            confidence: confidence.clamp(0.0, 1.0),
            reasons: self.reasons,
            attendees: self.attendees,
            itself: self.itself,
            question: self.question,
            language: None,
        }
    }
}
