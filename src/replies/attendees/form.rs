//! Filled-in forms: "Label: value" lines (or fields on one line separated by `|`), in any
//! order, one block per attendee; other fields and blank fields are ignored.

use super::labels::{Field, is_blank, labelled};
use super::person::{clean_email, clean_name, clean_position};
use crate::replies::Attendee;

/// One attendee's fields, as they are found.
#[derive(Default)]
struct Block {
    name: Option<String>,
    given: Option<String>,
    family: Option<String>,
    position: Option<String>,
    email: Option<String>,
}

impl Block {
    fn slot(&mut self, field: Field) -> &mut Option<String> {
        match field {
            Field::Name => &mut self.name,
            Field::Given => &mut self.given,
            Field::Family => &mut self.family,
            Field::Position => &mut self.position,
            Field::Email => &mut self.email,
        }
    }

    fn attendee(self) -> Option<Attendee> {
        let joined = [self.given, self.family]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let name = self
            .name
            .map(|n| {
                if joined.is_empty() {
                    n
                } else {
                    format!("{n} {joined}")
                }
            })
            .unwrap_or(joined);
        let attendee = Attendee {
            name: clean_name(&name),
            position: self
                .position
                .map(|p| clean_position(&p))
                .unwrap_or_default(),
            email: self.email.and_then(|e| clean_email(&e)).unwrap_or_default(),
        };
        (!attendee.name.is_empty()).then_some(attendee)
    }
}

/// The "Label: value" pairs of a line: "Nom : X / Fonction : Y | Courriel : Z". A piece
/// without a label of its own belongs to the value before it ("Directeur / DSI").
fn segments(line: &str) -> Vec<String> {
    const SEPARATORS: &[&str] = &["|", "\t", ";", " / ", " – ", " — ", " - "];
    if line.matches(':').count() < 2 {
        // One label at most: the line is one pair, or none.
        return line.split('|').map(str::to_owned).collect();
    }
    let mut pieces = vec![line.to_owned()];
    for separator in SEPARATORS {
        pieces = pieces
            .into_iter()
            .flat_map(|piece| {
                let mut joined: Vec<String> = Vec::new();
                for part in piece.split(separator) {
                    match joined.last_mut() {
                        Some(last) if labelled(part).is_none() => {
                            last.push_str(separator);
                            last.push_str(part);
                        }
                        _ => joined.push(part.to_owned()),
                    }
                }
                joined
            })
            .collect();
    }
    pieces
}

/// The attendees of the forms filled in `body`.
pub fn attendees(body: &str) -> Vec<Attendee> {
    let mut found = Vec::new();
    let mut block = Block::default();
    let mut fields = 0;
    for line in body.lines() {
        for segment in segments(line) {
            let Some((field, value)) = labelled(&segment) else {
                continue;
            };
            if block.slot(field).is_some() || (field == Field::Name && block.name.is_some()) {
                found.extend(std::mem::take(&mut block).attendee());
            }
            if !is_blank(value) {
                *block.slot(field) = Some(value.to_owned());
                fields += 1;
            } else {
                // A blank field still takes its place, so a repeated label opens a new block.
                *block.slot(field) = Some(String::new());
            }
        }
    }
    found.extend(block.attendee());
    // A lone "Name:" line is a sentence, not a form: a form has more than names.
    if fields < 2 {
        return Vec::new();
    }
    found.into_iter().filter(|a| !a.name.is_empty()).collect()
}
