//! Sending over SMTP to a real server on loopback (aiosmtpd keeping what it accepts): each
//! member's own copy, retries of temporary failures, permanent failures kept with the
//! server's reply, a server that is down or goes away, and a cancel in the middle.

mod common;

use std::path::Path;
use std::time::Duration;

use common::daemon::{Daemon, free_port, http_get, wait_until};
use common::smtp::SmtpServer;
use common::{address_of, circulars_with, stderr};

/// A folder whose circular 30 committee has these members (`email,name,language`).
fn folder(members: &[(&str, &str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let recipients = dir.path().join("recipients");
    std::fs::create_dir_all(&recipients).unwrap();
    std::fs::copy(
        common::project_dir().join("recipients/committees.toml"),
        recipients.join("committees.toml"),
    )
    .unwrap();
    let mut csv = String::from("email,name,position,organisation,city,country,language,role\n");
    for (email, name, language) in members {
        csv.push_str(&format!("{email},{name},,,,,{language},member\n"));
    }
    std::fs::write(recipients.join("digital-cities.csv"), csv).unwrap();
    std::fs::write(
        recipients.join("decentralisation.csv"),
        "email,name,position,organisation,city,country,language,role\n",
    )
    .unwrap();
    dir
}

/// A folder with `n` members named `Membre n`, languages in turn.
fn folder_of(n: usize) -> tempfile::TempDir {
    let members: Vec<(String, String, &str)> = (0..n)
        .map(|i| {
            (
                format!("member{i}@city{}.example.org", i % 7),
                format!("Membre {i}"),
                ["en", "fr", "es"][i % 3],
            )
        })
        .collect();
    let refs: Vec<(&str, &str, &str)> = members
        .iter()
        .map(|(e, n, l)| (e.as_str(), n.as_str(), *l))
        .collect();
    folder(&refs)
}

fn smtp_env(server: &SmtpServer, dir: &Path) -> Vec<(String, String)> {
    vec![
        ("CIRCULARS_SMTP_TRANSPORT".into(), "smtp".into()),
        ("CIRCULARS_SMTP_HOST".into(), "127.0.0.1".into()),
        ("CIRCULARS_SMTP_PORT".into(), server.port.to_string()),
        ("CIRCULARS_SMTP_RETRY_SECONDS".into(), "1".into()),
        ("CIRCULARS_SMTP_MAX_ATTEMPTS".into(), "3".into()),
        ("CIRCULARS_SMTP_BOUNCE_THRESHOLD".into(), "1".into()),
        (
            "CIRCULARS_DATABASE_URL".into(),
            format!("sqlite://{}", dir.join("data/circulars.db").display()),
        ),
        (
            "CIRCULARS_SECRET".into(),
            "test-secret-test-secret-test-secret".into(),
        ),
    ]
}

fn run(dir: &Path, env: &[(String, String)], args: &[&str]) -> std::process::Output {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let db = env
        .iter()
        .find(|(k, _)| *k == "CIRCULARS_DATABASE_URL")
        .unwrap()
        .1;
    circulars_with(dir, db, args, &env)
}

fn daemon(dir: &Path, env: &[(String, String)]) -> Daemon {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    Daemon::start(dir, free_port(), &env)
}

fn status(dir: &Path, env: &[(String, String)]) -> serde_json::Value {
    let out = run(dir, env, &["status", "30", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn query_rows(dir: &Path, sql: &str) -> Vec<(String, String)> {
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", dir.join("data/circulars.db").display());
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    rows.iter()
        .map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap_or_default()))
        .collect()
}

/// `members` synced, then circular 30 sent to them by `send --now --wait` over SMTP.
fn sent_with_wait(
    members: &[(&str, &str, &str)],
) -> (tempfile::TempDir, SmtpServer, Vec<(String, String)>) {
    let dir = folder(members);
    let server = SmtpServer::start();
    let env = smtp_env(&server, dir.path());
    assert!(
        run(dir.path(), &env, &["recipients", "sync"])
            .status
            .success()
    );
    let out = run(dir.path(), &env, &["send", "30", "--now", "--wait"]);
    assert!(out.status.success(), "{}", stderr(&out));
    (dir, server, env)
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Runtime::new().unwrap().block_on(future)
}

#[test]
fn every_member_gets_their_own_copy_with_their_language_name_reply_address_and_message_id() {
    let members = [
        ("ana.garcia@sevilla.example.org", "Ana García", "es"),
        ("claire.martin@lyon.example.org", "Claire Martin", "fr"),
        ("kofi.mensah@accra.example.org", "Kofi Mensah", "en"),
        ("ulrike@münchen.example", "Ulrike Müller", ""),
    ];
    let (dir, server, _) = sent_with_wait(&members);
    let kept = server.wait_for(members.len());
    assert_eq!(kept.len(), members.len());
    let stored = block_on(query_rows(
        dir.path(),
        "SELECT m.email, d.message_id FROM deliveries d JOIN members m ON m.id = d.member_id",
    ));
    for (email, name, language) in members {
        let ascii = circulars::members::EmailAddress::parse(email)
            .unwrap()
            .to_ascii();
        let copy = kept
            .iter()
            .find(|k| k.rcpt_tos == [ascii.clone()])
            .unwrap_or_else(|| panic!("no copy for {email}"));
        let message = copy.parsed();
        let reply_to = address_of(message.reply_to());
        assert_eq!(
            copy.mail_from, reply_to,
            "the envelope sender is the reply address"
        );
        assert!(reply_to.starts_with("circulars+c030."), "{reply_to}");
        let expected = if language.is_empty() { "en" } else { language };
        assert_eq!(
            message.header_raw("Content-Language").unwrap().trim(),
            expected
        );
        let text = message.body_text(0).unwrap();
        assert!(text.contains(name), "{email}: {text}");
        let unsubscribe = message.header_raw("List-Unsubscribe").unwrap();
        assert!(
            unsubscribe.contains("http://127.0.0.1:8080/"),
            "{unsubscribe}"
        );
        let id = message.message_id().unwrap();
        let theirs = &stored.iter().find(|(e, _)| e == email).unwrap().1;
        assert_eq!(id, theirs, "the Message-ID stored for {email}");
    }
    // Every copy was made for its member: no two share a reply address or unsubscribe link.
    let mut senders: Vec<_> = kept.iter().map(|k| k.mail_from.clone()).collect();
    senders.sort();
    senders.dedup();
    assert_eq!(senders.len(), members.len());
    let mut links: Vec<String> = kept
        .iter()
        .map(|k| {
            k.parsed()
                .header_raw("List-Unsubscribe")
                .unwrap()
                .to_string()
        })
        .collect();
    links.sort();
    links.dedup();
    assert_eq!(links.len(), members.len());
}

#[test]
fn temporary_failures_are_retried_and_permanent_ones_fail_with_the_reply_and_suppress() {
    let members = [
        ("ok@example.org", "Ok", "en"),
        ("451x2-ana@example.org", "Ana", "es"),
        ("550-nobody@example.org", "Nobody", "en"),
        ("421-closing@example.org", "Closing", "fr"),
        ("drop-midway@example.org", "Midway", "fr"),
    ];
    let (dir, server, env) = sent_with_wait(&members);
    let status = status(dir.path(), &env);
    assert_eq!(status["states"]["sent"], 2, "{status}");
    assert_eq!(status["states"]["failed"], 3, "{status}");
    let kept: Vec<Vec<String>> = server.kept().into_iter().map(|k| k.rcpt_tos).collect();
    assert!(
        kept.contains(&vec!["451x2-ana@example.org".to_string()]),
        "accepted at the third attempt"
    );
    let failed = block_on(query_rows(
        dir.path(),
        "SELECT m.email, d.reply FROM deliveries d JOIN members m ON m.id = d.member_id
         WHERE d.state = 'failed' ORDER BY m.email",
    ));
    let reply = |email: &str| failed.iter().find(|(e, _)| e == email).unwrap().1.clone();
    assert!(
        reply("550-nobody@example.org").starts_with("550"),
        "{failed:?}"
    );
    assert!(
        reply("421-closing@example.org").contains("gave up after 3 attempts"),
        "{failed:?}"
    );
    assert!(
        reply("drop-midway@example.org").contains("gave up after 3 attempts"),
        "{failed:?}"
    );
    let suppressed = block_on(query_rows(
        dir.path(),
        "SELECT email, reason FROM suppressions",
    ));
    assert_eq!(
        suppressed,
        vec![(
            "550-nobody@example.org".to_string(),
            "hard_bounce".to_string()
        )],
        "only a permanent failure counts as a bounce"
    );
}

#[test]
fn a_server_down_at_start_gets_every_message_once_back_and_the_outage_is_logged_once() {
    let dir = folder_of(30);
    let mut server = SmtpServer::start();
    server.stop();
    let env = smtp_env(&server, dir.path());
    let mut daemon = daemon(dir.path(), &env);
    daemon.wait_healthy();
    let logged = wait_until(Duration::from_secs(20), || {
        daemon.log().contains("mail server unreachable")
    });
    assert!(logged, "{}", daemon.log());
    std::thread::sleep(Duration::from_secs(6));
    assert_eq!(http_get(daemon.port, "/healthz").map(|(s, _)| s), Some(200));
    server.restart();
    let kept = server.wait_for(30);
    assert_eq!(kept.len(), 30, "{}", daemon.log());
    daemon.sigterm();
    daemon.wait(Duration::from_secs(20));
    let log = daemon.log();
    assert_eq!(log.matches("mail server unreachable").count(), 1, "{log}");
    assert!(log.contains("mail server reachable again"), "{log}");
    assert_eq!(status(dir.path(), &env)["states"]["sent"], 30);
}

#[test]
fn a_server_that_goes_away_mid_run_is_waited_for_and_nobody_is_missed() {
    let dir = folder_of(60);
    let mut server = SmtpServer::start();
    let mut env = smtp_env(&server, dir.path());
    env.push(("CIRCULARS_SMTP_MAX_PER_SECOND".into(), "20".into()));
    let mut daemon = daemon(dir.path(), &env);
    server.wait_for(10);
    server.stop();
    std::thread::sleep(Duration::from_secs(2));
    server.restart();
    let arrived = wait_until(Duration::from_secs(40), || {
        status(dir.path(), &env)["states"]["sent"] == 60
    });
    assert!(arrived, "{}", daemon.log());
    let mut got: Vec<String> = server.kept().into_iter().flat_map(|k| k.rcpt_tos).collect();
    got.sort();
    got.dedup();
    assert_eq!(got.len(), 60, "every member got it");
    daemon.sigterm();
    daemon.wait(Duration::from_secs(20));
}

#[test]
fn cancel_in_the_middle_sends_nothing_more_and_what_was_sent_stays_sent() {
    let dir = folder_of(60);
    let server = SmtpServer::start();
    let mut env = smtp_env(&server, dir.path());
    env.push(("CIRCULARS_SMTP_MAX_PER_SECOND".into(), "10".into()));
    let mut daemon = daemon(dir.path(), &env);
    server.wait_for(5);
    let out = run(dir.path(), &env, &["cancel", "30"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // What was claimed before the cancel may still go out; then nothing more.
    std::thread::sleep(Duration::from_secs(3));
    let after_cancel = server.kept().len();
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        server.kept().len(),
        after_cancel,
        "nothing sent after the cancel"
    );
    assert!(after_cancel < 60, "the cancel came in time");
    let status = status(dir.path(), &env);
    assert_eq!(status["status"], "cancelled");
    assert_eq!(status["states"]["sent"], after_cancel, "{status}");
    assert_eq!(
        status["states"]["queued"],
        60 - after_cancel as u64,
        "{status}"
    );
    daemon.sigterm();
    let (exit, _) = daemon.wait(Duration::from_secs(20));
    assert!(exit.success());
}

#[test]
fn sigterm_stops_send_wait_after_recording_what_was_on_the_wire() {
    let dir = folder_of(60);
    let server = SmtpServer::start();
    let mut env = smtp_env(&server, dir.path());
    env.push(("CIRCULARS_SMTP_MAX_PER_SECOND".into(), "10".into()));
    assert!(
        run(dir.path(), &env, &["recipients", "sync"])
            .status
            .success()
    );
    let child = common::binary()
        .current_dir(dir.path())
        .args(["send", "30", "--now", "--wait"])
        .env(
            "CIRCULARS_TEMPLATES_DIR",
            common::project_dir().join("templates"),
        )
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    server.wait_for(5);
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("interrupted with"), "{err}");
    let status = status(dir.path(), &env);
    assert_eq!(
        status["states"]["sending"], 0,
        "nothing left claimed: {status}"
    );
    assert_eq!(
        status["states"]["sent"],
        server.kept().len(),
        "every accepted one recorded"
    );
    assert!(server.kept().len() < 60);
}
