//! The parts of a clause that name someone: fields between dashes, bars or semicolons, or
//! between commas and brackets, and the name among them.

use super::lexicon::{capitalised, is_particle};
use super::names::{names_in, split_name};
use super::person::clean_name;
use crate::inbound::read::{first_phrase, fold};
use crate::replies::phrases::REPLACEMENT;
use crate::replies::signals::says_attending;

/// The words before a name and the name, "GÓMEZ DEL VALLE, Luciana" included.
pub(super) fn split_named(segment: &str) -> Option<(String, String)> {
    if family_first(segment) {
        return Some((String::new(), clean_name(segment)));
    }
    split_name(segment)
}

/// "GÓMEZ DEL VALLE, Luciana": the family name in capitals, a comma, the given names.
/// "Van den Bossche, Pieter" too: a family name with a particle, one given name.
pub(super) fn family_first(text: &str) -> bool {
    let text = text.trim_matches(|c: char| !c.is_alphanumeric());
    let Some((family, given)) = text.split_once(',') else {
        return false;
    };
    let family: Vec<&str> = family.split_whitespace().collect();
    let given: Vec<&str> = given.split_whitespace().collect();
    let capitals = |w: &&str| {
        w.chars().filter(|c| c.is_alphabetic()).count() >= 2 && !w.chars().any(char::is_lowercase)
    };
    let given_ok = |most: usize| {
        (1..=most).contains(&given.len()) && given.iter().all(|w| w.starts_with(char::is_uppercase))
    };
    let in_capitals = family.iter().all(capitals) && given_ok(3);
    let with_particle = family.iter().any(|w| is_particle(w))
        && family.iter().all(|w| capitalised(w) || is_particle(w))
        && given_ok(1);
    (1..=4).contains(&family.len()) && (in_capitals || with_particle)
}

/// The parts of a clause: between spaced dashes, bars, slashes or semicolons when it has
/// them, else between commas and parentheses.
pub(super) fn segments(clause: &str) -> Vec<String> {
    const DASHES: [&str; 6] = [" - ", " – ", " — ", " | ", " / ", " ; "];
    // Dashes separate the fields of a list line ("Ana Pérez – Deputy Mayor – ana@…"); in
    // prose, where a comma comes first, a dash is inside a field ("cheffe de division –
    // Participation citoyenne").
    let first_dash = DASHES.iter().filter_map(|d| clause.find(d)).min();
    let prose =
        first_dash.is_some_and(|at| clause[..at].contains(',') && !family_first(&clause[..at]));
    let parts: Vec<String> = if first_dash.is_some() && !prose {
        let mut parts = vec![clause.to_owned()];
        for dash in DASHES {
            parts = parts
                .iter()
                .flat_map(|p| p.split(dash).map(str::to_owned).collect::<Vec<_>>())
                .collect();
        }
        parts
    } else {
        bracketed(clause)
    };
    parts
        .into_iter()
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.trim_matches(|c: char| !c.is_alphanumeric()).is_empty())
        .collect()
}

/// A clause cut at its commas and around its brackets; a part written in brackets keeps
/// them ("General Manager", "(IT & e-Governance)"), so that a position said with one is put
/// back together as it was written (see [`joined`]).
fn bracketed(clause: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut part = String::new();
    let mut depth = 0usize;
    for c in clause.chars() {
        match c {
            ',' if depth == 0 => parts.push(std::mem::take(&mut part)),
            '(' => {
                if depth == 0 {
                    parts.push(std::mem::take(&mut part));
                }
                depth += 1;
                part.push(c);
            }
            ')' if depth > 0 => {
                part.push(c);
                depth -= 1;
                if depth == 0 {
                    parts.push(std::mem::take(&mut part));
                }
            }
            _ => part.push(c),
        }
    }
    parts.push(part);
    // "Special Adviser (Governance) in the Office of …": the words after a bracket go on
    // with it (not "(Deputy Mayor) will attend", nor "(directeur) et Mme Claire Martin").
    let mut glued: Vec<String> = Vec::with_capacity(parts.len());
    for part in parts {
        let rest = part.trim_start();
        match glued.last_mut() {
            Some(last)
                if last.ends_with(')')
                    && rest.starts_with(char::is_lowercase)
                    && !says_coming(rest)
                    && names_in(rest).is_empty() =>
            {
                last.push(' ');
                last.push_str(rest);
            }
            _ => glued.push(part),
        }
    }
    glued
}

/// Segments of a position joined as they were written: a bracketed one follows the one
/// before it, the others are separated by commas.
pub(super) fn joined(parts: &[String]) -> String {
    let mut text = String::new();
    for part in parts {
        if !text.is_empty() {
            text.push_str(if part.starts_with('(') { " " } else { ", " });
        }
        text.push_str(part);
    }
    text
}

/// Whether `segment` says someone comes or replaces someone ("me remplacera", "will
/// attend"): a verb of the sentence, not a field.
pub(super) fn says_coming(segment: &str) -> bool {
    let folded = fold(segment);
    first_phrase(&folded, REPLACEMENT).is_some() || says_attending(segment)
}
