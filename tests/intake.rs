//! Intake: every message stored raw, once, with the time it reached us; `circulars ingest`
//! and the Maildir inbox, on SQLite and PostgreSQL.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, SystemTime};

use circulars::inbound::intake::{Arrival, Intake, Source};
use circulars::mail::maildir::{self, Maildir};
use common::daemon::{free_port, wait_until};
use common::{BACKENDS, TestDb, circulars, stderr, stdout};
use sqlx::Row;
use tokio_util::sync::CancellationToken;

const REPLY: &[u8] = b"From: Ana <ana@example.org>\r\nTo: c@example.org\r\n\
    Message-ID: <reply-1@example.org>\r\nDate: Tue, 3 Mar 2026 10:00:00 +0100\r\n\
    Subject: Re: Circular 30\r\n\r\nYes, we come.\r\n";

fn arrival<'a>(raw: &'a [u8], file: &str) -> Arrival<'a> {
    Arrival {
        raw,
        source: Source::Ingest {
            file: file.to_string(),
        },
        internal_date: None,
        modified: None,
    }
}

/// One stored row, as the tests look at it.
#[derive(Debug)]
struct Stored {
    id: i64,
    message_id: String,
    source: String,
    time_source: String,
    received_at: String,
    faults: String,
    subject: String,
    size: i64,
    raw: Vec<u8>,
}

async fn rows(db: &TestDb) -> Vec<Stored> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let rows = sqlx::query(
        "SELECT id, message_id, source, time_source, received_at, faults, subject, size, raw
             FROM inbound_messages JOIN inbound_raw ON inbound_id = id ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    rows.iter()
        .map(|r| Stored {
            id: r.get(0),
            message_id: r.get(1),
            source: r.get(2),
            time_source: r.get(3),
            received_at: r.get(4),
            faults: r.get(5),
            subject: r.get(6),
            size: r.get(7),
            raw: r.get(8),
        })
        .collect()
}

/// `circulars ingest ARGS` in `dir` with `input` on standard input.
fn ingest(dir: &Path, db: &str, args: &[&str], input: &[u8]) -> Output {
    let mut child = common::binary()
        .current_dir(dir)
        .arg("ingest")
        .args(args)
        .env("CIRCULARS_DATABASE_URL", db)
        .env("CIRCULARS_SECRET", "test-secret-test-secret-test-secret")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn keep_stores_a_message_raw_once_and_finds_it_the_second_time() {
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let intake = Intake::new(db.store().await);
        let stored = intake.stored();
        let first = intake.keep(arrival(REPLY, "a.eml")).await.unwrap();
        let again = intake.keep(arrival(REPLY, "b.eml")).await.unwrap();
        assert!(first.new && !again.new, "{kind:?}");
        assert_eq!(first.id, again.id, "{kind:?}");
        // The processor is woken for the new one.
        tokio::time::timeout(Duration::from_secs(5), stored.notified())
            .await
            .unwrap();
        let rows = rows(&db).await;
        assert_eq!(rows.len(), 1, "{kind:?}");
        assert_eq!(rows[0].message_id, "reply-1@example.org");
        assert_eq!(rows[0].source, "ingest:a.eml");
        assert_eq!(rows[0].time_source, "stored");
        assert_eq!(rows[0].subject, "Re: Circular 30");
        assert_eq!(rows[0].raw, REPLY);
        assert_eq!(rows[0].size, REPLY.len() as i64);
    }
}

#[tokio::test]
async fn ingest_stores_files_and_stdin_and_the_same_message_once() {
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let dir = db.dir.path();
        std::fs::write(dir.join("reply.eml"), REPLY).unwrap();
        let traced = [
            b"Received: from mx by mail; Tue, 3 Mar 2026 10:00:02 +0100\r\n",
            REPLY,
        ]
        .concat();
        std::fs::write(dir.join("traced.eml"), &traced).unwrap();
        let other = b"From: b@example.org\nSubject: other\n\nNo.\n";

        let first = ingest(dir, &db.url, &["reply.eml"], b"");
        assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
        assert!(
            stderr(&first).contains("reply.eml: stored #"),
            "{}",
            stderr(&first)
        );
        assert_eq!(stdout(&first), "");
        let again = ingest(dir, &db.url, &["reply.eml", "traced.eml"], b"");
        assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
        assert_eq!(
            stderr(&again).matches("already stored #").count(),
            2,
            "{}",
            stderr(&again)
        );
        let piped = ingest(dir, &db.url, &["--format", "json", "-"], other);
        assert_eq!(piped.status.code(), Some(0), "{}", stderr(&piped));
        let json: serde_json::Value = serde_json::from_str(&stdout(&piped)).unwrap();
        assert_eq!(json[0]["file"], "-");
        assert_eq!(json[0]["new"], true);

        let rows = rows(&db).await;
        assert_eq!(rows.len(), 2, "{kind:?}: {rows:?}");
        assert_eq!(rows[0].source, "ingest:reply.eml");
        assert_eq!(rows[1].source, "ingest:-");
        assert_eq!(json[0]["id"], rows[1].id);
        assert_eq!(rows[1].raw, other);
    }
}

#[tokio::test]
async fn bytes_that_are_not_mail_are_stored_flagged_and_exit_65_like_a_missing_file() {
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let dir = db.dir.path();
        std::fs::write(dir.join("junk.bin"), b"\x00\x01 not a message at all").unwrap();
        std::fs::write(dir.join("reply.eml"), REPLY).unwrap();
        let out = ingest(dir, &db.url, &["junk.bin", "missing.eml", "reply.eml"], b"");
        assert_eq!(out.status.code(), Some(65), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("junk.bin (not a message"), "{err}");
        assert!(err.contains("missing.eml (cannot read"), "{err}");
        let rows = rows(&db).await;
        assert_eq!(rows.len(), 2, "{kind:?}");
        assert!(
            rows[0].faults.split(',').any(|f| f == "not_mail"),
            "{}",
            rows[0].faults
        );
        assert_eq!(rows[0].raw, b"\x00\x01 not a message at all");
        assert!(!rows[1].faults.contains("not_mail"), "{}", rows[1].faults);
    }
}

