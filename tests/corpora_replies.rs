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
        let dir = corpora::folder(folder);
        for label in corpora::labels(&dir) {
            let expected = match label.kind.as_str() {
                "human_reply" => Kind::Human,
                "unsubscribe" => Kind::Unsubscribe,
                _ => continue,
            };
            total += 1;
            let raw = as_mail(&label.file, corpora::load(&dir, &label.file));
            let parsed = parse(&raw);
            let classified = classify(&parsed.message, &parsed.read);
            if classified.kind != expected {
                misses.push(format!(
                    "{folder}/{}: {:?}, expected {expected:?} ({})",
                    label.file,
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

/// A body-only case (`bodies/`) wrapped in the headers of a reply to a circular, so it
/// reads as the mail it was cut from.
fn as_mail(file: &str, bytes: Vec<u8>) -> Vec<u8> {
    if !file.starts_with("bodies/") {
        return bytes;
    }
    let mut raw = REPLY_HEADERS.to_vec();
    raw.extend_from_slice(&bytes);
    raw
}

const REPLY_HEADERS: &[u8] = b"From: Member <member@example.org>\r\n\
To: Circulars <reply+c12@circulars.example.org>\r\n\
Subject: Re: Circular 12\r\n\
Message-ID: <reply-1@example.org>\r\n\
In-Reply-To: <c12.m1@circulars.example.org>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: 8bit\r\n\r\n";
