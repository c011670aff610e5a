//! Whether a sync may go ahead: no mass removal without `--allow-removals`, and no
//! overwriting of database edits made since the last sync without `--force`.

use std::collections::HashSet;
use std::fmt;

use sha2::{Digest, Sha256};

use super::{Current, Plan};
use crate::members::EmailAddress;
use crate::members::recipients::CommitteeList;

/// What the person running the sync allowed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncOptions {
    /// Plan and report only.
    pub dry_run: bool,
    /// Remove more than a third of a committee's members if the files say so.
    pub allow_removals: bool,
    /// Overwrite the database's edits made since the last sync.
    pub force: bool,
}

/// The last sync the database recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastSync {
    /// When, RFC 3339.
    pub at: String,
    /// [`digest`] of the files it applied.
    pub digest: String,
}

/// A member edited in the database, not by a sync, since the last sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbEdit {
    pub email: EmailAddress,
    pub actor: String,
}

/// What the database says about the syncs, read in the sync's transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncState {
    /// `None`: no sync recorded.
    pub last: Option<LastSync>,
    /// Every edit since `last`, oldest first.
    pub edits: Vec<DbEdit>,
}

/// A member edited in the database that the sync would change again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub email: EmailAddress,
    /// Who edited them, in order.
    pub actors: Vec<String>,
    /// What the files would change, each with the database's and the files' value.
    pub changes: Vec<String>,
}

/// A committee that would lose more than a third of its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MassRemoval {
    pub slug: String,
    pub removed: usize,
    pub listed: usize,
}

/// Why a sync applies nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refusal {
    /// When the last sync was, if conflicts are named.
    pub since: Option<String>,
    pub conflicts: Vec<Conflict>,
    pub removals: Vec<MassRemoval>,
}

/// What to do with a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Apply it (it may be empty).
    Apply,
    /// The files are as they were at the last sync and the database was edited since:
    /// keep the database's edits (these members), apply nothing.
    KeepDatabase(Vec<Conflict>),
    /// Apply nothing, for these reasons.
    Refused(Refusal),
}

/// Decides whether `plan` may be applied. The files changed when their [`digest`]
/// differs from the last sync's; the database's edits since then conflict with the
/// files when the plan would change the same members.
pub fn decide(
    plan: &Plan,
    current: &Current,
    state: &SyncState,
    files_digest: &str,
    options: SyncOptions,
) -> Verdict {
    if plan.is_empty() {
        return Verdict::Apply;
    }
    let files_changed = state.last.as_ref().is_none_or(|l| l.digest != files_digest);
    let conflicts = if options.force {
        Vec::new()
    } else {
        conflicts(plan, &state.edits)
    };
    if !files_changed && !conflicts.is_empty() {
        return Verdict::KeepDatabase(conflicts);
    }
    let removals = if options.allow_removals {
        Vec::new()
    } else {
        mass_removals(plan, current)
    };
    if conflicts.is_empty() && removals.is_empty() {
        Verdict::Apply
    } else {
        Verdict::Refused(Refusal {
            since: state.last.as_ref().map(|l| l.at.clone()),
            conflicts,
            removals,
        })
    }
}

/// The members edited in the database that `plan` would change (their fields or their
/// memberships), with who edited them.
pub fn conflicts(plan: &Plan, edits: &[DbEdit]) -> Vec<Conflict> {
    let touched: HashSet<&EmailAddress> = plan
        .changed_members
        .iter()
        .map(|(_, before, _)| &before.email)
        .chain(plan.memberships.iter().map(|c| &c.email))
        .collect();
    let mut conflicts: Vec<Conflict> = Vec::new();
    for edit in edits.iter().filter(|e| touched.contains(&e.email)) {
        match conflicts.iter_mut().find(|c| c.email == edit.email) {
            Some(c) if c.actors.contains(&edit.actor) => {}
            Some(c) => c.actors.push(edit.actor.clone()),
            None => conflicts.push(Conflict {
                email: edit.email.clone(),
                actors: vec![edit.actor.clone()],
                changes: changes_of(plan, &edit.email),
            }),
        }
    }
    conflicts
}

