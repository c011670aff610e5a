//! `circulars serve` as a user starts it: defaults, health check, clean stop on SIGTERM.

mod common;

use std::fs::File;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
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

/// A running daemon; its log goes to a file, so a full pipe can never block it or the test.
struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    fn start(cwd: &Path, port: u16) -> Daemon {
        let log = cwd.join("serve.log");
        let mut command = common::binary();
        let child = command
            .current_dir(cwd)
            .arg("serve")
            .env("CIRCULARS_HTTP_BIND", format!("127.0.0.1:{port}"))
            .env("CIRCULARS_TEMPLATES_DIR", project_dir().join("templates"))
            .stdout(Stdio::null())
            .stderr(File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Daemon { child, log }
    }

    fn sigterm(&self) {
        let kill = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
    }

    /// Waits for the daemon to exit; a daemon still running after `limit` is killed and
    /// fails the test with its log.
    fn wait(&mut self, limit: Duration) -> (ExitStatus, Duration) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, start.elapsed());
            }
            if start.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("serve did not stop within {limit:?}\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // A failed assertion must not leave a daemon running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_healthy(daemon: &mut Daemon, port: u16) -> (u16, String) {
    let start = Instant::now();
    loop {
        if let Some(answer) = http_get(port, "/healthz") {
            return answer;
        }
        if let Some(status) = daemon.child.try_wait().unwrap() {
            panic!("serve exited with {status:?}\n{}", daemon.log());
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "serve did not answer\n{}",
            daemon.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn serve_on_the_defaults_creates_its_database_syncs_the_lists_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    copy_recipients(dir.path());
    let port = free_port();
    let mut daemon = Daemon::start(dir.path(), port);

    assert_eq!(wait_healthy(&mut daemon, port), (200, "ok\n".to_string()));
    assert!(dir.path().join("data/circulars.db").exists());
    let (status, programme) = http_get(port, "/circulars/30/documents/programme.en.txt").unwrap();
    assert_eq!(status, 200);
    assert!(programme.contains("Bilbao"), "{programme}");
    let (status, _) = http_get(port, "/circulars/30/documents/circular.toml").unwrap();
    assert_eq!(status, 404, "only listed documents are served");
    let secret = dir.path().join("data/secret");
    assert!(secret.exists(), "a signing secret is generated");
    for _ in 0..5 {
        // A client that goes away before the answer: writing to its socket must not kill serve.
        let mut gone = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            gone,
            "GET /circulars/30/documents/programme.en.txt HTTP/1.0\r\n\r\n"
        )
        .unwrap();
    }
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(http_get(port, "/healthz"), Some((200, "ok\n".to_string())));

    daemon.sigterm();
    let (status, _) = daemon.wait(Duration::from_secs(20));
    assert!(status.success(), "{status:?}");
    let log = daemon.log();
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

#[test]
fn sigterm_stops_serve_within_the_grace_period_while_a_client_holds_a_half_sent_request() {
    let dir = tempfile::tempdir().unwrap();
    copy_recipients(dir.path());
    let port = free_port();
    let mut daemon = Daemon::start(dir.path(), port);
    wait_healthy(&mut daemon, port);
    let mut stalled = TcpStream::connect(("127.0.0.1", port)).unwrap();
    // The headers never end: no blank line.
    write!(stalled, "GET /healthz HTTP/1.1\r\nHost: x\r\n").unwrap();
    stalled.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));

    daemon.sigterm();
    let grace = Duration::from_secs(5);
    let (status, took) = daemon.wait(grace + Duration::from_secs(5));
    assert!(status.success(), "{status:?}\n{}", daemon.log());
    assert!(took < grace + Duration::from_secs(3), "took {took:?}");
    assert!(
        daemon.log().contains("after the grace period"),
        "{}",
        daemon.log()
    );
    drop(stalled);
}
