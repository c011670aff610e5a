//! Where a circular stands: the states of the `circulars` table's `status` column.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// A circular's status. The database's CHECK constraint allows exactly these values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CircularStatus {
    /// Known from its files, not scheduled (also: not loaded into the database yet).
    Draft,
    Scheduled,
    Sending,
    Sent,
    Cancelled,
}

impl CircularStatus {
    /// Every status, in the order a circular goes through them.
    pub const ALL: [CircularStatus; 5] = [
        CircularStatus::Draft,
        CircularStatus::Scheduled,
        CircularStatus::Sending,
        CircularStatus::Sent,
        CircularStatus::Cancelled,
    ];

    /// The spelling stored in the database and shown to users.
    pub const fn as_str(self) -> &'static str {
        match self {
            CircularStatus::Draft => "draft",
            CircularStatus::Scheduled => "scheduled",
            CircularStatus::Sending => "sending",
            CircularStatus::Sent => "sent",
            CircularStatus::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for CircularStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CircularStatus {
    type Err = String;

    fn from_str(text: &str) -> Result<CircularStatus, String> {
        CircularStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| format!("unknown circular status `{text}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_reads_back_as_itself() {
        for status in CircularStatus::ALL {
            assert_eq!(status.as_str().parse::<CircularStatus>(), Ok(status));
        }
        assert!("Sent".parse::<CircularStatus>().is_err());
    }
}
