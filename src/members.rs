//! Committees and their members: the domain types, the recipients files and their sync.

mod decode;
mod email;
mod header;
pub mod recipients;
mod role;
mod rows;
pub mod sync;
mod text;

use serde::Serialize;

pub use email::{EmailAddress, EmailError};
pub use role::Role;
pub use text::{MAX_EMAIL_CHARS, MAX_FIELD_CHARS, check_text, clean_text};

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

    /// The value of a field for reports: `name`, `position`, `organisation`, `city`,
    /// `country` or `language` (its code, or `(none)`).
    pub fn field(&self, field: &str) -> String {
        match field {
            "name" => self.name.clone(),
            "position" => self.position.clone(),
            "organisation" => self.organisation.clone(),
            "city" => self.city.clone(),
            "country" => self.country.clone(),
            "language" => self
                .language
                .map_or_else(|| "(none)".to_string(), |l| l.code().to_string()),
            _ => String::new(),
        }
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

/// A member as listed in one committee's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub member: Member,
    pub role: Role,
}

mod edit;

pub use edit::{FieldDifference, MemberEdit};

/// A member with their database id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMember {
    pub id: i64,
    pub member: Member,
}
