//! Arbitrary bytes through reading and classification: nothing may panic.
#![no_main]

use circulars::inbound::classify::classify;
use circulars::inbound::read::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &[u8]| {
    let parsed = parse(raw);
    let _ = parsed.read.own_text();
    let _ = classify(&parsed.message, &parsed.read);
});
