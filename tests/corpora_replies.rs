//! The classifier on mail written by others. Every human reply of the copied reply corpora
//! (talon, crisp, discourse's trimmer) is classified as a human reply (or an unsubscribe
//! request where so labelled): a person's mail read as a robot would never be read. And no
//! robot of any corpus (bounce, delay, auto-reply, challenge) is classified as a person:
//! a robot taken for a person could be answered, and answer back.

mod common;

use std::path::Path;

use circulars::inbound::classify::{Kind, classify};
use circulars::inbound::read::parse;
use common::corpora::{self, Label};

const REPLY_FOLDERS: [&str; 3] = [
    "talon",
    "crisp_email_reply_parser",
    "discourse_email_reply_trimmer",
];

const ROBOT_FOLDERS: [&str; 3] = ["sisimai", "ruby_bounce_email", "ruby_mail_gem_dsn"];

fn kind_of(label: &Label) -> (Kind, String) {
    let raw = label.message();
    let parsed = parse(&raw);
    let classified = classify(&parsed.message, &parsed.read);
    (classified.kind, classified.reasons.join("; "))
}

#[test]
fn every_human_reply_of_the_reply_corpora_is_classified_human() {
    let mut misses = Vec::new();
    let mut total = 0;
    for folder in REPLY_FOLDERS {
        for label in corpora::labels(&corpora::folder(folder)) {
            let expected = match label.kind.as_str() {
                "human_reply" | "forwarded_bounce" => Kind::Human,
                "unsubscribe" => Kind::Unsubscribe,
                _ => continue,
            };
            total += 1;
            let (kind, reasons) = kind_of(&label);
            if kind != expected {
                misses.push(format!(
                    "{folder}/{}: {kind:?}, expected {expected:?} ({reasons})",
                    label.file
                ));
            }
        }
    }
    for miss in &misses {
        println!("miss: {miss}");
    }
    println!("{} of {total} replies right", total - misses.len());
    assert!(total >= 160, "only {total} labelled replies found");
    assert!(
        misses.is_empty(),
        "{} replies misread:\n{}",
        misses.len(),
        misses.join("\n")
    );
}

/// What the robots of one folder were classified as.
#[derive(Default)]
struct Robots {
    total: usize,
    as_human: Vec<String>,
    auto_replies: (usize, usize),
    challenges: (usize, usize),
    misses: Vec<String>,
}

fn robots(folder: &Path) -> Robots {
    let mut robots = Robots::default();
    for label in corpora::labels(folder) {
        let wanted = match label.kind.as_str() {
            "auto_reply" => Some(Kind::AutoReply),
            "challenge" => Some(Kind::Challenge),
            "mdn" => Some(Kind::ReadReceipt),
            "bounce_hard" | "bounce_soft" | "delay_dsn" => None,
            _ => continue,
        };
        robots.total += 1;
        let (kind, reasons) = kind_of(&label);
        let tally = match wanted {
            Some(Kind::AutoReply) => Some(&mut robots.auto_replies),
            Some(Kind::Challenge) => Some(&mut robots.challenges),
            _ => None,
        };
        if let Some((right, of)) = tally {
            *of += 1;
            *right += usize::from(Some(kind) == wanted);
        }
        let line = format!(
            "{}: {kind:?}, labelled {} ({reasons})",
            label.file, label.kind
        );
        if kind == Kind::Human {
            robots.as_human.push(line);
        } else if wanted.is_some_and(|w| w != kind) {
            robots.misses.push(line);
        }
    }
    robots
}

fn share((right, of): (usize, usize)) -> f64 {
    if of == 0 {
        100.0
    } else {
        100.0 * right as f64 / of as f64
    }
}

fn print_robots(name: &str, robots: &Robots) {
    let (auto, of) = robots.auto_replies;
    let (challenges, of_challenges) = robots.challenges;
    println!(
        "== {name}: {} robots, {} taken for a person; auto-replies {auto}/{of} ({:.1}%), \
         challenges {challenges}/{of_challenges}",
        robots.total,
        robots.as_human.len(),
        share(robots.auto_replies)
    );
    for miss in robots.as_human.iter().chain(&robots.misses) {
        println!("miss: {miss}");
    }
}

fn assert_robots(name: &str, robots: &Robots) {
    assert!(
        robots.as_human.is_empty(),
        "{name}: robots classified as people:\n{}",
        robots.as_human.join("\n")
    );
    let auto = share(robots.auto_replies);
    assert!(auto >= 95.0, "{name}: auto-replies right {auto:.1}% < 95%");
}

#[test]
fn no_robot_of_the_corpora_is_taken_for_a_person() {
    for folder in ROBOT_FOLDERS {
        let robots = robots(&corpora::folder(folder));
        print_robots(folder, &robots);
        assert_robots(folder, &robots);
    }
}

/// The same over folders that may not be copied into the project, read where they are:
/// `BOUNCE_CORPORA=$C/mailman2_bounces:$C/perl_bounceparser cargo test --test corpora_replies --
/// --ignored --nocapture`, with `C` the shared corpora (`/work/shared/corpora`).
#[test]
#[ignore = "reads corpora outside the project, named by BOUNCE_CORPORA"]
fn no_robot_of_other_corpora_is_taken_for_a_person() {
    let folders = std::env::var("BOUNCE_CORPORA").unwrap_or_default();
    let all: Vec<(&str, Robots)> = folders
        .split(':')
        .filter(|f| !f.is_empty())
        .map(|folder| (folder, robots(Path::new(folder))))
        .collect();
    for (folder, robots) in &all {
        print_robots(folder, robots);
    }
    for (folder, robots) in &all {
        assert_robots(folder, robots);
    }
}
