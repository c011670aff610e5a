//! Queries on committees, members, memberships and the audit log.

use std::collections::HashMap;

use futures_util::TryStreamExt;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

use super::{Backend, Store, StoreError, now};
use crate::members::sync::{MembershipChange, Plan};
use crate::members::{Committee, CommitteeNames, EmailAddress, Member, Role};

/// A member with their database id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMember {
    pub id: i64,
    pub member: Member,
}

/// A member with the committees they are in, and their role in each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberInLists {
    pub member: Member,
    pub committees: Vec<(String, Role)>,
}

/// Fields to change on a member; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct MemberEdit {
    pub name: Option<String>,
    pub position: Option<String>,
    pub organisation: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    /// `Some(None)` clears the language: the member reads their committee's.
    pub language: Option<Option<crate::locale::Language>>,
}

impl MemberEdit {
    /// `member` with these edits.
    pub fn apply(&self, member: &Member) -> Member {
        let pick = |edit: &Option<String>, old: &String| edit.clone().unwrap_or(old.clone());
        Member {
            email: member.email.clone(),
            name: pick(&self.name, &member.name),
            position: pick(&self.position, &member.position),
            organisation: pick(&self.organisation, &member.organisation),
            city: pick(&self.city, &member.city),
            country: pick(&self.country, &member.country),
            language: self.language.unwrap_or(member.language),
        }
    }
}

/// Values bound per multi-row INSERT, far under both databases' limits.
const BATCH_VALUES: usize = 500;
/// Bytes of data per multi-row INSERT. sqlx 0.9 does not set `TCP_NODELAY`: a statement
/// of more than about 16 KB waits ~40 ms for a delayed ACK on PostgreSQL, which made a
/// 100,000-member sync take a minute instead of seconds (`cargo bench --bench sync`).
const BATCH_BYTES: usize = 8 * 1024;

/// Splits `items` into batches of at most `BATCH_VALUES` values and about `BATCH_BYTES`.
fn batches<T>(
    items: &[T],
    columns: usize,
    size: impl Fn(&T) -> usize,
) -> impl Iterator<Item = &[T]> {
    let mut rest = items;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut bytes = 0;
        let mut end = 0;
        while end < rest.len() && end * columns < BATCH_VALUES && (end == 0 || bytes < BATCH_BYTES)
        {
            bytes += size(&rest[end]) + columns * 8;
            end += 1;
        }
        let (batch, tail) = rest.split_at(end);
        rest = tail;
        Some(batch)
    })
}

/// A row of the audit log, written in the same transaction as the change.
struct Audit {
    action: &'static str,
    subject: String,
    /// JSON of the record before and after.
    before: Option<String>,
    after: Option<String>,
}

const MEMBER_COLUMNS: &str = "id, email, name, position, organisation, city, country, language";

fn member_from_row(row: &AnyRow) -> Result<StoredMember, sqlx::Error> {
    let email: String = row.try_get("email")?;
    let language: Option<String> = row.try_get("language")?;
    let decode = |e: String| sqlx::Error::Decode(e.into());
    Ok(StoredMember {
        id: row.try_get("id")?,
        member: Member {
            email: EmailAddress::parse(&email).map_err(|e| decode(format!("{email}: {e}")))?,
            name: row.try_get("name")?,
            position: row.try_get("position")?,
            organisation: row.try_get("organisation")?,
            city: row.try_get("city")?,
            country: row.try_get("country")?,
            language: language
                .map(|l| l.parse().map_err(|e| decode(format!("{e}"))))
                .transpose()?,
        },
    })
}

fn committee_from_row(row: &AnyRow) -> Result<(i64, Committee), sqlx::Error> {
    let language: String = row.try_get("language")?;
    Ok((
        row.try_get("id")?,
        Committee {
            slug: row.try_get("slug")?,
            language: language
                .parse()
                .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            name: CommitteeNames {
                en: row.try_get("name_en")?,
                fr: row.try_get("name_fr")?,
                es: row.try_get("name_es")?,
            },
        },
    ))
}

fn member_json(member: &Member) -> String {
    serde_json::to_string(member).unwrap_or_default()
}

