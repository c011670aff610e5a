//! The bounce reader (as the classifier uses it) on bounces written by others: sisimai's set of emails, the Ruby
//! `bounce_email` gem's and the Ruby `mail` gem's DSN fixtures, with their projects' labels
//! (and, with `--ignored`, Mailman 2's and BounceParser's, read where they are).
//!
//! Each kind is scored twice. *Strict*: the reader's verdict equals the label. *By the
//! source's meaning*: a miss still counts when the source means something else by "hard"
//! ([`Meaning`]): Mailman 2 and the `bounce_email` gem call every fatal failure hard, so a
//! full mailbox or a spam refusal read as soft is right by their meaning; sisimai files a
//! delay warning as a soft bounce (it has no delay kind), calls a disabled mailbox
//! (`suspend`) soft, where the reader calls it hard, and calls `filtered` (soft) a refusal
//! after DATA or by a carrier's filter even when the server's words are "User unknown". The reader follows one definition (the
//! README's); it is never bent to a corpus's.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use circulars::inbound::bounce::{BounceKind, Report};
use circulars::inbound::classify::classify;
use circulars::inbound::read::parse;
use common::corpora::{self, Label, Meaning};

/// What a labelled message should be read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    Hard,
    Soft,
    Delay,
    NotBounce,
}

/// One message with its labels merged (sisimai has one row per failed recipient).
struct Case {
    file: String,
    label: String,
    expected: Verdict,
    /// The verdicts right by the source's meaning of its label (always holds `expected`).
    by_meaning: BTreeSet<Verdict>,
    recipients: BTreeSet<String>,
    rows: usize,
    /// The status code the source asserts (`code=5.1.2`), when it asserts one.
    status: Option<String>,
}

#[derive(Default, Clone, Copy)]
struct Tally {
    total: usize,
    kind_right: usize,
    kind_by_meaning: usize,
    /// Bounce (or delay) read as one, anything else read as none.
    recognised: usize,
    with_recipients: usize,
    recipients_right: usize,
    with_status: usize,
    status_right: usize,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.total += other.total;
        self.kind_right += other.kind_right;
        self.kind_by_meaning += other.kind_by_meaning;
        self.recognised += other.recognised;
        self.with_recipients += other.with_recipients;
        self.recipients_right += other.recipients_right;
        self.with_status += other.with_status;
        self.status_right += other.status_right;
    }
}

/// The figures of one folder, with the misses spelled out.
#[derive(Default)]
struct Score {
    by_label: BTreeMap<String, Tally>,
    misses: Vec<String>,
    not_bounces_read_as_hard: Vec<String>,
    /// Where no address is labelled: the number of recipients found equals the rows.
    count_right: (usize, usize),
}

impl Score {
    fn all(&self) -> Tally {
        let mut all = Tally::default();
        self.by_label.values().for_each(|t| all.add(t));
        all
    }
}

fn expected(label: &str) -> Verdict {
    match label {
        "bounce_hard" => Verdict::Hard,
        "bounce_soft" => Verdict::Soft,
        "delay_dsn" => Verdict::Delay,
        _ => Verdict::NotBounce,
    }
}

/// The verdicts right by what the source means by `row`'s label.
fn by_meaning(row: &Label, verdict: Verdict) -> Vec<Verdict> {
    use Verdict::{Delay, Hard, Soft};
    match (row.meaning(), verdict) {
        // Fatal: any failure that is not retried, whatever its cause.
        (Meaning::Fatal, Hard) => vec![Hard, Soft],
        (Meaning::Fatal, Soft) => vec![Soft, Delay],
        (Meaning::Sisimai, Soft) => match row.detail("sisimai_reason") {
            // A disabled mailbox and a domain that accepts no mail fail the address for good;
            // `filtered` is sisimai's name for a refusal after DATA or by a carrier's sender
            // filter, even when the server says "User unknown", which the reader calls hard.
            Some("suspend" | "notaccept" | "filtered") => vec![Soft, Hard],
            _ => vec![Soft, Delay],
        },
        // sisimai has no delay kind: a delay warning is filed under its reason, hard ones too.
        (Meaning::Sisimai, Hard) => vec![Hard, Delay],
        _ => vec![verdict],
    }
}

fn asserted_status(row: &Label) -> Option<String> {
    ["code", "error_status"]
        .iter()
        .find_map(|name| row.detail(name))
        .filter(|code| code.contains('.'))
        .map(str::to_string)
}

fn cases(labels: Vec<Label>) -> Vec<Case> {
    let mut cases: Vec<Case> = Vec::new();
    for row in labels {
        let verdict = expected(&row.kind);
        let meaning = by_meaning(&row, verdict);
        if let Some(case) = cases.iter_mut().find(|c| c.file == row.file) {
            case.rows += 1;
            if verdict < case.expected {
                case.expected = verdict;
                case.label = row.kind.clone();
                case.by_meaning = meaning.into_iter().collect();
            } else if verdict == case.expected {
                case.by_meaning.extend(meaning);
            }
            case.recipients.extend(row.failed_recipients);
            continue;
        }
        cases.push(Case {
            status: asserted_status(&row),
            by_meaning: meaning.into_iter().collect(),
            file: row.file,
            label: row.kind,
            expected: verdict,
            recipients: row.failed_recipients.into_iter().collect(),
            rows: 1,
        });
    }
    cases
}

