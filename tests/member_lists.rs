//! The member lists on both databases: sync, re-sync, edits, removal, audit.

mod common;

use circulars::locale::Language;
use circulars::members::recipients::CommitteeList;
use circulars::members::recipients::read_dir;
use circulars::members::sync::{CommitteeReport, SyncOptions};
use circulars::members::{EmailAddress, Member, MemberEdit, Role};
use circulars::store::{Store, StoreError};
use common::{BACKENDS, TestDb, copy_recipients};

/// A sync with the default guards, as `recipients sync [--dry-run]` runs it.
async fn sync(
    store: &Store,
    lists: &[CommitteeList],
    actor: &str,
    dry_run: bool,
) -> Result<Vec<CommitteeReport>, StoreError> {
    let options = SyncOptions {
        dry_run,
        ..SyncOptions::default()
    };
    Ok(store.sync_lists(lists, actor, options).await?.reports)
}

fn email(text: &str) -> EmailAddress {
    EmailAddress::parse(text).unwrap()
}

#[tokio::test]
async fn the_lists_follow_the_files_and_every_change_is_audited_on_both_databases() {
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let store = db.store().await;
        let dir = copy_recipients(db.dir.path());
        let lists = read_dir(&dir, &Language::ALL).unwrap();

        // First sync: everyone is added.
        let reports = sync(&store, &lists, "test", false).await.unwrap();
        let digital = &reports[0];
        assert_eq!(digital.slug, "digital-cities", "{kind:?}");
        assert!(digital.added.len() >= 40, "{kind:?}");
        assert!(digital.changed.is_empty() && digital.removed.is_empty());
        let all = store.listed_members(None).await.unwrap();
        let shared = all
            .iter()
            .find(|m| m.member.email == email("amina.diallo@dakar.example.net"))
            .unwrap();
        assert_eq!(
            shared.committees.len(),
            2,
            "one address is one member: {kind:?}"
        );
        let idn = all
            .iter()
            .find(|m| m.member.email.domain().contains('ü'))
            .expect("the IDN member");
        assert_eq!(
            store
                .member(&email("ulrike.mueller@xn--mnchen-3ya.example"))
                .await
                .unwrap()
                .unwrap()
                .member,
            idn.member
        );

        // Same files again: nothing to do.
        let again = sync(&store, &lists, "test", false).await.unwrap();
        assert!(
            again
                .iter()
                .all(|r| r.added.is_empty() && r.changed.is_empty() && r.removed.is_empty()),
            "{kind:?}"
        );

        // Edit a file: one removed, one renamed, one role changed.
        let path = dir.join("digital-cities.csv");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        let removed_line = lines.remove(5);
        let removed = email(removed_line.split(',').next().unwrap());
        let renamed = email(lines[2].split(',').next().unwrap());
        lines[2] = lines[2].replacen(',', ",Renamed ", 1);
        let role_changed = email(lines[3].split(',').next().unwrap());
        let fields: Vec<&str> = lines[3].rsplitn(2, ',').collect();
        lines[3] = format!("{},observer", fields[1]);
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let lists = read_dir(&dir, &Language::ALL).unwrap();

        let dry = sync(&store, &lists, "test", true).await.unwrap();
        assert_eq!(dry[0].removed, vec![removed.clone()]);
        assert_eq!(
            store
                .listed_members(Some("digital-cities"))
                .await
                .unwrap()
                .len(),
            digital.added.len(),
            "a dry run changes nothing"
        );

        let reports = sync(&store, &lists, "test", false).await.unwrap();
        assert_eq!(reports[0].removed, vec![removed.clone()], "{kind:?}");
        assert!(
            reports[0]
                .changed
                .iter()
                .any(|(e, f)| e == &renamed && f == &vec!["name"]),
            "{:?}",
            reports[0].changed
        );
        assert!(
            reports[0]
                .changed
                .iter()
                .any(|(e, f)| e == &role_changed && f.contains(&"role")),
            "{:?}",
            reports[0].changed
        );
        assert!(
            store
                .member(&renamed)
                .await
                .unwrap()
                .unwrap()
                .member
                .name
                .starts_with("Renamed ")
        );

        // A removed member keeps their record and history.
        assert!(
            store.member(&removed).await.unwrap().is_some(),
            "history kept: {kind:?}"
        );
        let trail = store
            .audit_trail(&format!("member:{removed}"))
            .await
            .unwrap();
        let actions: Vec<&str> = trail.iter().map(|t| t.2.as_str()).collect();
        assert_eq!(
            actions,
            vec!["member.create", "membership.add", "membership.remove"],
            "{kind:?}"
        );
        let rename_trail = store
            .audit_trail(&format!("member:{renamed}"))
            .await
            .unwrap();
        let update = rename_trail
            .iter()
            .find(|t| t.2 == "member.update")
            .unwrap();
        assert_eq!(update.1, "test");
        assert!(update.3.as_deref().unwrap().contains("\"name\""));
        assert!(update.4.as_deref().unwrap().contains("Renamed "));
        store.close().await;
    }
}

