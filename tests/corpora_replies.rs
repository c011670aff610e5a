//! Every human reply of the copied reply corpora (talon, crisp, discourse's trimmer) is
//! classified as a human reply (or an unsubscribe request where so labelled): a person's
//! mail read as a robot would never be answered.

mod common;

use circulars::inbound::classify::{Kind, classify};
use circulars::inbound::read::parse;
use common::corpora;

const FOLDERS: [&str; 3] = [
    "talon",
    "crisp_email_reply_parser",
    "discourse_email_reply_trimmer",
];

#[test]
fn every_human_reply_of_the_reply_corpora_is_classified_human() {
    let mut misses = Vec::new();
    let mut total = 0;
    for folder in FOLDERS {
        for row in corpora::rows(&corpora::dir().join(folder)) {
            let expected = match row.kind() {
                "human_reply" => Kind::Human,
                "unsubscribe" => Kind::Unsubscribe,
                _ => continue,
            };
            total += 1;
            let raw = row.message();
            let parsed = parse(&raw);
            let classified = classify(&parsed.message, &parsed.read);
            if classified.kind != expected {
                misses.push(format!(
                    "{folder}/{}: {:?}, expected {expected:?} ({})",
                    row.file(),
                    classified.kind,
                    classified.reasons.join("; ")
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
