//! Edits of the member lists from the command line (and, later, the web): one member
//! added, changed or removed, each in one transaction with its audit rows.

use sqlx::{Any, Row, Transaction};

use super::audit::{member_created, member_updated, membership_audit, write_audits};
use super::members::{committee_id, member as find_member, role_from_row};
use super::rows::{insert_members, insert_memberships, remove_membership, update_member_row};
use super::{Backend, Store, StoreError};
use crate::members::sync::MembershipChange;
use crate::members::{EmailAddress, Member, MemberEdit, Role};

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

    /// Puts `member` on `committee`'s list as `role`, creating the member if the address
    /// is new, all in one transaction. An existing member is never changed here: if
    /// `member` differs from them, nothing is done (`members update` changes fields).
    ///
    /// # Errors
    /// Unknown committee; the member exists with other values
    /// ([`StoreError::MemberDiffers`]); the member is already on that list. Nothing is
    /// then changed.
    pub async fn add_member(
        &self,
        member: &Member,
        committee: &str,
        role: &Role,
        actor: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_lists_edit().await?;
        let committee_id = committee_id(&mut tx, committee).await?;
        let mut audits = Vec::new();
        let member_id = match find_member(&mut tx, &member.email).await? {
            Some(stored) => {
                let differences = stored.member.differences(member);
                if !differences.is_empty() {
                    return Err(StoreError::MemberDiffers {
                        email: member.email.to_string(),
                        differences,
                    });
                }
                stored.id
            }
            None => {
                if let Some(twin) = case_twin(&mut tx, &member.email).await? {
                    return Err(StoreError::CaseTwin {
                        email: member.email.to_string(),
                        existing: twin.to_string(),
                    });
                }
                insert_members(&mut tx, self.backend, &[member]).await?;
                audits.push(member_created(member)?);
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
        let row = (committee_id, member_id, role.as_str());
        insert_memberships(&mut tx, self.backend, &[row]).await?;
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
        let stored = find_member(&mut tx, email)
            .await?
            .ok_or_else(|| StoreError::UnknownMember(email.to_string()))?;
        let after = edit.apply(&stored.member);
        if after != stored.member {
            update_member_row(&mut tx, stored.id, &after).await?;
            let audit = member_updated(&stored.member, &after)?;
            write_audits(&mut tx, self.backend, actor, vec![audit]).await?;
            tx.commit().await?;
        }
        Ok(after)
    }

    /// Takes a member off one committee's list, or off all of them. Their record and
    /// history stay. Returns the committees they were removed from.
    ///
    /// # Errors
    /// No such member, or not on that list; a stored role that does not parse.
    pub async fn remove_member(
        &self,
        email: &EmailAddress,
        committee: Option<&str>,
        actor: &str,
    ) -> Result<Vec<String>, StoreError> {
        let mut tx = self.begin_lists_edit().await?;
        let stored = find_member(&mut tx, email)
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
            remove_membership(&mut tx, row.try_get("id")?, stored.id).await?;
            audits.push(membership_audit(&MembershipChange {
                committee: slug.clone(),
                email: email.clone(),
                member_id: Some(stored.id),
                before: Some(role_from_row(row)?),
                after: None,
            }));
            removed.push(slug);
        }
        write_audits(&mut tx, self.backend, actor, audits).await?;
        tx.commit().await?;
        Ok(removed)
    }
}

/// A member whose address differs from `email` only in the case of its local part.
async fn case_twin(
    tx: &mut ListsTx,
    email: &EmailAddress,
) -> Result<Option<EmailAddress>, StoreError> {
    // LIKE only narrows the candidates to the same domain; the comparison is made here.
    let candidates: Vec<String> =
        sqlx::query_scalar("SELECT email FROM members WHERE email LIKE $1")
            .bind(format!("%@{}", email.domain()))
            .fetch_all(&mut **tx)
            .await?;
    Ok(candidates
        .iter()
        .filter_map(|c| EmailAddress::parse(c).ok())
        .find(|c| c.is_case_twin(email)))
}
