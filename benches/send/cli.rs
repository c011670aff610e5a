//! The `circulars` binary as the bench runs it: a clean environment, one configuration,
//! and the `status --format json` document it reads the send times from.

use std::path::Path;
use std::process::{Command, Output};

use chrono::{DateTime, FixedOffset};
use serde::Deserialize;

/// The signing secret of every run (at least 32 bytes).
const SECRET: &str = "bench-secret-bench-secret-bench-secret";

/// The release binary `cargo bench` builds for benches.
const BINARY: &str = env!("CARGO_BIN_EXE_circulars");

/// The binary with `--config config`, run in the config's folder, with none of the
/// caller's `CIRCULARS_*` variables.
pub fn command(config: &Path, args: &[&str]) -> Command {
    prepared(Command::new(BINARY), config, args)
}

/// [`command`] under `perf record` (CPU clock samples of every thread) into `file`.
/// Call graphs come from DWARF: a release build keeps no frame pointers, so `-g` alone
/// would name only the innermost function; 499 samples a second keep the file small.
pub fn profiled(file: &Path, config: &Path, args: &[&str]) -> Command {
    let mut perf = Command::new("perf");
    perf.args(["record", "-e", "cpu-clock", "-F", "499"])
        .args(["--call-graph", "dwarf,16384", "-o"])
        .arg(file)
        .args(["--", BINARY]);
    prepared(perf, config, args)
}

/// [`command`] under `valgrind --tool=callgrind` into `file`: instruction counts that do not
/// depend on the load of a shared machine (the run itself is some fifty times slower).
pub fn callgrind(file: &Path, config: &Path, args: &[&str]) -> Command {
    let mut valgrind = Command::new("valgrind");
    let mut out = std::ffi::OsString::from("--callgrind-out-file=");
    out.push(file);
    valgrind.arg("--tool=callgrind").arg(out).arg(BINARY);
    prepared(valgrind, config, args)
}

fn prepared(mut command: Command, config: &Path, args: &[&str]) -> Command {
    for (key, _) in std::env::vars() {
        if key.starts_with("CIRCULARS_") {
            command.env_remove(key);
        }
    }
    command
        .current_dir(config.parent().expect("the config is in a folder"))
        .env("CIRCULARS_SECRET", SECRET)
        .arg("--config")
        .arg(config)
        .args(args);
    command
}

/// Runs a command that must succeed and gives its standard output.
pub fn run_ok(config: &Path, args: &[&str]) -> String {
    let output = command(config, args)
        .output()
        .expect("the circulars binary runs");
    check(&output, args);
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

fn check(output: &Output, args: &[&str]) {
    assert!(
        output.status.success(),
        "circulars {} failed ({}): {}",
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `status NNN --format json`, the parts the bench reads.
#[derive(Debug, Deserialize)]
pub struct Status {
    pub total: u64,
    pub states: States,
    pub first_sent_at: Option<String>,
    pub last_sent_at: Option<String>,
}

/// Deliveries per state.
#[derive(Debug, Deserialize)]
pub struct States {
    pub queued: u64,
    pub sending: u64,
    pub sent: u64,
    pub deferred: u64,
    pub failed: u64,
    pub suppressed: u64,
}

impl Status {
    /// Reads Circular 30's status.
    pub fn read(config: &Path) -> Status {
        let json = run_ok(config, &["status", "30", "--format", "json"]);
        serde_json::from_str(&json).expect("status --format json has the documented shape")
    }

    /// Seconds from the first sent message to the last, when something was sent.
    pub fn sending_seconds(&self) -> Option<f64> {
        let first = parse_time(self.first_sent_at.as_deref()?);
        let last = parse_time(self.last_sent_at.as_deref()?);
        let micros = (last - first).num_microseconds()?;
        Some(micros as f64 / 1e6)
    }
}

fn parse_time(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).expect("sent times are RFC 3339")
}
