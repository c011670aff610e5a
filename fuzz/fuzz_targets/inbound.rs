//! Arbitrary bytes through reading, classification, matching, the decision and the reader of
//! replies: nothing may panic. The first recipient is also tried as a signed reply address,
//! so the token checks see the fuzzer's bytes too.
#![no_main]

use std::sync::LazyLock;

use circulars::inbound::classify::classify;
use circulars::inbound::decision::{Matched, decide};
use circulars::inbound::matching::{ReplyAddresses, Token, answered_ids};
use circulars::inbound::read::parse;
use circulars::replies::understand;
use circulars::tokens::Signer;
use libfuzzer_sys::fuzz_target;

static SIGNER: LazyLock<Signer> =
    LazyLock::new(|| Signer::new(b"fuzz-secret-fuzz-secret-fuzz-secret"));

/// Whether a panic is mail-parser's own debug assertion on a MIME tree it cannot close:
/// release builds recover from it, and `read::parse` catches it in debug builds.
fn upstream_assertion(info: &std::panic::PanicHookInfo<'_>) -> bool {
    info.location().is_some_and(|at| {
        at.file().contains("mail-parser-") && at.file().ends_with("parsers/message.rs")
    })
}

fuzz_target!(
    init: {
        // libFuzzer's hook aborts on any panic: every other one still does.
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !upstream_assertion(info) {
                fuzzer_hook(info);
            }
        }));
    },
    |raw: &[u8]| {
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
    // The reader of replies reads every message, people's or not.
    let reply = understand(read);
    let _ = decide(&classified, &matched, sender, Some(&reply));
});
