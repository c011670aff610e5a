//! What a batch of inbound messages is matched against, read in a few queries for the whole
//! batch: our deliveries by Message-ID, members by id and by address, each member's
//! deliveries, and the suppressed addresses among those seen.

use std::collections::{HashMap, HashSet};

use sqlx::{AssertSqlSafe, Row};

use super::decisions::{DELIVERY_COLUMNS, delivery_from_row};
use super::members::member_from_row;
use super::{Backend, Store, StoreError};
use crate::members::StoredMember;
use crate::store::DeliveryRef;

/// Values bound in one `IN (…)` list, well under both databases' limits.
const CHUNK: usize = 500;

/// What a batch of messages refers to, as read from them.
#[derive(Debug, Default)]
pub struct Wanted {
    /// Message-IDs the messages answer (without `<>`).
    pub message_ids: Vec<String>,
    /// Senders and failed recipients.
    pub addresses: Vec<String>,
    /// Members named by genuine tokens.
    pub member_ids: Vec<i64>,
}

/// The rows a batch is matched against.
#[derive(Debug, Default)]
pub struct Known {
    deliveries: HashMap<String, DeliveryRef>,
    members: HashMap<i64, StoredMember>,
    /// Lower-case address to the members who have it in some letter case.
    by_address: HashMap<String, Vec<i64>>,
    /// Each member's circular deliveries, the sent ones first, then the latest made first.
    member_deliveries: HashMap<i64, Vec<DeliveryRef>>,
    /// Lower-case suppressed addresses among those looked up.
    suppressed: HashSet<String>,
    looked_up: HashSet<String>,
}

impl Known {
    /// The first of `message_ids` (nearest first, at most 20) that is one of our deliveries.
    pub fn delivery_answered(&self, message_ids: &[&str]) -> Option<&DeliveryRef> {
        message_ids
            .iter()
            .take(20)
            .find_map(|id| self.deliveries.get(*id))
    }

    /// The member's delivery of circular `number` (any circular when `None`): the latest
    /// one sent, else the latest made.
    pub fn member_delivery(&self, member_id: i64, number: Option<u32>) -> Option<&DeliveryRef> {
        self.member_deliveries
            .get(&member_id)?
            .iter()
            .find(|d| number.is_none_or(|n| n == d.number))
    }

    /// The member with database id `id`, removed ones included.
    pub fn member_by_id(&self, id: i64) -> Option<&StoredMember> {
        self.members.get(&id)
    }

    /// The member whose address is `address` in any letter case (none when two members'
    /// addresses differ only in case: the sender is then not known for sure).
    pub fn member_by_address(&self, address: &str) -> Option<&StoredMember> {
        match self.by_address.get(&fold(address))?.as_slice() {
            [id] => self.members.get(id),
            _ => None,
        }
    }

    /// Whether `address` is suppressed; `None` when it was not looked up.
    pub fn is_suppressed(&self, address: &str) -> Option<bool> {
        let address = fold(address);
        self.looked_up
            .contains(&address)
            .then(|| self.suppressed.contains(&address))
    }

    /// Records that `address` is suppressed from now on (by a message of this batch).
    pub fn suppressed_now(&mut self, address: &str) {
        let address = fold(address);
        self.looked_up.insert(address.clone());
        self.suppressed.insert(address);
    }
}

fn fold(address: &str) -> String {
    address.trim().to_lowercase()
}

