//! Reminder rounds as the daemon's scheduler makes them, with a clock of the test's choosing:
//! one round per crontab slot to the members who have not answered, threaded under the
//! circular, in each member's language; missed slots collapse into one; none after the
//! deadline.

mod common;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Datelike, TimeZone, Utc};
use circulars::config::Config;
use circulars::members::recipients::read_dir;
use circulars::members::sync::SyncOptions;
use circulars::outbox::rounds::Place;
use circulars::outbox::scheduler::Scheduler;
use circulars::outbox::worker::Workers;
use circulars::store::Store;
use common::{Kind, TestDb, copy_dir, project_dir};
use mail_parser::MessageParser;
use tokio_util::sync::CancellationToken;

const MEMBERS: i64 = 41;
const JR: &str = "jr.etxebarria@bilbao.example.org";
const DECLINED: &str = "francoise.lefevre@bordeaux.example.net";

/// Templates whose Circular 30 reminds every Monday at 09:00 until `deadline`.
fn templates(dir: &Path, deadline: &str) {
    copy_dir(&project_dir().join("templates"), dir);
    let toml = dir.join("circulars/030-smart-local-governance/circular.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        text.replace("deadline = 2014-10-24", &format!("deadline = {deadline}"))
            .replace("start = 2014-11-06", "start = 2027-06-07")
            .replace("end = 2014-11-07", "end = 2027-06-08"),
    )
    .unwrap();
}

