//! The audit log: every edit of the member lists, with who, when, before and after.

use serde_json::json;
use sqlx::{AssertSqlSafe, Row};

use super::batch::{batches, values_sql};
use super::{Backend, ListsTx, Store, StoreError, now};
use crate::members::sync::MembershipChange;
use crate::members::{Committee, Member};

/// What an audit row records; the column's CHECK constraint lists the same values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    MemberCreate,
    MemberUpdate,
    MembershipAdd,
    MembershipUpdate,
    MembershipRemove,
    CommitteeUpsert,
}

impl AuditAction {
    /// The value stored in `audit_log.action`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::MemberCreate => "member.create",
            AuditAction::MemberUpdate => "member.update",
            AuditAction::MembershipAdd => "membership.add",
            AuditAction::MembershipUpdate => "membership.update",
            AuditAction::MembershipRemove => "membership.remove",
            AuditAction::CommitteeUpsert => "committee.upsert",
        }
    }
}

/// A row of the audit log, written in the same transaction as the change.
pub(super) struct Audit {
    pub(super) action: AuditAction,
    pub(super) subject: String,
    /// JSON of the record before and after.
    pub(super) before: Option<String>,
    pub(super) after: Option<String>,
}

/// The subject of the audit rows about a member.
pub(super) fn member_subject(member: &Member) -> String {
    format!("member:{}", member.email)
}

pub(super) fn member_created(member: &Member) -> Result<Audit, StoreError> {
    Ok(Audit {
        action: AuditAction::MemberCreate,
        subject: member_subject(member),
        before: None,
        after: Some(serde_json::to_string(member)?),
    })
}

pub(super) fn member_updated(before: &Member, after: &Member) -> Result<Audit, StoreError> {
    Ok(Audit {
        action: AuditAction::MemberUpdate,
        subject: member_subject(after),
        before: Some(serde_json::to_string(before)?),
        after: Some(serde_json::to_string(after)?),
    })
}

pub(super) fn committee_upserted(committee: &Committee) -> Result<Audit, StoreError> {
    Ok(Audit {
        action: AuditAction::CommitteeUpsert,
        subject: format!("committee:{}", committee.slug),
        before: None,
        after: Some(serde_json::to_string(committee)?),
    })
}

pub(super) fn membership_audit(change: &MembershipChange) -> Audit {
    let action = match (&change.before, &change.after) {
        (None, _) => AuditAction::MembershipAdd,
        (Some(_), Some(_)) => AuditAction::MembershipUpdate,
        (Some(_), None) => AuditAction::MembershipRemove,
    };
    let record = |role: &Option<crate::members::Role>| {
        role.as_ref()
            .map(|r| json!({"committee": change.committee, "role": r.as_str()}).to_string())
    };
    Audit {
        action,
        subject: format!("member:{}", change.email),
        before: record(&change.before),
        after: record(&change.after),
    }
}

impl Store {
    /// The audit rows about `subject` (e.g. `member:ana@example.org`), oldest first:
    /// (at, actor, action, before, after).
    ///
    /// # Errors
    /// The database fails.
    pub async fn audit_trail(
        &self,
        subject: &str,
    ) -> Result<Vec<(String, String, String, Option<String>, Option<String>)>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, actor, action, before, after FROM audit_log WHERE subject = $1 ORDER BY id",
        )
        .bind(subject.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("at")?,
                    r.try_get("actor")?,
                    r.try_get("action")?,
                    r.try_get("before")?,
                    r.try_get("after")?,
                ))
            })
            .collect()
    }
}

pub(super) async fn write_audits(
    tx: &mut ListsTx,
    backend: Backend,
    actor: &str,
    audits: Vec<Audit>,
) -> Result<(), sqlx::Error> {
    let at = now();
    for batch in batches(&audits, 6, |a| {
        20 + actor.len()
            + a.subject.len()
            + a.before.as_ref().map_or(0, String::len)
            + a.after.as_ref().map_or(0, String::len)
    }) {
        let sql = values_sql(
            backend,
            "INSERT INTO audit_log (at, actor, action, subject, before, after)",
            6,
            batch.len(),
        );
        // Safe: the statement holds only generated placeholders.
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for audit in batch {
            query = query
                .bind(at.clone())
                .bind(actor.to_string())
                .bind(audit.action.as_str().to_string())
                .bind(audit.subject.clone())
                .bind(audit.before.clone())
                .bind(audit.after.clone());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}
