//! Email addresses of members: one address is one member across all committees.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// A validated address. The local part is kept as written (it is case-sensitive by the
/// standard); the domain is lower-cased and, when internationalised, kept in its Unicode
/// form, so `Ana@MÜNCHEN.example` and `Ana@xn--mnchen-3ya.example` are the same member.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmailAddress {
    local: String,
    /// The domain in Unicode, lower case.
    domain: String,
}

/// Why a text is not an address we can write to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("is empty")]
    Empty,
    #[error("has no `@`")]
    NoAt,
    #[error("local part (before `@`) is empty or longer than 64 characters")]
    LocalLength,
    #[error("local part has a character that is not allowed: {0:?}")]
    LocalCharacter(char),
    #[error("local part has a dot at its start or end, or two dots in a row")]
    LocalDots,
    #[error("domain `{0}` is not a valid domain name")]
    Domain(String),
    #[error("domain `{0}` has no dot")]
    DomainNoDot(String),
    #[error("is longer than 254 characters")]
    TooLong,
}

impl EmailAddress {
    /// Parses and normalises an address.
    ///
    /// # Errors
    /// Says what is wrong with it.
    pub fn parse(text: &str) -> Result<EmailAddress, EmailError> {
        if text.is_empty() {
            return Err(EmailError::Empty);
        }
        let (local, domain) = text.rsplit_once('@').ok_or(EmailError::NoAt)?;
        if local.is_empty() || local.len() > 64 {
            return Err(EmailError::LocalLength);
        }
        if let Some(c) = local.chars().find(|&c| !is_atext(c) && c != '.') {
            return Err(EmailError::LocalCharacter(c));
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(EmailError::LocalDots);
        }
        let ascii = ascii_domain(domain)?;
        if local.len() + 1 + ascii.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let (unicode, result) = idna::domain_to_unicode(&ascii);
        result.map_err(|_| EmailError::Domain(domain.to_string()))?;
        Ok(EmailAddress {
            local: local.to_string(),
            domain: unicode,
        })
    }

    /// The local part, as written.
    pub fn local(&self) -> &str {
        &self.local
    }

    /// The domain, lower case, in Unicode.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// Whether `other` is this address with another case in the part before `@`: by the
    /// standard two mailboxes, in practice one person.
    pub fn is_case_twin(&self, other: &EmailAddress) -> bool {
        self != other
            && self.domain == other.domain
            && self.local().to_lowercase() == other.local().to_lowercase()
    }

    /// The address with its domain in ASCII (punycode), for SMTP without SMTPUTF8.
    pub fn to_ascii(&self) -> String {
        let domain = idna::domain_to_ascii(&self.domain).unwrap_or_else(|_| self.domain.clone());
        format!("{}@{}", self.local, domain)
    }
}

/// RFC 5322 `atext`.
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

fn ascii_domain(domain: &str) -> Result<String, EmailError> {
    let bad = || EmailError::Domain(domain.to_string());
    if domain.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let ascii = idna::domain_to_ascii_strict(domain).map_err(|_| bad())?;
    if ascii.is_empty() || ascii.len() > 253 {
        return Err(bad());
    }
    if !ascii.contains('.') {
        return Err(EmailError::DomainNoDot(domain.to_string()));
    }
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let tld = ascii.rsplit('.').next().unwrap_or_default();
    if !ascii.split('.').all(label_ok) || tld.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    Ok(ascii)
}

impl FromStr for EmailAddress {
    type Err = EmailError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EmailAddress::parse(s)
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.local, self.domain)
    }
}

impl Serialize for EmailAddress {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_domain_is_compared_without_case_and_the_local_part_as_written() {
        let a = EmailAddress::parse("Ana.Lopez@Lima.Example.ORG").unwrap();
        assert_eq!(a.to_string(), "Ana.Lopez@lima.example.org");
        assert_eq!(
            a,
            EmailAddress::parse("Ana.Lopez@lima.example.org").unwrap()
        );
        assert_ne!(
            a,
            EmailAddress::parse("ana.lopez@lima.example.org").unwrap()
        );
    }

    #[test]
    fn internationalised_domains_are_one_member_in_either_spelling() {
        let unicode = EmailAddress::parse("ulrike@MÜNCHEN.example").unwrap();
        let puny = EmailAddress::parse("ulrike@xn--mnchen-3ya.example").unwrap();
        assert_eq!(unicode, puny);
        assert_eq!(unicode.to_string(), "ulrike@münchen.example");
        assert_eq!(unicode.to_ascii(), "ulrike@xn--mnchen-3ya.example");
    }

    #[test]
    fn broken_addresses_are_refused_with_a_reason() {
        for (text, reason) in [
            ("", EmailError::Empty),
            ("no-at.example.org", EmailError::NoAt),
            ("@example.org", EmailError::LocalLength),
            ("a b@example.org", EmailError::LocalCharacter(' ')),
            ("a\r\nBcc: x@example.org", EmailError::LocalCharacter('\r')),
            ("a..b@example.org", EmailError::LocalDots),
            ("a@localhost", EmailError::DomainNoDot("localhost".into())),
            ("a@exa mple.org", EmailError::Domain("exa mple.org".into())),
            (
                "a@-bad.example.org",
                EmailError::Domain("-bad.example.org".into()),
            ),
            ("a@example.123", EmailError::Domain("example.123".into())),
            (
                &format!(
                    "{}@{}.{}.{}.{}.org",
                    "a".repeat(60),
                    "b".repeat(60),
                    "c".repeat(60),
                    "d".repeat(60),
                    "e".repeat(15)
                ),
                EmailError::TooLong,
            ),
        ] {
            assert_eq!(EmailAddress::parse(text), Err(reason), "{text:?}");
        }
    }
}
