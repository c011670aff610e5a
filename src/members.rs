//! Committees and their members: the domain types, the recipients files and their sync.

mod email;
pub mod recipients;
pub mod sync;

use serde::Serialize;

pub use email::{EmailAddress, EmailError};

use crate::locale::Language;

/// A committee of the network, as `recipients/committees.toml` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Committee {
    pub slug: String,
    /// The committee's working language: members with none of their own read this one.
    pub language: Language,
    pub name: CommitteeNames,
}

/// A committee's name in each working language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitteeNames {
    pub en: String,
    pub fr: String,
    pub es: String,
}

impl CommitteeNames {
    /// The name in `lang`.
    pub fn get(&self, lang: Language) -> &str {
        match lang {
            Language::En => &self.en,
            Language::Fr => &self.fr,
            Language::Es => &self.es,
        }
    }
}

/// What we know of a member, whatever their committees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub email: EmailAddress,
    pub name: String,
    pub position: String,
    pub organisation: String,
    pub city: String,
    pub country: String,
    /// `None`: read the committee's language.
    pub language: Option<Language>,
}

impl Member {
    /// A member known only by address.
    pub fn new(email: EmailAddress) -> Member {
        Member {
            email,
            name: String::new(),
            position: String::new(),
            organisation: String::new(),
            city: String::new(),
            country: String::new(),
            language: None,
        }
    }

    /// The member's values for the first seven recipients columns (email … language).
    pub fn csv_fields(&self) -> Vec<String> {
        vec![
            self.email.to_string(),
            self.name.clone(),
            self.position.clone(),
            self.organisation.clone(),
            self.city.clone(),
            self.country.clone(),
            self.language
                .map(|l| l.code().to_string())
                .unwrap_or_default(),
        ]
    }

    /// Names of the fields that differ from `other`, for reports.
    pub fn changed_fields(&self, other: &Member) -> Vec<&'static str> {
        let mut fields = Vec::new();
        let pairs = [
            ("name", &self.name, &other.name),
            ("position", &self.position, &other.position),
            ("organisation", &self.organisation, &other.organisation),
            ("city", &self.city, &other.city),
            ("country", &self.country, &other.country),
        ];
        for (field, a, b) in pairs {
            if a != b {
                fields.push(field);
            }
        }
        if self.language != other.language {
            fields.push("language");
        }
        fields
    }
}

/// A member's role in one committee: `member`, `chair`, `observer`…
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Role(String);

impl Role {
    /// Parses a role; empty means `member`.
    ///
    /// # Errors
    /// A role that is not lower-case letters and hyphens.
    pub fn parse(text: &str) -> Result<Role, String> {
        if text.is_empty() {
            return Ok(Role::member());
        }
        let ok = text.len() <= 32
            && text.starts_with(|c: char| c.is_ascii_lowercase())
            && text.chars().all(|c| c.is_ascii_lowercase() || c == '-');
        if ok {
            Ok(Role(text.to_string()))
        } else {
            Err(format!(
                "role `{text}` is not a word in lower-case letters and hyphens (member, chair, observer…)"
            ))
        }
    }

    /// The ordinary role.
    pub fn member() -> Role {
        Role("member".to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A member as listed in one committee's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub member: Member,
    pub role: Role,
}

/// Checks a free-text field of a member: no control characters, no line breaks.
///
/// # Errors
/// Names the field and the offending character.
pub fn check_text(field: &str, value: &str) -> Result<(), String> {
    // U+2028 and U+2029 are line breaks too, though not control characters.
    match value
        .chars()
        .find(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
    {
        Some(c) => Err(format!(
            "field `{field}` contains a control character or line break {c:?}"
        )),
        None => Ok(()),
    }
}

// Added for the sync plan and command-line edits (issue 6, point 9): domain values the
// store loads and writes, kept here so `members` needs no database types.
mod edit;

pub use edit::{FieldDifference, MemberEdit};

/// A member with their database id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMember {
    pub id: i64,
    pub member: Member,
}
