//! `recipients sync`, the pure part: what to change so the database's lists equal the
//! files, computed from two values — the lists as the store loaded them ([`Current`]) and
//! the files — and whether the sync may go ahead ([`decide`]). The store loads, applies
//! and records inside one transaction; nothing here touches a database.

mod guard;
mod report;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::collections::HashMap;

pub use guard::{
    Conflict, DbEdit, LastSync, MassRemoval, Refusal, SyncOptions, SyncState, Verdict, conflicts,
    decide, digest, mass_removals,
};
pub use report::{CommitteeReport, report};

use super::recipients::CommitteeList;
use super::{Committee, EmailAddress, Member, Role, StoredMember};

/// The database's lists as they are.
#[derive(Debug, Default, Clone)]
pub struct Current {
    pub committees: Vec<(i64, Committee)>,
    pub members: Vec<StoredMember>,
    /// (committee id, member id, role).
    pub memberships: Vec<(i64, i64, Role)>,
}

/// A member joining a list (`before` is `None`), leaving it (`after` is `None`), or
/// changing role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipChange {
    pub committee: String,
    pub email: EmailAddress,
    /// `None` for a member the plan creates.
    pub member_id: Option<i64>,
    pub before: Option<Role>,
    pub after: Option<Role>,
}

/// Everything a sync changes, borrowing the members from the files and the database
/// (a sync of 100,000 members must not hold them twice). A member is owned only when a
/// file lacks some of their columns and the kept values had to be merged in.
#[derive(Debug, Default, Clone)]
pub struct Plan<'a> {
    /// Committees that are new or whose names or language changed.
    pub committees: Vec<&'a Committee>,
    pub new_members: Vec<Cow<'a, Member>>,
    /// (id, before, after).
    pub changed_members: Vec<(i64, &'a Member, Cow<'a, Member>)>,
    pub memberships: Vec<MembershipChange>,
}

impl Plan<'_> {
    /// Nothing to do.
    pub fn is_empty(&self) -> bool {
        self.committees.is_empty()
            && self.new_members.is_empty()
            && self.changed_members.is_empty()
            && self.memberships.is_empty()
    }
}

/// Computes the changes that make `current` equal to `lists`. A field whose column a
/// file lacks keeps the database's value; a committee that is no longer in the files
/// keeps its row but loses its members.
pub fn plan<'a>(current: &'a Current, lists: &'a [CommitteeList]) -> Plan<'a> {
    let stored: HashMap<&EmailAddress, &StoredMember> = current
        .members
        .iter()
        .map(|m| (&m.member.email, m))
        .collect();
    let mut merged = merged_members(&stored, lists);
    let mut plan = Plan {
        committees: lists
            .iter()
            .filter(|l| !current.committees.iter().any(|(_, c)| c == &l.committee))
            .map(|l| &l.committee)
            .collect(),
        ..Plan::default()
    };
    // In the files' order: each member where they first appear.
    for (_, listing) in lists.iter().flat_map(|l| &l.listings) {
        let Some(member) = merged.remove(&listing.member.email) else {
            continue;
        };
        match stored.get(&listing.member.email) {
            None => plan.new_members.push(member),
            Some(s) if s.member != *member => {
                plan.changed_members.push((s.id, &s.member, member));
            }
            Some(_) => {}
        }
    }
    plan.memberships = membership_changes(current, &stored, lists);
    plan
}

