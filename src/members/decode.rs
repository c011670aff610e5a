//! The bytes of a member list as spreadsheets save them: which encoding, which delimiter.
//!
//! A file with a byte-order mark is what the mark says (UTF-8, UTF-16 LE or BE). A file
//! without one is UTF-8 when it is valid UTF-8 as a whole; otherwise it is Windows-1252 when
//! no byte is one of the five Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D)
//! and no byte 0xC2–0xF4 is directly followed by a byte 0x80–0xBF: such a pair is how UTF-8
//! writes an accented letter, so a file holding one is UTF-8 that was damaged or mixed with
//! another encoding, and reading it as Windows-1252 would turn `é` into `Ã©` without a word.
//! Anything else is refused with what to do: save the file as CSV UTF-8.

use std::fmt;

use encoding_rs::{UTF_16BE, UTF_16LE, WINDOWS_1252};

use crate::faults::line_of_bytes;
use crate::locale::{aliases, lookup};

/// What to tell an administrator whose file cannot be read.
const SAVE_AS_UTF8: &str = "save it as CSV UTF-8 (Excel: \"CSV UTF-8 (Comma delimited)\"; \
                            LibreOffice: character set \"Unicode (UTF-8)\")";

/// The encoding a member list was read in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TextEncoding {
    #[default]
    Utf8,
    /// UTF-8 with a byte-order mark: Excel's "CSV UTF-8".
    Utf8Bom,
    /// UTF-16 little-endian with a byte-order mark: Excel's "Unicode text".
    Utf16Le,
    Utf16Be,
    /// Excel's "CSV" on Windows in Western European locales.
    Windows1252,
}

impl fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf8Bom => "UTF-8 with BOM",
            TextEncoding::Utf16Le => "UTF-16 LE",
            TextEncoding::Utf16Be => "UTF-16 BE",
            TextEncoding::Windows1252 => "Windows-1252",
        })
    }
}

/// The character between the fields of a member list, found from its header line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Delimiter {
    #[default]
    Comma,
    /// What Excel writes in locales whose decimal mark is a comma (French, Spanish).
    Semicolon,
    /// What "Unicode text" files use.
    Tab,
}

impl Delimiter {
    /// Every delimiter, in the order ties are decided.
    pub const ALL: [Delimiter; 3] = [Delimiter::Comma, Delimiter::Semicolon, Delimiter::Tab];

    /// The byte itself.
    pub fn byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Semicolon => b';',
            Delimiter::Tab => b'\t',
        }
    }
}

impl std::str::FromStr for Delimiter {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "comma" | "," => Ok(Delimiter::Comma),
            "semicolon" | ";" => Ok(Delimiter::Semicolon),
            "tab" => Ok(Delimiter::Tab),
            other => Err(format!(
                "unknown delimiter `{other}` (comma, semicolon or tab)"
            )),
        }
    }
}

impl fmt::Display for Delimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Delimiter::Comma => "comma",
            Delimiter::Semicolon => "semicolon",
            Delimiter::Tab => "tab",
        })
    }
}

/// Why the bytes of a file are not text we can read, and on which line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub line: usize,
    pub reason: String,
}

/// The text of a member list and the encoding it was read in (see the module's rule).
///
/// # Errors
/// Bytes that are neither, with the line of the first bad one and what to do.
pub fn decode(bytes: &[u8]) -> Result<(String, TextEncoding), DecodeError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(text) => Ok((text.to_string(), TextEncoding::Utf8Bom)),
            Err(err) => Err(not_utf8(rest, err.valid_up_to(), "it starts as UTF-8")),
        };
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, TextEncoding::Utf16Le);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, TextEncoding::Utf16Be);
    }
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(DecodeError {
            line: line_of_bytes(bytes, at),
            reason: format!(
                "the file holds NUL bytes: it looks like UTF-16 (\"Unicode text\") without its \
                 byte-order mark; {SAVE_AS_UTF8}"
            ),
        });
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok((text.to_string(), TextEncoding::Utf8)),
        Err(err) => windows_1252(bytes, err.valid_up_to()),
    }
}

fn utf16(bytes: &[u8], encoding: TextEncoding) -> Result<(String, TextEncoding), DecodeError> {
    let codec = match encoding {
        TextEncoding::Utf16Be => UTF_16BE,
        _ => UTF_16LE,
    };
    let (text, had_errors) = codec.decode_without_bom_handling(bytes);
    if had_errors {
        let at = text.find('\u{FFFD}').unwrap_or(text.len());
        return Err(DecodeError {
            line: line_of_bytes(text.as_bytes(), at),
            reason: format!(
                "the file starts as {encoding} but is not valid {encoding} here; {SAVE_AS_UTF8}"
            ),
        });
    }
    Ok((text.into_owned(), encoding))
}

/// The five bytes Windows-1252 leaves undefined.
const UNDEFINED_1252: [u8; 5] = [0x81, 0x8D, 0x8F, 0x90, 0x9D];

