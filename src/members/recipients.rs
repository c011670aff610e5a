//! The recipients folder: `committees.toml` and one `<slug>.csv` per committee, read and
//! checked as a whole. A file with any bad row is refused, with every fault named.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::{Committee, CommitteeNames, EmailAddress, Listing, Member, Role, check_text};
use crate::faults::line_of;
pub use crate::faults::{Fault, Faults};
use crate::locale::Language;

/// The columns of a member list, in the order `recipients export` writes them.
pub const COLUMNS: [&str; 8] = [
    "email",
    "name",
    "position",
    "organisation",
    "city",
    "country",
    "language",
    "role",
];

/// A committee and its members, from one file.
#[derive(Debug, Clone)]
pub struct CommitteeList {
    pub committee: Committee,
    pub file: PathBuf,
    /// Each listing with the line it came from.
    pub listings: Vec<(usize, Listing)>,
    /// The member fields ("name", "position", "organisation", "city", "country",
    /// "language", "role") whose column the header lacks: the sync keeps them as they are.
    pub absent: Vec<&'static str>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommitteesFile {
    #[serde(default)]
    committee: Vec<RawCommittee>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCommittee {
    slug: Spanned<String>,
    language: Spanned<String>,
    name: CommitteeNames,
}

/// Reads and checks a whole recipients folder.
///
/// # Errors
/// Every fault of every file, each with its file and line.
pub fn read_dir(dir: &Path, supported: &[Language]) -> Result<Vec<CommitteeList>, Faults> {
    let committees = read_committees(&dir.join("committees.toml"), supported)?;
    let mut faults = Vec::new();
    let mut lists = Vec::new();
    for committee in committees {
        let file = dir.join(format!("{}.csv", committee.slug));
        match std::fs::read(&file) {
            Ok(bytes) => {
                let (listings, mut file_faults) = parse_list(&file, &bytes, supported);
                faults.append(&mut file_faults);
                lists.push(CommitteeList {
                    committee,
                    absent: absent_columns(&bytes),
                    file,
                    listings,
                });
            }
            Err(err) => faults.push(Fault::new(&file, 0, format!("cannot read: {err}"))),
        }
    }
    faults.extend(unlisted_files(dir, &lists));
    faults.extend(conflicts(&lists));
    if faults.is_empty() {
        Ok(lists)
    } else {
        Err(Faults(faults))
    }
}

/// Reads and checks `committees.toml`.
///
/// # Errors
/// Every fault, with its line.
pub fn read_committees(path: &Path, supported: &[Language]) -> Result<Vec<Committee>, Faults> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| Faults(vec![Fault::new(path, 0, format!("cannot read: {err}"))]))?;
    let line_of = |offset: usize| line_of(&text, offset);
    let raw: CommitteesFile = toml::from_str(&text).map_err(|err| {
        let line = err.span().map_or(0, |span| line_of(span.start));
        Faults(vec![Fault::new(path, line, err.message().to_string())])
    })?;
    let mut faults = Vec::new();
    let mut committees: Vec<Committee> = Vec::new();
    for raw in raw.committee {
        let line = line_of(raw.slug.span().start);
        let slug = raw.slug.into_inner();
        if !is_slug(&slug) {
            faults.push(Fault::new(
                path,
                line,
                format!("slug `{slug}` is not lower-case letters, digits and hyphens"),
            ));
        } else if committees.iter().any(|c| c.slug == slug) {
            faults.push(Fault::new(
                path,
                line,
                format!("committee `{slug}` is defined twice"),
            ));
        }
        let lang_line = line_of(raw.language.span().start);
        let language = match parse_language(raw.language.get_ref(), supported) {
            Ok(Some(language)) => language,
            Ok(None) => {
                faults.push(Fault::new(path, lang_line, "language is empty"));
                continue;
            }
            Err(reason) => {
                faults.push(Fault::new(path, lang_line, reason));
                continue;
            }
        };
        committees.push(Committee {
            slug,
            language,
            name: raw.name,
        });
    }
    if faults.is_empty() {
        Ok(committees)
    } else {
        Err(Faults(faults))
    }
}

