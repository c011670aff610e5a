//! `recipients sync`: what to change so the database's lists equal the files, as a plan
//! computed purely from both, then applied in one transaction.

use std::collections::{HashMap, HashSet};
use std::fmt;

use super::recipients::CommitteeList;
use super::{Committee, EmailAddress, Member, Role};
use crate::store::{self, Store, StoreError, StoredMember};

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
/// (a sync of 100,000 members must not hold them twice).
#[derive(Debug, Default, Clone)]
pub struct Plan<'a> {
    /// Committees that are new or whose names or language changed.
    pub committees: Vec<&'a Committee>,
    pub new_members: Vec<&'a Member>,
    /// (id, before, after).
    pub changed_members: Vec<(i64, &'a Member, &'a Member)>,
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

/// The database's lists as they are.
#[derive(Debug, Default)]
pub struct Current {
    pub committees: Vec<(i64, Committee)>,
    pub members: Vec<StoredMember>,
    /// (committee id, member id, role).
    pub memberships: Vec<(i64, i64, Role)>,
}

impl Current {
    /// Reads the lists, inside the transaction that will change them.
    ///
    /// # Errors
    /// The database fails.
    pub async fn load(conn: &mut sqlx::AnyConnection) -> Result<Current, StoreError> {
        Ok(Current {
            committees: store::committees(conn).await?,
            members: store::all_members(conn).await?,
            memberships: store::memberships(conn).await?,
        })
    }
}

/// Computes the changes that make `current` equal to `lists`. A committee that is no
/// longer in the files keeps its row but loses its members.
pub fn plan<'a>(current: &'a Current, lists: &'a [CommitteeList]) -> Plan<'a> {
    let mut plan = Plan::default();
    let members: HashMap<&EmailAddress, &StoredMember> = current
        .members
        .iter()
        .map(|m| (&m.member.email, m))
        .collect();
    let by_id: HashMap<i64, &StoredMember> = current.members.iter().map(|m| (m.id, m)).collect();
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
    let mut seen_members = HashSet::new();

    for list in lists {
        let slug = &list.committee.slug;
        if !current.committees.iter().any(|(_, c)| c == &list.committee) {
            plan.committees.push(&list.committee);
        }
        let committee_id = committee_ids.get(slug.as_str()).copied();
        for (_, listing) in &list.listings {
            let member = &listing.member;
            let stored = members.get(&member.email);
            if seen_members.insert(&member.email) {
                match stored {
                    None => plan.new_members.push(member),
                    Some(s) if &s.member != member => {
                        plan.changed_members.push((s.id, &s.member, member));
                    }
                    Some(_) => {}
                }
            }
            let member_id = stored.map(|s| s.id);
            let before = match (committee_id, member_id) {
                (Some(c), Some(m)) => roles.remove(&(c, m)).cloned(),
                _ => None,
            };
            if before.as_ref() != Some(&listing.role) {
                plan.memberships.push(MembershipChange {
                    committee: slug.clone(),
                    email: member.email.clone(),
                    member_id,
                    before,
                    after: Some(listing.role.clone()),
                });
            }
        }
    }
    // What is left was in the database and is no longer in any file.
    let slugs: HashMap<i64, &str> = current
        .committees
        .iter()
        .map(|(id, c)| (*id, c.slug.as_str()))
        .collect();
    let mut leaving: Vec<MembershipChange> = roles
        .into_iter()
        .filter_map(|((c, m), role)| {
            let stored = by_id.get(&m)?;
            Some(MembershipChange {
                committee: slugs.get(&c)?.to_string(),
                email: stored.member.email.clone(),
                member_id: Some(m),
                before: Some(role.clone()),
                after: None,
            })
        })
        .collect();
    leaving.sort_by(|a, b| (&a.committee, &a.email).cmp(&(&b.committee, &b.email)));
    plan.memberships.extend(leaving);
    plan
}

