//! The row writes list edits are made of, each inside a [`ListsTx`].

use std::borrow::Borrow;
use std::collections::HashMap;

use sqlx::{AssertSqlSafe, Row};

use super::batch::{batches, values_sql};
use super::{Backend, ListsTx, now};
use crate::members::{Committee, Member, Role};

/// Changes a member's role on one list.
pub(super) async fn set_role(
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

/// Creates the committee, or updates its language and names.
pub(super) async fn upsert_committee(
    tx: &mut ListsTx,
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

/// Creates members, in batched multi-row INSERTs.
pub(super) async fn insert_members(
    tx: &mut ListsTx,
    backend: Backend,
    members: &[impl Borrow<Member>],
) -> Result<(), sqlx::Error> {
    let at = now();
    for batch in batches(members, 9, |m| {
        let m = m.borrow();
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
            let m = m.borrow();
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

/// Writes every field of member `id`.
pub(super) async fn update_member_row(
    tx: &mut ListsTx,
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

/// Puts members on lists: (committee id, member id, role).
pub(super) async fn insert_memberships(
    tx: &mut ListsTx,
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

/// Takes a member off one list; the member's row stays.
pub(super) async fn remove_membership(
    tx: &mut ListsTx,
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

/// `key` → `id` for the rows `sql` selects.
pub(super) async fn id_map(
    tx: &mut ListsTx,
    sql: &'static str,
) -> Result<HashMap<String, i64>, sqlx::Error> {
    let rows = sqlx::query(sql).fetch_all(&mut **tx).await?;
    rows.iter()
        .map(|row| Ok((row.try_get("key")?, row.try_get("id")?)))
        .collect()
}
