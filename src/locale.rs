//! The network's working languages and how each writes dates and numbers.

use std::fmt;
use std::str::FromStr;

use chrono::format::Locale;
use serde::{Deserialize, Serialize};

/// A language the secretariat writes circulars in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    En,
    Fr,
    Es,
}

/// A language code that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language `{0}` (known: en, fr, es)")]
pub struct UnknownLanguage(pub String);

impl Language {
    /// Every language, in the network's order.
    pub const ALL: [Language; 3] = [Language::En, Language::Fr, Language::Es];

    /// The ISO 639-1 code: `en`, `fr`, `es`.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Fr => "fr",
            Language::Es => "es",
        }
    }

    /// chrono's locale for month and day names.
    pub fn chrono_locale(self) -> Locale {
        match self {
            Language::En => Locale::en_GB,
            Language::Fr => Locale::fr_FR,
            Language::Es => Locale::es_ES,
        }
    }

    /// The long date form: "24 October 2014", "24 octobre 2014", "24 de octubre de 2014".
    pub fn long_date_format(self) -> &'static str {
        match self {
            Language::En | Language::Fr => "%-d %B %Y",
            Language::Es => "%-d de %B de %Y",
        }
    }

    /// The name of `other` written in this language ("Anglais" for English in French).
    pub fn name_of(self, other: Language) -> &'static str {
        use Language::*;
        match (self, other) {
            (En, En) => "English",
            (En, Fr) => "French",
            (En, Es) => "Spanish",
            (Fr, En) => "Anglais",
            (Fr, Fr) => "Français",
            (Fr, Es) => "Espagnol",
            (Es, En) => "Inglés",
            (Es, Fr) => "Francés",
            (Es, Es) => "Español",
        }
    }

    /// An integer with this language's digit grouping: 1,500 / 1 500 / 1500 and 15 000.
    pub fn format_number(self, n: i64) -> String {
        let digits = n.unsigned_abs().to_string();
        let separator = match self {
            Language::En => ",",
            // French and Spanish group with a narrow no-break space; Spanish leaves
            // four-digit numbers ungrouped (RAE).
            Language::Fr => "\u{202f}",
            Language::Es if digits.len() <= 4 => "",
            Language::Es => "\u{202f}",
        };
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(separator);
            }
            out.push(c);
        }
        if n < 0 {
            out.insert(0, '-');
        }
        out
    }
}

impl FromStr for Language {
    type Err = UnknownLanguage;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "en" => Ok(Language::En),
            "fr" => Ok(Language::Fr),
            "es" => Ok(Language::Es),
            other => Err(UnknownLanguage(other.to_string())),
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// How administrators name things in their spreadsheets, in English, French and Spanish:
/// the one table of header names, language names and role names. Each entry is the
/// canonical English spelling and the names that mean it; names are compared after
/// [`fold`], so case, accents, spaces, hyphens and underscores do not matter.
pub mod aliases {
    /// Header names of the recipients columns.
    pub const COLUMNS: [(&str, &[&str]); 8] = [
        (
            "email",
            &[
                "email",
                "mail",
                "email address",
                "courriel",
                "adresse e-mail",
                "adresse électronique",
                "adresse courriel",
                "correo",
                "correo electrónico",
                "dirección de correo",
            ],
        ),
        (
            "name",
            &[
                "name",
                "full name",
                "nom",
                "nom complet",
                "nombre",
                "nombre completo",
            ],
        ),
        (
            "position",
            &["position", "job title", "fonction", "poste", "cargo"],
        ),
        (
            "organisation",
            &["organisation", "organization", "organisme", "organización"],
        ),
        ("city", &["city", "ville", "ciudad"]),
        ("country", &["country", "pays", "país"]),
        ("language", &["language", "langue", "idioma", "lengua"]),
        ("role", &["role", "rôle", "rol"]),
    ];

    /// Names of the working languages, keyed by their code.
    pub const LANGUAGES: [(&str, &[&str]); 3] = [
        ("en", &["english", "anglais", "inglés"]),
        ("fr", &["french", "français", "francés"]),
        (
            "es",
            &["spanish", "español", "espagnol", "castellano", "castillan"],
        ),
    ];

