//! Multi-row INSERTs, cut into statements both databases take quickly.

use super::Backend;

/// Values bound per multi-row INSERT, far under both databases' limits.
const BATCH_VALUES: usize = 500;
/// Bytes of data per multi-row INSERT. sqlx 0.9.0 did not set `TCP_NODELAY`, and a
/// statement of more than about 16 KB waited ~40 ms for a delayed ACK on PostgreSQL (a
/// 100,000-member sync took a minute); `vendor/sqlx-core` fixes that at the root, and
/// statements of this size stay the quickest on both databases.
const BATCH_BYTES: usize = 8 * 1024;

/// Splits `items` into batches of at most `BATCH_VALUES` values and about `BATCH_BYTES`.
pub(super) fn batches<T>(
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

/// `INSERT INTO table (columns) VALUES ($1, …), (…)`: one statement per batch of rows.
/// SQLite gets anonymous `?` placeholders: its driver resolves each `$N` by name, which
/// costs more than the insert itself in statements of thousands of values.
pub(super) fn values_sql(backend: Backend, head: &str, columns: usize, rows: usize) -> String {
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