/// Monday 09:30 in Madrid, `weeks` weeks after the first Monday more than a day from now
/// (no reminder comes within a day of the circular, whatever the weekday the test runs).
fn monday(weeks: i64) -> DateTime<Utc> {
    let madrid = chrono_tz::Europe::Madrid;
    let mut day = (Utc::now() + chrono::Duration::days(2))
        .with_timezone(&madrid)
        .date_naive();
    while day.weekday() != chrono::Weekday::Mon {
        day = day.succ_opt().unwrap();
    }
    let day = day + chrono::Duration::weeks(weeks);
    madrid
        .from_local_datetime(&day.and_hms_opt(9, 30, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

struct Setup {
    store: Store,
    config: Config,
    scheduler: Scheduler,
    now: Arc<Mutex<DateTime<Utc>>>,
}

async fn setup(db: &TestDb, deadline: &str) -> Setup {
    let root = db.dir.path();
    templates(&root.join("templates"), deadline);
    let mut config = Config::load(None).unwrap();
    config.templates.dir = root.join("templates");
    config.data.dir = root.join("data");
    config.database.url = db.url.clone();
    let store = db.store().await;
    let lists = read_dir(&project_dir().join("recipients"), &config.locale.supported).unwrap();
    store
        .sync_lists(&lists, "test", SyncOptions::default())
        .await
        .unwrap();
    let now = Arc::new(Mutex::new(Utc::now()));
    let clock = now.clone();
    let place = Place::from_config(&config);
    let scheduler = Scheduler::new(
        "test".into(),
        store.clone(),
        place.clone(),
        Arc::new(move || *clock.lock().unwrap()),
    );
    // Load the circular as `serve` does at start.
    let circular = circulars::circulars::definition::load(
        &place.folder(30).unwrap(),
        &config.locale.supported,
    )
    .unwrap();
    circulars::outbox::rounds::load(&store, &place, &circular)
        .await
        .unwrap();
    Setup {
        store,
        config,
        scheduler,
        now,
    }
}

/// Sends whatever is due, through the file transport, until nothing is left.
async fn send_all(setup: &Setup) {
    let stop = CancellationToken::new();
    let workers = Workers::from_config(&setup.config, &setup.store, None).unwrap();
    let running = tokio::spawn(workers.run(stop.clone()));
    let id = setup.store.stored_circular(30).await.unwrap().unwrap().id;
    for _ in 0..200 {
        let mut pending = 0;
        for purpose in setup.store.rounds(id).await.unwrap() {
            pending += setup
                .store
                .round_counts(id, &purpose)
                .await
                .unwrap()
                .pending();
        }
        if pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.cancel();
    running.await.unwrap();
}

async fn reminder_rounds(setup: &Setup) -> Vec<(String, i64)> {
    let id = setup.store.stored_circular(30).await.unwrap().unwrap().id;
    let mut rounds = Vec::new();
    for purpose in setup.store.rounds(id).await.unwrap() {
        if purpose.starts_with("reminder:") {
            let total = setup
                .store
                .round_counts(id, &purpose)
                .await
                .unwrap()
                .total();
            rounds.push((purpose, total));
        }
    }
    rounds
}

#[tokio::test]
async fn a_monday_reminder_goes_once_to_who_has_not_answered_threaded_under_the_circular() {
    let db = TestDb::new(Kind::Sqlite).await;
    let deadline = (Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let setup = setup(&db, &deadline).await;
    setup.scheduler.tick(false).await.unwrap();
    send_all(&setup).await;
    assert!(
        reminder_rounds(&setup).await.is_empty(),
        "no reminder right after the circular"
    );

    // Two members answered: a registration is recorded for one, a decline for the other.
    let id = setup.store.stored_circular(30).await.unwrap().unwrap().id;
    register(&db, id, JR).await;
    decline(&db, id, DECLINED).await;
    *setup.now.lock().unwrap() = monday(0);
    setup.scheduler.tick(false).await.unwrap();
    setup.scheduler.tick(false).await.unwrap();
    let rounds = reminder_rounds(&setup).await;
    assert_eq!(rounds.len(), 1, "{rounds:?}");
    assert_eq!(rounds[0].1, MEMBERS - 2, "not to who answered");
    send_all(&setup).await;

    let outbox = db.dir.path().join("data/outbox");
    let mut reminders = 0;
    for entry in std::fs::read_dir(&outbox).unwrap() {
        let raw = std::fs::read(entry.unwrap().path()).unwrap();
        let message = MessageParser::default().parse(&raw).unwrap();
        let id = message.message_id().unwrap().to_string();
        if !id.contains(".reminder-") {
            continue;
        }
        reminders += 1;
        let member = id.split(".member-").nth(1).unwrap();
        let circular_id = format!("circular-030.member-{member}");
        assert_eq!(message.in_reply_to().as_text(), Some(circular_id.as_str()));
        let subject = message.subject().unwrap();
        let language = message.header_raw("Content-Language").unwrap().trim();
        let expected = match language {
            "fr" => "Rappel",
            "es" => "Recordatorio",
            _ => "Reminder",
        };
        assert!(subject.starts_with(expected), "{language}: {subject}");
        assert!(!String::from_utf8_lossy(&raw).contains(JR));
        assert!(!String::from_utf8_lossy(&raw).contains(DECLINED));
    }
    assert_eq!(reminders, MEMBERS - 2);
}

#[tokio::test]
async fn missed_reminders_collapse_into_one_round_and_none_goes_out_after_the_deadline() {
    let db = TestDb::new(Kind::Sqlite).await;
    let deadline = monday(3).format("%Y-%m-%d").to_string();
    let setup = setup(&db, &deadline).await;
    setup.scheduler.tick(false).await.unwrap();
    send_all(&setup).await;
    // The daemon was down for three Mondays.
    *setup.now.lock().unwrap() = monday(2);
    setup.scheduler.tick(false).await.unwrap();
    let rounds = reminder_rounds(&setup).await;
    assert_eq!(rounds.len(), 1, "{rounds:?}");
    let slot = monday(2) - chrono::Duration::minutes(30);
    assert!(
        rounds[0]
            .0
            .ends_with(&slot.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        "{rounds:?}"
    );
    // The deadline is the Monday after: its 09:00 slot is before the end of that day, the
    // next Monday's is past it.
    *setup.now.lock().unwrap() = monday(4);
    setup.scheduler.tick(false).await.unwrap();
    assert_eq!(reminder_rounds(&setup).await.len(), 1);
}

async fn register(db: &TestDb, circular_id: i64, email: &str) {
    record(
        db,
        circular_id,
        email,
        "INSERT INTO registrations (circular_id, member_id, status, received_at)
         SELECT $1, id, 'confirmed', '2026-12-01T00:00:00Z' FROM members WHERE email = $2",
    )
    .await;
}

/// "We cannot attend", as the reader of replies records it.
async fn decline(db: &TestDb, circular_id: i64, email: &str) {
    record(
        db,
        circular_id,
        email,
        "INSERT INTO declines (circular_id, member_id, received_at)
         SELECT $1, id, '2026-12-01T00:00:00Z' FROM members WHERE email = $2",
    )
    .await;
}

async fn record(db: &TestDb, circular_id: i64, email: &str, sql: &'static str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&format!("{}?mode=rwc", db.url))
        .await
        .unwrap();
    sqlx::query(sql)
        .bind(circular_id)
        .bind(email)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}
