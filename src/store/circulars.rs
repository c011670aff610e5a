//! Queries on circulars and their deliveries.

use sqlx::Row;

use super::{Store, StoreError};
use crate::circulars::CircularStatus;

impl Store {
    /// (number, status) of every circular the daemon has loaded.
    ///
    /// # Errors
    /// The database fails, or holds a status this version does not know.
    pub async fn circular_statuses(&self) -> Result<Vec<(i64, CircularStatus)>, StoreError> {
        let rows = sqlx::query("SELECT number, status FROM circulars ORDER BY number")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get("status")?;
                let status = status
                    .parse()
                    .map_err(|e: String| sqlx::Error::Decode(e.into()))?;
                Ok((r.try_get("number")?, status))
            })
            .collect()
    }
}
