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
}
