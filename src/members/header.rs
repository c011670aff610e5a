//! The header line of a member list: which column is which, in English, French or Spanish.

use unicode_normalization::UnicodeNormalization;

use super::recipients::COLUMNS;
use crate::locale::{aliases, lookup};

/// What a header line says of the columns below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// For each field of a row: the index in [`COLUMNS`] it fills, or `None` when ignored.
    pub columns: Vec<Option<usize>>,
    /// The names of the columns that are not ours, as written (an unnamed one as its number).
    pub ignored: Vec<String>,
    /// The member fields (all but `email`) that no column gives.
    pub absent: Vec<&'static str>,
}

/// Reads a header line.
///
/// # Errors
/// Two columns for one field, or no address column.
pub fn read_header<'a>(fields: impl IntoIterator<Item = &'a str>) -> Result<Header, String> {
    let mut columns: Vec<Option<usize>> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut ignored = Vec::new();
    for (i, field) in fields.into_iter().enumerate() {
        let name: String = field.trim().nfc().collect();
        let column = lookup(&aliases::COLUMNS, &name)
            .and_then(|canonical| COLUMNS.iter().position(|c| *c == canonical));
        if let Some(column) = column
            && let Some(first) = columns.iter().position(|c| *c == Some(column))
        {
            return Err(twice(&names[first], &name, COLUMNS[column]));
        }
        if column.is_none() {
            ignored.push(if name.is_empty() {
                format!("{} (no name)", i + 1)
            } else {
                name.clone()
            });
        }
        columns.push(column);
        names.push(name);
    }
    if !columns.contains(&Some(0)) {
        let hint = if names.iter().any(|n| n.contains('@')) {
            ": the first line must name the columns"
        } else {
            ""
        };
        return Err(format!(
            "the header has no address column (`email`, `courriel` or `correo`){hint}"
        ));
    }
    let absent = (1..COLUMNS.len())
        .filter(|i| !columns.contains(&Some(*i)))
        .map(|i| COLUMNS[i])
        .collect();
    Ok(Header {
        columns,
        ignored,
        absent,
    })
}

fn twice(first: &str, second: &str, field: &str) -> String {
    if first == second {
        format!("column `{first}` appears twice: delete one")
    } else {
        format!("columns `{first}` and `{second}` both give the `{field}`: delete one")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_and_spanish_names_are_read_and_other_columns_ignored() {
        let header = read_header(["Courriel", " Nom ", "Téléphone", "PAÍS", "", "Rôle"]).unwrap();
        assert_eq!(
            header.columns,
            vec![Some(0), Some(1), None, Some(5), None, Some(7)]
        );
        assert_eq!(header.ignored, vec!["Téléphone", "5 (no name)"]);
        assert_eq!(
            header.absent,
            vec!["position", "organisation", "city", "language"]
        );
    }

    #[test]
    fn one_field_in_two_languages_is_refused_with_both_names() {
        assert_eq!(
            read_header(["email", "courriel"]),
            Err("columns `email` and `courriel` both give the `email`: delete one".into())
        );
        assert_eq!(
            read_header(["email", "name", "name"]),
            Err("column `name` appears twice: delete one".into())
        );
    }

    #[test]
    fn a_header_without_an_address_column_is_refused() {
        let err = read_header(["ana@example.org", "Ana"]).unwrap_err();
        assert!(
            err.ends_with("the first line must name the columns"),
            "{err}"
        );
        assert!(read_header(["name"]).is_err());
    }
}