fn is_slug(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn parse_language(text: &str, supported: &[Language]) -> Result<Option<Language>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    let codes = || {
        supported
            .iter()
            .map(|l| l.code())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match text.parse::<Language>() {
        Ok(lang) if supported.contains(&lang) => Ok(Some(lang)),
        _ => Err(format!(
            "unknown language `{text}` (supported: {})",
            codes()
        )),
    }
}

/// Parses one member list. Returns the good rows and a fault for each bad one.
pub fn parse_list(
    file: &Path,
    bytes: &[u8],
    supported: &[Language],
) -> (Vec<(usize, Listing)>, Vec<Fault>) {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(bytes);
    let mut records = reader.byte_records();
    let mut faults = Vec::new();
    let columns = match records.next() {
        None => {
            return (
                Vec::new(),
                vec![Fault::new(file, 1, "empty file: no header line")],
            );
        }
        Some(Err(err)) => return (Vec::new(), vec![Fault::new(file, 1, err.to_string())]),
        Some(Ok(header)) => match header_columns(&header) {
            Ok(columns) => columns,
            Err(reason) => return (Vec::new(), vec![Fault::new(file, 1, reason)]),
        },
    };
    let mut listings: Vec<(usize, Listing)> = Vec::new();
    let mut seen: HashMap<EmailAddress, usize> = HashMap::new();
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                let line = err.position().map_or(0, |p| p.line() as usize);
                faults.push(Fault::new(file, line, err.to_string()));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        match parse_row(&record, &columns, supported) {
            Ok(listing) => match seen.get(&listing.member.email) {
                Some(first) => faults.push(Fault::new(
                    file,
                    line,
                    format!(
                        "duplicate address `{}` (first at line {first})",
                        listing.member.email
                    ),
                )),
                None => {
                    seen.insert(listing.member.email.clone(), line);
                    listings.push((line, listing));
                }
            },
            Err(reasons) => faults.extend(reasons.into_iter().map(|r| Fault::new(file, line, r))),
        }
    }
    (listings, faults)
}

/// The member fields whose column the header lacks (minimal: a comma-separated header).
fn absent_columns(bytes: &[u8]) -> Vec<&'static str> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let header = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let header = String::from_utf8_lossy(header);
    let names: Vec<&str> = header.split(',').map(str::trim).collect();
    COLUMNS[1..]
        .iter()
        .copied()
        .filter(|c| !names.contains(c))
        .collect()
}

fn header_columns(header: &csv::ByteRecord) -> Result<Vec<usize>, String> {
    let mut columns = Vec::new();
    for field in header {
        let name = std::str::from_utf8(field).unwrap_or("").trim();
        match COLUMNS.iter().position(|c| *c == name) {
            Some(i) if columns.contains(&i) => {
                return Err(format!("column `{name}` appears twice"));
            }
            Some(i) => columns.push(i),
            None => {
                return Err(format!(
                    "unknown column `{name}` in the header (expected {})",
                    COLUMNS.join(",")
                ));
            }
        }
    }
    if !columns.contains(&0) {
        return Err("the header has no `email` column".into());
    }
    Ok(columns)
}

fn parse_row(
    record: &csv::ByteRecord,
    columns: &[usize],
    supported: &[Language],
) -> Result<Listing, Vec<String>> {
    if record.len() != columns.len() {
        return Err(vec![format!(
            "{} fields, expected {} ({})",
            record.len(),
            columns.len(),
            columns
                .iter()
                .map(|&i| COLUMNS[i])
                .collect::<Vec<_>>()
                .join(",")
        )]);
    }
    let mut values: [&str; 8] = [""; 8];
    let mut reasons = Vec::new();
    for (field, &column) in record.iter().zip(columns) {
        let name = COLUMNS[column];
        match std::str::from_utf8(field) {
            Ok(text) => {
                let text = text.trim();
                match check_text(name, text) {
                    Ok(()) => values[column] = text,
                    Err(reason) => reasons.push(reason),
                }
            }
            Err(_) => reasons.push(format!("field `{name}` is not valid UTF-8")),
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
    let email = EmailAddress::parse(email).map_err(|e| format!("address `{email}` {e}"));
    let language = parse_language(language, supported);
    let role = Role::parse(role);
    match (email, language, role) {
        (Ok(email), Ok(language), Ok(role)) => Ok(Listing {
            member: Member {
                email,
                name: name.into(),
                position: position.into(),
                organisation: organisation.into(),
                city: city.into(),
                country: country.into(),
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

/// A CSV file in the folder that no committee names would be silently ignored: refuse it.
fn unlisted_files(dir: &Path, lists: &[CommitteeList]) -> Vec<Fault> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut faults: Vec<Fault> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .filter(|p| !lists.iter().any(|l| &l.file == p))
        .map(|p| Fault::new(&p, 1, "no committee in committees.toml has this slug"))
        .collect();
    faults.sort_by(|a, b| a.file.cmp(&b.file));
    faults
}

/// One address is one member: two files must agree on what they say of them.
fn conflicts(lists: &[CommitteeList]) -> Vec<Fault> {
    let mut first: HashMap<&EmailAddress, (&CommitteeList, usize, &Member)> = HashMap::new();
    let mut faults = Vec::new();
    for list in lists {
        for (line, listing) in &list.listings {
            let member = &listing.member;
            match first.get(&member.email) {
                Some((first_list, first_line, seen)) => {
                    let file = &first_list.file;
                    // A field one of the files has no column for is not a disagreement.
                    let mut fields = seen.changed_fields(member);
                    fields.retain(|f| !list.absent.contains(f) && !first_list.absent.contains(f));
                    if !fields.is_empty() {
                        faults.push(Fault::new(
                            &list.file,
                            *line,
                            format!(
                                "`{}` has another {} in {}:{first_line}",
                                member.email,
                                fields.join(", "),
                                file.display()
                            ),
                        ));
                    }
                }
                None => {
                    first.insert(&member.email, (list, *line, member));
                }
            }
        }
    }
    faults
}
