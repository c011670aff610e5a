//! Several daemons on one PostgreSQL database: two `serve` processes, each in a folder of
//! its own with the same lists, share a 5,000-member send to one test SMTP server so that
//! every member gets the circular exactly once; only one runs the scheduler, and when it is
//! killed the other takes the scheduler over and does its work.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use common::daemon::{Daemon, free_port, wait_until};
use common::lists::{big_list, kept_count, kept_envelopes, workers_stopped};
use common::smtp::SmtpServer;
use common::{Kind, TestDb, circulars, stderr};

const MEMBERS: usize = 5_000;
const SECRET: &str = "test-secret-test-secret-test-secret";
const RUNS_SCHEDULER: &str = "this daemon runs the scheduler";
/// The scheduler's lease (10 s) plus one tick (2 s), with room for a busy machine.
const TAKEOVER: Duration = Duration::from_secs(15);

/// The daemons' shared database and mail server, and one folder per daemon.
struct Site {
    db: TestDb,
    server: SmtpServer,
    folders: [tempfile::TempDir; 2],
    addresses: Vec<String>,
}

impl Site {
    fn new(rt: &tokio::runtime::Runtime) -> Site {
        let folders = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
        let addresses = big_list(folders[0].path(), MEMBERS);
        assert_eq!(big_list(folders[1].path(), MEMBERS), addresses);
        Site {
            db: rt.block_on(TestDb::new(Kind::Postgres)),
            server: SmtpServer::start(),
            folders,
            addresses,
        }
    }

    fn folder(&self, n: usize) -> &Path {
        self.folders[n].path()
    }

