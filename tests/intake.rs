//! Intake: every message stored raw, once, with the time it reached us; `circulars ingest`
//! and the Maildir inbox, on SQLite and PostgreSQL.

mod common;

use circulars::inbound::intake::{Arrival, Intake, Source};
use common::{BACKENDS, TestDb};
use sqlx::Row;

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

/// (count, message_id, source, time_source, status) of the inbound rows.
async fn rows(db: &TestDb) -> Vec<(i64, String, String, String, String, Vec<u8>)> {
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let rows = sqlx::query(
        "SELECT id, message_id, source, time_source, status, raw FROM inbound_messages ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    rows.iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
        .collect()
}

#[tokio::test]
async fn keep_stores_a_message_raw_once_and_finds_it_the_second_time() {
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let intake = Intake::new(db.store().await);
        let first = intake.keep(arrival(REPLY, "a.eml")).await.unwrap();
        let again = intake.keep(arrival(REPLY, "b.eml")).await.unwrap();
        assert!(first.new, "{kind:?}");
        assert!(!again.new, "{kind:?}");
        assert_eq!(first.id, again.id, "{kind:?}");
        let rows = rows(&db).await;
        assert_eq!(rows.len(), 1, "{kind:?}");
        let (_, message_id, source, time_source, status, raw) = &rows[0];
        assert_eq!(message_id, "reply-1@example.org");
        assert_eq!(source, "ingest:a.eml");
        assert_eq!(time_source, "stored");
        assert_eq!(status, "new");
        assert_eq!(raw.as_slice(), REPLY);
    }
}
