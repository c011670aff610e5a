//! The outbox's rows on both databases, driven through the library as the workers and the
//! scheduler drive them: one delivery per member and purpose, claims that never overlap,
//! leases that pass from a dead daemon to a live one, outcomes only the holder records.

mod common;

use std::time::Duration;

use circulars::circulars::definition;
use circulars::locale::Language;
use circulars::members::recipients::read_dir;
use circulars::members::sync::SyncOptions;
use circulars::members::{EmailAddress, Member, Role};
use circulars::outbox::rounds::{self, Place};
use circulars::outbox::{Outcome, Purpose, State};
use circulars::store::{Recorded, Store, StoredCircular, precise_now};
use common::{BACKENDS, Kind, TestDb, project_dir};

/// Members of circular 30's committee in the sample lists.
const MEMBERS: i64 = 41;
const LONG: Duration = Duration::from_secs(60);

fn place(db: &TestDb) -> Place {
    Place {
        templates: project_dir().join("templates"),
        snapshots: db.dir.path().join("snapshots"),
        supported: vec![Language::En, Language::Fr, Language::Es],
        default_language: Language::En,
        domain: "uclg.example.org".into(),
        tz: chrono_tz::Europe::Madrid,
    }
}

/// A database with the sample lists and circular 30 started.
async fn started(db: &TestDb) -> (Store, StoredCircular) {
    let store = db.store().await;
    let supported = [Language::En, Language::Fr, Language::Es];
    let lists = read_dir(&project_dir().join("recipients"), &supported).unwrap();
    store
        .sync_lists(&lists, "test", SyncOptions::default())
        .await
        .unwrap();
    let place = place(db);
    let circular = definition::load(&place.folder(30).unwrap(), &supported).unwrap();
    let (stored, _) = rounds::load(&store, &place, &circular).await.unwrap();
    assert_eq!(stored.status.as_str(), "scheduled", "send_at is in 2014");
    let created = rounds::start(&store, &place, &stored).await.unwrap();
    assert_eq!(created, Some(MEMBERS as u64));
    let stored = store.stored_circular(30).await.unwrap().unwrap();
    (store, stored)
}

fn count(counts: &circulars::store::RoundCounts, state: State) -> i64 {
    counts.states.get(&state).copied().unwrap_or(0)
}

fn sent(id: i64, member_id: i64) -> Recorded {
    Recorded {
        delivery_id: id,
        member_id,
        outcome: Outcome::Sent,
        at: precise_now(),
    }
}

#[tokio::test]
async fn a_circular_gets_one_delivery_per_member_however_often_it_is_started() {
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let (store, stored) = started(&db).await;
        let place = place(&db);
        assert_eq!(rounds::start(&store, &place, &stored).await.unwrap(), None);
        let circular = rounds::definition(&store, &place, &stored).await.unwrap();
        for _ in 0..2 {
            let again = rounds::create(&store, &place, &stored, &circular, Purpose::Circular)
                .await
                .unwrap();
            assert_eq!(again, 0, "{kind:?}");
        }
        let counts = store.round_counts(stored.id, "circular").await.unwrap();
        assert_eq!(counts.total(), MEMBERS, "{kind:?}");
        assert_eq!(count(&counts, State::Queued), MEMBERS, "{kind:?}");
        assert_eq!(counts.languages.values().sum::<i64>(), MEMBERS);
        assert!(counts.languages.len() == 3, "{:?}", counts.languages);
    }
}

#[tokio::test]
async fn claims_never_overlap_and_a_dead_daemons_rows_are_taken_up_when_its_lease_runs_out() {
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let (store, _) = started(&db).await;
        let dead = store
            .claim("dead", 30, Duration::from_millis(300), None)
            .await
            .unwrap();
        let alive = store.claim("alive", 100, LONG, None).await.unwrap();
        assert_eq!(dead.len(), 30, "{kind:?}");
        assert_eq!(alive.len(), (MEMBERS - 30) as usize, "{kind:?}");
        assert!(dead.iter().all(|d| alive.iter().all(|a| a.id != d.id)));
        assert!(
            store
                .claim("alive", 100, LONG, None)
                .await
                .unwrap()
                .is_empty()
        );
        tokio::time::sleep(Duration::from_millis(400)).await;
        let taken_up = store.claim("alive", 100, LONG, None).await.unwrap();
        assert_eq!(taken_up.len(), 30, "{kind:?}");
        assert!(taken_up.iter().all(|d| d.attempt == 2));
        // The dead daemon's late outcomes do not overwrite the live one's rows.
        let late: Vec<Recorded> = dead.iter().map(|d| sent(d.id, d.member.id)).collect();
        store.record("dead", &late, 3).await.unwrap();
        let counts = store
            .round_counts(dead[0].circular_id, "circular")
            .await
            .unwrap();
        assert_eq!(count(&counts, State::Sending), MEMBERS, "{kind:?}");
    }
}

