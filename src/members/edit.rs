//! Edits of one member from the command line (and, later, the web): the fields to change,
//! applied to a member as a value, and the differences `members add` refuses.

use std::fmt;

use super::Member;
use crate::locale::Language;

/// Fields to change on a member; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberEdit {
    pub name: Option<String>,
    pub position: Option<String>,
    pub organisation: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    /// `Some(None)` clears the language: the member reads their committee's.
    pub language: Option<Option<Language>>,
}

impl MemberEdit {
    /// Changes nothing.
    pub fn is_empty(&self) -> bool {
        self == &MemberEdit::default()
    }

    /// `member` with these edits.
    pub fn apply(&self, member: &Member) -> Member {
        let pick = |edit: &Option<String>, old: &String| edit.as_ref().unwrap_or(old).clone();
        Member {
            email: member.email.clone(),
            name: pick(&self.name, &member.name),
            position: pick(&self.position, &member.position),
            organisation: pick(&self.organisation, &member.organisation),
            city: pick(&self.city, &member.city),
            country: pick(&self.country, &member.country),
            language: self.language.unwrap_or(member.language),
        }
    }
}

/// One field on which two descriptions of a member disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDifference {
    pub field: &'static str,
    /// The value the database has.
    pub stored: String,
    /// The value given.
    pub given: String,
}

/// A value as messages show it: in backquotes, or `empty`.
pub fn shown(value: &str) -> String {
    if value.is_empty() {
        "empty".to_string()
    } else {
        format!("`{value}`")
    }
}

impl fmt::Display for FieldDifference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} is {}, not {}",
            self.field,
            shown(&self.stored),
            shown(&self.given)
        )
    }
}

impl Member {
    /// Each field where `given` differs from this (stored) member, with both values.
    pub fn differences(&self, given: &Member) -> Vec<FieldDifference> {
        let language = |m: &Member| m.language.map_or(String::new(), |l| l.code().to_string());
        let pairs = [
            ("name", self.name.clone(), given.name.clone()),
            ("position", self.position.clone(), given.position.clone()),
            (
                "organisation",
                self.organisation.clone(),
                given.organisation.clone(),
            ),
            ("city", self.city.clone(), given.city.clone()),
            ("country", self.country.clone(), given.country.clone()),
            ("language", language(self), language(given)),
        ];
        pairs
            .into_iter()
            .filter(|(_, stored, given)| stored != given)
            .map(|(field, stored, given)| FieldDifference {
                field,
                stored,
                given,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::members::EmailAddress;

    fn kwame() -> Member {
        Member {
            name: "Kwame Mensah".into(),
            city: "Kumasi".into(),
            language: Some(Language::En),
            ..Member::new(EmailAddress::parse("k.mensah@accra.example.org").unwrap())
        }
    }

    #[test]
    fn an_edit_changes_the_fields_it_names_and_keeps_the_others() {
        let edit = MemberEdit {
            city: Some("Accra".into()),
            language: Some(None),
            ..MemberEdit::default()
        };
        let after = edit.apply(&kwame());
        assert_eq!(after.city, "Accra");
        assert_eq!(after.language, None);
        assert_eq!(after.name, "Kwame Mensah");
        assert!(!edit.is_empty());
        assert!(MemberEdit::default().is_empty());
    }

    #[test]
    fn differences_name_each_field_with_both_values() {
        let given = Member {
            city: "Accra".into(),
            language: None,
            ..kwame()
        };
        let lines: Vec<String> = kwame()
            .differences(&given)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            lines,
            vec![
                "city is `Kumasi`, not `Accra`",
                "language is `en`, not empty"
            ]
        );
        assert!(kwame().differences(&kwame()).is_empty());
    }
}
