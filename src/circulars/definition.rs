//! A circular's folder: `circular.toml` and one `<lang>.md` per language, read and checked.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use chrono_tz::Tz;
use serde::Deserialize;
use toml::Spanned;

use crate::faults::{Fault, line_of};
use crate::locale::Language;
use crate::schedule::Reminder;

/// A text in several languages.
pub type Localized = BTreeMap<Language, String>;

/// What happens to a registration that arrives after the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Late {
    Accept,
    Waitlist,
    Refuse,
}

impl Late {
    /// As written in `circular.toml` and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Late::Accept => "accept",
            Late::Waitlist => "waitlist",
            Late::Refuse => "refuse",
        }
    }
}

/// A day, or a day and time, as written in `circular.toml` (local, no offset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum When {
    Day(NaiveDate),
    Moment(NaiveDateTime),
}

impl When {
    /// The first instant it stands for.
    pub fn start(self) -> NaiveDateTime {
        match self {
            When::Day(day) => day.and_time(NaiveTime::MIN),
            When::Moment(moment) => moment,
        }
    }

    /// The last instant it stands for: a day lasts until its end.
    pub fn end(self) -> NaiveDateTime {
        match self {
            When::Day(day) => day
                .and_hms_opt(23, 59, 59)
                .unwrap_or(day.and_time(NaiveTime::MIN)),
            When::Moment(moment) => moment,
        }
    }

    /// As given to templates: `2014-10-24` or `2014-10-24T18:00:00`.
    pub fn to_template_value(self) -> String {
        match self {
            When::Day(day) => day.format("%Y-%m-%d").to_string(),
            When::Moment(moment) => moment.format("%Y-%m-%dT%H:%M:%S").to_string(),
        }
    }
}

/// The event a circular invites to.
#[derive(Debug, Clone)]
pub struct Event {
    pub title: Localized,
    pub place: Localized,
    pub start: When,
    pub end: When,
    /// The event's own time zone: its times are shown in it.
    pub timezone: Tz,
    pub sessions: Vec<Localized>,
}

/// A document that goes with a circular, in one or more languages.
#[derive(Debug, Clone)]
pub struct Document {
    pub title: Localized,
    pub note: Localized,
    /// File name (in the circular's folder) of each language version.
    pub files: BTreeMap<Language, String>,
    /// Attached to the mail; otherwise linked (served by `serve`).
    pub attach: bool,
}

/// One language's text: subject and Markdown body, both Tera templates.
#[derive(Debug, Clone)]
pub struct Text {
    pub file: PathBuf,
    pub subject: String,
    pub body: String,
    /// Line of the file where the body starts, to name lines in errors.
    pub body_line: usize,
    /// Line of the `subject` key.
    pub subject_line: usize,
}

/// A circular as its folder defines it.
#[derive(Debug, Clone)]
pub struct Circular {
    pub number: u32,
    pub slug: String,
    pub dir: PathBuf,
    pub committees: Vec<String>,
    /// The languages it is written in; the first is its own fallback.
    pub languages: Vec<Language>,
    pub send_at: Option<When>,
    pub deadline: Option<When>,
    pub capacity: Option<u32>,
    pub late: Late,
    pub reminders: Vec<Reminder>,
    pub contact: String,
    pub event: Option<Event>,
    pub documents: Vec<Document>,
    pub texts: BTreeMap<Language, Text>,
}

