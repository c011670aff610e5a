//! Queries on committees, members and memberships.

use futures_util::TryStreamExt;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::{Store, StoreError};
use crate::members::{Committee, CommitteeNames, EmailAddress, Member, Role, StoredMember};

/// A member with the committees they are in, and their role in each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberInLists {
    pub member: Member,
    pub committees: Vec<(String, Role)>,
}

const MEMBER_COLUMNS: &str = "id, email, name, position, organisation, city, country, language";

pub(super) fn member_from_row(row: &AnyRow) -> Result<StoredMember, sqlx::Error> {
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

/// The row's `role`: a stored role that does not parse is an error, not a `member`.
pub(super) fn role_from_row(row: &AnyRow) -> Result<Role, sqlx::Error> {
    let role: String = row.try_get("role")?;
    Role::parse(&role).map_err(|e| sqlx::Error::Decode(format!("stored role `{role}`: {e}").into()))
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

/// Every committee with its id.
pub(super) async fn committees(
    conn: &mut AnyConnection,
) -> Result<Vec<(i64, Committee)>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, slug, language, name_en, name_fr, name_es FROM committees ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .iter()
        .map(committee_from_row)
        .collect::<Result<_, _>>()?)
}

/// Every member ever known, with or without committees.
pub(super) async fn all_members(conn: &mut AnyConnection) -> Result<Vec<StoredMember>, StoreError> {
    // Streamed: decoding row by row keeps one copy of the members, not two.
    let sql = format!("SELECT {MEMBER_COLUMNS} FROM members ORDER BY id");
    let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(&mut *conn);
    let mut members = Vec::new();
    while let Some(row) = rows.try_next().await? {
        members.push(member_from_row(&row)?);
    }
    Ok(members)
}

/// Every membership: (committee id, member id, role).
pub(super) async fn memberships(
    conn: &mut AnyConnection,
) -> Result<Vec<(i64, i64, Role)>, StoreError> {
    let rows = sqlx::query("SELECT committee_id, member_id, role FROM memberships")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("committee_id")?,
                row.try_get("member_id")?,
                role_from_row(row)?,
            ))
        })
        .collect()
}

/// The member with this address.
pub(super) async fn member(
    conn: &mut AnyConnection,
    email: &EmailAddress,
) -> Result<Option<StoredMember>, StoreError> {
    let sql = format!("SELECT {MEMBER_COLUMNS} FROM members WHERE email = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(email.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.as_ref().map(member_from_row).transpose()?)
}

impl Store {
    /// Every committee with its id.
    pub async fn committees(&self) -> Result<Vec<(i64, Committee)>, StoreError> {
        committees(&mut *self.pool.acquire().await?).await
    }

    /// The member with this address.
    pub async fn member(&self, email: &EmailAddress) -> Result<Option<StoredMember>, StoreError> {
        member(&mut *self.pool.acquire().await?, email).await
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
            let role = role_from_row(row)?;
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
        committee_id(&mut *self.pool.acquire().await?, slug).await
    }
}

/// The id of the committee `slug`.
pub(super) async fn committee_id(conn: &mut AnyConnection, slug: &str) -> Result<i64, StoreError> {
    sqlx::query_scalar("SELECT id FROM committees WHERE slug = $1")
        .bind(slug.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::UnknownCommittee(slug.to_string()))
}
