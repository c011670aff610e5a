//! One member list file: decoded, its header read, each row checked.

use std::collections::HashMap;
use std::path::Path;

use super::decode::{DecodeError, decode, detect_delimiter};
use super::header::{Header, read_header};
use super::recipients::{COLUMNS, FileFormat};
use super::{EmailAddress, Listing, Member, Role, clean_text};
use crate::faults::{Fault, line_breaks};
use crate::locale::Language;

/// What one file gave: its good rows, how it was read, and the fields it has no column for.
#[derive(Debug, Clone, Default)]
pub struct ParsedList {
    /// Each listing with the line it came from.
    pub listings: Vec<(usize, Listing)>,
    pub source: FileFormat,
    pub absent: Vec<&'static str>,
}

/// Parses one member list. Returns the good rows and a fault for each bad one.
pub fn parse_list(file: &Path, bytes: &[u8], supported: &[Language]) -> (ParsedList, Vec<Fault>) {
    read_list(file, bytes, supported).unwrap_or_else(|fault| (ParsedList::default(), vec![fault]))
}

/// [`parse_list`], or the one fault that stops the file being read at all.
fn read_list(
    file: &Path,
    bytes: &[u8],
    supported: &[Language],
) -> Result<(ParsedList, Vec<Fault>), Fault> {
    let (text, encoding) =
        decode(bytes).map_err(|DecodeError { line, reason }| Fault::new(file, line, reason))?;
    let empty = || Fault::new(file, 1, "empty file: no header line");
    if text.trim().is_empty() {
        return Err(empty());
    }
    let delimiter = detect_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .delimiter(delimiter.byte())
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next().ok_or_else(empty)? {
        Ok(record) => read_header(record.iter()),
        Err(err) => Err(err.to_string()),
    };
    let header = header.map_err(|reason| Fault::new(file, 1, reason))?;
    let mut rows = Rows::new(file, &header, supported);
    let mut lines = Lines {
        text: &text,
        at: 0,
        line: 1,
    };
    for record in records {
        match record {
            Ok(record) => {
                let line = record.position().map_or(0, |p| lines.line_at(p.byte()));
                rows.add(line, &record);
            }
            Err(err) => {
                let line = err.position().map_or(0, |p| lines.line_at(p.byte()));
                rows.faults.push(Fault::new(file, line, err.to_string()));
            }
        }
    }
    let parsed = ParsedList {
        listings: rows.listings,
        source: FileFormat {
            encoding,
            delimiter,
            ignored: header.ignored.clone(),
        },
        absent: header.absent.clone(),
    };
    Ok((parsed, rows.faults))
}

/// The lines of records read in order, each counted on from the one before: counting from
/// the start of the file for every record made reading a list quadratic (seconds for 5,000
/// rows).
struct Lines<'a> {
    text: &'a str,
    /// The last offset asked for, and its 1-based line.
    at: usize,
    line: usize,
}

impl Lines<'_> {
    /// The line of a record that csv says starts at `byte`. After a `\r\n`, csv places the
    /// next record on the `\n` (it ends a record at the `\r` and skips the `\n` as an empty
    /// line), which is why Windows files once named the line above: skip line breaks first.
    fn line_at(&mut self, byte: u64) -> usize {
        let text = self.text;
        let start = usize::try_from(byte).unwrap_or(text.len()).min(text.len());
        let skipped = text[start..]
            .bytes()
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .count();
        let offset = start + skipped;
        if offset < self.at {
            (self.at, self.line) = (0, 1);
        }
        self.line += line_breaks(text.as_bytes(), self.at, offset);
        self.at = offset;
        self.line
    }
}

/// The rows read so far, and the addresses seen, for duplicates.
struct Rows<'a> {
    file: &'a Path,
    header: &'a Header,
    supported: &'a [Language],
    listings: Vec<(usize, Listing)>,
    faults: Vec<Fault>,
    /// Each address with its first line.
    seen: HashMap<EmailAddress, usize>,
    /// Each address with its local part in lower case, with the address and its line.
    folded: HashMap<(String, String), (EmailAddress, usize)>,
}

