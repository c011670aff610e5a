//! Tables: rows of cells separated by tabs (how HTML tables come out as text) or by `|`,
//! with or without a header row; and tables whose cells came out one per line, a header
//! of labels alone on their lines first (Word tables whose cells hold paragraphs).

use super::labels::{Field, field, labelled};
use super::person::{clean_email, clean_name, clean_position, is_name};
use crate::replies::Attendee;

/// The attendees of the tables in `body`.
pub fn attendees(body: &str) -> Vec<Attendee> {
    let mut found = rows(body);
    if found.is_empty() {
        found = vertical(body);
    }
    found
}

/// The cells of a row; an empty one inside it keeps its place, so that the cells stay
/// under their header.
fn cells(line: &str) -> Vec<&str> {
    let separator = if line.contains('\t') { '\t' } else { '|' };
    let mut cells: Vec<&str> = line.split(separator).map(str::trim).collect();
    while cells.last().is_some_and(|c| c.is_empty()) {
        cells.pop();
    }
    let leading = cells.iter().take_while(|c| c.is_empty()).count();
    cells.drain(..leading);
    cells
}

/// Cells on a line, none of them a form's "Label: value".
fn is_row(line: &str) -> bool {
    let cells = cells(line);
    (line.contains('\t') || line.matches('|').count() >= 2)
        && cells.iter().filter(|c| !c.is_empty()).count() >= 2
        && !cells.iter().any(|c| labelled(c).is_some())
}

/// The fields a header row names, when every cell is a label and one names a person.
fn header(cells: &[&str]) -> Option<Vec<Option<Field>>> {
    let fields: Vec<Option<Field>> = cells.iter().map(|c| field(c)).collect();
    let named = fields
        .iter()
        .any(|f| matches!(f, Some(Field::Name | Field::Given | Field::Family)));
    (named && fields.iter().filter(|f| f.is_some()).count() >= 2).then_some(fields)
}

fn rows(body: &str) -> Vec<Attendee> {
    let mut found = Vec::new();
    let mut columns: Option<Vec<Option<Field>>> = None;
    for line in body.lines() {
        if !is_row(line) {
            columns = None;
            continue;
        }
        let row = cells(line);
        if let Some(fields) = header(&row) {
            columns = Some(fields);
            continue;
        }
        let attendee = match &columns {
            Some(fields) => by_columns(fields, &row),
            None => by_looks(&row),
        };
        found.extend(attendee);
    }
    found
}

fn by_columns(fields: &[Option<Field>], row: &[&str]) -> Option<Attendee> {
    let mut name = Vec::new();
    let mut attendee = Attendee::default();
    for (field, cell) in fields.iter().zip(row) {
        match field {
            Some(Field::Name | Field::Given | Field::Family) => name.push(*cell),
            Some(Field::Position) => attendee.position = clean_position(cell),
            Some(Field::Email) => attendee.email = clean_email(cell).unwrap_or_default(),
            None => {}
        }
    }
    attendee.name = clean_name(&name.join(" "));
    (!attendee.name.is_empty()).then_some(attendee)
}

/// A row without a header: the email by its `@`, the name by its look, the rest the position.
fn by_looks(row: &[&str]) -> Option<Attendee> {
    let email_at = row.iter().position(|c| clean_email(c).is_some())?;
    let name_at = row
        .iter()
        .enumerate()
        .position(|(i, c)| i != email_at && is_name(c))?;
    let position: Vec<&str> = row
        .iter()
        .enumerate()
        // A row's number is no part of the position.
        .filter(|(i, c)| *i != email_at && *i != name_at && c.chars().any(char::is_alphabetic))
        .map(|(_, c)| *c)
        .collect();
    Some(Attendee {
        name: clean_name(row[name_at]),
        position: clean_position(&position.join(", ")),
        email: clean_email(row[email_at]).unwrap_or_default(),
    })
}

/// A header of labels, one per line, then the cells in the same order, one per line.
fn vertical(body: &str) -> Vec<Attendee> {
    let lines: Vec<&str> = body
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let width = lines[i..]
            .iter()
            .take_while(|l| field(l).is_some() && !l.contains(':'))
            .count();
        let fields: Vec<Option<Field>> = lines[i..i + width].iter().map(|l| field(l)).collect();
        if width < 2 || header(&lines[i..i + width]).is_none() {
            i += 1;
            continue;
        }
        let mut at = i + width;
        while at + width <= lines.len() {
            let row = &lines[at..at + width];
            let email_ok = fields
                .iter()
                .zip(row)
                .all(|(f, c)| *f != Some(Field::Email) || clean_email(c).is_some());
            match by_columns(&fields, row) {
                Some(attendee) if email_ok => found.push(attendee),
                _ => break,
            }
            at += width;
        }
        i = at;
    }
    found
}
