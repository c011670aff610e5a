//! Queries on circulars and their deliveries.

use sqlx::Row;

use super::{Store, StoreError};

impl Store {
    /// (number, status) of every circular the daemon has loaded.
    pub async fn circular_statuses(&self) -> Result<Vec<(i64, String)>, StoreError> {
        let rows = sqlx::query("SELECT number, status FROM circulars ORDER BY number")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("number")?, r.try_get("status")?)))
            .collect()
    }
}
