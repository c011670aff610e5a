//! Intake and processing of 10,000 mixed messages (the corpora of `tests/corpora`, each copy
//! with headers of its own) read by `circulars serve` from its Maildir inbox, into SQLite and
//! into PostgreSQL: messages per second and the daemon's peak memory, beside Python's `email`
//! package (`policy.default`, parsing each message and getting its body text) on the same
//! messages in the same run, as a floor. Prints the figures beside the goal; never fails on
//! them.
//!
//! `cargo bench --bench ingest`. Environment: `BENCH_MESSAGES` (10000), `PG_TEST_URL`
//! (the PostgreSQL server a database is created on; the run is skipped when it cannot be),
//! `BENCH_KEEP=1` (keeps the scratch folder and its SQLite database).

#[path = "ingest/corpus.rs"]
mod corpus;
#[path = "ingest/run.rs"]
mod run;

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sqlx::{AnyPool, Row};

/// Issue 8's goal and aim: the daemon's rate on SQLite over Python's.
const GOAL: f64 = 10.0;
const AIM: f64 = 50.0;
/// A run that has not stored and processed everything by then has stalled.
const LIMIT: Duration = Duration::from_secs(900);

/// When the run's messages were stored and processed, by the database's rows.
struct Span {
    first_stored: DateTime<Utc>,
    last_stored: DateTime<Utc>,
    last_processed: DateTime<Utc>,
}

fn main() {
    // `cargo test --benches` and `cargo bench -- --list` ask for a listing: there is none.
    if std::env::args().any(|arg| arg == "--list") {
        return;
    }
    let count =
        std::env::var("BENCH_MESSAGES").map_or(10_000, |n| n.parse().expect("BENCH_MESSAGES"));
    let project = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut work = tempfile::tempdir().expect("a scratch folder");
    if std::env::var_os("BENCH_KEEP").is_some() {
        work.disable_cleanup(true);
        println!("kept: {}", work.path().display());
    }
    let messages = corpus::build(&project.join("tests/corpora"), count);
    let bytes: usize = messages.iter().map(Vec::len).sum();
    let plain = work.path().join("messages");
    std::fs::create_dir_all(&plain).expect("messages folder");
    for (n, raw) in messages.iter().enumerate() {
        std::fs::write(plain.join(format!("{n:06}.eml")), raw).expect("a message file");
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "{count} messages, {:.1} MB; load average before: {}",
        bytes as f64 / 1e6,
        load.split(' ').take(3).collect::<Vec<_>>().join(" ")
    );
    let (python, python_mb) = run::python(&plain);
    println!(
        "python email (policy.default, body text): {python:.0} msg/s, peak RSS {python_mb:.1} MB"
    );
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    sqlx::any::install_default_drivers();
    let sqlite = work.path().join("sqlite");
    let url = format!("sqlite://{}", sqlite.join("data/circulars.db").display());
    measure("SQLite", &sqlite, &url, &messages, python, &runtime);
    let admin = std::env::var("PG_TEST_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("circulars_bench_{}", std::process::id());
    if runtime
        .block_on(admin_execute(&admin, &format!("CREATE DATABASE {name}")))
        .is_err()
    {
        println!("PostgreSQL at {admin} unavailable: skipped");
        return;
    }
    let base = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(base, _)| base);
    let url = format!("{base}/{name}");
    measure(
        "PostgreSQL",
        &work.path().join("postgres"),
        &url,
        &messages,
        python,
        &runtime,
    );
    let _ = runtime.block_on(admin_execute(
        &admin,
        &format!("DROP DATABASE {name} WITH (FORCE)"),
    ));
}

