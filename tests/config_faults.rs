//! Configuration that parses but could never work is refused at start, by every command,
//! with exit status 65 and the key (or variable) that set it.

mod common;

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

/// Every command: each must refuse a broken configuration before doing anything.
const COMMANDS: &[&[&str]] = &[
    &["serve"],
    &["check"],
    &["members", "list"],
    &["recipients", "sync"],
    &["recipients", "export"],
    &["circulars", "list"],
    &["render", "30"],
];

/// A good secret, so that only the fault under test is wrong.
const SECRET: &str = "0123456789abcdef0123456789abcdef";

/// Runs the real binary in `cwd` with a clean `CIRCULARS_*` environment plus `env`; a
/// command still running after 30 s (a `serve` that accepted the fault) fails the test.
fn run(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = common::binary();
    let mut child = command
        .current_dir(cwd)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(30) {
            child.kill().unwrap();
            let output = child.wait_with_output().unwrap();
            panic!(
                "`{}` with {env:?} did not stop: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Asserts that every command refuses with 65 and a message containing each of `expected`.
fn every_command_refuses(cwd: &Path, env: &[(&str, &str)], expected: &[&str]) {
    for args in COMMANDS {
        let out = run(cwd, args, env);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(65),
            "`{}` {env:?}: {err}",
            args.join(" ")
        );
        for part in expected {
            assert!(err.contains(part), "`{}` {env:?}: {err}", args.join(" "));
        }
        assert_eq!(err.lines().count(), 1, "one line, no panic: {err}");
    }
}

#[test]
fn a_sqlite_url_without_a_path_is_refused_by_every_command_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    for url in ["sqlite://", "sqlite:", "sqlite://?mode=rwc"] {
        every_command_refuses(
            dir.path(),
            &[
                ("CIRCULARS_DATABASE_URL", url),
                ("CIRCULARS_SECRET", SECRET),
            ],
            &["CIRCULARS_DATABASE_URL", "names no file"],
        );
    }
}

#[test]
fn a_public_url_that_is_not_absolute_http_is_refused_by_every_command() {
    let dir = tempfile::tempdir().unwrap();
    for url in ["example.org", "ftp://x", "/relative", "http://"] {
        every_command_refuses(
            dir.path(),
            &[
                ("CIRCULARS_HTTP_PUBLIC_URL", url),
                ("CIRCULARS_SECRET", SECRET),
            ],
            &[
                "CIRCULARS_HTTP_PUBLIC_URL",
                "public_url",
                "absolute http(s) URL",
            ],
        );
    }
}

#[test]
fn a_bind_that_is_not_an_address_and_port_is_refused_by_every_command() {
    let dir = tempfile::tempdir().unwrap();
    for bind in ["localhost", "127.0.0.1", ":8080", "127.0.0.1:http"] {
        every_command_refuses(
            dir.path(),
            &[("CIRCULARS_HTTP_BIND", bind), ("CIRCULARS_SECRET", SECRET)],
            &["CIRCULARS_HTTP_BIND", "is not an address and port"],
        );
    }
}

#[test]
fn a_fault_set_in_the_file_names_the_file_and_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("site.toml");
    std::fs::write(
        &config,
        "# a site's configuration\n[http]\nbind = \"localhost\"\n",
    )
    .unwrap();
    let out = run(
        dir.path(),
        &["--config", config.to_str().unwrap(), "check"],
        &[("CIRCULARS_SECRET", SECRET)],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(65), "{err}");
    assert!(
        err.contains("site.toml:3: [http] bind `localhost`"),
        "{err}"
    );
}

#[test]
fn a_short_secret_is_refused_by_every_command_naming_the_variable_not_its_value() {
    let dir = tempfile::tempdir().unwrap();
    every_command_refuses(
        dir.path(),
        &[("CIRCULARS_SECRET", "too-short-a-secret")],
        &["CIRCULARS_SECRET", "at least 32"],
    );
    let out = run(
        dir.path(),
        &["check"],
        &[("CIRCULARS_SECRET", "too-short-a-secret")],
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("too-short-a-secret"));
}

#[test]
fn a_data_folder_that_cannot_keep_the_secret_is_refused_by_every_command_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the data folder should be (tests run as root: permissions stop nothing).
    std::fs::write(dir.path().join("data"), "not a folder").unwrap();
    every_command_refuses(
        dir.path(),
        &[("CIRCULARS_DATABASE_URL", "sqlite://db/circulars.db")],
        &["data/secret", "[data] dir"],
    );
}

#[test]
fn other_values_that_could_never_work_are_refused_with_their_variable() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("CIRCULARS_DATABASE_MAX_CONNECTIONS", "0", "max_connections"),
        ("CIRCULARS_LOCALE_TIMEZONE", "Mars/Olympus", "Mars/Olympus"),
        ("CIRCULARS_LOCALE_SUPPORTED", "[\"fr\"]", "default `en`"),
        ("CIRCULARS_SMTP_MAX_ATTEMPTS", "0", "max_attempts"),
        (
            "CIRCULARS_DKIM_SELECTOR",
            "mail",
            "set together or not at all",
        ),
        (
            "CIRCULARS_SENDER_FROM_ADDRESS",
            "circulars",
            "not a mail address",
        ),
    ];
    for (var, value, expected) in cases {
        let out = run(
            dir.path(),
            &["members", "list"],
            &[(var, value), ("CIRCULARS_SECRET", SECRET)],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(65), "{var}: {err}");
        assert!(err.contains(var) && err.contains(expected), "{err}");
    }
}

#[test]
fn a_bind_with_a_hostname_and_port_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &["circulars", "list"],
        &[
            ("CIRCULARS_HTTP_BIND", "localhost:8080"),
            (
                "CIRCULARS_HTTP_PUBLIC_URL",
                "https://circulars.example.org/uclg",
            ),
            ("CIRCULARS_SECRET", SECRET),
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("bind") && !err.contains("public_url"),
        "{err}"
    );
}
