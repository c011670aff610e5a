//! Edits of the member lists: a sync plan applied, or one member added, changed, removed.
//! Each runs in one transaction with its audit rows.

use std::collections::HashMap;

use sqlx::{Any, AssertSqlSafe, Row, Transaction};

use super::audit::{Audit, member_json, membership_audit, write_audits};
use super::batch::{batches, values_sql};
use super::members::MemberEdit;
use super::{Backend, Store, StoreError, now};
use crate::members::sync::{MembershipChange, Plan};
use crate::members::{Committee, EmailAddress, Member, Role};

/// A transaction of list edits, holding the lists' write lock until it ends.
pub type ListsTx = Transaction<'static, Any>;

/// Any number that names the lists' advisory lock on PostgreSQL.
const LISTS_LOCK: i64 = 0x6369_7263_6c69_7374;

impl Store {
    /// Starts a transaction that edits the lists. Edits are serialised across processes
    /// (a sync in a starting daemon, a command-line edit): SQLite takes its write lock at
    /// once (`BEGIN IMMEDIATE`), PostgreSQL an advisory lock held until commit. What is
    /// read inside it stays true until it commits.
    ///
    /// # Errors
    /// The database fails.
    pub async fn begin_lists_edit(&self) -> Result<ListsTx, StoreError> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(LISTS_LOCK)
                    .execute(&mut *tx)
                    .await?;
                tx
            }
        };
        Ok(tx)
    }

    /// Applies a sync plan in `tx`, with an audit row for each change.
    #[tracing::instrument(skip_all, fields(actor))]
    pub async fn apply_plan(
        &self,
        tx: &mut ListsTx,
        plan: &Plan<'_>,
        actor: &str,
    ) -> Result<(), StoreError> {
        let mut audits = Vec::new();
        for committee in &plan.committees {
            upsert_committee(tx, committee).await?;
            audits.push(Audit {
                action: "committee.upsert",
                subject: format!("committee:{}", committee.slug),
                before: None,
                after: serde_json::to_string(committee).ok(),
            });
        }
        insert_members(tx, self.backend, &plan.new_members).await?;
        audits.extend(plan.new_members.iter().map(|m| Audit {
            action: "member.create",
            subject: format!("member:{}", m.email),
            before: None,
            after: Some(member_json(m)),
        }));
        for (id, before, after) in &plan.changed_members {
            update_member(tx, *id, after).await?;
            audits.push(member_update_audit(before, after));
        }
        let committee_ids = id_map(tx, "SELECT id, slug AS key FROM committees").await?;
        let member_ids = if plan.memberships.iter().any(|c| c.member_id.is_none()) {
            id_map(tx, "SELECT id, email AS key FROM members").await?
        } else {
            HashMap::new()
        };
        let mut joins = Vec::new();
        for change in &plan.memberships {
            let committee_id = committee_ids[&change.committee];
            let member_id = match change.member_id {
                Some(id) => id,
                None => member_ids[&change.email.to_string()],
            };
            match (&change.before, &change.after) {
                (None, Some(role)) => joins.push((committee_id, member_id, role.as_str())),
                (Some(_), Some(role)) => set_role(tx, committee_id, member_id, role).await?,
                (Some(_), None) => remove_membership(tx, committee_id, member_id).await?,
                (None, None) => {}
            }
            audits.push(membership_audit(change));
        }
        insert_memberships(tx, self.backend, &joins).await?;
        write_audits(tx, self.backend, actor, audits).await?;
        Ok(())
    }

    /// Puts `member` on `committee`'s list as `role`, creating the member if new and
    /// updating their fields if they differ, all in one transaction.
    ///
    /// # Errors
    /// Unknown committee; the member is already on that list. Nothing is then changed.
    pub async fn add_member(
        &self,
        member: &Member,
        committee: &str,
        role: &Role,
        actor: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_lists_edit().await?;
        let committee_id = super::members::committee_id(&mut tx, committee).await?;
        let mut audits = Vec::new();
        let member_id = match super::members::member(&mut tx, &member.email).await? {
            Some(stored) => {
                if stored.member != *member {
                    update_member(&mut tx, stored.id, member).await?;
                    audits.push(member_update_audit(&stored.member, member));
                }
                stored.id
            }
            None => {
                insert_members(&mut tx, self.backend, &[member]).await?;
                audits.push(Audit {
                    action: "member.create",
                    subject: format!("member:{}", member.email),
                    before: None,
                    after: Some(member_json(member)),
                });
                sqlx::query_scalar("SELECT id FROM members WHERE email = $1")
                    .bind(member.email.to_string())
                    .fetch_one(&mut *tx)
                    .await?
            }
        };
        let already: Option<String> = sqlx::query_scalar(
            "SELECT role FROM memberships WHERE committee_id = $1 AND member_id = $2",
        )
        .bind(committee_id)
        .bind(member_id)
        .fetch_optional(&mut *tx)
        .await?;
        if already.is_some() {
            return Err(StoreError::MemberExists(format!(
                "{} in {committee}",
                member.email
            )));
        }
        insert_memberships(
            &mut tx,
            self.backend,
            &[(committee_id, member_id, role.as_str())],
        )
        .await?;
        audits.push(membership_audit(&MembershipChange {
            committee: committee.to_string(),
            email: member.email.clone(),
            member_id: Some(member_id),
            before: None,
            after: Some(role.clone()),
        }));
        write_audits(&mut tx, self.backend, actor, audits).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes a member's fields, as `actor`. Returns the member as they now are.
    ///
    /// # Errors
    /// No member has this address.
    pub async fn update_member(
        &self,
        email: &EmailAddress,
        edit: &MemberEdit,
        actor: &str,
    ) -> Result<Member, StoreError> {
        let mut tx = self.begin_lists_edit().await?;
        let stored = super::members::member(&mut tx, email)
            .await?
            .ok_or_else(|| StoreError::UnknownMember(email.to_string()))?;
        let after = edit.apply(&stored.member);
        if after != stored.member {
            update_member(&mut tx, stored.id, &after).await?;
            let audit = member_update_audit(&stored.member, &after);
            write_audits(&mut tx, self.backend, actor, vec![audit]).await?;
            tx.commit().await?;
        }
        Ok(after)
    }

    /// Takes a member off one committee's list, or off all of them. Their record and
    /// history stay. Returns the committees they were removed from.
    ///
    /// # Errors
    /// No such member, or not on that list.
    pub async fn remove_member(
        &self,
        email: &EmailAddress,
        committee: Option<&str>,
        actor: &str,
    ) -> Result<Vec<String>, StoreError> {
        let mut tx = self.begin_lists_edit().await?;
        let stored = super::members::member(&mut tx, email)
            .await?
            .ok_or_else(|| StoreError::UnknownMember(email.to_string()))?;
        let rows = sqlx::query(
            "SELECT c.id, c.slug, ms.role FROM memberships ms JOIN committees c ON c.id = ms.committee_id
             WHERE ms.member_id = $1 AND ($2 = '' OR c.slug = $2) ORDER BY c.slug",
        )
        .bind(stored.id)
        .bind(committee.unwrap_or_default().to_string())
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            let list = committee.map_or("any list".to_string(), |c| format!("the list of {c}"));
            return Err(StoreError::NotListed(format!("{email} (on {list})")));
        }
        let mut removed = Vec::new();
        let mut audits = Vec::new();
        for row in &rows {
            let slug: String = row.try_get("slug")?;
            let role: String = row.try_get("role")?;
            remove_membership(&mut tx, row.try_get("id")?, stored.id).await?;
            audits.push(membership_audit(&MembershipChange {
                committee: slug.clone(),
                email: email.clone(),
                member_id: Some(stored.id),
                before: Some(Role::parse(&role).unwrap_or_else(|_| Role::member())),
                after: None,
            }));
            removed.push(slug);
        }
        write_audits(&mut tx, self.backend, actor, audits).await?;
        tx.commit().await?;
        Ok(removed)
    }
}

