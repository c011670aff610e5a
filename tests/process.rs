//! The process as a shell sees it: a reader that goes away, an error's causes.

mod common;

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{copy_recipients, project_dir};

const SECRET: &str = "0123456789abcdef0123456789abcdef";
/// The signal that ends a command whose reader has gone, as it ends `cat` or `grep`.
const SIGPIPE: i32 = 13;

fn command(cwd: &std::path::Path, args: &[&str]) -> Command {
    let mut command = common::binary();
    command
        .current_dir(cwd)
        .args(args)
        .env("CIRCULARS_SECRET", SECRET)
        .env("CIRCULARS_TEMPLATES_DIR", project_dir().join("templates"))
        .stdin(Stdio::null());
    command
}

/// Waits at most 30 s, then kills the command and fails.
fn wait(child: &mut Child) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("the command did not end");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A folder with the sample lists synced into its default SQLite database.
fn synced() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_recipients(dir.path());
    let out = command(dir.path(), &["recipients", "sync"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

#[test]
fn members_list_into_a_closed_pipe_ends_quietly_by_sigpipe_without_a_panic() {
    let dir = synced();
    for format in ["json", "csv", "table"] {
        let mut child = command(dir.path(), &["members", "list", "--format", format])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // `| head -c 0`: the reader is gone before the first byte is written.
        drop(child.stdout.take());
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = wait(&mut child);
        assert_eq!(status.signal(), Some(SIGPIPE), "{format}: {status:?} {err}");
        assert_eq!(err, "", "{format}: nothing on standard error");
    }
}

#[test]
fn recipients_sync_with_both_outputs_into_a_closed_pipe_does_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    copy_recipients(dir.path());
    // `circulars recipients sync 2>&1 | head -0`
    let (reader, writer) = std::io::pipe().unwrap();
    let mut child = command(dir.path(), &["recipients", "sync"])
        .stdout(writer.try_clone().unwrap())
        .stderr(writer)
        .spawn()
        .unwrap();
    drop(reader);
    let status = wait(&mut child);
    // A panic would exit with 101; the command either had nothing to say or ended by SIGPIPE.
    assert!(
        status.success() || status.signal() == Some(SIGPIPE),
        "{status:?}"
    );
}

#[test]
fn an_unreachable_database_prints_its_cause_once_and_exits_69() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path(), &["members", "list"])
        .env(
            "CIRCULARS_DATABASE_URL",
            "postgres://postgres@127.0.0.1:1/x",
        )
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(69), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: database postgres://postgres@127.0.0.1:1/x is unavailable: "),
        "{err}"
    );
    let cause = err.trim_end().rsplit(": ").next().unwrap();
    assert_eq!(
        err.matches(cause).count(),
        1,
        "the cause `{cause}` once: {err}"
    );
    assert_eq!(err.matches("unavailable").count(), 1, "{err}");
}

#[test]
fn a_configuration_file_that_cannot_be_read_says_why_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path(), &["--config", "missing.toml", "check"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(64), "{err}");
    assert_eq!(err.matches("No such file").count(), 1, "{err}");
}