/// What `plan` changes of `email`, told as the database's value against the files'.
fn changes_of(plan: &Plan, email: &EmailAddress) -> Vec<String> {
    use crate::members::edit::shown;
    let fields = plan
        .changed_members
        .iter()
        .filter(|(_, before, _)| &before.email == email)
        .flat_map(|(_, before, after)| before.differences(after))
        .map(|d| {
            let (db, files) = (shown(&d.stored), shown(&d.given));
            format!("{}: {db} in the database, {files} in the files", d.field)
        });
    let lists = plan
        .memberships
        .iter()
        .filter(|c| &c.email == email)
        .map(|c| match (&c.before, &c.after) {
            (None, _) => format!("the files add them to {}", c.committee),
            (_, None) => format!("the files take them off {}", c.committee),
            (Some(db), Some(files)) => format!(
                "role in {}: `{db}` in the database, `{files}` in the files",
                c.committee
            ),
        });
    fields.chain(lists).collect()
}

/// The committees that `plan` would take more than a third of the members from, in the
/// database's order.
pub fn mass_removals(plan: &Plan, current: &Current) -> Vec<MassRemoval> {
    current
        .committees
        .iter()
        .filter_map(|(id, committee)| {
            let listed = current
                .memberships
                .iter()
                .filter(|(c, _, _)| c == id)
                .count();
            let removed = plan
                .memberships
                .iter()
                .filter(|m| m.after.is_none() && m.committee == committee.slug)
                .count();
            (removed * 3 > listed).then(|| MassRemoval {
                slug: committee.slug.clone(),
                removed,
                listed,
            })
        })
        .collect()
}

/// A digest of what the files say — committees, columns present, members and roles —
/// independent of row order, encoding and line endings: a file saved again unchanged is
/// not a change.
pub fn digest(lists: &[CommitteeList]) -> String {
    let mut lists: Vec<&CommitteeList> = lists.iter().collect();
    lists.sort_by(|a, b| a.committee.slug.cmp(&b.committee.slug));
    let mut hash = Sha256::new();
    let mut field = |text: &str| {
        hash.update(text.as_bytes());
        hash.update([0x1f]);
    };
    for list in lists {
        let c = &list.committee;
        for text in [
            &c.slug,
            c.language.code(),
            &c.name.en,
            &c.name.fr,
            &c.name.es,
        ] {
            field(text);
        }
        let mut absent = list.absent.clone();
        absent.sort_unstable();
        field(&absent.join(","));
        let mut rows: Vec<Vec<String>> = list
            .listings
            .iter()
            .map(|(_, l)| {
                let mut row = l.member.csv_fields();
                row.push(l.role.as_str().to_string());
                row
            })
            .collect();
        rows.sort_unstable();
        for row in rows {
            row.iter().for_each(|text| field(text));
            field("\u{1e}");
        }
    }
    data_encoding::HEXLOWER.encode(&hash.finalize())
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.conflicts.is_empty() {
            let since = self.since.as_deref().unwrap_or("none recorded");
            writeln!(
                f,
                "the files and the database both changed since the last sync ({since}); \
                 the sync would overwrite the database's edits of {} member(s):",
                self.conflicts.len()
            )?;
            for c in &self.conflicts {
                writeln!(f, "  ! {} (edited by {})", c.email, c.actors.join(", "))?;
                for change in &c.changes {
                    writeln!(f, "      {change}")?;
                }
            }
            writeln!(
                f,
                "Copy these edits into the files (`circulars recipients export` shows the \
                 database's lists) and sync again, or run `circulars recipients sync --force` \
                 to make the database equal to the files."
            )?;
        }
        for r in &self.removals {
            if r.removed == r.listed {
                writeln!(
                    f,
                    "the sync would remove all {} members of {}",
                    r.listed, r.slug
                )?;
            } else {
                writeln!(
                    f,
                    "the sync would remove {} of the {} members of {} (more than a third)",
                    r.removed, r.listed, r.slug
                )?;
            }
        }
        if !self.removals.is_empty() {
            writeln!(
                f,
                "Check that the files are complete, or run `circulars recipients sync \
                 --allow-removals` if these members really leave."
            )?;
        }
        write!(f, "Nothing was changed.")
    }
}