#[tokio::test]
async fn outcomes_move_the_rows_and_a_permanent_failure_past_the_threshold_suppresses() {
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let (store, stored) = started(&db).await;
        let claimed = store.claim("me", 3, LONG, None).await.unwrap();
        let outcomes = vec![
            sent(claimed[0].id, claimed[0].member.id),
            Recorded {
                delivery_id: claimed[1].id,
                member_id: claimed[1].member.id,
                outcome: Outcome::Deferred {
                    reply: "451 4.3.0 try later".into(),
                    wait: LONG,
                },
                at: precise_now(),
            },
            Recorded {
                delivery_id: claimed[2].id,
                member_id: claimed[2].member.id,
                outcome: Outcome::Failed {
                    reply: "550 5.1.1 no such user".into(),
                    bounce: true,
                },
                at: precise_now(),
            },
        ];
        store.record("me", &outcomes, 1).await.unwrap();
        let counts = store.round_counts(stored.id, "circular").await.unwrap();
        assert_eq!(count(&counts, State::Sent), 1, "{kind:?}");
        assert_eq!(count(&counts, State::Deferred), 1, "{kind:?}");
        assert_eq!(count(&counts, State::Failed), 1, "{kind:?}");
        assert!(counts.first_sent_at.is_some());
        // The deferred one is not due for a minute: the rest are claimed, not it.
        let rest = store.claim("me", 100, LONG, None).await.unwrap();
        assert_eq!(rest.len(), (MEMBERS - 3) as usize, "{kind:?}");
        assert!(rest.iter().all(|d| d.id != claimed[1].id));
        // The refused address is suppressed now (threshold 1).
        let bounced = &claimed[2].member.member.email;
        let suppressed: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM suppressions WHERE email = $1 AND reason = 'hard_bounce'",
        )
        .bind(bounced.to_string())
        .fetch_one(&any_pool(&db).await)
        .await
        .unwrap();
        assert_eq!(suppressed, 1, "{kind:?}");
    }
}

#[tokio::test]
async fn a_delivery_given_back_at_stop_is_due_again_without_counting_an_attempt() {
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let (store, _) = started(&db).await;
        let claimed = store.claim("stopping", 5, LONG, None).await.unwrap();
        let ids: Vec<i64> = claimed.iter().map(|d| d.id).collect();
        store.release("stopping", &ids).await.unwrap();
        let again = store.claim("next", 5, LONG, None).await.unwrap();
        assert_eq!(again.len(), 5, "{kind:?}");
        assert!(again.iter().all(|d| d.attempt == 1), "{kind:?}");
    }
}

#[tokio::test]
async fn nothing_of_a_cancelled_circular_is_claimed_until_it_is_scheduled_again() {
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let (store, stored) = started(&db).await;
        store.cancel_circular(stored.id).await.unwrap();
        assert!(store.claim("me", 100, LONG, None).await.unwrap().is_empty());
        store
            .schedule_circular(stored.id, "2014-09-04T08:00:00Z")
            .await
            .unwrap();
        let place = place(&db);
        let stored = store.stored_circular(30).await.unwrap().unwrap();
        assert_eq!(
            rounds::start(&store, &place, &stored).await.unwrap(),
            Some(0)
        );
        assert_eq!(
            store.claim("me", 100, LONG, None).await.unwrap().len(),
            MEMBERS as usize
        );
    }
}

#[tokio::test]
async fn a_member_added_to_the_list_while_the_circular_is_sending_gets_it() {
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let (store, stored) = started(&db).await;
        let newcomer = Member::new(EmailAddress::parse("nueva.socia@getafe.example.org").unwrap());
        store
            .add_member(
                &newcomer,
                "digital-cities",
                &Role::parse("member").unwrap(),
                "test",
            )
            .await
            .unwrap();
        let place = place(&db);
        let circular = rounds::definition(&store, &place, &stored).await.unwrap();
        let added = rounds::create(&store, &place, &stored, &circular, Purpose::Circular)
            .await
            .unwrap();
        assert_eq!(added, 1, "{kind:?}");
        assert!(
            !store.finish_circular(stored.id).await.unwrap(),
            "still sending"
        );
    }
}

#[tokio::test]
async fn the_scheduler_lease_passes_to_another_daemon_only_when_its_holder_stops_renewing() {
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let store = db.store().await;
        assert!(store.hold_lease("scheduler", "a", 300).await.unwrap());
        assert!(
            !store.hold_lease("scheduler", "b", 300).await.unwrap(),
            "{kind:?}"
        );
        assert!(store.hold_lease("scheduler", "a", 300).await.unwrap());
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert!(
            store.hold_lease("scheduler", "b", 300).await.unwrap(),
            "{kind:?}"
        );
        assert!(!store.hold_lease("scheduler", "a", 300).await.unwrap());
        store.drop_lease("scheduler", "b").await.unwrap();
        assert!(store.hold_lease("scheduler", "a", 300).await.unwrap());
    }
}

async fn any_pool(db: &TestDb) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    let url = match db.kind {
        Kind::Sqlite => format!("{}?mode=rwc", db.url),
        Kind::Postgres => db.url.clone(),
    };
    sqlx::AnyPool::connect(&url).await.unwrap()
}