fn verdict(report: Option<&Report>) -> Verdict {
    match report.map(|r| r.kind) {
        Some(BounceKind::Hard) => Verdict::Hard,
        Some(BounceKind::Soft) => Verdict::Soft,
        Some(BounceKind::Delay) => Verdict::Delay,
        None => Verdict::NotBounce,
    }
}

fn describe(case: &Case, got: Verdict, report: Option<&Report>) -> String {
    let detail = report.map_or(String::new(), |r| {
        let found: Vec<&str> = r.failed.iter().map(|f| f.address.as_str()).collect();
        let first = r.failed.first().map(|f| {
            let words: String = f
                .diagnostic
                .iter()
                .flat_map(|d| d.chars())
                .take(100)
                .collect();
            format!("{:?} {words}", f.status)
        });
        format!("{} {found:?} {}", r.format, first.unwrap_or_default())
    });
    let meaning = if case.by_meaning.contains(&got) {
        " (right by the source's meaning)"
    } else {
        ""
    };
    format!(
        "{}: expected {:?} {:?} ({} row(s)), got {got:?}{meaning} {detail}",
        case.file, case.expected, case.recipients, case.rows
    )
}

fn score_case(case: &Case, report: Option<&Report>, score: &mut Score) {
    let got = verdict(report);
    let found: BTreeSet<String> = report
        .iter()
        .flat_map(|r| r.failed.iter().map(|f| f.address.clone()))
        .collect();
    let tally = score.by_label.entry(case.label.clone()).or_default();
    tally.total += 1;
    let kind_right = got == case.expected;
    tally.kind_right += usize::from(kind_right);
    tally.kind_by_meaning += usize::from(kind_right || case.by_meaning.contains(&got));
    tally.recognised +=
        usize::from((got == Verdict::NotBounce) == (case.expected == Verdict::NotBounce));
    let mut recipients_right = true;
    if !case.recipients.is_empty() {
        tally.with_recipients += 1;
        recipients_right = found == case.recipients;
        tally.recipients_right += usize::from(recipients_right);
    } else if case.expected != Verdict::NotBounce {
        score.count_right.1 += 1;
        recipients_right = found.len() == case.rows;
        score.count_right.0 += usize::from(recipients_right);
    }
    if let Some(status) = &case.status {
        tally.with_status += 1;
        let read =
            report.is_some_and(|r| r.failed.iter().any(|f| f.status.as_ref() == Some(status)));
        tally.status_right += usize::from(read);
    }
    if !kind_right || !recipients_right {
        score.misses.push(describe(case, got, report));
    }
    if case.expected == Verdict::NotBounce && got == Verdict::Hard {
        score.not_bounces_read_as_hard.push(case.file.clone());
    }
}