/// One daemon run on `url`: fills its inbox, waits until everything is processed, stops it.
fn measure(
    label: &str,
    dir: &Path,
    url: &str,
    messages: &[Vec<u8>],
    python: f64,
    runtime: &tokio::runtime::Runtime,
) {
    let new = dir.join("data/inbox/new");
    std::fs::create_dir_all(&new).expect("inbox");
    for (n, raw) in messages.iter().enumerate() {
        let name = format!("{}.M{n}P1.bench", 1_700_000_000 + n);
        std::fs::write(new.join(name), raw).expect("a Maildir file");
    }
    let recipients = dir.join("recipients");
    std::fs::create_dir_all(&recipients).expect("recipients");
    let project = Path::new(env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(project.join("recipients"))
        .expect("sample recipients")
        .flatten()
    {
        std::fs::copy(entry.path(), recipients.join(entry.file_name())).expect("a list");
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a port")
        .port();
    let started = Instant::now();
    #[expect(
        clippy::zombie_processes,
        reason = "reaped by run::reap with wait4, for its peak memory"
    )]
    let child = run::serve(dir, url, port);
    let span = runtime.block_on(wait_done(url, messages.len()));
    let wall = started.elapsed();
    let reaped = run::reap(&child, Some(Duration::from_secs(20)));
    let seconds = |from: DateTime<Utc>, to: DateTime<Utc>| {
        ((to - from).num_milliseconds() as f64 / 1000.0).max(0.001)
    };
    let count = messages.len() as f64;
    let rate = count / seconds(span.first_stored, span.last_processed);
    let stored = count / seconds(span.first_stored, span.last_stored);
    let verdict = if rate >= AIM * python {
        "aim met"
    } else if rate >= GOAL * python {
        "goal met"
    } else {
        "under the goal"
    };
    println!(
        "{label}: {rate:.0} msg/s stored and processed ({:.1}x python; goal {GOAL}x, aim {AIM}x: {verdict}); \
         stored alone {stored:.0} msg/s; {:.1} s from start to the last processed; \
         {:.0} µs of CPU per message; peak RSS {:.1} MB; stopped {}",
        rate / python,
        wall.as_secs_f64(),
        reaped.cpu_seconds * 1e6 / count,
        reaped.peak_mb,
        if reaped.success {
            "cleanly"
        } else {
            "NOT cleanly"
        }
    );
}

/// Polls the database until `count` messages are stored and none is left `new`.
async fn wait_done(url: &str, count: usize) -> Span {
    let started = Instant::now();
    loop {
        assert!(
            started.elapsed() < LIMIT,
            "the daemon did not finish within {LIMIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        let Ok(pool) = AnyPool::connect(url).await else {
            continue;
        };
        let done = progress(&pool).await;
        if let Ok((stored, left)) = done
            && stored >= count as i64
            && left == 0
        {
            let span = span(&pool).await.expect("the run's times");
            pool.close().await;
            return span;
        }
        pool.close().await;
    }
}

async fn progress(pool: &AnyPool) -> Result<(i64, i64), sqlx::Error> {
    let stored = sqlx::query("SELECT COUNT(*) FROM inbound_messages")
        .fetch_one(pool)
        .await?;
    let left = sqlx::query("SELECT COUNT(*) FROM inbound_messages WHERE status = 'new'")
        .fetch_one(pool)
        .await?;
    Ok((stored.try_get(0)?, left.try_get(0)?))
}

async fn span(pool: &AnyPool) -> Result<Span, Box<dyn std::error::Error>> {
    let row = sqlx::query(
        "SELECT MIN(stored_at), MAX(stored_at), MAX(processed_at) FROM inbound_messages",
    )
    .fetch_one(pool)
    .await?;
    let time = |i: usize| -> Result<DateTime<Utc>, Box<dyn std::error::Error>> {
        let text: String = row.try_get(i)?;
        Ok(DateTime::parse_from_rfc3339(&text)?.to_utc())
    };
    Ok(Span {
        first_stored: time(0)?,
        last_stored: time(1)?,
        last_processed: time(2)?,
    })
}

async fn admin_execute(admin: &str, sql: &str) -> Result<(), sqlx::Error> {
    let pool = AnyPool::connect(admin).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&pool)
        .await?;
    pool.close().await;
    Ok(())
}
