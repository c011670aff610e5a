//! Who the reply registers: from filled-in forms, tables, one-per-line lists and sentences
//! of the member's own words (the signature already set aside).

mod clause;
mod form;
mod labels;
pub(super) mod lexicon;
mod names;
mod person;
mod segments;

pub use person::clean_name;
mod table;

use crate::inbound::read::fold;

use super::Attendee;
use super::signals::says_not_coming;
use super::words::sentences;

/// The attendees named in `body`, and whether they came in a form, a table or a list
/// (rather than only in sentences).
#[derive(Debug, Default)]
pub struct Found {
    /// Everyone named, once each, in the order written.
    pub attendees: Vec<Attendee>,
    /// Some came in a form, a table or a list: a registration even without "I will attend".
    pub structured: bool,
    /// The people named where the reply withdraws someone or says they will not come.
    pub withdrawn: Vec<Attendee>,
}

/// Whether `line` is a form's name field ("Name: Ana Pérez", "Nom :"): a form, not a
/// signature.
pub fn is_name_field(line: &str) -> bool {
    matches!(
        labels::labelled(line.trim()),
        Some((
            labels::Field::Name | labels::Field::Given | labels::Field::Family,
            _
        ))
    )
}

/// The attendees named in `body`, each once, in the order written.
pub fn find(body: &str) -> Found {
    let mut found = Found::default();
    for attendee in form::attendees(body)
        .into_iter()
        .chain(table::attendees(body))
    {
        add(&mut found.attendees, attendee);
    }
    let (written, listed) = clause::attendees(body);
    found.structured = !found.attendees.is_empty() || listed;
    for attendee in written {
        add(&mut found.attendees, attendee);
    }
    for sentence in sentences(body) {
        if says_not_coming(&sentence) {
            for (_, name) in names::names_in(&sentence) {
                let attendee = Attendee {
                    name: person::clean_name(&name),
                    ..Attendee::default()
                };
                add(&mut found.withdrawn, attendee);
            }
        }
    }
    found
}

/// The position written on the line under `name` in `text` (a signature or a block of
/// details: "Inês Vasconcelos Sá / Head of Division for Participatory Budgeting"), if any.
pub fn position_under(text: &str, name: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    lines
        .windows(2)
        .find(|pair| {
            same_name(pair[0], name) && !pair[1].contains('@') && lexicon::is_position_like(pair[1])
        })
        .map(|pair| person::clean_position(pair[1]))
        .unwrap_or_default()
}

/// Adds `attendee` unless the same address or name is already there.
fn add(list: &mut Vec<Attendee>, attendee: Attendee) {
    let same = |a: &Attendee| {
        (!a.email.is_empty() && a.email.eq_ignore_ascii_case(&attendee.email))
            || fold(&a.name) == fold(&attendee.name)
    };
    if !list.iter().any(same) {
        list.push(attendee);
    }
}

/// Whether `attendee` is the person called `name` (the sender, say): the same address, or
/// the same words of the name in any order and case.
pub fn is_person(attendee: &Attendee, name: &str, address: &str) -> bool {
    if !address.is_empty() && attendee.email.eq_ignore_ascii_case(address) {
        return true;
    }
    same_name(&attendee.name, name)
}

/// Whether `listed` and `name` share two words of the name or more, `name` having two.
fn same_name(listed: &str, name: &str) -> bool {
    let theirs = name_words(name);
    let listed = name_words(listed);
    theirs.len() >= 2 && theirs.iter().filter(|w| listed.contains(w)).count() >= 2
}

/// The words of a name, folded, initials left out.
pub fn name_words(name: &str) -> Vec<String> {
    fold(name)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 1)
        .map(str::to_owned)
        .collect()
}
