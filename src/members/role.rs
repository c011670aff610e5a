//! A member's role in one committee: a closed set, read in English, French or Spanish.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

use crate::locale::{aliases, lookup};

/// A member's role in one committee. Stored and exported in its canonical English spelling
/// (`member`, `chair`, `vice-chair`, `observer`, `secretariat`); read also in French and
/// Spanish, in either gender (`présidente`, `vicepresidente`, `observatrice`, `secretaría`…),
/// without regard to case or accents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// An ordinary member: the role of an empty cell.
    #[default]
    Member,
    /// Chairs the committee (président·e, presidente/a).
    Chair,
    /// Stands in for the chair (vice-président·e, vicepresidente/a).
    ViceChair,
    /// Follows the work without a vote (observateur/observatrice, observador/a).
    Observer,
    /// The network's secretariat (secrétariat, secretaría).
    Secretariat,
}

impl Role {
    /// Every role, in the order the documentation lists them.
    pub const ALL: [Role; 5] = [
        Role::Member,
        Role::Chair,
        Role::ViceChair,
        Role::Observer,
        Role::Secretariat,
    ];

    /// The canonical spellings of [`Role::ALL`], in that order.
    pub const NAMES: [&'static str; Role::ALL.len()] = {
        let mut names = [""; Role::ALL.len()];
        let mut i = 0;
        while i < names.len() {
            names[i] = Role::ALL[i].as_str();
            i += 1;
        }
        names
    };

    /// Parses a role in any of its spellings; empty means `member`.
    ///
    /// # Errors
    /// A role that is none of these, with the list of accepted values.
    pub fn parse(text: &str) -> Result<Role, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Role::Member);
        }
        lookup(&aliases::ROLES, text)
            .and_then(|canonical| Role::ALL.into_iter().find(|r| r.as_str() == canonical))
            .ok_or_else(|| {
                let accepted: Vec<&str> = Role::ALL.iter().map(Role::as_str).collect();
                format!(
                    "unknown role `{text}` (accepted: {}, or their French or Spanish names \
                     such as membre, présidente, vicepresidente, observatrice, secretaría)",
                    accepted.join(", ")
                )
            })
    }

    /// The ordinary role.
    pub fn member() -> Role {
        Role::Member
    }

    /// The canonical English spelling, as stored in the database.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Chair => "chair",
            Role::ViceChair => "vice-chair",
            Role::Observer => "observer",
            Role::Secretariat => "secretariat",
        }
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::parse(s)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Role::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_read_in_three_languages_and_both_genders() {
        for (text, role) in [
            ("", Role::Member),
            ("Membre", Role::Member),
            ("miembro", Role::Member),
            ("CHAIR", Role::Chair),
            ("président", Role::Chair),
            ("Présidente", Role::Chair),
            ("presidente", Role::Chair),
            ("presidenta", Role::Chair),
            ("vice-chair", Role::ViceChair),
            ("Vice-Présidente", Role::ViceChair),
            ("vice président", Role::ViceChair),
            ("vicepresidenta", Role::ViceChair),
            ("observatrice", Role::Observer),
            ("Observador", Role::Observer),
            ("secrétariat", Role::Secretariat),
            ("Secretaría", Role::Secretariat),
        ] {
            assert_eq!(Role::parse(text), Ok(role), "{text}");
        }
    }

    #[test]
    fn an_unknown_role_is_refused_with_the_accepted_values() {
        let err = Role::parse("boss").unwrap_err();
        assert!(
            err.starts_with(
                "unknown role `boss` (accepted: member, chair, vice-chair, observer, secretariat"
            ),
            "{err}"
        );
    }

    #[test]
    fn roles_are_stored_in_their_english_spelling() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role.clone()));
            assert_eq!(serde_json::to_string(&role).unwrap(), format!("\"{role}\""));
        }
        let read: Role = serde_json::from_str("\"Présidente\"").unwrap();
        assert_eq!(read, Role::Chair);
    }
}
