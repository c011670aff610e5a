//! Crash safety of the outbox, against the test SMTP server (`tests/servers/keeper.py`):
//! `serve` killed with SIGKILL at several points of a 2,000-member send and started again
//! delivers the circular to every member, with a second copy only for what was in flight at
//! a kill, under the same Message-ID; SIGTERM stops claiming, records what was on the wire
//! and exits 0, and a restart after it sends nobody twice.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use common::daemon::{Daemon, free_port};
use common::lists::{big_list, kept_count, language_of, workers_stopped};
use common::smtp::SmtpServer;
use common::{circulars, stderr};

const CONCURRENCY: usize = 4;
/// The most messages one kill can leave sent but not recorded, and so sent again after the
/// restart (see `src/outbox/worker.rs`): the recorder's batch, filling or being written
/// (`RECORD_BATCH` = 64); the outcomes queued for the recorder meanwhile (its channel holds
/// one batch more); and the messages on the wire, accepted by the server before their reply
/// was read (one per connection). The queue is only full when the database falls behind.
const IN_FLIGHT_BOUND: usize = 64 + 64 + CONCURRENCY;
const SECRET: &str = "test-secret-test-secret-test-secret";

/// A folder with a generated list of members, its SQLite database, and a test SMTP server.
struct Sending {
    dir: tempfile::TempDir,
    db: String,
    server: SmtpServer,
    addresses: Vec<String>,
}

/// One message the server kept, as far as these tests look at it.
struct Copy {
    rcpt: String,
    to: String,
    message_id: String,
    language: String,
}

