//! Arbitrary bytes through reading, classification, matching and the decision: nothing may
//! panic. The first recipient is also tried as a signed reply address, so the token checks
//! see the fuzzer's bytes too.
#![no_main]

use std::sync::LazyLock;

use circulars::inbound::classify::classify;
use circulars::inbound::decision::{Matched, decide};
use circulars::inbound::matching::{ReplyAddresses, Token, answered_ids};
use circulars::inbound::read::parse;
use circulars::tokens::Signer;
use libfuzzer_sys::fuzz_target;

static SIGNER: LazyLock<Signer> = LazyLock::new(|| Signer::new(b"fuzz-secret-fuzz-secret-fuzz-secret"));

fuzz_target!(|raw: &[u8]| {
    let parsed = parse(raw);
    let read = &parsed.read;
    let _ = read.own_text();
    let classified = classify(&parsed.message, read);
    let addresses = ReplyAddresses {
        local: "circulars",
        domain: "example.org",
        signer: &SIGNER,
    };
    let recipients: Vec<&str> = [&read.to, &read.cc, &read.delivered_to, &read.x_original_to]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let search = addresses.find(&recipients);
    let _ = answered_ids(&read.in_reply_to, &read.references);
    let mut matched = Matched::default();
    if let Some((token, address)) = search.found {
        matched.member_id = Some(token.member_id());
        matched.member_email = Some(address.to_owned());
        matched.unsubscribe_address = matches!(token, Token::Unsubscribe { .. });
    }
    let sender = read.from.as_ref().map(|from| from.address.as_str());
    let _ = decide(&classified, &matched, sender);
});
