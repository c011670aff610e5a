//! `recipients sync` against the database: the lists loaded, the plan of
//! [`crate::members::sync`] decided on and applied, and the sync recorded (the files'
//! digest and how far the audit log went), all in one transaction that holds the lists'
//! write lock.

use std::collections::HashMap;

use sqlx::Row;

use super::audit::{
    committee_upserted, member_created, member_updated, membership_audit, write_audits,
};
use super::members::{all_members, committees, memberships};
use super::rows::{
    id_map, insert_members, insert_memberships, remove_membership, set_role, update_member_row,
    upsert_committee,
};
use super::{ListsTx, Store, StoreError, now};
use crate::members::EmailAddress;
use crate::members::recipients::CommitteeList;
use crate::members::sync::{
    self, CommitteeReport, Current, DbEdit, LastSync, MembershipChange, Plan, SyncOptions,
    SyncState, Verdict,
};

/// What a sync found and did.
#[derive(Debug, Clone)]
pub struct SyncOutcome {
    /// The plan, per committee: what was done, or what would be.
    pub reports: Vec<CommitteeReport>,
    pub verdict: Verdict,
    /// Whether the database was changed (the verdict was to apply, and not a dry run).
    pub applied: bool,
}

impl Store {
    /// Makes the database's lists equal to `lists`, unless the verdict of
    /// [`sync::decide`] says otherwise or `options.dry_run`. Loading, planning, applying
    /// and recording happen in one transaction holding the lists' write lock, so two
    /// syncs at once (two daemons starting) run one after the other.
    ///
    /// # Errors
    /// The database fails; nothing is then changed.
    #[tracing::instrument(skip_all, fields(committees = lists.len(), actor, dry_run = options.dry_run))]
    pub async fn sync_lists(
        &self,
        lists: &[CommitteeList],
        actor: &str,
        options: SyncOptions,
    ) -> Result<SyncOutcome, StoreError> {
        let digest = sync::digest(lists);
        let mut tx = self.begin_lists_edit().await?;
        let current = load_lists(&mut tx).await?;
        let state = sync_state(&mut tx).await?;
        let plan = sync::plan(&current, lists);
        let verdict = sync::decide(&plan, &current, &state, &digest, options);
        let applied = verdict == Verdict::Apply && !options.dry_run;
        if applied {
            if !plan.is_empty() {
                self.apply_plan(&mut tx, &plan, actor).await?;
            }
            let unchanged = plan.is_empty()
                && state.edits.is_empty()
                && state.last.is_some_and(|l| l.digest == digest);
            if !unchanged {
                record_sync(&mut tx, actor, &digest).await?;
            }
            tx.commit().await?;
        }
        tracing::info!(
            new = plan.new_members.len(),
            changed = plan.changed_members.len(),
            memberships = plan.memberships.len(),
            applied,
            "recipients sync planned"
        );
        Ok(SyncOutcome {
            reports: sync::report(&plan, lists),
            verdict,
            applied,
        })
    }

    /// Applies a sync plan in `tx`, with an audit row for each change.
    ///
    /// # Errors
    /// The database fails, or the plan names a committee or member it does not have.
    pub async fn apply_plan(
        &self,
        tx: &mut ListsTx,
        plan: &Plan<'_>,
        actor: &str,
    ) -> Result<(), StoreError> {
        let mut audits = Vec::new();
        for committee in &plan.committees {
            upsert_committee(tx, committee).await?;
            audits.push(committee_upserted(committee)?);
        }
        insert_members(tx, self.backend, &plan.new_members).await?;
        for member in &plan.new_members {
            audits.push(member_created(member)?);
        }
        for (id, before, after) in &plan.changed_members {
            update_member_row(tx, *id, after).await?;
            audits.push(member_updated(before, after)?);
        }
        self.apply_memberships(tx, &plan.memberships).await?;
        audits.extend(plan.memberships.iter().map(membership_audit));
        write_audits(tx, self.backend, actor, audits).await?;
        Ok(())
    }

    async fn apply_memberships(
        &self,
        tx: &mut ListsTx,
        changes: &[MembershipChange],
    ) -> Result<(), StoreError> {
        let committee_ids = id_map(tx, "SELECT id, slug AS key FROM committees").await?;
        let member_ids = if changes.iter().any(|c| c.member_id.is_none()) {
            id_map(tx, "SELECT id, email AS key FROM members").await?
        } else {
            HashMap::new()
        };
        let mut joins = Vec::new();
        for change in changes {
            let committee_id = *committee_ids
                .get(&change.committee)
                .ok_or_else(|| StoreError::UnknownCommittee(change.committee.clone()))?;
            let member_id = match change.member_id {
                Some(id) => id,
                None => *member_ids
                    .get(&change.email.to_string())
                    .ok_or_else(|| StoreError::UnknownMember(change.email.to_string()))?,
            };
            match (&change.before, &change.after) {
                (None, Some(role)) => joins.push((committee_id, member_id, role.as_str())),
                (Some(_), Some(role)) => set_role(tx, committee_id, member_id, role).await?,
                (Some(_), None) => remove_membership(tx, committee_id, member_id).await?,
                (None, None) => {}
            }
        }
        insert_memberships(tx, self.backend, &joins).await?;
        Ok(())
    }
}

/// Reads the lists, inside the transaction that will change them.
///
/// # Errors
/// The database fails, or holds a value that does not parse.
pub async fn load_lists(tx: &mut ListsTx) -> Result<Current, StoreError> {
    Ok(Current {
        committees: committees(tx).await?,
        members: all_members(tx).await?,
        memberships: memberships(tx).await?,
    })
}

/// The last sync recorded, and the members edited (by anyone but a sync) since.
///
/// # Errors
/// The database fails.
pub async fn sync_state(tx: &mut ListsTx) -> Result<SyncState, StoreError> {
    let last = sqlx::query("SELECT at, digest, audit_id FROM lists_syncs ORDER BY id DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await?;
    let (last, mark) = match last {
        Some(row) => {
            let mark: i64 = row.try_get("audit_id")?;
            let last = LastSync {
                at: row.try_get("at")?,
                digest: row.try_get("digest")?,
            };
            (Some(last), mark)
        }
        None => (None, 0),
    };
    let rows = sqlx::query(
        "SELECT actor, subject FROM audit_log WHERE id > $1 AND subject LIKE 'member:%' ORDER BY id",
    )
    .bind(mark)
    .fetch_all(&mut **tx)
    .await?;
    let edits = rows
        .iter()
        .map(|row| {
            let subject: String = row.try_get("subject")?;
            let address = subject.trim_start_matches("member:");
            let email = EmailAddress::parse(address).map_err(|e| {
                sqlx::Error::Decode(format!("audit subject `{subject}`: {e}").into())
            })?;
            Ok(DbEdit {
                email,
                actor: row.try_get("actor")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(SyncState { last, edits })
}

/// Records a sync: the files' digest, and the audit log's last row, which every later
/// edit comes after.
async fn record_sync(tx: &mut ListsTx, actor: &str, digest: &str) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO lists_syncs (at, actor, digest, audit_id)
         SELECT $1, $2, $3, COALESCE(MAX(id), 0) FROM audit_log",
    )
    .bind(now())
    .bind(actor.to_string())
    .bind(digest.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