/// What a sync did to one committee's list.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CommitteeReport {
    pub slug: String,
    pub added: Vec<EmailAddress>,
    /// Each changed member with the names of the fields that changed.
    pub changed: Vec<(EmailAddress, Vec<&'static str>)>,
    pub removed: Vec<EmailAddress>,
}

/// The plan, told per committee, in the files' order.
pub fn report(plan: &Plan, lists: &[CommitteeList]) -> Vec<CommitteeReport> {
    let mut reports: Vec<CommitteeReport> = lists
        .iter()
        .map(|l| CommitteeReport {
            slug: l.committee.slug.clone(),
            ..CommitteeReport::default()
        })
        .collect();
    let field_changes: HashMap<&EmailAddress, Vec<&'static str>> = plan
        .changed_members
        .iter()
        .map(|(_, before, after)| (&after.email, before.changed_fields(after)))
        .collect();
    let mut role_changes: HashSet<(&str, &EmailAddress)> = HashSet::new();
    for change in &plan.memberships {
        let i = entry(&mut reports, &change.committee);
        match (&change.before, &change.after) {
            (None, Some(_)) => reports[i].added.push(change.email.clone()),
            (Some(_), None) => reports[i].removed.push(change.email.clone()),
            _ => {
                role_changes.insert((change.committee.as_str(), &change.email));
            }
        }
    }
    for list in lists {
        let i = entry(&mut reports, &list.committee.slug);
        let added: HashSet<EmailAddress> = reports[i].added.iter().cloned().collect();
        for (_, listing) in &list.listings {
            let email = &listing.member.email;
            let mut fields = field_changes.get(email).cloned().unwrap_or_default();
            let joined = added.contains(email);
            if role_changes.contains(&(list.committee.slug.as_str(), email)) {
                fields.push("role");
            }
            if !fields.is_empty() && !joined {
                reports[i].changed.push((email.clone(), fields));
            }
        }
    }
    reports
}

/// The index of `slug`'s report, added if missing.
fn entry(reports: &mut Vec<CommitteeReport>, slug: &str) -> usize {
    match reports.iter().position(|r| r.slug == slug) {
        Some(i) => i,
        None => {
            reports.push(CommitteeReport {
                slug: slug.to_string(),
                ..CommitteeReport::default()
            });
            reports.len() - 1
        }
    }
}

impl fmt::Display for CommitteeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} added, {} changed, {} removed",
            self.slug,
            self.added.len(),
            self.changed.len(),
            self.removed.len()
        )?;
        for email in &self.added {
            writeln!(f, "  + {email}")?;
        }
        for (email, fields) in &self.changed {
            writeln!(f, "  ~ {email} ({})", fields.join(", "))?;
        }
        for email in &self.removed {
            writeln!(f, "  - {email}")?;
        }
        Ok(())
    }
}

/// Makes the database's lists equal to `lists` (unless `dry_run`) and says what changed.
/// Reading the lists, planning and applying happen in one transaction that holds the
/// lists' write lock, so two syncs at once (two daemons starting) run one after the other.
///
/// # Errors
/// The database fails; nothing is then changed.
#[tracing::instrument(skip_all, fields(committees = lists.len(), dry_run))]
pub async fn sync(
    store: &Store,
    lists: &[CommitteeList],
    actor: &str,
    dry_run: bool,
) -> Result<Vec<CommitteeReport>, StoreError> {
    let mut tx = store.begin_lists_edit().await?;
    let current = Current::load(&mut tx).await?;
    let plan = plan(&current, lists);
    let reports = report(&plan, lists);
    if !dry_run && !plan.is_empty() {
        store.apply_plan(&mut tx, &plan, actor).await?;
        tx.commit().await?;
    }
    tracing::info!(
        new = plan.new_members.len(),
        changed = plan.changed_members.len(),
        memberships = plan.memberships.len(),
        "recipients synced"
    );
    Ok(reports)
}
