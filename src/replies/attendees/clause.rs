//! Attendees written in a line: one per line in a list ("Ana Pérez – Deputy Mayor –
//! ana@x.org", "Ana Pérez, Deputy Mayor (ana@x.org)") or in a sentence ("our deputy mayor
//! Ana Pérez and her adviser Luis Ortiz (luis.ortiz@x.org) will attend").
//!
//! Each email address anchors one attendee: the words before it, back to the previous
//! address or the start of the sentence, hold the name and the position. Names without an
//! address count in a sentence that says they come.

use super::lexicon::{is_position_like, is_title};
use super::names::{names_in, position_before, split_name};
use super::person::{clean_name, clean_position, emails, is_name, opens_with_possessive};
use super::segments::{family_first, joined, says_coming, segments, split_named};
use crate::inbound::read::fold;
use crate::replies::Attendee;
use crate::replies::signals::says_attending;
use crate::replies::words::{sentences, unwrapped};

/// The attendees named in the lines of `body`, and whether one of them was a line of its
/// own (a list).
pub fn attendees(body: &str) -> (Vec<Attendee>, bool) {
    let mut found: Vec<Attendee> = Vec::new();
    let mut listed = false;
    // A sentence a client wrapped is read whole.
    let unwrapped = unwrapped(body);
    let lines: Vec<&str> = unwrapped.iter().map(String::as_str).collect();
    let items: Vec<Option<(Attendee, bool)>> = lines.iter().map(|l| without_email(l)).collect();
    for (i, line) in lines.iter().copied().enumerate() {
        let anchored = emails(line);
        if let Some((item, marked)) = &items[i] {
            // An unmarked "Ana Pérez, Mayor" is a list only beside another such line.
            let neighbour =
                |j: Option<usize>| j.and_then(|j| items.get(j)).is_some_and(Option::is_some);
            if *marked || neighbour(i.checked_sub(1)) || neighbour(Some(i + 1)) {
                listed = true;
                found.push(item.clone());
            }
        }
        if let [(start, end, email)] = anchored.as_slice()
            && let Some(attendee) = block(&lines, i, &line[..*start], &line[*end..], email)
        {
            listed = true;
            found.push(attendee);
            continue;
        }
        let first_new = found.len();
        for sentence in sentences(line) {
            if emails(&sentence).is_empty() && says_attending(&sentence) {
                found.extend(unaddressed(&segments(&sentence)));
            }
        }
        listed |= addressed(line, &anchored, &mut found, first_new);
    }
    (found, listed)
}

/// "Jordi Vilaró i Casals", "Director de Serveis Digitals", "jvilaro@…" on lines of their
/// own: the attendee whose address is alone on line `i`, named on the line above it or
/// the one above that, with the position between.
fn block(lines: &[&str], i: usize, before: &str, after: &str, email: &str) -> Option<Attendee> {
    let alone = |text: &str| {
        !text
            .replace("mailto:", "")
            .chars()
            .any(char::is_alphanumeric)
    };
    if !alone(after) {
        return None;
    }
    let above = |n: usize| {
        i.checked_sub(n)
            .map(|j| lines[j].trim())
            .filter(|l| !l.is_empty() && emails(l).is_empty())
    };
    let attendee = |name: &str, position: &str| Attendee {
        name: clean_name(name),
        position: clean_position(position),
        email: email.to_owned(),
    };
    if !alone(before) {
        // "ICT Project Manager (e-Services)\n<anri@…>", the two lines read as one.
        let position = before.trim();
        let name = above(1).filter(|n| is_name(n))?;
        return (is_position_like(position) && !is_name(position))
            .then(|| attendee(name, position));
    }
    let one = above(1)?;
    if is_name(one) {
        return Some(attendee(one, ""));
    }
    let two = above(2)?;
    let position = |line: &str| is_position_like(line) && !line.ends_with(['.', ':', '!', '?']);
    if is_name(two) && position(one) {
        return Some(attendee(two, one));
    }
    // "Jennifer Walsh / Director, Digital Government / Technology Services Division | City
    // of Toronto / jennifer@…": the organisation's line between the position and the address.
    let three = above(3)?;
    (is_name(three) && position(two) && !is_name(one) && !one.ends_with(['.', ':', '!', '?']))
        .then(|| attendee(three, two))
}