fn windows_1252(bytes: &[u8], bad: usize) -> Result<(String, TextEncoding), DecodeError> {
    if let Some(at) = bytes.iter().position(|b| UNDEFINED_1252.contains(b)) {
        return Err(DecodeError {
            line: line_of_bytes(bytes, at),
            reason: format!(
                "byte 0x{:02X} is neither UTF-8 nor Windows-1252; {SAVE_AS_UTF8}",
                bytes[at]
            ),
        });
    }
    let utf8_pair = bytes
        .windows(2)
        .position(|w| (0xC2..=0xF4).contains(&w[0]) && (0x80..=0xBF).contains(&w[1]));
    if let Some(at) = utf8_pair {
        let why = format!("line {} holds UTF-8", line_of_bytes(bytes, at));
        return Err(not_utf8(bytes, bad, &why));
    }
    let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
    Ok((text.into_owned(), TextEncoding::Windows1252))
}

/// A file that is UTF-8 in part (`why`) but has a bad byte at `at`.
fn not_utf8(bytes: &[u8], at: usize, why: &str) -> DecodeError {
    DecodeError {
        line: line_of_bytes(bytes, at),
        reason: format!(
            "byte 0x{:02X} is not UTF-8, and the file is not read as Windows-1252 because \
             {why}: it is damaged or mixes two encodings; {SAVE_AS_UTF8}",
            bytes[at]
        ),
    }
}

/// The delimiter of `text`'s header line: the one that splits it into the most known
/// column names, then into the most fields; comma when nothing tells them apart.
pub fn detect_delimiter(text: &str) -> Delimiter {
    let header = text.split(['\r', '\n']).next().unwrap_or_default();
    let score = |delimiter: Delimiter| {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(delimiter.byte())
            .from_reader(header.as_bytes());
        let fields = reader
            .records()
            .next()
            .and_then(Result::ok)
            .unwrap_or_default();
        let known = fields
            .iter()
            .filter(|f| lookup(&aliases::COLUMNS, f).is_some())
            .count();
        (known, fields.len())
    };
    let mut best = (Delimiter::Comma, score(Delimiter::Comma));
    for delimiter in &Delimiter::ALL[1..] {
        let s = score(*delimiter);
        if s > best.1 {
            best = (*delimiter, s);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(bytes: &[u8]) -> (String, TextEncoding) {
        decode(bytes).unwrap()
    }

    #[test]
    fn byte_order_marks_say_the_encoding() {
        assert_eq!(
            decoded(b"\xEF\xBB\xBFJos\xC3\xA9"),
            ("José".into(), TextEncoding::Utf8Bom)
        );
        assert_eq!(
            decoded(b"\xFF\xFEJ\0\xE9\0"),
            ("Jé".into(), TextEncoding::Utf16Le)
        );
        assert_eq!(
            decoded(b"\xFE\xFF\0J\0\xE9"),
            ("Jé".into(), TextEncoding::Utf16Be)
        );
        assert_eq!(decoded(b""), (String::new(), TextEncoding::Utf8));
    }

    #[test]
    fn a_file_is_windows_1252_only_when_it_cannot_be_utf8_and_holds_no_utf8_letter() {
        assert_eq!(
            decoded(b"P\xE9rez;Espa\xF1a;\x80"),
            ("Pérez;España;€".into(), TextEncoding::Windows1252)
        );
        assert_eq!(decoded("Pérez".as_bytes()).1, TextEncoding::Utf8);
        // A UTF-8 `é` on line 1 and a Windows-1252 `é` on line 2: two encodings mixed.
        let err = decode(b"P\xC3\xA9rez\nP\xE9rez").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(
            err.reason.contains("byte 0xE9 is not UTF-8"),
            "{}",
            err.reason
        );
        assert!(err.reason.contains("line 1 holds UTF-8"), "{}", err.reason);
        // 0x81 is undefined in Windows-1252.
        let err = decode(b"a\r\nb\x81").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(
            err.reason
                .starts_with("byte 0x81 is neither UTF-8 nor Windows-1252; save it as CSV UTF-8")
        );
    }

    #[test]
    fn utf16_without_its_mark_is_refused_with_advice() {
        let err = decode(b"e\0m\0a\0i\0l\0").unwrap_err();
        assert!(err.reason.contains("UTF-16"), "{}", err.reason);
        assert!(
            err.reason.contains("save it as CSV UTF-8"),
            "{}",
            err.reason
        );
        assert!(
            decode(b"\xFF\xFE\x00\xD8").is_err(),
            "an unpaired surrogate"
        );
    }

    #[test]
    fn the_delimiter_is_the_one_that_splits_the_header_into_known_columns() {
        assert_eq!(detect_delimiter("email,name\n"), Delimiter::Comma);
        assert_eq!(
            detect_delimiter("Courriel;Nom;Ville\r\n"),
            Delimiter::Semicolon
        );
        assert_eq!(detect_delimiter("correo\tnombre"), Delimiter::Tab);
        // "Nom, prénom" holds a comma but only the semicolon gives known names.
        assert_eq!(
            detect_delimiter("courriel;\"Nom, prénom\";ville"),
            Delimiter::Semicolon
        );
        assert_eq!(detect_delimiter("email"), Delimiter::Comma);
    }
}
