//! The audit log: every edit of the member lists, with who, when, before and after.

use serde_json::json;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

use super::batch::{batches, values_sql};
use super::{Backend, Store, StoreError, now};
use crate::members::Member;
use crate::members::sync::MembershipChange;

/// A row of the audit log, written in the same transaction as the change.
pub(super) struct Audit {
    pub(super) action: &'static str,
    pub(super) subject: String,
    /// JSON of the record before and after.
    pub(super) before: Option<String>,
    pub(super) after: Option<String>,
}

pub(super) fn member_json(member: &Member) -> String {
    serde_json::to_string(member).unwrap_or_default()
}

impl Store {
    /// The audit rows about `subject` (e.g. `member:ana@example.org`), oldest first:
    /// (at, actor, action, before, after).
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

pub(super) fn membership_audit(change: &MembershipChange) -> Audit {
    let action = match (&change.before, &change.after) {
        (None, _) => "membership.add",
        (Some(_), Some(_)) => "membership.update",
        (Some(_), None) => "membership.remove",
    };
    Audit {
        action,
        subject: format!("member:{}", change.email),
        before: change
            .before
            .as_ref()
            .map(|r| json!({"committee": change.committee, "role": r}).to_string()),
        after: change
            .after
            .as_ref()
            .map(|r| json!({"committee": change.committee, "role": r}).to_string()),
    }
}

pub(super) async fn write_audits(
    tx: &mut Transaction<'_, Any>,
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
                .bind(audit.action.to_string())
                .bind(audit.subject.clone())
                .bind(audit.before.clone())
                .bind(audit.after.clone());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}