/// Adds the attendees anchored on the addresses of `line` to `found` (whose entries from
/// `first_new` on are from this line); whether one was a list item.
fn addressed(
    line: &str,
    anchored: &[(usize, usize, String)],
    found: &mut Vec<Attendee>,
    first_new: usize,
) -> bool {
    let mut listed = false;
    let mut from = 0;
    let mut last_email = String::new();
    for (i, (start, end, email)) in anchored.iter().enumerate() {
        let clause = &line[from..*start];
        let tail = &line[*end..anchored.get(i + 1).map_or(line.len(), |next| next.0)];
        from = *end;
        if email.eq_ignore_ascii_case(&last_email) {
            continue; // "ana@x.org <mailto:ana@x.org>"
        }
        last_email.clone_from(email);
        let attendees = in_clause(clause, tail, email);
        listed |= attendees.len() == 1 && is_item(clause, &attendees[0].name);
        if attendees.is_empty() {
            // "Mr. John Smith will represent us. His email is john@…"
            if let Some(named) = found[first_new..].iter_mut().rfind(|a| a.email.is_empty()) {
                named.email.clone_from(email);
            }
        }
        found.extend(attendees);
    }
    // "…, Director de Datos (jvilanova@…), y Laia Ferrer Soler, Técnica de Gobierno
    // Abierto.": someone named after the last address, without one of their own.
    if let Some((_, end, _)) = anchored.last() {
        let rest =
            line[*end..].trim_start_matches(|c: char| c.is_whitespace() || ",;)>]".contains(c));
        let sentence = sentences(rest).into_iter().next().unwrap_or_default();
        let joined = [
            "and ",
            "y ",
            "et ",
            "e ",
            "as well as ",
            "ainsi que ",
            "así como ",
        ]
        .iter()
        .find_map(|j| sentence.strip_prefix(j));
        if let Some(joined) = joined {
            for attendee in unaddressed(&segments(joined)) {
                if !found.iter().any(|a| a.name == attendee.name) {
                    found.push(attendee);
                }
            }
        }
    }
    listed
}

/// Whether `clause` opens with `name`, after list marks and a title: a line of a list.
fn is_item(clause: &str, name: &str) -> bool {
    let words: Vec<&str> = clause
        .split_whitespace()
        .skip_while(|w| {
            w.chars().all(|c| !c.is_alphabetic())
                || is_title(w)
                || w.ends_with(['.', ')']) && w.len() <= 3
        })
        .collect();
    words.join(" ").starts_with(name)
}

/// The attendee whose address is `email`, with the name and position in the words before
/// it (or just after it, in `tail`); and the people named with them ("Ana Pérez and Luis
/// Ortiz (luis@…)").
fn in_clause(clause: &str, tail: &str, email: &str) -> Vec<Attendee> {
    if !clause.chars().any(char::is_alphabetic) {
        // "ana@x.org – Ana Pérez – Deputy Mayor": the address first.
        return after_address(tail, email).into_iter().collect();
    }
    // "Van den Bossche, Pieter ; Conseiller au cabinet ; pieter@…": fields, not sentences.
    let record = clause.contains(" ; ") && !clause.contains(['.', '!', '?']);
    let sentence = if record {
        clause.to_owned()
    } else {
        match sentences(clause).pop() {
            Some(sentence) => sentence,
            None => return Vec::new(),
        }
    };
    if let Some(attendee) = position_then_name(&sentence, email) {
        return vec![attendee];
    }
    let segments = segments(&sentence);
    // The name nearest the address: what lies between them is the position.
    // "Senior Manager: Systems Integration" is a position.
    let names = |s: &String| {
        split_named(s).is_some_and(|(_, n)| !is_position_like(&n))
            && !s
                .split_once(':')
                .is_some_and(|(head, _)| is_position_like(head) && !says_coming(head))
    };
    // "Sipho Ndlovu, our Head of Smart City Unit (sipho@…)": what opens with "our" after
    // a name is the position ("our coordinator Mehmet Kaya (…)" alone names him).
    let Some(named) = segments
        .iter()
        .rposition(|s| !opens_with_possessive(s) && names(s))
        .or_else(|| segments.iter().rposition(names))
    else {
        return named_anywhere(&segments, email)
            .or_else(|| in_lower_case(&segments, email))
            .into_iter()
            .collect();
    };
    let Some((before, name)) = split_named(&segments[named]) else {
        return Vec::new();
    };
    let position = position_of(&segments, named, &before, tail);
    let mut earlier = segments[..named].to_vec();
    earlier.push(before);
    let mut found = unaddressed(&earlier);
    found.retain(|a| a.name != name);
    found.push(Attendee {
        name,
        position,
        email: email.to_owned(),
    });
    found
}

