//! The labels of a registration form or of a table's header, in English, French and
//! Spanish: which field of an attendee each one names.

use crate::inbound::read::fold;

/// The field a label names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The whole name.
    Name,
    /// The given name alone ("First name", "Prénom").
    Given,
    /// The family name alone ("Surname", "Apellidos").
    Family,
    Position,
    Email,
}

/// The labels of each field, folded.
const NAME: &[&str] = &[
    "name",
    "full name",
    "name and surname",
    "first and last name",
    "participant",
    "participant name",
    "attendee",
    "attendee name",
    "nom",
    "nom et prenom",
    "nom et prenoms",
    "nom prenom",
    "nom, prenom",
    "prenom et nom",
    "nom complet",
    "nombre",
    "nombre y apellidos",
    "nombre y apellido",
    "nombres y apellidos",
    "nombre completo",
    "apellidos y nombre",
    "apellidos, nombre",
    "participante",
    "apellidos y nombres",
    "apellidos y nombre",
    "apellido y nombre",
    "apellidos, nombres",
    "nombre y apellidos del participante",
    "surname and first name",
    "last name, first name",
    "surname, first name",
    "nom et prenom du participant",
    "nom, prenoms",
];
const GIVEN: &[&str] = &["first name", "given name", "forename", "prenom", "nombres"];
const FAMILY: &[&str] = &[
    "surname",
    "last name",
    "family name",
    "nom de famille",
    "apellidos",
    "apellido",
];
const POSITION: &[&str] = &[
    "position",
    "title",
    "job title",
    "function",
    "role",
    "designation",
    "position/title",
    "fonction",
    "poste",
    "titre",
    "qualite",
    "fonction/titre",
    "cargo",
    "puesto",
    "funcion",
    "cargo/puesto",
];
const EMAIL: &[&str] = &[
    "email",
    "e-mail",
    "mail",
    "email address",
    "e-mail address",
    "courriel",
    "adresse electronique",
    "adresse e-mail",
    "adresse email",
    "adresse mail",
    "correo",
    "correo electronico",
    "correo-e",
    "e-mail/courriel",
    "email/correo",
    "direccion de correo",
    "direccion de correo electronico",
];

/// Each field with its labels.
const LISTS: [(&[&str], Field); 5] = [
    (NAME, Field::Name),
    (GIVEN, Field::Given),
    (FAMILY, Field::Family),
    (POSITION, Field::Position),
    (EMAIL, Field::Email),
];

/// The field that `label` names ("Nom et prénom :", "Correo electrónico"), if any.
pub fn field(label: &str) -> Option<Field> {
    let folded = fold(label);
    // "Name 2", "Participant #1": the attendee's number is no part of the label.
    let folded = folded
        .trim_matches(|c: char| c.is_whitespace() || ":*-•.#".contains(c) || c.is_ascii_digit())
        .trim();
    if folded.contains('/') && !LISTS.iter().any(|(list, _)| list.contains(&folded)) {
        // "Name / Nom", "E-mail / Courriel": a label in two languages.
        return folded.split('/').find_map(field);
    }
    LISTS
        .iter()
        .find(|(list, _)| list.contains(&folded))
        .map(|(_, field)| *field)
}

/// A "Label: value" pair whose label names a field; the value may be blank.
pub fn labelled(segment: &str) -> Option<(Field, &str)> {
    let (label, value) = segment.split_once(':')?;
    Some((field(label)?, value.trim()))
}

/// A form field left as it came: empty, underscores, dots, dashes.
pub fn is_blank(value: &str) -> bool {
    value
        .chars()
        .all(|c| c.is_whitespace() || "_.-–…/[]()".contains(c))
}
