//! Shared test helpers: a fresh database per test on each backend, and the real binary.

#![allow(dead_code)]

pub mod corpora;
pub mod daemon;
pub mod dovecot;
pub mod lists;
pub mod sent;
pub mod smtp;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use circulars::store::Store;

/// The PostgreSQL server tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("PG_TEST_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

pub const BACKENDS: [Kind; 2] = [Kind::Sqlite, Kind::Postgres];

/// A database of its own for one test, dropped at the end.
pub struct TestDb {
    pub url: String,
    pub kind: Kind,
    /// Holds the SQLite file, or is the scratch folder of a PostgreSQL test.
    pub dir: tempfile::TempDir,
    pg_name: Option<String>,
}

impl TestDb {
    pub async fn new(kind: Kind) -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        match kind {
            Kind::Sqlite => TestDb {
                url: format!("sqlite://{}", dir.path().join("test.db").display()),
                kind,
                dir,
                pg_name: None,
            },
            Kind::Postgres => {
                let name = format!("circulars_test_{}", random_suffix());
                admin_execute(&format!("CREATE DATABASE {name}")).await;
                let admin = postgres_admin_url();
                let base = admin.rsplit_once('/').unwrap().0;
                TestDb {
                    url: format!("{base}/{name}"),
                    kind,
                    dir,
                    pg_name: Some(name),
                }
            }
        }
    }

    pub async fn store(&self) -> Store {
        Store::open(&self.url, 4).await.unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            // Drop may run inside a runtime: use a thread with its own.
            std::thread::spawn(move || {
                tokio::runtime::Runtime::new()
                    .unwrap()
                    .block_on(admin_execute(&format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )));
            })
            .join()
            .unwrap();
        }
    }
}

async fn admin_execute(sql: &str) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&postgres_admin_url())
        .await
        .expect("PostgreSQL for tests (start it or set PG_TEST_URL)");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
}

fn random_suffix() -> String {
    use rand::Rng;
    let n: u64 = rand::rng().random();
    format!("{n:016x}")
}

/// The project's folder (sample recipients, templates, config).
pub fn project_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the real binary in `cwd` against `db`, with a clean `CIRCULARS_*` environment.
/// The real binary, with none of the caller's `CIRCULARS_*` variables.
pub fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_circulars"));
    for (key, _) in std::env::vars() {
        if key.starts_with("CIRCULARS_") {
            command.env_remove(key);
        }
    }
    command
}

pub fn circulars(cwd: &Path, db: &str, args: &[&str]) -> Output {
    circulars_with(cwd, db, args, &[])
}

pub fn circulars_with(cwd: &Path, db: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = binary();
    command.current_dir(cwd).args(args);
    command
        .env("CIRCULARS_DATABASE_URL", db)
        .env("CIRCULARS_SECRET", "test-secret-test-secret-test-secret")
        .env("CIRCULARS_TEMPLATES_DIR", project_dir().join("templates"))
        .envs(env.iter().copied());
    command.output().unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Copies the project's sample recipients folder into `dir`/recipients.
pub fn copy_recipients(dir: &Path) -> PathBuf {
    let target = dir.join("recipients");
    std::fs::create_dir_all(&target).unwrap();
    for entry in std::fs::read_dir(project_dir().join("recipients")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), target.join(entry.file_name())).unwrap();
    }
    target
}

/// Copies the folder `from` into `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The first address of an address header (`To`, `Reply-To` …) of a parsed message.
pub fn address_of(header: Option<&mail_parser::Address<'_>>) -> String {
    header
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .expect("an address")
        .to_string()
}

/// What a test looks at in a mail the daemon sent: who it is to, its subject and language,
/// its thread and its plain text.
#[derive(Debug)]
pub struct Mail {
    /// The first `To:` address.
    pub to: String,
    pub subject: String,
    /// `Content-Language`.
    pub language: String,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    /// `Auto-Submitted` (RFC 3834).
    pub auto_submitted: String,
    pub text: String,
}

impl Mail {
    pub fn parse(raw: &[u8]) -> Mail {
        let message = mail_parser::MessageParser::default().parse(raw).unwrap();
        Mail {
            to: address_of(message.to()),
            subject: message.subject().unwrap_or_default().to_string(),
            language: message
                .header_raw("Content-Language")
                .unwrap_or_default()
                .trim()
                .to_string(),
            in_reply_to: message_ids(message.in_reply_to()),
            references: message_ids(message.references()),
            auto_submitted: message
                .header_raw("Auto-Submitted")
                .unwrap_or_default()
                .trim()
                .to_string(),
            text: message.body_text(0).unwrap_or_default().to_string(),
        }
    }
}

/// The Message-IDs of an `In-Reply-To:` or `References:` header, in order.
pub fn message_ids(value: &mail_parser::HeaderValue<'_>) -> Vec<String> {
    value
        .as_text_list()
        .map(|l| l.iter().map(ToString::to_string).collect())
        .or_else(|| value.as_text().map(|t| vec![t.to_string()]))
        .unwrap_or_default()
}

/// What a member's copy of a circular says about its thread: its Message-ID, the signed
/// reply address and the `List-Unsubscribe` mailto address.
#[derive(Debug, Clone)]
pub struct Copy {
    pub message_id: String,
    pub reply_to: String,
    pub unsubscribe: String,
}

impl Copy {
    pub fn of(message: &mail_parser::Message<'_>) -> Copy {
        let unsubscribe = message
            .header_raw("List-Unsubscribe")
            .unwrap_or_default()
            .split("mailto:")
            .nth(1)
            .unwrap_or_default()
            .split(['?', '>'])
            .next()
            .unwrap_or_default()
            .to_string();
        Copy {
            message_id: message.message_id().unwrap().to_string(),
            reply_to: address_of(message.reply_to()),
            unsubscribe,
        }
    }
}
