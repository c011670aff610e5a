//! A daemon killed (SIGKILL) again and again while it reads a Maildir inbox of a few thousand
//! messages loses none and stores none twice, and every file ends in `cur/`.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::daemon::{Daemon, free_port};
use common::{BACKENDS, TestDb, copy_recipients};
use sqlx::Row;

const FILES: usize = 3000;
/// Files that repeat an earlier message with one more `Received:` header (delivered twice).
const REPEATS: usize = 100;

fn count(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| entries.count())
}

/// Fills `inbox/new` with `FILES` files holding `FILES - REPEATS` distinct messages.
fn fill(inbox: &Path) {
    for sub in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(inbox.join(sub)).unwrap();
    }
    let body = "Nous serons deux à la réunion de Bilbao.\n".repeat(20);
    let message = |n: usize| {
        format!(
            "From: member{n}@example.org\nTo: replies@example.org\nMessage-ID: <m{n}@example.org>\n\
             Subject: Re: Circular 30\nDate: Tue, 3 Mar 2026 10:00:00 +0100\n\n{body}"
        )
    };
    for n in 0..FILES - REPEATS {
        let name = format!("{}.M{n}P1.host", 1_700_000_000 + n);
        std::fs::write(inbox.join("new").join(name), message(n)).unwrap();
    }
    for n in 0..REPEATS {
        let again = format!(
            "Received: by mx2.example.org; Tue, 3 Mar 2026 10:01:00 +0100\n{}",
            message(n * 7)
        );
        let name = format!("{}.M{n}P2.host", 1_700_010_000 + n);
        std::fs::write(inbox.join("new").join(name), again).unwrap();
    }
}

/// Waits until `cur/` holds at least `files`, checking often so the kill lands mid-intake.
fn wait_for_cur(daemon: &mut Daemon, cur: &Path, files: usize) -> usize {
    let start = Instant::now();
    loop {
        let done = count(cur);
        if done >= files {
            return done;
        }
        if let Some(status) = daemon.child.try_wait().unwrap() {
            panic!("serve exited with {status:?}\n{}", daemon.log());
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "intake stalled at {done}\n{}",
            daemon.log()
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_killed_three_times_during_a_maildir_intake_stores_every_message_once() {
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let dir = db.dir.path();
        copy_recipients(dir);
        let inbox = dir.join("data/inbox");
        fill(&inbox);
        let cur = inbox.join("cur");
        let env = [("CIRCULARS_DATABASE_URL", db.url.as_str())];
        let mut killed_at = Vec::new();
        for threshold in [400, 1200, 2000] {
            let mut daemon = Daemon::start(dir, free_port(), &env);
            wait_for_cur(&mut daemon, &cur, threshold);
            daemon.kill();
            killed_at.push(count(&cur));
        }
        assert!(
            killed_at.iter().all(|n| *n < FILES),
            "{kind:?}: each kill came during intake: {killed_at:?}"
        );
        let mut daemon = Daemon::start(dir, free_port(), &env);
        wait_for_cur(&mut daemon, &cur, FILES);
        daemon.sigterm();
        let (status, _) = daemon.wait(Duration::from_secs(30));
        assert!(status.success(), "{status:?}\n{}", daemon.log());

        assert_eq!(count(&inbox.join("new")), 0, "{kind:?}");
        assert_eq!(count(&cur), FILES, "{kind:?}");
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
        let row = sqlx::query("SELECT COUNT(*), COUNT(DISTINCT message_id) FROM inbound_messages")
            .fetch_one(&pool)
            .await
            .unwrap();
        let (rows, distinct): (i64, i64) = (row.get(0), row.get(1));
        pool.close().await;
        assert_eq!(
            (rows, distinct),
            ((FILES - REPEATS) as i64, (FILES - REPEATS) as i64),
            "{kind:?}"
        );
        eprintln!("{kind:?}: killed with {killed_at:?} files in cur/");
    }
}