/// Each member of the files as the sync leaves them: what the files say, and the
/// database's value (or empty, for a new member) for each field a file has no column for.
/// Files agree on the fields they share (the reader refuses them otherwise), so a file
/// with every column simply wins.
fn merged_members<'a>(
    stored: &HashMap<&EmailAddress, &'a StoredMember>,
    lists: &'a [CommitteeList],
) -> HashMap<&'a EmailAddress, Cow<'a, Member>> {
    let mut merged: HashMap<&EmailAddress, Cow<Member>> = HashMap::new();
    for list in lists {
        for (_, listing) in &list.listings {
            let member = &listing.member;
            match merged.get_mut(&member.email) {
                None => {
                    let value = if list.absent.is_empty() {
                        Cow::Borrowed(member)
                    } else {
                        let mut base = stored.get(&member.email).map_or_else(
                            || Member::new(member.email.clone()),
                            |s| s.member.clone(),
                        );
                        overlay(&mut base, member, &list.absent);
                        Cow::Owned(base)
                    };
                    merged.insert(&member.email, value);
                }
                Some(value) if list.absent.is_empty() => *value = Cow::Borrowed(member),
                Some(Cow::Owned(value)) => overlay(value, member, &list.absent),
                Some(Cow::Borrowed(_)) => {}
            }
        }
    }
    merged
}

/// Copies into `into` the fields of `from` whose column its file has.
fn overlay(into: &mut Member, from: &Member, absent: &[&str]) {
    let has = |field: &str| !absent.contains(&field);
    let texts = [
        ("name", &mut into.name, &from.name),
        ("position", &mut into.position, &from.position),
        ("organisation", &mut into.organisation, &from.organisation),
        ("city", &mut into.city, &from.city),
        ("country", &mut into.country, &from.country),
    ];
    for (field, to, value) in texts {
        if has(field) {
            to.clone_from(value);
        }
    }
    if has("language") {
        into.language = from.language;
    }
}

/// Memberships to add, change and remove. Without a `role` column, a member already on
/// the list keeps their role and a newcomer is a `member`.
fn membership_changes(
    current: &Current,
    stored: &HashMap<&EmailAddress, &StoredMember>,
    lists: &[CommitteeList],
) -> Vec<MembershipChange> {
    let committee_ids: HashMap<&str, i64> = current
        .committees
        .iter()
        .map(|(id, c)| (c.slug.as_str(), *id))
        .collect();
    let mut roles: HashMap<(i64, i64), &Role> = current
        .memberships
        .iter()
        .map(|(c, m, role)| ((*c, *m), role))
        .collect();
    let mut changes = Vec::new();
    for list in lists {
        let slug = &list.committee.slug;
        let committee_id = committee_ids.get(slug.as_str()).copied();
        let keep_roles = list.absent.contains(&"role");
        for (_, listing) in &list.listings {
            let member_id = stored.get(&listing.member.email).map(|s| s.id);
            let before = match (committee_id, member_id) {
                (Some(c), Some(m)) => roles.remove(&(c, m)).cloned(),
                _ => None,
            };
            let after = match &before {
                Some(role) if keep_roles => role.clone(),
                _ => listing.role.clone(),
            };
            if before.as_ref() != Some(&after) {
                changes.push(MembershipChange {
                    committee: slug.clone(),
                    email: listing.member.email.clone(),
                    member_id,
                    before,
                    after: Some(after),
                });
            }
        }
    }
    changes.extend(leaving(current, roles));
    changes
}

/// The memberships left over: in the database and in no file.
fn leaving(current: &Current, roles: HashMap<(i64, i64), &Role>) -> Vec<MembershipChange> {
    let by_id: HashMap<i64, &StoredMember> = current.members.iter().map(|m| (m.id, m)).collect();
    let slugs: HashMap<i64, &str> = current
        .committees
        .iter()
        .map(|(id, c)| (*id, c.slug.as_str()))
        .collect();
    let mut leaving: Vec<MembershipChange> = roles
        .into_iter()
        .filter_map(|((c, m), role)| {
            Some(MembershipChange {
                committee: slugs.get(&c)?.to_string(),
                email: by_id.get(&m)?.member.email.clone(),
                member_id: Some(m),
                before: Some(role.clone()),
                after: None,
            })
        })
        .collect();
    leaving.sort_by(|a, b| (&a.committee, &a.email).cmp(&(&b.committee, &b.email)));
    leaving
}
