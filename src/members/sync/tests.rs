//! The plan and its guards, on lists built by hand: no database.

use std::path::PathBuf;

use super::*;
use crate::locale::Language;
use crate::members::CommitteeNames;
use crate::members::recipients::CommitteeList;
use crate::members::{Listing, Role};

fn email(text: &str) -> EmailAddress {
    EmailAddress::parse(text).unwrap()
}

fn committee(slug: &str) -> Committee {
    Committee {
        slug: slug.into(),
        language: Language::En,
        name: CommitteeNames {
            en: slug.into(),
            fr: slug.into(),
            es: slug.into(),
        },
    }
}

fn member(address: &str, position: &str, city: &str) -> Member {
    Member {
        name: "Ana Souza".into(),
        position: position.into(),
        city: city.into(),
        ..Member::new(email(address))
    }
}

fn list(slug: &str, absent: &[&'static str], members: Vec<(Member, Role)>) -> CommitteeList {
    CommitteeList {
        committee: committee(slug),
        file: PathBuf::from(format!("recipients/{slug}.csv")),
        listings: members
            .into_iter()
            .enumerate()
            .map(|(i, (member, role))| (i + 2, Listing { member, role }))
            .collect(),
        absent: absent.to_vec(),
        source: Default::default(),
    }
}

fn chair() -> Role {
    Role::parse("chair").unwrap()
}

/// The database: `digital` (id 1) with ana (chair), bo and cy.
fn current() -> Current {
    let members = ["ana@x.org", "bo@x.org", "cy@x.org"]
        .iter()
        .zip(1..)
        .map(|(address, id)| StoredMember {
            id,
            member: member(address, "Head of Digital", "Dakar"),
        })
        .collect();
    Current {
        committees: vec![(1, committee("digital"))],
        members,
        memberships: vec![
            (1, 1, chair()),
            (1, 2, Role::member()),
            (1, 3, Role::member()),
        ],
    }
}

fn all_three(absent: &[&'static str], position: &str, city: &str) -> CommitteeList {
    let rows = ["ana@x.org", "bo@x.org", "cy@x.org"]
        .iter()
        .map(|a| (member(a, position, city), Role::member()))
        .collect();
    list("digital", absent, rows)
}

#[test]
fn a_file_without_some_columns_keeps_the_database_values_of_those_fields() {
    let current = current();
    // No position, city nor role column: the reader leaves them empty / `member`.
    let mut lists = vec![all_three(&["position", "city", "role"], "", "")];
    lists[0].listings[0].1.member.name = "Ana Souza Diallo".into();
    let plan = plan(&current, &lists);
    assert_eq!(plan.changed_members.len(), 1, "{plan:?}");
    let (_, before, after) = &plan.changed_members[0];
    assert_eq!(before.changed_fields(after), vec!["name"]);
    assert_eq!(after.position, "Head of Digital");
    assert_eq!(after.city, "Dakar");
    assert!(plan.memberships.is_empty(), "the chair stays chair");
    let text = report(&plan, &lists)[0].to_string();
    assert!(
        text.contains(
            "digital.csv has no column position, city, role: those fields are kept as they are"
        ),
        "{text}"
    );
}

#[test]
fn a_member_in_two_files_takes_each_field_from_the_file_that_has_its_column() {
    let current = Current::default();
    let full = list(
        "a",
        &[],
        vec![(member("new@x.org", "Mayor", "Lyon"), Role::member())],
    );
    let partial = list(
        "b",
        &["position"],
        vec![(member("new@x.org", "", "Lyon"), Role::member())],
    );
    for lists in [
        vec![full.clone(), partial.clone()],
        vec![partial.clone(), full.clone()],
    ] {
        let plan = plan(&current, &lists);
        assert_eq!(plan.new_members.len(), 1);
        assert_eq!(plan.new_members[0].position, "Mayor", "{lists:?}");
        assert_eq!(plan.memberships.len(), 2);
    }
}

#[test]
fn removing_more_than_a_third_of_a_committee_is_named_and_a_third_is_not() {
    let current = current();
    let mut one_gone = all_three(&[], "Head of Digital", "Dakar");
    one_gone.listings[0].1.role = chair();
    one_gone.listings.pop();
    let lists = [one_gone];
    assert!(mass_removals(&plan(&current, &lists), &current).is_empty());

    let mut two_gone = lists[0].clone();
    two_gone.listings.pop();
    let lists = [two_gone];
    assert_eq!(
        mass_removals(&plan(&current, &lists), &current),
        vec![MassRemoval {
            slug: "digital".into(),
            removed: 2,
            listed: 3
        }]
    );

    let header_only = [list("digital", &[], Vec::new())];
    let plan = plan(&current, &header_only);
    let Verdict::Refused(refusal) = decide(
        &plan,
        &current,
        &SyncState::default(),
        "",
        SyncOptions::default(),
    ) else {
        panic!("a header-only file empties the list");
    };
    assert!(
        refusal
            .to_string()
            .contains("the sync would remove all 3 members of digital"),
        "{refusal}"
    );
    let allowed = SyncOptions {
        allow_removals: true,
        ..SyncOptions::default()
    };
    let state = SyncState::default();
    assert_eq!(decide(&plan, &current, &state, "", allowed), Verdict::Apply);
}

/// The database after the last sync (digest "d1"), then bo's city edited by cli:ana.
fn edited() -> (Current, SyncState) {
    let mut current = current();
    current.members[1].member.city = "Rabat".into();
    let state = SyncState {
        last: Some(LastSync {
            at: "2024-05-01T09:00:00Z".into(),
            digest: "d1".into(),
        }),
        edits: vec![DbEdit {
            email: email("bo@x.org"),
            actor: "cli:ana".into(),
        }],
    };
    (current, state)
}

#[test]
fn database_edits_are_kept_when_the_files_did_not_change() {
    let (current, state) = edited();
    let mut lists = vec![all_three(&[], "Head of Digital", "Dakar")];
    lists[0].listings[0].1.role = chair();
    let plan = plan(&current, &lists);
    let verdict = decide(&plan, &current, &state, "d1", SyncOptions::default());
    let Verdict::KeepDatabase(kept) = verdict else {
        panic!("{verdict:?}");
    };
    assert_eq!(kept[0].email, email("bo@x.org"));
    let force = SyncOptions {
        force: true,
        ..SyncOptions::default()
    };
    assert_eq!(decide(&plan, &current, &state, "d1", force), Verdict::Apply);
}

#[test]
fn database_edits_the_changed_files_would_overwrite_are_named_as_conflicts() {
    let (current, state) = edited();
    let mut lists = vec![all_three(&[], "Head of Digital", "Dakar")];
    lists[0].listings[0].1.role = chair();
    lists[0].listings[2].1.member.city = "Accra".into();
    let plan = plan(&current, &lists);
    let verdict = decide(&plan, &current, &state, "d2", SyncOptions::default());
    let Verdict::Refused(refusal) = verdict else {
        panic!("{verdict:?}");
    };
    let text = refusal.to_string();
    assert!(text.contains("both changed since the last sync (2024-05-01T09:00:00Z)"));
    assert!(text.contains("! bo@x.org (edited by cli:ana)"), "{text}");
    assert!(
        !text.contains("cy@x.org"),
        "cy was not edited in the database"
    );
    assert!(text.contains("--force"), "{text}");

    // An edit the files agree with is no conflict.
    lists[0].listings[1].1.member.city = "Rabat".into();
    let plan = super::plan(&current, &lists);
    let verdict = decide(&plan, &current, &state, "d2", SyncOptions::default());
    assert_eq!(verdict, Verdict::Apply);
}

#[test]
fn the_digest_ignores_row_order_and_sees_every_value() {
    let lists = [all_three(&[], "Head of Digital", "Dakar")];
    let mut reordered = lists.clone();
    reordered[0].listings.reverse();
    assert_eq!(digest(&lists), digest(&reordered));
    let mut changed = lists.clone();
    changed[0].listings[1].1.member.country = "SN".into();
    assert_ne!(digest(&lists), digest(&changed));
    let absent = [all_three(&["country"], "Head of Digital", "Dakar")];
    assert_ne!(digest(&lists), digest(&absent));
}