#[test]
fn ingest_exits_75_when_the_database_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("reply.eml"), REPLY).unwrap();
    let closed = format!("postgres://postgres@127.0.0.1:{}/postgres", free_port());
    let out = ingest(dir.path(), &closed, &["reply.eml"], b"");
    assert_eq!(out.status.code(), Some(75), "{}", stderr(&out));
    assert!(stderr(&out).contains("try again later"), "{}", stderr(&out));
    // An SQLite file that cannot be created (its folder is a file).
    std::fs::write(dir.path().join("file"), b"").unwrap();
    let out = circulars(
        dir.path(),
        "sqlite://file/db.sqlite",
        &["ingest", "reply.eml"],
    );
    assert_eq!(out.status.code(), Some(75), "{}", stderr(&out));
}

#[tokio::test]
async fn a_25_mb_message_a_nul_byte_and_8_bit_headers_are_stored_as_they_came() {
    let mut big = b"From: a@example.org\r\nSubject: big\r\n\r\n".to_vec();
    while big.len() < 25 * 1024 * 1024 {
        big.extend_from_slice(&[b'x'; 76]);
        big.extend_from_slice(b"\r\n");
    }
    let nul = b"From: a@example.org\r\nSubject: a\x00b\r\n\r\nbody \x00 here\r\n".to_vec();
    let eight = b"From: Jos\xe9 <j@example.org>\r\nSubject: caf\xe9 \xc3\xa9\r\n\r\n".to_vec();
    let no_body = b"From: a@example.org\r\nSubject: nothing".to_vec();
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let intake = Intake::new(db.store().await);
        let start = std::time::Instant::now();
        intake.keep(arrival(&big, "big")).await.unwrap();
        eprintln!("{kind:?}: 25 MB stored in {:?}", start.elapsed());
        for raw in [&nul, &eight, &no_body] {
            intake.keep(arrival(raw, "odd")).await.unwrap();
        }
        let rows = rows(&db).await;
        assert_eq!(rows.len(), 4, "{kind:?}");
        assert_eq!(rows[0].raw, big, "{kind:?}");
        assert_eq!(rows[1].raw, nul);
        assert_eq!(rows[1].subject, "ab");
        assert_eq!(rows[2].raw, eight);
        assert!(rows[2].subject.starts_with("caf"), "{}", rows[2].subject);
        assert_eq!(rows[3].raw, no_body);
        assert_eq!(rows[3].subject, "nothing");
    }
}

#[tokio::test]
async fn received_at_is_the_topmost_received_date_else_the_file_time() {
    let db = TestDb::new(common::Kind::Sqlite).await;
    let dir = db.dir.path();
    let received = [
        b"Received: by mail.example.org; Mon, 2 Mar 2026 09:15:30 +0100\r\n".as_slice(),
        b"Received: by mx.example.org; Mon, 2 Mar 2026 09:15:00 +0100\r\n",
        REPLY,
    ]
    .concat();
    std::fs::write(dir.join("received.eml"), &received).unwrap();
    let plain = b"From: b@example.org\nSubject: no trace\n\nHi\n";
    std::fs::write(dir.join("plain.eml"), plain).unwrap();
    let mtime = SystemTime::UNIX_EPOCH + Duration::from_secs(1_772_000_000);
    std::fs::File::options()
        .write(true)
        .open(dir.join("plain.eml"))
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let out = ingest(dir, &db.url, &["received.eml", "plain.eml"], b"");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = rows(&db).await;
    assert_eq!(rows[0].time_source, "received");
    assert_eq!(rows[0].received_at, "2026-03-02T08:15:30.000Z");
    assert_eq!(rows[1].time_source, "mtime");
    assert_eq!(rows[1].received_at, "2026-02-25T06:13:20.000Z");
}

#[tokio::test]
async fn maildir_messages_in_new_end_in_cur_and_in_the_database() {
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let root = db.dir.path().join("inbox");
        let maildir = Maildir::open(&root).unwrap();
        for n in 0..5 {
            let raw = format!("From: m{n}@example.org\nMessage-ID: <{n}@example.org>\n\nHi\n");
            std::fs::write(root.join("new").join(format!("17000000{n}.M1P1.host")), raw).unwrap();
        }
        std::fs::write(root.join("new/17000009.M1P1.host"), b"no header at all").unwrap();
        let shutdown = CancellationToken::new();
        let intake = Intake::new(db.store().await);
        let watcher = tokio::spawn(maildir::watch(maildir, intake, shutdown.clone()));
        let cur = root.join("cur");
        let moved = move || std::fs::read_dir(&cur).unwrap().count() == 6;
        assert!(
            tokio::task::spawn_blocking(move || wait_until(Duration::from_secs(20), moved))
                .await
                .unwrap()
        );
        shutdown.cancel();
        watcher.await.unwrap();
        assert_eq!(std::fs::read_dir(root.join("new")).unwrap().count(), 0);
        assert!(root.join("cur/170000003.M1P1.host:2,S").exists());
        let rows = rows(&db).await;
        assert_eq!(rows.len(), 6, "{kind:?}");
        assert_eq!(rows[0].source, "maildir:170000000.M1P1.host");
        assert_eq!(rows[0].time_source, "mtime");
        assert_eq!(rows[5].faults, "not_mail");
    }
}
