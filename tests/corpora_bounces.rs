//! The bounce reader on bounces written by others: sisimai's set of emails, the Ruby
//! `bounce_email` gem's and the Ruby `mail` gem's DSN fixtures, with their projects' labels.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use circulars::inbound::bounce::{self, BounceKind};
use common::corpora::{self, Label};
use mail_parser::MessageParser;

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
    recipients: BTreeSet<String>,
    rows: usize,
    sisimai: bool,
}

#[derive(Default)]
struct Tally {
    total: usize,
    kind_right: usize,
    with_recipients: usize,
    recipients_right: usize,
}

/// The figures of one folder, with the misses spelled out.
#[derive(Default)]
struct Score {
    by_kind: BTreeMap<String, Tally>,
    misses: Vec<String>,
    robots_read_as_hard: Vec<String>,
    /// Where no address is labelled: the number of recipients found equals the rows.
    count_right: (usize, usize),
}

impl Score {
    fn sum(&self) -> Tally {
        let mut all = Tally::default();
        for t in self.by_kind.values() {
            all.total += t.total;
            all.kind_right += t.kind_right;
            all.with_recipients += t.with_recipients;
            all.recipients_right += t.recipients_right;
        }
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

fn cases(labels: Vec<Label>) -> Vec<Case> {
    let mut cases: Vec<Case> = Vec::new();
    for row in labels {
        let verdict = expected(&row.kind);
        match cases.iter_mut().find(|c| c.file == row.file) {
            Some(case) => {
                case.rows += 1;
                case.expected = case.expected.min(verdict);
                case.recipients.extend(row.failed_recipients);
                if verdict == Verdict::Hard {
                    case.label = row.kind;
                }
            }
            None => cases.push(Case {
                file: row.file,
                label: row.kind,
                expected: verdict,
                recipients: row.failed_recipients.into_iter().collect(),
                rows: 1,
                sisimai: row
                    .columns
                    .get("expected_detail")
                    .is_some_and(|d| d.contains("sisimai_reason=")),
            }),
        }
    }
    cases
}

fn score(folder: &Path) -> Score {
    let mut score = Score::default();
    for case in cases(corpora::labels(folder)) {
        let raw = corpora::load(folder, &case.file);
        let report = MessageParser::default()
            .parse(&raw)
            .and_then(|m| bounce::read(&m));
        let got = match report.as_ref().map(|r| r.kind) {
            Some(BounceKind::Hard) => Verdict::Hard,
            Some(BounceKind::Soft) => Verdict::Soft,
            Some(BounceKind::Delay) => Verdict::Delay,
            None => Verdict::NotBounce,
        };
        let found: BTreeSet<String> = report
            .iter()
            .flat_map(|r| r.failed.iter().map(|f| f.address.clone()))
            .collect();
        let tally = score.by_kind.entry(case.label.clone()).or_default();
        tally.total += 1;
        // sisimai has no delay kind: it reads a delay warning as a soft bounce.
        let sisimai_delay = case.sisimai && case.expected == Verdict::Soft && got == Verdict::Delay;
        let kind_right = got == case.expected || sisimai_delay;
        tally.kind_right += usize::from(kind_right);
        let mut recipients_right = true;
        if !case.recipients.is_empty() {
            tally.with_recipients += 1;
            recipients_right = found == case.recipients;
            tally.recipients_right += usize::from(recipients_right);
        } else if case.expected != Verdict::NotBounce {
            score.count_right.1 += 1;
            score.count_right.0 += usize::from(found.len() == case.rows);
        }
        if !kind_right || !recipients_right {
            let detail = report.as_ref().map_or(String::new(), |r| {
                let first = r.failed.first().map(|f| {
                    let words: String = f
                        .diagnostic
                        .iter()
                        .flat_map(|d| d.chars())
                        .take(120)
                        .collect();
                    format!("{:?} {words}", f.status)
                });
                format!("{} {:?} {}", r.format, found, first.unwrap_or_default())
            });
            score.misses.push(format!(
                "{}: expected {:?} {:?}, got {got:?} {detail}",
                case.file, case.expected, case.recipients
            ));
        }
        if case.expected == Verdict::NotBounce && got == Verdict::Hard {
            score.robots_read_as_hard.push(case.file.clone());
        }
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

fn print(name: &str, score: &Score) {
    println!("== {name}");
    println!(
        "{:<14} {:>6} {:>12} {:>18}",
        "label", "files", "kind right", "recipients right"
    );
    let rows = score.by_kind.iter().map(|(k, t)| (k.as_str(), t));
    let all = score.sum();
    for (kind, t) in rows.chain([("all", &all)]) {
        println!(
            "{kind:<14} {:>6} {:>5} {:>5.1}% {:>5}/{:<5} {:>5.1}%",
            t.total,
            t.kind_right,
            percent(t.kind_right, t.total),
            t.recipients_right,
            t.with_recipients,
            percent(t.recipients_right, t.with_recipients)
        );
    }
    if score.count_right.1 > 0 {
        let (right, of) = score.count_right;
        println!(
            "recipient count right: {right}/{of} ({:.1}%)",
            percent(right, of)
        );
    }
    for miss in &score.misses {
        println!("miss: {miss}");
    }
}

/// Scores a folder and asserts the goals: 95% right on kind and on failed recipients,
/// and no message that is not a bounce read as a hard bounce.
fn assert_goals(name: &str, score: &Score) {
    print(name, score);
    let all = score.sum();
    assert!(
        percent(all.kind_right, all.total) >= 95.0,
        "{name}: kind right for {} of {}",
        all.kind_right,
        all.total
    );
    assert!(
        percent(all.recipients_right, all.with_recipients) >= 95.0,
        "{name}: failed recipients right for {} of {}",
        all.recipients_right,
        all.with_recipients
    );
    assert!(
        score.robots_read_as_hard.is_empty(),
        "{name}: not bounces read as hard bounces: {:?}",
        score.robots_read_as_hard
    );
}

#[test]
fn sisimai_bounces_are_read_with_the_right_kind() {
    assert_goals("sisimai", &score(&corpora::folder("sisimai")));
}

#[test]
fn ruby_bounce_email_bounces_are_read_with_the_right_kind() {
    assert_goals(
        "ruby_bounce_email",
        &score(&corpora::folder("ruby_bounce_email")),
    );
}

#[test]
fn ruby_mail_gem_reports_give_the_kind_and_the_failed_recipient() {
    assert_goals(
        "ruby_mail_gem_dsn",
        &score(&corpora::folder("ruby_mail_gem_dsn")),
    );
}

/// Folders that may not be copied into the project (GPL, Perl licence), read where they are:
/// `BOUNCE_CORPORA=../shared/corpora/mailman2_bounces:../shared/corpora/perl_bounceparser
/// cargo test --test corpora_bounces -- --ignored --nocapture`. Prints figures, asserts nothing.
#[test]
#[ignore = "reads corpora outside the project, named by BOUNCE_CORPORA"]
fn other_corpora_figures() {
    let folders = std::env::var("BOUNCE_CORPORA").unwrap_or_default();
    for folder in folders.split(':').filter(|f| !f.is_empty()) {
        print(folder, &score(Path::new(folder)));
    }
}