impl Store {
    /// Every committee with its id.
    pub async fn committees(&self) -> Result<Vec<(i64, Committee)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, slug, language, name_en, name_fr, name_es FROM committees ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(committee_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// Every member ever known, with or without committees.
    pub async fn all_members(&self) -> Result<Vec<StoredMember>, StoreError> {
        // Streamed: decoding row by row keeps one copy of the members, not two.
        let sql = format!("SELECT {MEMBER_COLUMNS} FROM members ORDER BY id");
        let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(&self.pool);
        let mut members = Vec::new();
        while let Some(row) = rows.try_next().await? {
            members.push(member_from_row(&row)?);
        }
        Ok(members)
    }

    /// Every membership: (committee id, member id, role).
    pub async fn memberships(&self) -> Result<Vec<(i64, i64, Role)>, StoreError> {
        let rows = sqlx::query("SELECT committee_id, member_id, role FROM memberships")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let role: String = row.try_get("role")?;
                Ok((
                    row.try_get("committee_id")?,
                    row.try_get("member_id")?,
                    Role::parse(&role).unwrap_or_else(|_| Role::member()),
                ))
            })
            .collect()
    }

    /// The member with this address.
    pub async fn member(&self, email: &EmailAddress) -> Result<Option<StoredMember>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {MEMBER_COLUMNS} FROM members WHERE email = $1"
        )))
        .bind(email.to_string())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(member_from_row).transpose()?)
    }

    /// Members in at least one committee (or in `committee`), by address.
    pub async fn listed_members(
        &self,
        committee: Option<&str>,
    ) -> Result<Vec<MemberInLists>, StoreError> {
        if let Some(slug) = committee {
            self.committee_id(slug).await?;
        }
        let rows = sqlx::query(
            "SELECT m.id, m.email, m.name, m.position, m.organisation, m.city, m.country, m.language,
                    c.slug AS committee, ms.role AS role
             FROM members m
             JOIN memberships ms ON ms.member_id = m.id
             JOIN committees c ON c.id = ms.committee_id
             WHERE $1 = '' OR m.id IN (SELECT ms2.member_id FROM memberships ms2
                                       JOIN committees c2 ON c2.id = ms2.committee_id
                                       WHERE c2.slug = $1)
             ORDER BY m.email, c.slug",
        )
        .bind(committee.unwrap_or_default().to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut listed: Vec<MemberInLists> = Vec::new();
        let mut last_id = None;
        for row in &rows {
            let stored = member_from_row(row)?;
            let slug: String = row.try_get("committee")?;
            let role: String = row.try_get("role")?;
            let role = Role::parse(&role).unwrap_or_else(|_| Role::member());
            if last_id != Some(stored.id) {
                last_id = Some(stored.id);
                listed.push(MemberInLists {
                    member: stored.member,
                    committees: Vec::new(),
                });
            }
            if let Some(entry) = listed.last_mut() {
                entry.committees.push((slug, role));
            }
        }
        Ok(listed)
    }

    async fn committee_id(&self, slug: &str) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT id FROM committees WHERE slug = $1")
            .bind(slug.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::UnknownCommittee(slug.to_string()))
    }

    /// Makes the lists equal to a sync plan, in one transaction, with an audit row for
    /// each change.
    #[tracing::instrument(skip_all, fields(actor))]
    pub async fn apply_plan(&self, plan: &Plan<'_>, actor: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut audits = Vec::new();
        for committee in &plan.committees {
            upsert_committee(&mut tx, committee).await?;
            audits.push(Audit {
                action: "committee.upsert",
                subject: format!("committee:{}", committee.slug),
                before: None,
                after: serde_json::to_string(committee).ok(),
            });
        }
        insert_members(&mut tx, self.backend, &plan.new_members).await?;
        audits.extend(plan.new_members.iter().map(|m| Audit {
            action: "member.create",
            subject: format!("member:{}", m.email),
            before: None,
            after: Some(member_json(m)),
        }));
        for (id, before, after) in &plan.changed_members {
            update_member(&mut tx, *id, after).await?;
            audits.push(Audit {
                action: "member.update",
                subject: format!("member:{}", after.email),
                before: Some(member_json(before)),
                after: Some(member_json(after)),
            });
        }
        let committee_ids = id_map(&mut tx, "SELECT id, slug AS key FROM committees").await?;
        let member_ids = if plan.memberships.iter().any(|c| c.member_id.is_none()) {
            id_map(&mut tx, "SELECT id, email AS key FROM members").await?
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
                (Some(_), Some(role)) => {
                    sqlx::query("UPDATE memberships SET role = $1 WHERE committee_id = $2 AND member_id = $3")
                        .bind(role.as_str().to_string())
                        .bind(committee_id)
                        .bind(member_id)
                        .execute(&mut *tx)
                        .await?;
                }
                (Some(_), None) => remove_membership(&mut tx, committee_id, member_id).await?,
                (None, None) => {}
            }
            audits.push(membership_audit(change));
        }
        insert_memberships(&mut tx, self.backend, &joins).await?;
        write_audits(&mut tx, self.backend, actor, audits).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds `member` to `committee` (creating the member if new), as `actor`.
    ///
    /// # Errors
    /// Unknown committee; the member is already in it.
    pub async fn add_member(
        &self,
        member: &Member,
        committee: &str,
        role: &Role,
        actor: &str,
    ) -> Result<(), StoreError> {
        let committee_id = self.committee_id(committee).await?;
        let mut tx = self.pool.begin().await?;
        let mut audits = Vec::new();
        let existing = sqlx::query_scalar::<_, i64>("SELECT id FROM members WHERE email = $1")
            .bind(member.email.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        let member_id = match existing {
            Some(id) => id,
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
        let stored = self
            .member(email)
            .await?
            .ok_or_else(|| StoreError::UnknownMember(email.to_string()))?;
        let after = edit.apply(&stored.member);
        if after == stored.member {
            return Ok(after);
        }
        let mut tx = self.pool.begin().await?;
        update_member(&mut tx, stored.id, &after).await?;
        let audit = Audit {
            action: "member.update",
            subject: format!("member:{email}"),
            before: Some(member_json(&stored.member)),
            after: Some(member_json(&after)),
        };
        write_audits(&mut tx, self.backend, actor, vec![audit]).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Takes a member off one committee's list, or off all of them. Their history stays.
    /// Returns the committees they were removed from.
    ///
    /// # Errors
    /// No such member, or not in that committee.
    pub async fn remove_member(
        &self,
        email: &EmailAddress,
        committee: Option<&str>,
        actor: &str,
    ) -> Result<Vec<String>, StoreError> {
        let listed = self
            .listed_members(committee)
            .await?
            .into_iter()
            .find(|m| &m.member.email == email)
            .ok_or_else(|| StoreError::UnknownMember(email.to_string()))?;
        let stored = self
            .member(email)
            .await?
            .ok_or_else(|| StoreError::UnknownMember(email.to_string()))?;
        let mut tx = self.pool.begin().await?;
        let mut removed = Vec::new();
        let mut audits = Vec::new();
        for (slug, role) in listed.committees {
            if committee.is_some_and(|c| c != slug) {
                continue;
            }
            let committee_id = self.committee_id(&slug).await?;
            remove_membership(&mut tx, committee_id, stored.id).await?;
            audits.push(membership_audit(&MembershipChange {
                committee: slug.clone(),
                email: email.clone(),
                member_id: Some(stored.id),
                before: Some(role),
                after: None,
            }));
            removed.push(slug);
        }
        write_audits(&mut tx, self.backend, actor, audits).await?;
        tx.commit().await?;
        Ok(removed)
    }

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

fn membership_audit(change: &MembershipChange) -> Audit {
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

/// `INSERT INTO table (columns) VALUES ($1, …), (…)`: one statement per batch of rows.
/// SQLite gets anonymous `?` placeholders: its driver resolves each `$N` by name, which
/// costs more than the insert itself in statements of thousands of values.
fn values_sql(backend: Backend, head: &str, columns: usize, rows: usize) -> String {
    let mut sql = String::from(head);
    sql.push_str(" VALUES ");
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for col in 0..columns {
            if col > 0 {
                sql.push_str(", ");
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => sql.push_str(&format!("${}", row * columns + col + 1)),
            }
        }
        sql.push(')');
    }
    sql
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

async fn write_audits(
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