fn member_update_audit(before: &Member, after: &Member) -> Audit {
    Audit {
        action: "member.update",
        subject: format!("member:{}", after.email),
        before: Some(member_json(before)),
        after: Some(member_json(after)),
    }
}

async fn set_role(
    tx: &mut ListsTx,
    committee_id: i64,
    member_id: i64,
    role: &Role,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE memberships SET role = $1 WHERE committee_id = $2 AND member_id = $3")
        .bind(role.as_str().to_string())
        .bind(committee_id)
        .bind(member_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn upsert_committee(
    tx: &mut Transaction<'_, Any>,
    committee: &Committee,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO committees (slug, language, name_en, name_fr, name_es) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (slug) DO UPDATE SET language = excluded.language, name_en = excluded.name_en,
             name_fr = excluded.name_fr, name_es = excluded.name_es",
    )
    .bind(committee.slug.clone())
    .bind(committee.language.code().to_string())
    .bind(committee.name.en.clone())
    .bind(committee.name.fr.clone())
    .bind(committee.name.es.clone())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_members(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    members: &[&Member],
) -> Result<(), sqlx::Error> {
    let at = now();
    for batch in batches(members, 9, |m| {
        m.email.local().len()
            + m.email.domain().len()
            + m.name.len()
            + m.position.len()
            + m.organisation.len()
            + m.city.len()
            + m.country.len()
            + 2 * 20
    }) {
        let sql = values_sql(
            backend,
            "INSERT INTO members (email, name, position, organisation, city, country, language, created_at, updated_at)",
            9,
            batch.len(),
        );
        // Safe: the statement holds only generated placeholders.
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for m in batch {
            query = query
                .bind(m.email.to_string())
                .bind(m.name.clone())
                .bind(m.position.clone())
                .bind(m.organisation.clone())
                .bind(m.city.clone())
                .bind(m.country.clone())
                .bind(m.language.map(|l| l.code().to_string()))
                .bind(at.clone())
                .bind(at.clone());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

async fn update_member(
    tx: &mut Transaction<'_, Any>,
    id: i64,
    m: &Member,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE members SET name = $1, position = $2, organisation = $3, city = $4, country = $5,
             language = $6, updated_at = $7 WHERE id = $8",
    )
    .bind(m.name.clone())
    .bind(m.position.clone())
    .bind(m.organisation.clone())
    .bind(m.city.clone())
    .bind(m.country.clone())
    .bind(m.language.map(|l| l.code().to_string()))
    .bind(now())
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_memberships(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    rows: &[(i64, i64, &str)],
) -> Result<(), sqlx::Error> {
    for batch in batches(rows, 3, |r| r.2.len()) {
        let sql = values_sql(
            backend,
            "INSERT INTO memberships (committee_id, member_id, role)",
            3,
            batch.len(),
        );
        // Safe: the statement holds only generated placeholders.
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (committee_id, member_id, role) in batch {
            query = query
                .bind(*committee_id)
                .bind(*member_id)
                .bind(role.to_string());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

async fn remove_membership(
    tx: &mut Transaction<'_, Any>,
    committee_id: i64,
    member_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM memberships WHERE committee_id = $1 AND member_id = $2")
        .bind(committee_id)
        .bind(member_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn id_map(
    tx: &mut Transaction<'_, Any>,
    sql: &'static str,
) -> Result<HashMap<String, i64>, sqlx::Error> {
    let rows = sqlx::query(sql).fetch_all(&mut **tx).await?;
    rows.iter()
        .map(|row| Ok((row.try_get("key")?, row.try_get("id")?)))
        .collect()
}