/// "Conseiller principal, gouvernance des données : François-Xavier Bélanger (fx@…)": a
/// list line that gives the position first, then a colon and the name.
fn position_then_name(sentence: &str, email: &str) -> Option<Attendee> {
    let (head, name) = sentence.rsplit_once(':')?;
    let name = name.trim_end_matches(|c: char| c.is_whitespace() || "([<".contains(c));
    let position = clean_position(head.trim_start_matches(|c: char| !c.is_alphanumeric()));
    // Not "She will be accompanied by Mr Sipho Ndlovu, Senior Manager: Systems Integration",
    // nor "Sipho Ndlovu, Senior Manager: Enterprise Architecture, sipho@…".
    let named_first = head.split_once(',').is_some_and(|(first, _)| {
        is_name(first.trim_start_matches(|c: char| !c.is_alphanumeric()))
    });
    let sentence_head = head.split_whitespace().any(is_title) || says_coming(head) || named_first;
    let fits = is_name(name)
        && !sentence_head
        && is_position_like(&position)
        && !position.contains(['.', '!', '?', ':'])
        && position.split_whitespace().count() <= 12;
    fits.then(|| Attendee {
        name: clean_name(name),
        position,
        email: email.to_owned(),
    })
}

/// "Her name is Ana Ruiz and her email is ana@…": the last name said before the address.
fn named_anywhere(segments: &[String], email: &str) -> Option<Attendee> {
    let (before, name) = segments.iter().flat_map(|s| names_in(s)).last()?;
    Some(Attendee {
        name,
        position: position_before(&before),
        email: email.to_owned(),
    })
}

/// "ana perez, directora, ana@x.org": a list line written without capitals, the name first.
fn in_lower_case(segments: &[String], email: &str) -> Option<Attendee> {
    let (first, rest) = segments.split_first()?;
    let name = clean_name(first.trim_start_matches(|c: char| !c.is_alphabetic()));
    let words = name.split_whitespace().count();
    let letters = name
        .chars()
        .all(|c| c.is_alphabetic() || c == ' ' || c == '-' || c == '\'');
    let lower = !segments
        .iter()
        .flat_map(|s| s.chars())
        .any(char::is_uppercase);
    let plain = (2..=5).contains(&words) && letters && lower && !is_position_like(&name);
    let position = clean_position(&joined(rest));
    (plain && is_position_like(&position)).then(|| Attendee {
        name,
        position,
        email: email.to_owned(),
    })
}

/// The attendee written after an address that opens a line: the name first, then the
/// position.
fn after_address(tail: &str, email: &str) -> Option<Attendee> {
    let parts = segments(tail);
    let (first, rest) = parts.split_first()?;
    is_name(first).then(|| Attendee {
        name: clean_name(first),
        position: clean_position(&joined(rest)),
        email: email.to_owned(),
    })
}

/// The position of the person named in `segments[named]`: the segments up to the
/// address, else the words before the name, else the segment before, else what follows
/// the address in `tail`.
fn position_of(segments: &[String], named: usize, before: &str, tail: &str) -> String {
    // "…, chef de la cellule informatique, me remplacera": the clause's verb is no position.
    let after: Vec<String> = segments[named + 1..]
        .iter()
        .filter(|s| !says_coming(s) && !clean_position(s).is_empty())
        .cloned()
        .collect();
    if !after.is_empty() {
        return clean_position(&joined(&after));
    }
    let said_before = position_before(before);
    if !said_before.is_empty() {
        return said_before;
    }
    if named > 0 {
        // "our Chief Digital Officer, Ravi Patel, ravi.patel@…"
        let before_previous = position_before(&segments[named - 1]);
        let previous = split_name(&segments[named - 1])
            .map(|(_, p)| p)
            .filter(|p| is_position_like(p) && p.len() >= before_previous.len())
            .unwrap_or(before_previous);
        if !previous.is_empty() {
            return previous;
        }
    }
    // "Jane Doe (jane@…), Senior Data Scientist." (not "Paul Durand (paul@…) will come too")
    let rest = tail.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ')' | '>' | ']'));
    if !rest.starts_with([',', ';', ':', '-', '–', '—', '|', '/']) {
        return String::new();
    }
    sentences(tail)
        .first()
        .and_then(|s| self::segments(s).into_iter().next())
        .map(|s| clean_position(&s))
        .filter(|s| is_position_like(s) && s.split_whitespace().count() <= 8)
        .unwrap_or_default()
}