impl Sending {
    fn new(members: usize) -> Sending {
        let dir = tempfile::tempdir().unwrap();
        let addresses = big_list(dir.path(), members);
        let db = format!(
            "sqlite://{}",
            dir.path().join("data/circulars.db").display()
        );
        Sending {
            dir,
            db,
            server: SmtpServer::start(),
            addresses,
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `serve` in the folder, sending over SMTP to the test server with no rate limit.
    fn start(&self) -> Daemon {
        let port = self.server.port.to_string();
        let concurrency = CONCURRENCY.to_string();
        let env = [
            ("CIRCULARS_DATABASE_URL", self.db.as_str()),
            ("CIRCULARS_SECRET", SECRET),
            ("CIRCULARS_SMTP_TRANSPORT", "smtp"),
            ("CIRCULARS_SMTP_HOST", "127.0.0.1"),
            ("CIRCULARS_SMTP_PORT", port.as_str()),
            ("CIRCULARS_SMTP_CONCURRENCY", concurrency.as_str()),
            ("CIRCULARS_SMTP_MAX_PER_SECOND", "0"),
        ];
        Daemon::start(self.path(), free_port(), &env)
    }

    fn kept(&self) -> usize {
        kept_count(&self.server.kept_dir)
    }

    /// Waits until the server has kept `count` messages; fails with the log after a minute.
    fn wait_kept(&self, daemon: &Daemon, count: usize) {
        let start = Instant::now();
        while self.kept() < count {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{} of {count} messages kept\n{}",
                self.kept(),
                daemon.log()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn status(&self) -> serde_json::Value {
        let out = circulars(self.path(), &self.db, &["status", "30", "--format", "json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn state(&self, state: &str) -> usize {
        let n = self.status()["states"][state].as_u64().unwrap_or_default();
        usize::try_from(n).unwrap()
    }

    /// Waits until `status` counts every member sent, looking twice a second.
    fn wait_all_sent(&self, daemon: &Daemon) {
        let start = Instant::now();
        while self.state("sent") < self.addresses.len() {
            assert!(
                start.elapsed() < Duration::from_secs(90),
                "{}\n{}",
                self.status(),
                daemon.log()
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// Each member's address → their id and the Message-ID stored for them.
    fn stored(&self) -> BTreeMap<String, (i64, String)> {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            use sqlx::Row;
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&self.db).await.unwrap();
            let rows = sqlx::query(
                "SELECT m.email, m.id, d.message_id FROM deliveries d
                 JOIN members m ON m.id = d.member_id WHERE d.purpose = 'circular'",
            )
            .fetch_all(&pool)
            .await
            .unwrap();
            pool.close().await;
            rows.iter()
                .map(|r| (r.get(0), (r.get(1), r.get(2))))
                .collect()
        })
    }

    /// Every message kept, in the order the server accepted them.
    fn copies(&self) -> Vec<Copy> {
        self.server
            .kept()
            .iter()
            .map(|kept| {
                assert_eq!(kept.rcpt_tos.len(), 1, "one recipient per message");
                let headers = mail_parser::MessageParser::default()
                    .parse_headers(&kept.raw)
                    .expect("the headers parse");
                let to = headers
                    .to()
                    .and_then(|to| to.first())
                    .and_then(|a| a.address());
                Copy {
                    rcpt: kept.rcpt_tos[0].clone(),
                    to: to.unwrap_or_default().to_string(),
                    message_id: headers.message_id().unwrap_or_default().to_string(),
                    language: headers
                        .header_raw("Content-Language")
                        .unwrap_or_default()
                        .trim()
                        .to_string(),
                }
            })
            .collect()
    }

    /// Checks that every member got the circular in their language under the Message-ID
    /// stored for them, and nobody else got anything.
    fn check_everyone_got_theirs(&self, copies: &[Copy]) {
        let stored = self.stored();
        let languages: BTreeMap<&str, &str> = (self.addresses.iter().enumerate())
            .map(|(i, a)| (a.as_str(), language_of(i + 1)))
            .collect();
        assert_eq!(
            stored.len(),
            self.addresses.len(),
            "one delivery per member"
        );
        let mut seen = std::collections::BTreeSet::new();
        for copy in copies {
            let (id, message_id) = stored
                .get(&copy.rcpt)
                .unwrap_or_else(|| panic!("{} is not a member", copy.rcpt));
            assert_eq!(copy.to, copy.rcpt, "the To: header names the recipient");
            assert_eq!(
                message_id,
                &format!("circular-030.member-{id}@uclg.example.org")
            );
            assert_eq!(&copy.message_id, message_id, "{}", copy.rcpt);
            assert_eq!(
                copy.language,
                languages[copy.rcpt.as_str()],
                "{}",
                copy.rcpt
            );
            seen.insert(copy.rcpt.as_str());
        }
        let missing: Vec<&String> = self
            .addresses
            .iter()
            .filter(|a| !seen.contains(a.as_str()))
            .collect();
        assert!(missing.is_empty(), "never received: {missing:?}");
    }
}

/// The positions of the copies that are not their member's last: each was sent again.
fn repeated(copies: &[Copy]) -> Vec<usize> {
    let mut last: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, copy) in copies.iter().enumerate() {
        last.insert(&copy.rcpt, i);
    }
    (0..copies.len())
        .filter(|&i| last[copies[i].rcpt.as_str()] != i)
        .collect()
}

#[test]
fn a_daemon_killed_three_times_during_a_2000_member_send_delivers_to_everyone_and_repeats_only_what_was_in_flight()
 {
    let members = 2_000;
    let sending = Sending::new(members);
    let started = Instant::now();
    let mut daemon = sending.start();
    // Where each run ended in the server's arrival order: messages before `ends[r]` came
    // from runs up to `r`.
    let mut ends = Vec::new();
    for percent in [10, 40, 75] {
        sending.wait_kept(&daemon, members * percent / 100);
        daemon.kill();
        // The server finishes writing what it had fully received.
        std::thread::sleep(Duration::from_millis(300));
        ends.push(sending.kept());
        daemon = sending.start();
    }
    sending.wait_all_sent(&daemon);
    daemon.sigterm();
    let (exit, _) = daemon.wait(Duration::from_secs(20));
    assert!(exit.success(), "{}", daemon.log());
    let status = sending.status();
    assert_eq!(status["total"], members, "{status}");
    assert_eq!(status["states"]["sending"], 0, "{status}");

    let copies = sending.copies();
    sending.check_everyone_got_theirs(&copies);
    // A copy that is not its member's last was sent and not recorded: it was in flight
    // when its run was killed, so it is among the last messages of a run that was killed
    // (not of the last one, stopped by SIGTERM), and no kill repeats more than the bound.
    let mut per_kill = vec![0; ends.len()];
    for i in repeated(&copies) {
        let run = ends.iter().position(|&end| i < end);
        let run = run.unwrap_or_else(|| panic!("copy {i} repeated after the last kill ({ends:?})"));
        assert!(
            i + IN_FLIGHT_BOUND >= ends[run],
            "copy {i} repeated, sent long before the kill at {}",
            ends[run]
        );
        per_kill[run] += 1;
    }
    eprintln!(
        "{members} members, killed after {ends:?} messages: {} copies, repeated per kill {per_kill:?}, in {:.1} s",
        copies.len(),
        started.elapsed().as_secs_f64()
    );
    for (kill, n) in per_kill.iter().enumerate() {
        assert!(*n <= IN_FLIGHT_BOUND, "kill {kill} repeated {n}");
    }
    assert_eq!(copies.len(), members + per_kill.iter().sum::<usize>());
}

#[test]
fn sigterm_during_a_send_records_what_was_on_the_wire_and_a_restart_sends_nobody_twice() {
    let members = 1_000;
    let sending = Sending::new(members);
    let mut daemon = sending.start();
    sending.wait_kept(&daemon, members * 3 / 10);
    daemon.sigterm();
    let (exit, took) = daemon.wait(Duration::from_secs(20));
    assert!(exit.success(), "{exit:?}\n{}", daemon.log());
    assert!(took < Duration::from_secs(5), "stopped in {took:?}");
    let (sent, given_back) = workers_stopped(&daemon.log());
    let kept = sending.kept();
    let status = sending.status();
    assert_eq!(status["states"]["sending"], 0, "{status}");
    assert_eq!(
        status["states"]["sent"], kept,
        "every message kept is recorded: {status}"
    );
    assert_eq!(sent, kept as u64, "{}", daemon.log());
    assert_eq!(status["states"]["queued"], members - kept, "{status}");
    assert!(kept < members, "the SIGTERM came during the send");
    eprintln!(
        "SIGTERM after {kept} messages: sent={sent} given_back={given_back}, stopped in {took:?}"
    );

    let mut daemon = sending.start();
    sending.wait_all_sent(&daemon);
    daemon.sigterm();
    let (exit, _) = daemon.wait(Duration::from_secs(20));
    assert!(exit.success(), "{}", daemon.log());
    let copies = sending.copies();
    sending.check_everyone_got_theirs(&copies);
    assert_eq!(copies.len(), members, "nobody got it twice");
}