#[tokio::test]
async fn command_line_edits_change_one_member_and_are_audited_on_both_databases() {
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let store = db.store().await;
        let dir = copy_recipients(db.dir.path());
        let lists = read_dir(&dir, &Language::ALL).unwrap();
        sync(&store, &lists, "test", false).await.unwrap();

        let newcomer = Member {
            name: "Kwame Mensah".into(),
            language: Some(Language::En),
            ..Member::new(email("k.mensah@accra.example.org"))
        };
        store
            .add_member(&newcomer, "decentralisation", &Role::member(), "cli:ana")
            .await
            .unwrap();
        let again = store
            .add_member(&newcomer, "decentralisation", &Role::member(), "cli:ana")
            .await;
        assert!(again.is_err(), "{kind:?}: added twice");
        assert!(
            store
                .add_member(&newcomer, "no-such-committee", &Role::member(), "cli:ana")
                .await
                .is_err()
        );

        let edit = MemberEdit {
            city: Some("Accra".into()),
            language: Some(None),
            ..MemberEdit::default()
        };
        let updated = store
            .update_member(&newcomer.email, &edit, "cli:ana")
            .await
            .unwrap();
        assert_eq!(updated.city, "Accra");
        assert_eq!(updated.language, None);
        assert_eq!(updated.name, "Kwame Mensah", "untouched fields stay");

        let removed = store
            .remove_member(&newcomer.email, None, "cli:ana")
            .await
            .unwrap();
        assert_eq!(removed, vec!["decentralisation".to_string()]);
        assert!(
            store
                .listed_members(None)
                .await
                .unwrap()
                .iter()
                .all(|m| m.member.email != newcomer.email)
        );

        let trail = store
            .audit_trail(&format!("member:{}", newcomer.email))
            .await
            .unwrap();
        let actions: Vec<(&str, &str)> =
            trail.iter().map(|t| (t.1.as_str(), t.2.as_str())).collect();
        assert_eq!(
            actions,
            vec![
                ("cli:ana", "member.create"),
                ("cli:ana", "membership.add"),
                ("cli:ana", "member.update"),
                ("cli:ana", "membership.remove"),
            ],
            "{kind:?}"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn two_syncs_at_once_run_one_after_the_other_on_both_databases() {
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let dir = copy_recipients(db.dir.path());
        let lists = read_dir(&dir, &Language::ALL).unwrap();
        // Two stores: two daemons starting at the same moment.
        let (a, b) = (db.store().await, db.store().await);
        let (first, second) = tokio::join!(
            sync(&a, &lists, "daemon-a", false),
            sync(&b, &lists, "daemon-b", false)
        );
        let (first, second) = (first.unwrap(), second.unwrap());
        let added =
            |reports: &[CommitteeReport]| reports.iter().map(|r| r.added.len()).sum::<usize>();
        assert_eq!(
            added(&first) + added(&second),
            49,
            "{kind:?}: one sync adds everyone, the other finds nothing to do"
        );
        assert_eq!(a.listed_members(None).await.unwrap().len(), 46, "{kind:?}");
        a.close().await;
        b.close().await;
    }
}
