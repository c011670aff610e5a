//! Accuracy of `inbound` reading and classification on mail written by others.
//!
//! `cargo bench --bench corpora -- FOLDER…` reads every labelled message of each corpus
//! folder (`labels.tsv`; by default the folders copied under `tests/corpora`), classifies
//! it and prints, per folder and per label: how many, how many got the right kind, how
//! many got the right failed recipients (where the label names them), and how many robots
//! were taken for a human (the figure that must stay 0).
//!
//! Labels map to kinds as: human_reply and forwarded_bounce (a person forwarding a
//! bounce) → Human, auto_reply → AutoReply, bounce_hard →
//! Bounce (hard), bounce_soft → Bounce (soft), delay_dsn → Delay, mdn → ReadReceipt,
//! challenge → Challenge, unsubscribe → Unsubscribe. `other` (sisimai's ARF feedback
//! reports and success DSNs, mailman's one confused human reply) is right when it is not
//! read as a bounce: none of them reports a failed delivery.

#[allow(dead_code)]
#[path = "../tests/common/corpora.rs"]
mod corpora;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use circulars::inbound::bounce::BounceKind;
use circulars::inbound::classify::{Classified, Kind, classify};
use circulars::inbound::read::parse;

#[derive(Default)]
struct Tally {
    n: usize,
    right: usize,
    labelled_recipients: usize,
    right_recipients: usize,
    robots_as_human: usize,
    misses: Vec<String>,
}

fn main() {
    let folders: Vec<PathBuf> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    let folders = if folders.is_empty() {
        default_folders()
    } else {
        folders
    };
    let verbose = std::env::var_os("CORPORA_MISSES").is_some();
    println!("folder\tlabel\tn\tkind right\t%\trecipient right\trobots as Human");
    let mut messages = 0;
    let started = Instant::now();
    for folder in &folders {
        let name = folder
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
        for row in corpora::labels(folder) {
            let raw = row.message();
            messages += 1;
            let parsed = parse(&raw);
            let classified = classify(&parsed.message, &parsed.read);
            let tally = tallies.entry(row.kind.clone()).or_default();
            score(tally, &row, &classified);
        }
        for (label, t) in &tallies {
            let recipients = if t.labelled_recipients == 0 {
                "–".to_owned()
            } else {
                format!("{}/{}", t.right_recipients, t.labelled_recipients)
            };
            let percent = 100.0 * t.right as f64 / t.n.max(1) as f64;
            println!(
                "{name}\t{label}\t{}\t{}\t{percent:.1}\t{recipients}\t{}",
                t.n, t.right, t.robots_as_human
            );
            if verbose {
                for miss in &t.misses {
                    println!("    miss {miss}");
                }
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{messages} messages read and classified in {seconds:.2} s ({:.0} per second)",
        messages as f64 / seconds.max(1e-9)
    );
}

fn default_folders() -> Vec<PathBuf> {
    let copied = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpora");
    let mut folders: Vec<PathBuf> = std::fs::read_dir(copied)
        .map(|dir| {
            dir.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.join("labels.tsv").exists())
                .collect()
        })
        .unwrap_or_default();
    folders.sort();
    folders
}

fn score(tally: &mut Tally, row: &corpora::Label, classified: &Classified) {
    tally.n += 1;
    let right = kind_right(row, classified);
    if right {
        tally.right += 1;
    }
    let robot = !matches!(
        row.kind.as_str(),
        "human_reply" | "forwarded_bounce" | "unsubscribe" | "other"
    );
    if robot && classified.kind == Kind::Human {
        tally.robots_as_human += 1;
    }
    let labelled = row.failed_recipients.clone();
    let mut recipient_miss = false;
    if !labelled.is_empty() {
        tally.labelled_recipients += 1;
        let mut found: Vec<String> = classified
            .bounce
            .iter()
            .flat_map(|b| b.failed.iter().map(|f| f.address.to_lowercase()))
            .collect();
        found.sort();
        found.dedup();
        let mut expected = labelled;
        expected.sort();
        if found == expected {
            tally.right_recipients += 1;
        } else {
            recipient_miss = true;
        }
    }
    if !right || recipient_miss {
        let bounce = classified.bounce.as_ref().map(|b| {
            let failed: Vec<&str> = b.failed.iter().map(|f| f.address.as_str()).collect();
            format!(" {:?} {}", b.kind, failed.join(","))
        });
        tally.misses.push(format!(
            "{}: {:?}{} ({}) expected {} {}",
            row.file,
            classified.kind,
            bounce.unwrap_or_default(),
            classified.reasons.join("; "),
            row.kind,
            row.failed_recipients.join(",")
        ));
    }
}

fn kind_right(row: &corpora::Label, classified: &Classified) -> bool {
    let bounce_is = |hard: bool| {
        let Some(report) = classified
            .bounce
            .as_ref()
            .filter(|_| classified.kind == Kind::Bounce)
        else {
            return false;
        };
        // sisimai labels each failed recipient (recipient_index, from 1).
        let index: usize = row
            .columns
            .get("recipient_index")
            .and_then(|i| i.parse().ok())
            .unwrap_or(0);
        match index.checked_sub(1).and_then(|i| report.failed.get(i)) {
            Some(failed) if report.failed.len() > 1 => failed.hard == hard,
            _ => (report.kind == BounceKind::Hard) == hard,
        }
    };
    match row.kind.as_str() {
        "human_reply" | "forwarded_bounce" => classified.kind == Kind::Human,
        "auto_reply" => classified.kind == Kind::AutoReply,
        "bounce_hard" => bounce_is(true),
        "bounce_soft" => bounce_is(false),
        "delay_dsn" => classified.kind == Kind::Delay,
        "mdn" => classified.kind == Kind::ReadReceipt,
        "challenge" => classified.kind == Kind::Challenge,
        "unsubscribe" => classified.kind == Kind::Unsubscribe,
        _ => classified.kind != Kind::Bounce,
    }
}