impl Circular {
    /// `NNN-slug`, the folder's name.
    pub fn folder_name(&self) -> String {
        format!("{:03}-{}", self.number, self.slug)
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawLocalized {
    Same(String),
    Each(BTreeMap<String, String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCircular {
    number: Spanned<u32>,
    committees: Spanned<Vec<String>>,
    languages: Spanned<Vec<Spanned<String>>>,
    send_at: Option<Spanned<toml::value::Datetime>>,
    deadline: Option<Spanned<toml::value::Datetime>>,
    capacity: Option<Spanned<u32>>,
    #[serde(default = "default_late")]
    late: Late,
    #[serde(default)]
    reminders: Vec<Spanned<String>>,
    #[serde(default)]
    contact: String,
    event: Option<RawEvent>,
    #[serde(default)]
    documents: Vec<RawDocument>,
}

fn default_late() -> Late {
    Late::Waitlist
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    title: Spanned<RawLocalized>,
    place: Spanned<RawLocalized>,
    start: Spanned<toml::value::Datetime>,
    end: Spanned<toml::value::Datetime>,
    timezone: Spanned<String>,
    #[serde(default)]
    sessions: Vec<Spanned<RawLocalized>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDocument {
    title: Spanned<RawLocalized>,
    note: Option<Spanned<RawLocalized>>,
    files: Spanned<BTreeMap<String, String>>,
    #[serde(default = "yes")]
    attach: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    subject: Spanned<String>,
}

/// Collects the faults of one file.
struct Collector<'a> {
    file: &'a Path,
    text: &'a str,
    list: Vec<Fault>,
}

impl Collector<'_> {
    fn at(&mut self, offset: usize, reason: impl Into<String>) {
        self.list
            .push(Fault::new(self.file, line_of(self.text, offset), reason));
    }
}

/// Reads a circular's folder.
///
/// # Errors
/// Every fault found, each with its file and line.
pub fn load(dir: &Path, supported: &[Language]) -> Result<Circular, Vec<Fault>> {
    let file = dir.join("circular.toml");
    let text = std::fs::read_to_string(&file)
        .map_err(|err| vec![Fault::new(&file, 0, format!("cannot read: {err}"))])?;
    let raw: RawCircular = toml::from_str(&text).map_err(|err| {
        let line = err.span().map_or(0, |s| line_of(&text, s.start));
        vec![Fault::new(&file, line, err.message().to_string())]
    })?;
    let languages_line = line_of(&text, raw.languages.span().start);
    let mut faults = Collector {
        file: &file,
        text: &text,
        list: Vec::new(),
    };
    let circular = build(dir, raw, supported, &mut faults);
    let mut list = faults.list;
    let texts = circular
        .as_ref()
        .map(|c| read_texts(dir, &c.languages, languages_line, &mut list))
        .unwrap_or_default();
    match circular {
        Some(circular) if list.is_empty() => Ok(Circular { texts, ..circular }),
        _ => Err(list),
    }
}

fn build(
    dir: &Path,
    raw: RawCircular,
    supported: &[Language],
    faults: &mut Collector<'_>,
) -> Option<Circular> {
    let folder = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let (prefix, slug) = split_folder(folder).unwrap_or((0, ""));
    let number = *raw.number.get_ref();
    if prefix != number || slug.is_empty() {
        faults.at(
            raw.number.span().start,
            format!("number {number} does not match the folder `{folder}` (expected `{number:03}-<slug>`)"),
        );
    }
    if raw.committees.get_ref().is_empty() {
        faults.at(
            raw.committees.span().start,
            "no committee: name at least one",
        );
    }
    let mut languages = Vec::new();
    for code in raw.languages.get_ref() {
        match code.get_ref().parse::<Language>() {
            Ok(lang) if supported.contains(&lang) => languages.push(lang),
            _ => faults.at(
                code.span().start,
                format!("unknown language `{}`", code.get_ref()),
            ),
        }
    }
    if raw.languages.get_ref().is_empty() {
        faults.at(raw.languages.span().start, "no language: name at least one");
    }
    let send_at = raw.send_at.as_ref().and_then(|d| when(d, faults));
    let deadline = raw.deadline.as_ref().and_then(|d| when(d, faults));
    let mut reminders = Vec::new();
    for expression in &raw.reminders {
        match Reminder::parse(expression.get_ref()) {
            Ok(reminder) => reminders.push(reminder),
            Err(reason) => faults.at(expression.span().start, format!("bad reminder: {reason}")),
        }
    }
    if let Some(capacity) = &raw.capacity
        && *capacity.get_ref() == 0
    {
        faults.at(
            capacity.span().start,
            "capacity 0: leave it out for no limit",
        );
    }
    let event = raw.event.as_ref().and_then(|e| event(e, faults));
    if let (Some(send_at), Some(deadline), Some(raw_deadline)) = (send_at, deadline, &raw.deadline)
        && deadline.end() < send_at.start()
    {
        faults.at(
            raw_deadline.span().start,
            "the deadline is before the circular is sent",
        );
    }
    if let (Some(event), Some(deadline), Some(raw_deadline)) = (&event, deadline, &raw.deadline)
        && deadline.start() > event.start.start()
    {
        faults.at(
            raw_deadline.span().start,
            format!(
                "the deadline {} is after the event starts ({})",
                deadline.to_template_value(),
                event.start.to_template_value()
            ),
        );
    }
    let documents = raw
        .documents
        .iter()
        .filter_map(|d| document(dir, d, faults))
        .collect();
    Some(Circular {
        number,
        slug: slug.to_string(),
        dir: dir.to_path_buf(),
        committees: raw.committees.into_inner(),
        languages,
        send_at,
        deadline,
        capacity: raw.capacity.map(Spanned::into_inner),
        late: raw.late,
        reminders,
        contact: raw.contact,
        event,
        documents,
        texts: BTreeMap::new(),
    })
}

fn when(value: &Spanned<toml::value::Datetime>, faults: &mut Collector<'_>) -> Option<When> {
    let dt = value.get_ref();
    if dt.offset.is_some() {
        faults.at(
            value.span().start,
            "write a local time without offset: the configured time zone applies",
        );
        return None;
    }
    let date = dt
        .date
        .and_then(|d| NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into()));
    let Some(date) = date else {
        faults.at(value.span().start, "a date is needed (YYYY-MM-DD)");
        return None;
    };
    Some(match dt.time {
        None => When::Day(date),
        Some(t) => When::Moment(
            date.and_time(
                NaiveTime::from_hms_opt(t.hour.into(), t.minute.into(), t.second.into())
                    .unwrap_or(NaiveTime::MIN),
            ),
        ),
    })
}

fn localized(value: &Spanned<RawLocalized>, faults: &mut Collector<'_>) -> Localized {
    match value.get_ref() {
        RawLocalized::Same(text) => Language::ALL.iter().map(|&l| (l, text.clone())).collect(),
        RawLocalized::Each(map) => {
            let mut out = Localized::new();
            for (code, text) in map {
                match code.parse::<Language>() {
                    Ok(lang) => {
                        out.insert(lang, text.clone());
                    }
                    Err(err) => faults.at(value.span().start, err.to_string()),
                }
            }
            out
        }
    }
}

fn event(raw: &RawEvent, faults: &mut Collector<'_>) -> Option<Event> {
    let timezone = match raw.timezone.get_ref().parse::<Tz>() {
        Ok(tz) => tz,
        Err(_) => {
            faults.at(
                raw.timezone.span().start,
                format!("unknown time zone `{}`", raw.timezone.get_ref()),
            );
            return None;
        }
    };
    let start = when(&raw.start, faults)?;
    let end = when(&raw.end, faults)?;
    if end.end() < start.start() {
        faults.at(raw.end.span().start, "the event ends before it starts");
    }
    Some(Event {
        title: localized(&raw.title, faults),
        place: localized(&raw.place, faults),
        start,
        end,
        timezone,
        sessions: raw.sessions.iter().map(|s| localized(s, faults)).collect(),
    })
}

fn document(dir: &Path, raw: &RawDocument, faults: &mut Collector<'_>) -> Option<Document> {
    let mut files = BTreeMap::new();
    for (code, name) in raw.files.get_ref() {
        let Ok(lang) = code.parse::<Language>() else {
            faults.at(raw.files.span().start, format!("unknown language `{code}`"));
            continue;
        };
        let safe = !name.contains('/') && !name.starts_with('.') && !name.is_empty();
        if !safe || !dir.join(name).is_file() {
            faults.at(
                raw.files.span().start,
                format!("document `{name}` is not a file in {}", dir.display()),
            );
            continue;
        }
        files.insert(lang, name.clone());
    }
    Some(Document {
        title: localized(&raw.title, faults),
        note: raw
            .note
            .as_ref()
            .map(|n| localized(n, faults))
            .unwrap_or_default(),
        files,
        attach: raw.attach,
    })
}

fn read_texts(
    dir: &Path,
    languages: &[Language],
    languages_line: usize,
    faults: &mut Vec<Fault>,
) -> BTreeMap<Language, Text> {
    let mut texts = BTreeMap::new();
    for &lang in languages {
        let file = dir.join(format!("{lang}.md"));
        match std::fs::read_to_string(&file) {
            Ok(source) => match parse_text(&file, &source) {
                Ok(text) => {
                    texts.insert(lang, text);
                }
                Err(fault) => faults.push(fault),
            },
            Err(err) => faults.push(Fault::new(
                &dir.join("circular.toml"),
                languages_line,
                format!("language `{lang}` is listed but {lang}.md cannot be read: {err}"),
            )),
        }
    }
    texts
}

/// Splits `+++` TOML front matter from the Markdown body of `source`, read from `file`.
/// Also reads the automatic mails of `templates/mail/`.
pub(crate) fn parse_text(file: &Path, source: &str) -> Result<Text, Fault> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let rest = source
        .strip_prefix("+++\n")
        .or_else(|| source.strip_prefix("+++\r\n"))
        .ok_or_else(|| {
            Fault::new(
                file,
                1,
                "expected front matter: a first line `+++`, `subject = '…'`, and `+++`",
            )
        })?;
    let end = rest
        .find("\n+++")
        .ok_or_else(|| Fault::new(file, 1, "the front matter has no closing `+++` line"))?;
    let front = &rest[..end + 1];
    let after = &rest[end + 4..];
    let body = after.split_once('\n').map_or("", |(_, body)| body);
    let matter: FrontMatter = toml::from_str(front).map_err(|err| {
        let line = err.span().map_or(0, |s| line_of(front, s.start)) + 1;
        Fault::new(file, line, err.message().to_string())
    })?;
    let front_lines = front.lines().count();
    Ok(Text {
        file: file.to_path_buf(),
        subject_line: line_of(front, matter.subject.span().start) + 1,
        subject: matter.subject.into_inner(),
        body: body.to_string(),
        body_line: front_lines + 3,
    })
}

/// A folder name's number and slug: `030-smart-local-governance` → (30, `smart-local-governance`).
pub fn split_folder(name: &str) -> Option<(u32, &str)> {
    let (number, slug) = name.split_once('-').unwrap_or((name, ""));
    Some((number.parse().ok()?, slug))
}

/// The folder of circular `number` under `dir`, if there is one.
///
/// # Errors
/// `dir` cannot be read.
pub fn folder_of(dir: &Path, number: u32) -> std::io::Result<Option<PathBuf>> {
    Ok(folders(dir)?.into_iter().find(|f| {
        f.file_name()
            .and_then(|n| n.to_str())
            .and_then(split_folder)
            .is_some_and(|(n, _)| n == number)
    }))
}

/// Every circular folder under `dir` (`NNN-slug`), in order.
pub fn folders(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut folders: Vec<PathBuf> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("circular.toml").is_file())
        .collect();
    folders.sort();
    Ok(folders)
}
