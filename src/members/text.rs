//! The one check of a member's free-text values, for the files and the command line alike.

use unicode_normalization::UnicodeNormalization;

/// The longest value of a member field, in characters (the address has its own limit).
pub const MAX_FIELD_CHARS: usize = 200;

/// The longest address, in characters (RFC 5321's 254 octets for a whole path).
pub const MAX_EMAIL_CHARS: usize = 254;

/// Checks a value of a member field: not longer than the field allows ([`MAX_FIELD_CHARS`],
/// [`MAX_EMAIL_CHARS`] for `email`), no control character or line break, and no invisible or
/// direction-changing character (zero-width spaces and joiners, the word joiner, a byte-order
/// mark inside a value, bidirectional marks, embeddings, overrides and isolates), which would
/// make a name read differently from what it holds.
///
/// # Errors
/// Names the field and the offending character or the length.
pub fn check_text(field: &str, value: &str) -> Result<(), String> {
    let max = if field == "email" {
        MAX_EMAIL_CHARS
    } else {
        MAX_FIELD_CHARS
    };
    let count = value.chars().count();
    if count > max {
        return Err(format!(
            "field `{field}` has {count} characters, more than the {max} allowed"
        ));
    }
    // U+2028 and U+2029 are line breaks too, though not control characters.
    if let Some(c) = value
        .chars()
        .find(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
    {
        return Err(format!(
            "field `{field}` contains a control character or line break {c:?}"
        ));
    }
    match value
        .chars()
        .find_map(|c| invisible(c).map(|name| (c, name)))
    {
        Some((c, name)) => Err(format!(
            "field `{field}` contains U+{:04X} {name}, an invisible or direction-changing \
             character: retype the value",
            u32::from(c)
        )),
        None => Ok(()),
    }
}

/// A value as it is stored: trimmed, checked by [`check_text`], in Unicode NFC (so `é`
/// typed as `e` and a combining accent is the same `é` as everyone else's).
///
/// # Errors
/// What [`check_text`] refuses.
pub fn clean_text(field: &str, value: &str) -> Result<String, String> {
    let value: String = value.trim().nfc().collect();
    check_text(field, &value)?;
    Ok(value)
}

/// The name of an invisible or direction-changing character.
fn invisible(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{200B}' => "ZERO WIDTH SPACE",
        '\u{200C}' => "ZERO WIDTH NON-JOINER",
        '\u{200D}' => "ZERO WIDTH JOINER",
        '\u{200E}' => "LEFT-TO-RIGHT MARK",
        '\u{200F}' => "RIGHT-TO-LEFT MARK",
        '\u{202A}' => "LEFT-TO-RIGHT EMBEDDING",
        '\u{202B}' => "RIGHT-TO-LEFT EMBEDDING",
        '\u{202C}' => "POP DIRECTIONAL FORMATTING",
        '\u{202D}' => "LEFT-TO-RIGHT OVERRIDE",
        '\u{202E}' => "RIGHT-TO-LEFT OVERRIDE",
        '\u{2060}' => "WORD JOINER",
        '\u{2066}' => "LEFT-TO-RIGHT ISOLATE",
        '\u{2067}' => "RIGHT-TO-LEFT ISOLATE",
        '\u{2068}' => "FIRST STRONG ISOLATE",
        '\u{2069}' => "POP DIRECTIONAL ISOLATE",
        '\u{FEFF}' => "ZERO WIDTH NO-BREAK SPACE (byte-order mark)",
        '\u{061C}' => "ARABIC LETTER MARK",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_and_direction_changing_characters_are_refused_with_their_code_point() {
        for (c, code) in [
            ('\u{200B}', "U+200B"),
            ('\u{200D}', "U+200D"),
            ('\u{2060}', "U+2060"),
            ('\u{FEFF}', "U+FEFF"),
            ('\u{202E}', "U+202E"),
            ('\u{2067}', "U+2067"),
            ('\u{200F}', "U+200F"),
            ('\u{061C}', "U+061C"),
        ] {
            let err = check_text("name", &format!("Ana{c}Pérez")).unwrap_err();
            assert!(
                err.starts_with(&format!("field `name` contains {code} ")),
                "{err}"
            );
        }
    }

    #[test]
    fn values_are_bounded_and_the_address_has_its_own_bound() {
        assert!(check_text("city", &"é".repeat(MAX_FIELD_CHARS)).is_ok());
        assert_eq!(
            check_text("city", &"é".repeat(MAX_FIELD_CHARS + 1)),
            Err("field `city` has 201 characters, more than the 200 allowed".into())
        );
        assert!(check_text("email", &"a".repeat(MAX_EMAIL_CHARS)).is_ok());
        assert!(check_text("email", &"a".repeat(MAX_EMAIL_CHARS + 1)).is_err());
    }

    #[test]
    fn values_are_stored_trimmed_and_composed() {
        assert_eq!(clean_text("name", " Jose\u{301} ").unwrap(), "José");
        assert_eq!(clean_text("name", "Jos\u{e9}").unwrap(), "José");
        assert!(clean_text("name", "Line\u{2028}Break").is_err());
    }
}
