//! `circulars serve` as a user starts it: defaults, health check, clean stop on SIGTERM.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use common::copy_recipients;
use common::daemon::{Daemon, free_port, http_get};

#[test]
fn serve_on_the_defaults_creates_its_database_syncs_the_lists_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    copy_recipients(dir.path());
    let port = free_port();
    let mut daemon = Daemon::start(dir.path(), port, &[]);

    assert_eq!(daemon.wait_healthy(), (200, "ok\n".to_string()));
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
    let mut daemon = Daemon::start(dir.path(), port, &[]);
    daemon.wait_healthy();
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