/// `n` placeholders, `wrap`ped (`LOWER({})`): anonymous `?` on SQLite, whose driver
/// looks each `$N` up by name (a cost that grows with the list), `$1, $2, …` on PostgreSQL.
fn placeholders(backend: Backend, n: usize, wrap: &str) -> String {
    (1..=n)
        .map(|i| {
            let one = match backend {
                Backend::Sqlite => "?".to_owned(),
                Backend::Postgres => format!("${i}"),
            };
            wrap.replace("{}", &one)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `values` made as long as the next power of two by repeating the last: an `IN (…)` list
/// means the same, and the database sees a few statements it keeps prepared rather than one
/// for every length.
fn padded<T: Clone>(values: &[T]) -> Vec<T> {
    let mut padded = values.to_vec();
    if let Some(last) = values.last() {
        padded.resize(values.len().next_power_of_two(), last.clone());
    }
    padded
}

impl Store {
    /// Reads what the messages of a batch refer to, in a few queries.
    ///
    /// # Errors
    /// The database fails.
    pub async fn known(&self, wanted: &Wanted) -> Result<Known, StoreError> {
        let mut known = Known::default();
        let mut ids: HashSet<&str> = wanted.message_ids.iter().map(String::as_str).collect();
        ids.remove("");
        let ids: Vec<&str> = ids.into_iter().collect();
        for chunk in ids.chunks(CHUNK) {
            let chunk = padded(chunk);
            let sql = format!(
                "SELECT {DELIVERY_COLUMNS} FROM deliveries d JOIN circulars c ON c.id = d.circular_id
                 WHERE d.message_id IN ({})",
                placeholders(self.backend, chunk.len(), "{}")
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind(id.to_string());
            }
            for row in query.fetch_all(&self.pool).await? {
                let delivery = delivery_from_row(&row)?;
                known
                    .deliveries
                    .insert(delivery.message_id.clone(), delivery);
            }
        }
        let addresses: HashSet<String> = wanted.addresses.iter().map(|a| fold(a)).collect();
        let addresses: Vec<String> = addresses.into_iter().filter(|a| !a.is_empty()).collect();
        for chunk in addresses.chunks(CHUNK) {
            let chunk = padded(chunk);
            let sql = format!(
                "SELECT id, email, name, position, organisation, city, country, language
                 FROM members WHERE LOWER(email) IN ({})",
                placeholders(self.backend, chunk.len(), "LOWER({})")
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for address in chunk {
                query = query.bind(address);
            }
            for row in query.fetch_all(&self.pool).await? {
                let member = member_from_row(&row)?;
                known
                    .by_address
                    .entry(fold(&member.member.email.to_string()))
                    .or_default()
                    .push(member.id);
                known.members.insert(member.id, member);
            }
        }
        let mut member_ids: HashSet<i64> = wanted.member_ids.iter().copied().collect();
        member_ids.extend(known.deliveries.values().map(|d| d.member_id));
        member_ids.extend(known.members.keys().copied());
        let member_ids: Vec<i64> = member_ids.into_iter().collect();
        for chunk in member_ids.chunks(CHUNK) {
            let missing: Vec<i64> = chunk
                .iter()
                .copied()
                .filter(|id| !known.members.contains_key(id))
                .collect();
            if !missing.is_empty() {
                let missing = padded(&missing);
                let sql = format!(
                    "SELECT id, email, name, position, organisation, city, country, language
                     FROM members WHERE id IN ({})",
                    placeholders(self.backend, missing.len(), "{}")
                );
                let mut query = sqlx::query(AssertSqlSafe(sql));
                for id in &missing {
                    query = query.bind(*id);
                }
                for row in query.fetch_all(&self.pool).await? {
                    let member = member_from_row(&row)?;
                    known.members.insert(member.id, member);
                }
            }
            let chunk = padded(chunk);
            let sql = format!(
                "SELECT {DELIVERY_COLUMNS} FROM deliveries d JOIN circulars c ON c.id = d.circular_id
                 WHERE d.member_id IN ({}) AND d.purpose = 'circular'
                 ORDER BY d.member_id, CASE WHEN d.state = 'sent' THEN 0 ELSE 1 END, d.id DESC",
                placeholders(self.backend, chunk.len(), "{}")
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind(id);
            }
            for row in query.fetch_all(&self.pool).await? {
                let delivery = delivery_from_row(&row)?;
                known
                    .member_deliveries
                    .entry(delivery.member_id)
                    .or_default()
                    .push(delivery);
            }
        }
        let mut looked_up: HashSet<String> = addresses.into_iter().collect();
        looked_up.extend(
            known
                .members
                .values()
                .map(|m| fold(&m.member.email.to_string())),
        );
        let looked_up: Vec<String> = looked_up.into_iter().collect();
        for chunk in looked_up.chunks(CHUNK) {
            let chunk = padded(chunk);
            let sql = format!(
                "SELECT email FROM suppressions WHERE LOWER(email) IN ({})",
                placeholders(self.backend, chunk.len(), "LOWER({})")
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for address in chunk {
                query = query.bind(address);
            }
            for row in query.fetch_all(&self.pool).await? {
                known.suppressed.insert(fold(&row.try_get::<String, _>(0)?));
            }
        }
        known.looked_up.extend(looked_up);
        Ok(known)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_lists_are_padded_to_a_few_lengths_with_the_same_values() {
        assert_eq!(padded(&[1, 2, 3]), vec![1, 2, 3, 3]);
        assert_eq!(padded(&[1, 2, 3, 4]), vec![1, 2, 3, 4]);
        assert_eq!(padded::<i64>(&[]), Vec::<i64>::new());
        assert_eq!(padded(&["a"; 5]).len(), 8);
    }

    #[test]
    fn sqlite_gets_anonymous_placeholders_and_postgres_numbered_ones() {
        assert_eq!(
            placeholders(Backend::Sqlite, 2, "LOWER({})"),
            "LOWER(?), LOWER(?)"
        );
        assert_eq!(placeholders(Backend::Postgres, 3, "{}"), "$1, $2, $3");
    }
}