impl<'a> Rows<'a> {
    fn new(file: &'a Path, header: &'a Header, supported: &'a [Language]) -> Rows<'a> {
        Rows {
            file,
            header,
            supported,
            listings: Vec::new(),
            faults: Vec::new(),
            seen: HashMap::new(),
            folded: HashMap::new(),
        }
    }

    fn add(&mut self, line: usize, record: &csv::StringRecord) {
        // Spreadsheets write a row of empty cells as `;;;;;`.
        if record.iter().all(|field| field.trim().is_empty()) {
            return;
        }
        match parse_row(record, &self.header.columns, self.supported) {
            Ok(listing) => match self.duplicate(line, &listing.member.email) {
                Some(reason) => self.faults.push(Fault::new(self.file, line, reason)),
                None => self.listings.push((line, listing)),
            },
            Err(reasons) => {
                let faults = reasons.into_iter().map(|r| Fault::new(self.file, line, r));
                self.faults.extend(faults);
            }
        }
    }

    /// The same mailbox already in the file: the same address, or one that differs only in
    /// the case of its local part (almost always one person, who would get every mail twice).
    fn duplicate(&mut self, line: usize, email: &EmailAddress) -> Option<String> {
        if let Some(first) = self.seen.get(email) {
            return Some(format!(
                "duplicate address `{email}` (first at line {first})"
            ));
        }
        let key = case_key(email);
        if let Some((other, first)) = self.folded.get(&key) {
            return Some(case_twin(email, other, &format!("line {first}")));
        }
        self.seen.insert(email.clone(), line);
        self.folded.insert(key, (email.clone(), line));
        None
    }
}

/// An address with its local part in lower case: two addresses with the same key are, in
/// practice, one mailbox.
pub(super) fn case_key(email: &EmailAddress) -> (String, String) {
    (email.local().to_lowercase(), email.domain().to_string())
}

/// The fault of an address that differs from `other` (at `place`) only in case.
pub(super) fn case_twin(email: &EmailAddress, other: &EmailAddress, place: &str) -> String {
    format!(
        "`{email}` and `{other}` ({place}) differ only in the case of the part before `@`: \
         they are almost certainly one mailbox, which would get every circular twice; keep one"
    )
}

fn parse_row(
    record: &csv::StringRecord,
    columns: &[Option<usize>],
    supported: &[Language],
) -> Result<Listing, Vec<String>> {
    if record.len() != columns.len() {
        let hint = if record.len() > columns.len() {
            " (a value holding the delimiter must be in double quotes)"
        } else {
            ""
        };
        let fields = match record.len() {
            1 => "1 field".to_string(),
            n => format!("{n} fields"),
        };
        return Err(vec![format!(
            "the row has {fields}, the header {}{hint}",
            columns.len()
        )]);
    }
    let mut values: [String; 8] = Default::default();
    let mut reasons = Vec::new();
    for (field, column) in record.iter().zip(columns) {
        let Some(column) = *column else { continue };
        match clean_text(COLUMNS[column], field) {
            Ok(text) => values[column] = text,
            Err(reason) => reasons.push(reason),
        }
    }
    if !reasons.is_empty() {
        return Err(reasons);
    }
    let [
        email,
        name,
        position,
        organisation,
        city,
        country,
        language,
        role,
    ] = values;
    let email = EmailAddress::parse(&email).map_err(|e| format!("address `{email}` {e}"));
    let language = parse_language(&language, supported);
    let role = Role::parse(&role);
    match (email, language, role) {
        (Ok(email), Ok(language), Ok(role)) => Ok(Listing {
            member: Member {
                email,
                name,
                position,
                organisation,
                city,
                country,
                language,
            },
            role,
        }),
        (email, language, role) => Err([email.err(), language.err(), role.err()]
            .into_iter()
            .flatten()
            .collect()),
    }
}

/// A language as spreadsheets write it (see [`Language::from_alias`]); empty is `None`.
pub(super) fn parse_language(
    text: &str,
    supported: &[Language],
) -> Result<Option<Language>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    match Language::from_alias(text) {
        Some(lang) if supported.contains(&lang) => Ok(Some(lang)),
        _ => {
            let codes: Vec<&str> = supported.iter().map(|l| l.code()).collect();
            Err(format!(
                "unknown language `{text}` (accepted: {}, as a code such as `fr` or `fr-FR` \
                 or a name such as French, français, francés)",
                codes.join(", ")
            ))
        }
    }
}
