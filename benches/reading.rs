//! The CPU time of reading the ingest bench's messages, one thread, no database: parsing,
//! classifying, and reading a person's reply, in microseconds per message. Shows where the
//! processor's time goes; never fails.
//!
//! `cargo bench --bench reading`. Environment: `BENCH_MESSAGES` (10000), `BENCH_ROUNDS` (3,
//! the best round is printed).

#[path = "ingest/corpus.rs"]
mod corpus;

use std::path::Path;
use std::time::{Duration, Instant};

use circulars::inbound::classify::{Kind, classify};
use circulars::inbound::read::parse;
use circulars::replies::understand;

fn main() {
    if std::env::args().any(|arg| arg == "--list") {
        return;
    }
    let count =
        std::env::var("BENCH_MESSAGES").map_or(10_000, |n| n.parse().expect("BENCH_MESSAGES"));
    let rounds = std::env::var("BENCH_ROUNDS").map_or(3, |n| n.parse().expect("BENCH_ROUNDS"));
    let project = Path::new(env!("CARGO_MANIFEST_DIR"));
    let messages = corpus::build(&project.join("tests/corpora"), count);
    let mut best: Option<[Duration; 3]> = None;
    let mut people = 0;
    for _ in 0..rounds {
        let mut spent = [Duration::ZERO; 3];
        people = 0;
        for raw in &messages {
            let start = Instant::now();
            let mut parsed = parse(raw);
            let parsed_at = Instant::now();
            let classified = classify(&parsed.message, &parsed.read);
            let classified_at = Instant::now();
            if classified.kind == Kind::Human {
                people += 1;
                parsed.read_documents();
                std::hint::black_box(understand(&parsed.read));
            }
            spent[0] += parsed_at - start;
            spent[1] += classified_at - parsed_at;
            spent[2] += classified_at.elapsed();
        }
        let total = |s: &[Duration; 3]| s.iter().sum::<Duration>();
        if best.as_ref().is_none_or(|b| total(&spent) < total(b)) {
            best = Some(spent);
        }
    }
    let best = best.expect("one round at least");
    let per = |d: Duration| d.as_secs_f64() * 1e6 / messages.len() as f64;
    println!(
        "{} messages ({people} read as a person's reply), best of {rounds} rounds, µs per message:",
        messages.len()
    );
    println!(
        "parse {:.1}, classify {:.1}, reply reader {:.1} ({:.1} per reply), all {:.1}",
        per(best[0]),
        per(best[1]),
        per(best[2]),
        best[2].as_secs_f64() * 1e6 / people.max(1) as f64,
        per(best.iter().sum())
    );
}
