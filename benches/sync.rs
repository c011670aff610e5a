//! `recipients sync` of a generated 100,000-member list into SQLite and PostgreSQL.
//! Each step runs in a fresh process (as the command does), which prints its time and its
//! peak resident memory (VmHWM).
//!
//! `cargo bench --bench sync` (PostgreSQL from `PG_TEST_URL`, default the local server).

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use circulars::locale::Language;
use circulars::members::recipients::read_dir;
use circulars::members::sync::SyncOptions;
use circulars::store::Store;
use common::{BACKENDS, TestDb};

const MEMBERS: usize = 100_000;

fn write_lists(dir: &Path, variant: usize) {
    std::fs::write(
        dir.join("committees.toml"),
        "[[committee]]\nslug = \"big\"\nlanguage = \"en\"\nname = { en = \"Big\", fr = \"Grand\", es = \"Grande\" }\n",
    )
    .unwrap();
    let file = std::fs::File::create(dir.join("big.csv")).unwrap();
    let mut out = std::io::BufWriter::new(file);
    writeln!(
        out,
        "email,name,position,organisation,city,country,language,role"
    )
    .unwrap();
    let langs = ["en", "fr", "es", ""];
    for i in 0..MEMBERS {
        // `variant` renames one member in a hundred, to measure a sync with changes.
        let name = if variant > 0 && i % 100 == 0 {
            "Renamed"
        } else {
            "Élodie Muñoz"
        };
        writeln!(
            out,
            "member{i}@city{}.example.org,{name} {i},Head of Digital,City {i},Ciudad {i},ES,{},member",
            i % 997,
            langs[i % 4]
        )
        .unwrap();
    }
}

/// Peak resident memory of this process, in MB.
fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// One sync, in this (child) process.
async fn step(url: &str, dir: &Path, label: &str) {
    let started = Instant::now();
    let store = Store::open(url, 4).await.unwrap();
    let lists = read_dir(dir, &Language::ALL).expect("generated lists are valid");
    let read = started.elapsed();
    let options = SyncOptions {
        allow_removals: true,
        force: true,
        ..SyncOptions::default()
    };
    let reports = store
        .sync_lists(&lists, "bench", options)
        .await
        .unwrap()
        .reports;
    let total = started.elapsed();
    let backend = if url.starts_with("sqlite") {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    println!(
        "{backend:<10} {label:<11} {MEMBERS} members: read+check {:>5.2} s, total {:>5.2} s, peak RSS {:>5.1} MB (added {}, changed {})",
        read.as_secs_f64(),
        total.as_secs_f64(),
        peak_mb(),
        reports[0].added.len(),
        reports[0].changed.len(),
    );
    store.close().await;
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        return;
    }
    if let [_, step_flag, url, dir, label] = &args[..]
        && step_flag == "--step"
    {
        step(url, Path::new(dir), label).await;
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        for (label, variant) in [("first sync", 0), ("same again", 0), ("1% renamed", 1)] {
            write_lists(dir.path(), variant);
            let status = Command::new(std::env::current_exe().unwrap())
                .args(["--step", &db.url, dir.path().to_str().unwrap(), label])
                .status()
                .unwrap();
            assert!(status.success());
        }
    }
}
