//! `circulars serve` as a user starts it: defaults, health check, clean stop on SIGTERM.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{copy_recipients, project_dir};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A plain HTTP/1.0 GET; returns (status, body).
pub fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split(' ').nth(1)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n")?.1.to_string();
    Some((status, body))
}

fn start(cwd: &std::path::Path, port: u16) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_circulars"));
    for (key, _) in std::env::vars() {
        if key.starts_with("CIRCULARS_") {
            command.env_remove(key);
        }
    }
    command
        .current_dir(cwd)
        .arg("serve")
        .env("CIRCULARS_HTTP_BIND", format!("127.0.0.1:{port}"))
        .env("CIRCULARS_TEMPLATES_DIR", project_dir().join("templates"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn wait_healthy(port: u16) -> (u16, String) {
    let start = Instant::now();
    loop {
        if let Some(answer) = http_get(port, "/healthz") {
            return answer;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "serve did not answer"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn serve_on_the_defaults_creates_its_database_syncs_the_lists_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    copy_recipients(dir.path());
    let port = free_port();
    let mut child = start(dir.path(), port);

    assert_eq!(wait_healthy(port), (200, "ok\n".to_string()));
    assert!(dir.path().join("data/circulars.db").exists());
    let (status, programme) = http_get(port, "/circulars/30/documents/programme.en.txt").unwrap();
    assert_eq!(status, 200);
    assert!(programme.contains("Bilbao"), "{programme}");
    let (status, _) = http_get(port, "/circulars/30/documents/circular.toml").unwrap();
    assert_eq!(status, 404, "only listed documents are served");
    let secret = dir.path().join("data/secret");
    assert!(secret.exists(), "a signing secret is generated");

    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "serve did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(log.contains("member lists loaded"), "{log}");
    assert!(log.contains("committees=2"), "{log}");
    assert!(log.contains("SIGTERM"), "{log}");
    assert!(log.contains("circular loaded circular=30"), "{log}");
    let key = std::fs::read_to_string(&secret).unwrap();
    assert!(
        !log.contains(key.trim()),
        "the secret never reaches the log"
    );
}
