//! The recipients folder: `committees.toml` and one `<slug>.csv` per committee, read and
//! checked as a whole. A file with any bad row is refused, with every fault named.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

pub use super::decode::{Delimiter, TextEncoding};
pub use super::rows::{ParsedList, parse_list};
use super::rows::{case_key, case_twin, parse_language};
use super::{Committee, CommitteeNames, EmailAddress, Listing, Member};
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
    /// How the file was read.
    pub source: FileFormat,
    /// The member fields among name, position, organisation, city, country, language and
    /// role that the file has no column for: a sync leaves them as they are.
    pub absent: Vec<&'static str>,
}

/// How a member list was read: for the sync report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileFormat {
    pub encoding: TextEncoding,
    pub delimiter: Delimiter,
    /// Columns that are not ours, by name, ignored.
    pub ignored: Vec<String>,
}

/// `Windows-1252, semicolon; column "Téléphone" ignored`.
impl fmt::Display for FileFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {}", self.encoding, self.delimiter)?;
        let quoted: Vec<String> = self.ignored.iter().map(|c| format!("\"{c}\"")).collect();
        match quoted.len() {
            0 => Ok(()),
            1 => write!(f, "; column {} ignored", quoted[0]),
            _ => write!(f, "; columns {} ignored", quoted.join(", ")),
        }
    }
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
                let (parsed, mut file_faults) = parse_list(&file, &bytes, supported);
                faults.append(&mut file_faults);
                lists.push(CommitteeList {
                    committee,
                    file,
                    listings: parsed.listings,
                    source: parsed.source,
                    absent: parsed.absent,
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

/// One address is one member: two files must agree on what they say of them (in the
/// fields both have a column for), and two addresses that differ only in the case of their
/// local part are one mailbox.
fn conflicts(lists: &[CommitteeList]) -> Vec<Fault> {
    let mut first: HashMap<&EmailAddress, (&CommitteeList, usize, &Member)> = HashMap::new();
    let mut folded: HashMap<(String, String), (&CommitteeList, usize, &EmailAddress)> =
        HashMap::new();
    let mut faults = Vec::new();
    for list in lists {
        for (line, listing) in &list.listings {
            let member = &listing.member;
            let fault = |reason| Fault::new(&list.file, *line, reason);
            if let Some((other, first_line, seen)) = first.get(&member.email) {
                if let Some(reason) = disagreement(member, list, seen, other, *first_line) {
                    faults.push(fault(reason));
                }
                continue;
            }
            first.insert(&member.email, (list, *line, member));
            let key = case_key(&member.email);
            match folded.get(&key) {
                Some((other, other_line, email)) => {
                    let place = format!("{}:{other_line}", other.file.display());
                    faults.push(fault(case_twin(&member.email, email, &place)));
                }
                None => {
                    folded.insert(key, (list, *line, &member.email));
                }
            }
        }
    }
    faults
}

/// What `member` (in `list`) and `seen` (at `other:line`) say differently, with both values.
fn disagreement(
    member: &Member,
    list: &CommitteeList,
    seen: &Member,
    other: &CommitteeList,
    line: usize,
) -> Option<String> {
    let differences: Vec<String> = seen
        .changed_fields(member)
        .into_iter()
        .filter(|f| !list.absent.contains(f) && !other.absent.contains(f))
        .map(|f| format!("{f} `{}` here, `{}` there", member.field(f), seen.field(f)))
        .collect();
    if differences.is_empty() {
        return None;
    }
    Some(format!(
        "`{}` is described otherwise in {}:{line}: {}",
        member.email,
        other.file.display(),
        differences.join("; ")
    ))
}
