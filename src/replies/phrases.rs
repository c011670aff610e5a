//! The phrase lists, folded (lower case, no accents), in English, French and Spanish.
//!
//! Each list is searched as whole words in one folded sentence of the member's own words,
//! so a phrase needs only be as long as it takes to mean one thing.

mod asking;
mod coming;
mod not_coming;

pub use asking::*;
pub use coming::*;
pub use not_coming::*;

/// Thanks and acknowledgements: a reply that asks for nothing.
pub static THANKS: &[&str] = &[
    "thank you",
    "thanks",
    "received",
    "noted",
    "well received",
    "acknowledge",
    "merci",
    "bien recu",
    "accuse de reception",
    "je transmets",
    "gracias",
    "recibido",
    "acuso recibo",
    "agradezco",
    "great initiative",
    "excellente initiative",
    "belle initiative",
    "excelente iniciativa",
];

/// The member's own words point below, into the quote ("see my answer below").
pub static SEE_BELOW: &[&str] = &[
    "below",
    "inline",
    "ci-dessous",
    "plus bas",
    "entre les lignes",
    "en dessous",
    "abajo",
    "entre lineas",
    "mas abajo",
];

/// A form, as a file name says it.
pub static FORM_FILE: &[&str] = &[
    "form",
    "registration",
    "formulaire",
    "inscription",
    "bulletin",
    "formulario",
    "inscripcion",
    "ficha",
];
