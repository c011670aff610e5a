//! Replies read from a real Dovecot: stored once with their INTERNALDATE, marked on the
//! server and left there, with IDLE or polling, over TLS and STARTTLS, through a Dovecot
//! restart, and with a wrong password that is logged once while the daemon goes on.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use common::daemon::{Daemon, free_port, wait_until};
use common::dovecot::{self, Dovecot, Options, PASSWORD, USER};
use common::{BACKENDS, Kind, TestDb};
use sqlx::Row;

const SECRET: &str = "test-secret-test-secret-test-secret";
const KEYWORD: &str = "$Circulars";
/// Long enough for a busy machine; the tests end as soon as the condition holds.
const LIMIT: Duration = Duration::from_secs(30);

/// One stored message, as the tests look at it.
#[derive(Debug, Clone)]
struct Stored {
    message_id: String,
    source: String,
    received_at: DateTime<Utc>,
}

/// A Dovecot, a database and the daemon's folder.
struct Site {
    dovecot: Dovecot,
    db: TestDb,
    dir: tempfile::TempDir,
}

impl Site {
    fn new(kind: Kind, options: Options) -> Site {
        Site {
            dovecot: Dovecot::start_with(options),
            db: block_on(TestDb::new(kind)),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// `serve` reading plain IMAP, with `extra` variables added (or replacing these).
    fn start(&self, extra: &[(&str, &str)]) -> Daemon {
        let port = self.dovecot.port.to_string();
        let mut env = vec![
            ("CIRCULARS_DATABASE_URL", self.db.url.as_str()),
            ("CIRCULARS_SECRET", SECRET),
            ("CIRCULARS_RECIPIENTS_SYNC_ON_START", "false"),
            ("CIRCULARS_IMAP_ENABLED", "true"),
            ("CIRCULARS_IMAP_HOST", "127.0.0.1"),
            ("CIRCULARS_IMAP_PORT", port.as_str()),
            ("CIRCULARS_IMAP_USERNAME", USER),
            ("CIRCULARS_IMAP_PASSWORD", PASSWORD),
            ("CIRCULARS_IMAP_POLL_SECONDS", "1"),
        ];
        for (key, value) in extra {
            env.retain(|(k, _)| k != key);
            env.push((key, value));
        }
        let log = self.dir.path().join("serve.log");
        let mut daemon = Daemon::start_logging(self.dir.path(), free_port(), &env, &log);
        daemon.wait_healthy();
        daemon
    }

    /// Every stored message, in the order stored.
    fn stored(&self) -> Vec<Stored> {
        let rows = block_on(async {
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&self.db.url).await.unwrap();
            let sql = "SELECT message_id, source, received_at FROM inbound_messages ORDER BY id";
            let rows = sqlx::query(sql).fetch_all(&pool).await.unwrap();
            pool.close().await;
            rows
        });
        rows.iter()
            .map(|row| Stored {
                message_id: row.get(0),
                source: row.get(1),
                received_at: DateTime::parse_from_rfc3339(&row.get::<String, _>(2))
                    .unwrap()
                    .with_timezone(&Utc),
            })
            .collect()
    }

    /// Waits until `count` messages are stored; returns them all.
    fn wait_stored(&self, count: usize, daemon: &Daemon) -> Vec<Stored> {
        wait_until(LIMIT, || self.stored().len() >= count);
        let stored = self.stored();
        assert_eq!(stored.len(), count, "{}", daemon.log());
        stored
    }

    /// Waits until `count` messages carry the keyword on the server.
    fn wait_flagged(&self, count: usize, daemon: &Daemon) {
        wait_until(LIMIT, || self.dovecot.flagged(KEYWORD).len() >= count);
        let flagged = self.dovecot.flagged(KEYWORD).len();
        assert_eq!(flagged, count, "flagged on the server\n{}", daemon.log());
    }
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Runtime::new().unwrap().block_on(future)
}

fn stop(daemon: &mut Daemon) {
    daemon.sigterm();
    let (status, _) = daemon.wait(LIMIT);
    assert!(status.success(), "{status:?}\n{}", daemon.log());
}

fn message_ids(stored: &[Stored]) -> BTreeSet<String> {
    stored.iter().map(|s| s.message_id.clone()).collect()
}

fn stored_once_with_internaldate_flagged_and_kept(kind: Kind) {
    let site = Site::new(kind, Options::default());
    let first = site
        .dovecot
        .append(&dovecot::message(1), "01-Feb-2026 10:00:00 +0100");
    site.dovecot
        .append(&dovecot::message(2), "02-Feb-2026 23:30:00 -0300");
    let mut daemon = site.start(&[]);
    let stored = site.wait_stored(2, &daemon);
    assert_eq!(stored[0].source, format!("imap:INBOX:{first}"));
    assert_eq!(
        stored[0].received_at.to_rfc3339(),
        "2026-02-01T09:00:00+00:00"
    );
    assert_eq!(
        stored[1].received_at.to_rfc3339(),
        "2026-02-03T02:30:00+00:00"
    );
    site.wait_flagged(2, &daemon);
    // Delivered while the daemon waits in IDLE.
    site.dovecot.deliver(&dovecot::message(3));
    let stored = site.wait_stored(3, &daemon);
    assert_eq!(stored[2].source, "imap:INBOX:3");
    site.wait_flagged(3, &daemon);
    stop(&mut daemon);

    let mut daemon = site.start(&[]);
    site.dovecot.deliver(&dovecot::message(4));
    let stored = site.wait_stored(4, &daemon);
    site.wait_flagged(4, &daemon);
    stop(&mut daemon);
    assert_eq!(message_ids(&stored).len(), 4, "{stored:?}");
    let log = daemon.log();
    assert!(!log.contains("already_stored=1"), "read twice:\n{log}");
    // Stopped in IDLE: DONE, then a clean LOGOUT (two by the daemon, two by the appends).
    let logged_out = || site.dovecot.log().matches("Logged out").count() >= 4;
    assert!(wait_until(LIMIT, logged_out), "{}", site.dovecot.log());
    assert_eq!(site.dovecot.mails().len(), 4, "messages stay on the server");
    assert!(
        site.dovecot
            .mails()
            .iter()
            .all(|m| !m.flags.contains(&"\\Seen".to_string())),
        "\\Seen is left to the mail clients: {:?}",
        site.dovecot.mails()
    );
}

#[test]
fn messages_from_before_and_during_the_run_are_stored_once_with_their_internaldate_on_sqlite() {
    stored_once_with_internaldate_flagged_and_kept(Kind::Sqlite);
}

#[test]
fn messages_from_before_and_during_the_run_are_stored_once_with_their_internaldate_on_postgres() {
    assert_eq!(BACKENDS[1], Kind::Postgres);
    stored_once_with_internaldate_flagged_and_kept(Kind::Postgres);
}

#[test]
fn a_server_without_idle_is_polled() {
    let site = Site::new(Kind::Sqlite, Options { no_idle: true });
    let mut daemon = site.start(&[]);
    site.dovecot.deliver(&dovecot::message(1));
    site.wait_stored(1, &daemon);
    site.dovecot.deliver(&dovecot::message(2));
    site.wait_stored(2, &daemon);
    site.wait_flagged(2, &daemon);
    stop(&mut daemon);
    assert!(daemon.log().contains("wait=\"poll\""), "{}", daemon.log());
}

#[test]
fn a_dovecot_restart_in_a_stream_of_messages_loses_nothing_and_stores_nothing_twice() {
    const COUNT: usize = 40;
    let mut site = Site::new(Kind::Sqlite, Options::default());
    let mut daemon = site.start(&[]);
    for n in 0..COUNT {
        if n == COUNT / 2 {
            site.dovecot.restart();
        }
        site.dovecot.deliver(&dovecot::message(n));
    }
    let stored = site.wait_stored(COUNT, &daemon);
    site.wait_flagged(COUNT, &daemon);
    stop(&mut daemon);
    assert_eq!(message_ids(&stored).len(), COUNT);
    let sources: BTreeSet<_> = stored.iter().map(|s| s.source.clone()).collect();
    assert_eq!(sources.len(), COUNT, "one row per message on the server");
    assert!(
        daemon.log().contains("IMAP works again"),
        "{}",
        daemon.log()
    );
}

#[test]
fn tls_and_starttls_work_with_the_test_ca_and_never_log_the_password() {
    let site = Site::new(Kind::Sqlite, Options::default());
    let ca = dovecot::test_ca();
    let ca = ca.to_str().unwrap();
    let tls_port = site.dovecot.tls_port.to_string();
    let ways = [
        vec![
            ("CIRCULARS_IMAP_TLS", "tls"),
            ("CIRCULARS_IMAP_PORT", tls_port.as_str()),
        ],
        vec![("CIRCULARS_IMAP_TLS", "starttls")],
    ];
    for (n, way) in ways.iter().enumerate() {
        let mut env = way.clone();
        env.extend([("CIRCULARS_IMAP_CA_FILE", ca), ("CIRCULARS_LOG", "trace")]);
        site.dovecot.deliver(&dovecot::message(n));
        let mut daemon = site.start(&env);
        site.wait_stored(n + 1, &daemon);
        site.wait_flagged(n + 1, &daemon);
        stop(&mut daemon);
        assert!(!daemon.log().contains(PASSWORD), "the password was logged");
    }
    let logins = site.dovecot.log();
    assert!(
        logins.contains("method=PLAIN") && logins.contains(", TLS,"),
        "{logins}"
    );
}

#[test]
fn a_server_certificate_from_an_unknown_ca_is_refused_with_its_cause() {
    let site = Site::new(Kind::Sqlite, Options::default());
    let port = site.dovecot.tls_port.to_string();
    site.dovecot.deliver(&dovecot::message(1));
    let daemon = site.start(&[
        ("CIRCULARS_IMAP_TLS", "tls"),
        ("CIRCULARS_IMAP_PORT", &port),
    ]);
    let refused = || daemon.log().contains("[imap] TLS with 127.0.0.1");
    assert!(wait_until(LIMIT, refused), "{}", daemon.log());
    assert!(daemon.log().contains("UnknownIssuer"), "{}", daemon.log());
    assert!(site.stored().is_empty());
}

#[test]
fn a_wrong_password_is_logged_once_while_the_daemon_goes_on_and_retries() {
    let site = Site::new(Kind::Sqlite, Options::default());
    site.dovecot.deliver(&dovecot::message(1));
    let mut daemon = site.start(&[("CIRCULARS_IMAP_PASSWORD", "wrong-password")]);
    let failures = || site.dovecot.log().matches("auth failed").count();
    assert!(
        wait_until(LIMIT, || failures() >= 3),
        "{}",
        site.dovecot.log()
    );
    assert_eq!(daemon.wait_healthy().0, 200);
    let log = daemon.log();
    let named: Vec<&str> = log.lines().filter(|l| l.contains("[imap]")).collect();
    assert_eq!(named.len(), 1, "{log}");
    assert!(
        named[0].contains("login as circ refused") && named[0].contains("Authentication failed"),
        "{log}"
    );
    assert!(!log.contains("wrong-password"), "the password was logged");
    // The account is fixed on the server: the next retry logs in and reads the folder.
    site.dovecot.set_password("wrong-password");
    site.wait_stored(1, &daemon);
    assert!(wait_until(LIMIT, || daemon
        .log()
        .contains("IMAP login works again")));
    stop(&mut daemon);
}

#[test]
fn a_message_the_database_cannot_store_stays_unmarked_until_it_can() {
    let site = Site::new(Kind::Postgres, Options::default());
    let mut daemon = site.start(&[]);
    let name = site.db.url.rsplit('/').next().unwrap().to_string();
    admin(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"));
    admin(&format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
    ));
    site.dovecot.deliver(&dovecot::message(1));
    let refused = || {
        daemon
            .log()
            .contains("[imap] a message could not be stored")
    };
    assert!(wait_until(LIMIT, refused), "{}", daemon.log());
    assert!(
        site.dovecot.flagged(KEYWORD).is_empty(),
        "marked before it was stored"
    );
    admin(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"));
    site.wait_stored(1, &daemon);
    site.wait_flagged(1, &daemon);
    assert!(
        daemon.log().contains("IMAP works again"),
        "{}",
        daemon.log()
    );
    stop(&mut daemon);
}

/// Runs `sql` on the PostgreSQL server's admin database.
fn admin(sql: &str) {
    block_on(async {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&common::postgres_admin_url())
            .await
            .unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    });
}