fn score(folder: &Path) -> Score {
    let mut score = Score::default();
    for case in cases(corpora::labels(folder)) {
        let raw = corpora::load(folder, &case.file);
        let parsed = parse(&raw);
        // The classifier's verdict: a challenge sent as a delivery report is no bounce.
        let report = classify(&parsed.message, &parsed.read).bounce;
        score_case(&case, report.as_ref(), &mut score);
    }
    score
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        100.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

fn cell(part: usize, whole: usize) -> String {
    format!("{part:>4}/{whole:<4} {:>5.1}%", percent(part, whole))
}

fn print(name: &str, score: &Score) {
    println!("== {name}");
    println!(
        "{:<12} {:>16} {:>16} {:>16} {:>16} {:>16}",
        "label", "kind strict", "kind by meaning", "bounce or not", "recipients", "status code"
    );
    let all = score.all();
    let rows = score.by_label.iter().map(|(k, t)| (k.as_str(), t));
    for (label, t) in rows.chain([("all", &all)]) {
        println!(
            "{label:<12} {:>16} {:>16} {:>16} {:>16} {:>16}",
            cell(t.kind_right, t.total),
            cell(t.kind_by_meaning, t.total),
            cell(t.recognised, t.total),
            cell(t.recipients_right, t.with_recipients),
            cell(t.status_right, t.with_status)
        );
    }
    let (right, of) = score.count_right;
    println!(
        "recipient count right where no address is labelled: {}",
        cell(right, of)
    );
    for miss in &score.misses {
        println!("miss: {miss}");
    }
}

/// Asserts a share of at least `floor` percent, naming the folder and the figure.
fn at_least(name: &str, what: &str, (part, whole): (usize, usize), floor: f64) {
    let share = percent(part, whole);
    assert!(
        share >= floor,
        "{name}: {what} right for {part} of {whole} ({share:.1}% < {floor}%)"
    );
}

fn assert_no_hard_robots(name: &str, score: &Score) {
    assert!(
        score.not_bounces_read_as_hard.is_empty(),
        "{name}: messages that are not bounces read as hard bounces: {:?}",
        score.not_bounces_read_as_hard
    );
}

/// The floors of one folder, just under the figures reached (see the README's table).
struct Floors {
    /// Kind right, strict (`true`) or by the source's meaning (`false`).
    kind: (bool, f64),
    recognised: f64,
    /// Labelled failed recipients right, where the source names them.
    recipients: f64,
    /// The number of recipients right, where the source gives only their number.
    count: f64,
}

fn assert_floors(name: &str, score: &Score, floors: &Floors) {
    let all = score.all();
    let (strict, floor) = floors.kind;
    let (kind, what) = match strict {
        true => (all.kind_right, "kind (strict)"),
        false => (all.kind_by_meaning, "kind (by the source's meaning)"),
    };
    at_least(name, what, (kind, all.total), floor);
    at_least(
        name,
        "bounce or not",
        (all.recognised, all.total),
        floors.recognised,
    );
    let labelled = (all.recipients_right, all.with_recipients);
    at_least(name, "recipients", labelled, floors.recipients);
    at_least(name, "recipient count", score.count_right, floors.count);
    assert_no_hard_robots(name, score);
}

#[test]
fn sisimai_bounces_are_told_from_other_mail_and_read_hard_or_soft() {
    let score = score(&corpora::folder("sisimai"));
    // By meaning: strict is 84.8%, as sisimai calls "User unknown" refused by a filter or
    // after DATA (`filtered`) and a disabled mailbox (`suspend`) soft, and the reader hard.
    let floors = Floors {
        kind: (false, 96.5),
        recognised: 99.0,
        recipients: 100.0,
        count: 97.5,
    };
    print("sisimai", &score);
    assert_floors("sisimai", &score, &floors);
}

#[test]
fn ruby_bounce_email_bounces_are_read_as_bounces_with_their_recipient() {
    let score = score(&corpora::folder("ruby_bounce_email"));
    // By meaning: the gem calls every 5.x.x failure hard (strict is 53.8%: spam refusals,
    // full mailboxes and hosts that never answered are soft to the reader).
    let floors = Floors {
        kind: (false, 100.0),
        recognised: 100.0,
        recipients: 100.0,
        count: 100.0,
    };
    print("ruby_bounce_email", &score);
    assert_floors("ruby_bounce_email", &score, &floors);
}

#[test]
fn ruby_mail_gem_reports_give_the_kind_and_the_failed_recipient() {
    let score = score(&corpora::folder("ruby_mail_gem_dsn"));
    let floors = Floors {
        kind: (true, 100.0),
        recognised: 100.0,
        recipients: 100.0,
        count: 100.0,
    };
    print("ruby_mail_gem_dsn", &score);
    assert_floors("ruby_mail_gem_dsn", &score, &floors);
    let all = score.all();
    at_least(
        "ruby_mail_gem_dsn",
        "status code",
        (all.status_right, all.with_status),
        100.0,
    );
}

/// The floors of the folders that may not be copied into the project, by folder name.
fn outside_floors(name: &str) -> Option<Floors> {
    match name {
        // By meaning: Mailman calls every fatal failure hard, a full mailbox too (strict
        // is 56.5%).
        "mailman2_bounces" => Some(Floors {
            kind: (false, 99.0),
            recognised: 99.0,
            recipients: 95.5,
            count: 100.0,
        }),
        "perl_bounceparser" => Some(Floors {
            kind: (true, 96.0),
            recognised: 99.0,
            recipients: 100.0,
            count: 98.0,
        }),
        _ => None,
    }
}

/// Folders that may not be copied into the project (GPL, Perl licence), read where they are:
/// `BOUNCE_CORPORA=$C/mailman2_bounces:$C/perl_bounceparser cargo test --test corpora_bounces --
/// --ignored --nocapture`, with `C` the shared corpora (`/work/shared/corpora`). Asserts the
/// floors of the folders it knows by name, prints the figures of the others.
#[test]
#[ignore = "reads corpora outside the project, named by BOUNCE_CORPORA"]
fn other_corpora_figures() {
    let folders = std::env::var("BOUNCE_CORPORA").unwrap_or_default();
    let scores: Vec<(String, Score)> = folders
        .split(':')
        .filter(|f| !f.is_empty())
        .map(|folder| (folder.to_string(), score(Path::new(folder))))
        .collect();
    for (folder, score) in &scores {
        print(folder, score);
    }
    for (folder, score) in &scores {
        let name = Path::new(folder)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(floors) = outside_floors(&name) {
            assert_floors(&name, score, &floors);
        }
    }
}