/// People named without an address in `segments`, each with the position said before
/// the name ("our mayor Ana Pérez") or in the next segment ("Ana Pérez, our mayor, …").
fn unaddressed(segments: &[String]) -> Vec<Attendee> {
    // Those a reply writes for, and those someone comes instead of, are not coming.
    const ON_BEHALF: &[&str] = &[
        "instead of",
        "in place of",
        "replacing",
        "au lieu de",
        "a la place de",
        "en remplacement de",
        "en lugar de",
        "en lugar del",
        "en sustitucion de",
        "en reemplazo de",
        "behalf of",
        "request of",
        "part de",
        "nom de",
        "demande de",
        "instruction de",
        "nombre de",
        "nombre del",
        "instruccion de",
        "instrucciones de",
        "indicaciones de",
        "indicacion de",
        "pedido de",
        "encargo de",
    ];
    let mut found = Vec::new();
    let mut said = String::new();
    for (i, segment) in segments.iter().enumerate() {
        let mixed_case = segment.chars().any(char::is_lowercase);
        for (before, name) in names_in(segment).into_iter().filter(|_| mixed_case) {
            let context = fold(&format!("{said} {before}"));
            if ON_BEHALF.iter().any(|p| context.contains(p)) {
                continue;
            }
            let mut position = position_before(&before);
            // "Nuestra alcaldesa, la Sra. Juana Ruiz": an article and a title say nothing.
            let bare = before.split_whitespace().all(|w| {
                is_title(w) || ["the", "le", "la", "el", "les", "los", "las"].contains(&w)
            });
            if position.is_empty() && bare && i > 0 {
                position = position_before(&segments[i - 1]);
            }
            // "Mon conseiller, Thibault Van den Bossche, Conseiller Smart City & Données
            // ouvertes": the position written after the name says more than one word before.
            if !position.contains(' ')
                && let Some(next) = segments.get(i + 1)
                && names_in(next).is_empty()
                && is_position_like(next)
                && !says_coming(next)
                && next.split_whitespace().count() <= 12
            {
                position = strip_determiner(next);
            }
            found.push(Attendee {
                name: clean_name(&name),
                position: clean_position(&position),
                email: String::new(),
            });
        }
        said.push(' ');
        said.push_str(segment);
    }
    found
}

/// "our Chief Information Officer", "the Head of the Open Data Division" without the
/// word that opens them.
fn strip_determiner(text: &str) -> String {
    const ARTICLES: &[&str] = &["the", "le", "la", "el"];
    let position = clean_position(text);
    match position.split_once(' ') {
        Some((first, rest)) if ARTICLES.contains(&fold(first).as_str()) => rest.to_owned(),
        _ => position,
    }
}

/// A list item without an address: "- Ana Pérez, Deputy Mayor", "Ana Pérez – Deputy Mayor",
/// and whether a list mark or a dash says it is one.
fn without_email(line: &str) -> Option<(Attendee, bool)> {
    if !emails(line).is_empty() {
        return None;
    }
    let trimmed = line.trim();
    let item = trimmed
        .strip_prefix(['-', '*', '•'])
        .or_else(|| {
            let digits = trimmed.trim_start_matches(|c: char| c.is_ascii_digit());
            (digits.len() < trimmed.len())
                .then(|| digits.strip_prefix(['.', ')']))
                .flatten()
        })
        .map(str::trim);
    let dashed = [" - ", " – ", " — "].iter().any(|d| trimmed.contains(d));
    let short = trimmed.split_whitespace().count() <= 14 && !trimmed.ends_with(['.', '?', '!']);
    let text = item.unwrap_or(trimmed);
    if item.is_none() && !dashed && !short {
        return None;
    }
    let parts = segments(text);
    let (first, rest) = parts.split_first()?;
    let position = clean_position(&joined(rest));
    let attendee = Attendee {
        name: clean_name(first),
        position,
        email: String::new(),
    };
    ((is_name(first) || family_first(first))
        && !rest.is_empty()
        && is_position_like(&attendee.position))
    .then_some((attendee, item.is_some() || dashed))
}