    /// Names of the committee roles (see `members::Role`), with their French and Spanish
    /// forms in both genders.
    pub const ROLES: [(&str, &[&str]); 5] = [
        ("member", &["member", "membre", "miembro", "miembra"]),
        (
            "chair",
            &[
                "chair",
                "chairperson",
                "chairman",
                "chairwoman",
                "president",
                "président",
                "présidente",
                "presidenta",
            ],
        ),
        (
            "vice-chair",
            &[
                "vice-chair",
                "vice-chairperson",
                "vice-president",
                "vice-président",
                "vice-présidente",
                "vicepresidente",
                "vicepresidenta",
            ],
        ),
        (
            "observer",
            &[
                "observer",
                "observateur",
                "observatrice",
                "observador",
                "observadora",
            ],
        ),
        (
            "secretariat",
            &[
                "secretariat",
                "secretary",
                "secrétariat",
                "secrétaire",
                "secretaría",
                "secretario",
                "secretaria",
            ],
        ),
    ];
}

/// `text` as names are compared: lower case, accents removed, only letters and digits kept
/// ("Correo electrónico" and "correo-electronico" fold alike).
pub fn fold(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// The canonical name `text` stands for in one of the [`aliases`] tables.
pub fn lookup(table: &[(&'static str, &[&str])], text: &str) -> Option<&'static str> {
    let folded = fold(text);
    table
        .iter()
        .find(|(canonical, names)| {
            fold(canonical) == folded || names.iter().any(|n| fold(n) == folded)
        })
        .map(|(canonical, _)| *canonical)
}

impl Language {
    /// Reads a language as spreadsheets write it: a code in any case, with or without a
    /// region (`fr`, `FR`, `fr-FR`, `fr_FR`), or its name in English, French or Spanish
    /// (`French`, `Français`, `francais`, `francés`).
    pub fn from_alias(text: &str) -> Option<Language> {
        let text = text.trim();
        let code = text.split(['-', '_']).next().unwrap_or_default();
        if code.len() == 2 && code.chars().all(|c| c.is_ascii_alphabetic()) {
            return code.to_ascii_lowercase().parse().ok();
        }
        lookup(&aliases::LANGUAGES, text).and_then(|code| code.parse().ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_in_each_languages_way() {
        assert_eq!(Language::En.format_number(1500), "1,500");
        assert_eq!(Language::Fr.format_number(1500), "1\u{202f}500");
        assert_eq!(Language::Es.format_number(1500), "1500");
        assert_eq!(Language::Es.format_number(15000), "15\u{202f}000");
        assert_eq!(Language::En.format_number(60), "60");
        assert_eq!(Language::En.format_number(-1234567), "-1,234,567");
    }

    #[test]
    fn codes_round_trip_and_unknown_codes_are_refused() {
        for lang in Language::ALL {
            assert_eq!(lang.code().parse::<Language>(), Ok(lang));
        }
        assert!("de".parse::<Language>().is_err());
    }

    #[test]
    fn languages_are_read_as_codes_with_regions_or_as_names_in_three_languages() {
        for (text, lang) in [
            ("fr", Language::Fr),
            ("FR", Language::Fr),
            ("fr-FR", Language::Fr),
            ("fr_CA", Language::Fr),
            ("French", Language::Fr),
            ("Français", Language::Fr),
            ("francais", Language::Fr),
            ("francés", Language::Fr),
            ("Anglais", Language::En),
            ("inglés", Language::En),
            ("en-GB", Language::En),
            ("Español", Language::Es),
            ("espagnol", Language::Es),
            ("castellano", Language::Es),
            (" Spanish ", Language::Es),
        ] {
            assert_eq!(Language::from_alias(text), Some(lang), "{text}");
        }
        for text in ["de", "Deutsch", "f", "", "english please"] {
            assert_eq!(Language::from_alias(text), None, "{text}");
        }
    }

    #[test]
    fn header_names_are_found_without_case_accents_or_hyphens() {
        let column = |t| lookup(&aliases::COLUMNS, t);
        assert_eq!(column(" E-Mail "), Some("email"));
        assert_eq!(column("Correo electronico"), Some("email"));
        assert_eq!(column("ORGANIZACIÓN"), Some("organisation"));
        assert_eq!(column("Pais"), Some("country"));
        assert_eq!(column("Rôle"), Some("role"));
        assert_eq!(column("Téléphone"), None);
    }
}