    /// Runs the command line in the first folder; fails the test if it fails.
    fn run(&self, args: &[&str]) {
        let out = circulars(self.folder(0), &self.db.url, args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }

    /// `serve` in folder `n`, logging to `log` there.
    fn start(&self, n: usize, log: &str) -> Daemon {
        let port = self.server.port.to_string();
        let env = [
            ("CIRCULARS_DATABASE_URL", self.db.url.as_str()),
            ("CIRCULARS_SECRET", SECRET),
            ("CIRCULARS_SMTP_TRANSPORT", "smtp"),
            ("CIRCULARS_SMTP_HOST", "127.0.0.1"),
            ("CIRCULARS_SMTP_PORT", port.as_str()),
            ("CIRCULARS_SMTP_CONCURRENCY", "4"),
            ("CIRCULARS_SMTP_MAX_PER_SECOND", "0"),
        ];
        let folder = self.folder(n);
        Daemon::start_logging(folder, free_port(), &env, &folder.join(log))
    }

    fn sent(&self) -> u64 {
        let out = circulars(
            self.folder(0),
            &self.db.url,
            &["status", "30", "--format", "json"],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        status["states"]["sent"].as_u64().unwrap_or_default()
    }

    /// How many copies each recipient got.
    fn copies(&self) -> BTreeMap<String, usize> {
        let mut copies = BTreeMap::new();
        for (rcpt, _) in kept_envelopes(&self.server.kept_dir) {
            *copies.entry(rcpt).or_default() += 1;
        }
        copies
    }
}

fn count(logs: &[&Daemon], line: &str) -> usize {
    logs.iter().map(|d| d.log().matches(line).count()).sum()
}

/// Waits until one of `daemons` runs the scheduler; returns which.
fn scheduler_of(daemons: &[&Daemon], limit: Duration) -> Option<usize> {
    let mut holder = None;
    wait_until(limit, || {
        holder = daemons
            .iter()
            .position(|d| d.log().contains(RUNS_SCHEDULER));
        holder.is_some()
    });
    holder
}

#[test]
fn two_daemons_on_one_postgresql_database_send_5000_members_exactly_once_and_one_takes_the_scheduler_over()
 {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let site = Site::new(&rt);
    share_a_send(&site);
    take_the_scheduler_over(&site);
}

/// Both daemons send part of the circular, nobody gets it twice, one runs the scheduler.
fn share_a_send(site: &Site) {
    // The lists and the circular are in the database before the daemons start, and the
    // circular waits: both daemons are up when it becomes due.
    site.run(&["recipients", "sync"]);
    site.run(&["schedule", "30", "--at", "2099-01-05 09:00"]);
    let mut daemons = [site.start(0, "serve.log"), site.start(1, "serve.log")];
    for daemon in &mut daemons {
        daemon.wait_healthy();
    }
    let both = [&daemons[0], &daemons[1]];
    assert!(scheduler_of(&both, TAKEOVER).is_some(), "{}", both[0].log());
    let started = Instant::now();
    site.run(&["send", "30", "--now"]);
    // Twice a second: each look runs the command line.
    while site.sent() < MEMBERS as u64 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{} sent\n{}\n{}",
            site.sent(),
            both[0].log(),
            both[1].log()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let took = started.elapsed();
    let kept = kept_envelopes(&site.server.kept_dir);
    let span = kept.last().map(|k| k.1).unwrap_or_default() - kept[0].1;
    eprintln!(
        "{MEMBERS} members by two daemons on PostgreSQL: {:.1} s from `send --now` to all recorded sent, {span:.1} s from first to last message kept ({:.0}/s)",
        took.as_secs_f64(),
        MEMBERS as f64 / span
    );
    for daemon in &daemons {
        daemon.sigterm();
    }
    let mut sent = Vec::new();
    for daemon in &mut daemons {
        let (exit, _) = daemon.wait(Duration::from_secs(20));
        assert!(exit.success(), "{}", daemon.log());
        sent.push(workers_stopped(&daemon.log()).0);
    }
    eprintln!("sent by each daemon: {sent:?}");
    let both = [&daemons[0], &daemons[1]];
    assert!(
        sent.iter().all(|&n| n > 0),
        "both did part of the work: {sent:?}"
    );
    assert_eq!(sent.iter().sum::<u64>(), MEMBERS as u64, "{sent:?}");
    assert_eq!(count(&both, "circular started"), 1, "one daemon started it");
    assert_eq!(
        count(&both, RUNS_SCHEDULER),
        1,
        "one daemon ran the scheduler"
    );
    let copies = site.copies();
    assert_eq!(copies.len(), MEMBERS, "every member got it");
    let twice: Vec<_> = copies.iter().filter(|&(_, &n)| n > 1).collect();
    assert!(twice.is_empty(), "got it more than once: {twice:?}");
    assert!(site.addresses.iter().all(|a| copies.contains_key(a)));
}

/// Started again, the daemon holding the scheduler is killed: the other takes the
/// scheduler over and starts what becomes due.
fn take_the_scheduler_over(site: &Site) {
    let mut daemons = [site.start(0, "serve-2.log"), site.start(1, "serve-2.log")];
    for daemon in &mut daemons {
        daemon.wait_healthy();
    }
    let holder = scheduler_of(&[&daemons[0], &daemons[1]], TAKEOVER).expect("a scheduler");
    let other = 1 - holder;
    daemons[holder].kill();
    let killed = Instant::now();
    let took_over = wait_until(TAKEOVER, || daemons[other].log().contains(RUNS_SCHEDULER));
    let takeover = killed.elapsed();
    assert!(
        took_over,
        "no takeover in {TAKEOVER:?}\n{}",
        daemons[other].log()
    );
    eprintln!(
        "the other daemon ran the scheduler {:.1} s after the kill",
        takeover.as_secs_f64()
    );

    let newcomer = "newcomer@example.org";
    site.run(&[
        "members",
        "add",
        newcomer,
        "--committee",
        "digital-cities",
        "--language",
        "es",
    ]);
    site.run(&["send", "30", "--now"]);
    let arrived = wait_until(Duration::from_secs(30), || {
        kept_count(&site.server.kept_dir) > MEMBERS
    });
    assert!(arrived, "{}", daemons[other].log());
    daemons[other].sigterm();
    let (exit, _) = daemons[other].wait(Duration::from_secs(20));
    assert!(exit.success(), "{}", daemons[other].log());
    let copies = site.copies();
    assert_eq!(copies.get(newcomer), Some(&1), "the newcomer got it");
    assert_eq!(copies.len(), MEMBERS + 1);
    assert!(copies.values().all(|&n| n == 1), "nobody got it twice");
    assert!(
        daemons[other]
            .log()
            .contains("circular started circular=30 deliveries=1")
    );
}
