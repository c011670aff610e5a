//! The outbox, the only road to a transport: one delivery row per (circular, member,
//! purpose), stored before anything is sent; workers that claim due rows under a lease,
//! render, send and record the outcome; and the scheduler that starts circulars and
//! reminder rounds when they are due.

pub mod answers;
pub mod notice;
mod outcome;
pub mod prepare;
pub mod rounds;
pub mod scheduler;
mod setup;
pub mod snapshot;
mod state;
pub mod worker;

use chrono::{DateTime, Utc};

pub use notice::{NoticeError, Notices};
pub use outcome::{OUTAGE_WAIT, Outcome, Retry};
pub use state::{BadMove, State};

/// Why a delivery exists: the circular itself, or one round of its reminders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    Circular,
    /// The round of the reminder slot at this time.
    Reminder(DateTime<Utc>),
}

impl Purpose {
    /// As stored in `deliveries.purpose`: `circular` or `reminder:2026-12-07T08:00:00Z`.
    pub fn to_stored(self) -> String {
        match self {
            Purpose::Circular => "circular".to_string(),
            Purpose::Reminder(slot) => format!(
                "reminder:{}",
                slot.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        }
    }

    /// Reads back [`Purpose::to_stored`].
    ///
    /// # Errors
    /// Not a purpose this version writes.
    pub fn parse(stored: &str) -> Result<Purpose, String> {
        if stored == "circular" {
            return Ok(Purpose::Circular);
        }
        stored
            .strip_prefix("reminder:")
            .and_then(|slot| DateTime::parse_from_rfc3339(slot).ok())
            .map(|slot| Purpose::Reminder(slot.with_timezone(&Utc)))
            .ok_or_else(|| format!("unknown purpose `{stored}`"))
    }

    /// The Message-ID of this purpose's mail to a member, as (prefix, suffix) around the
    /// member's id; a reminder's differs from the circular's.
    pub fn message_id_parts(self, number: u32, domain: &str) -> (String, String) {
        let prefix = match self {
            Purpose::Circular => format!("circular-{number:03}.member-"),
            Purpose::Reminder(slot) => format!(
                "circular-{number:03}.reminder-{}.member-",
                slot.format("%Y%m%dT%H%MZ")
            ),
        };
        (prefix, format!("@{domain}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_purpose_reads_back_as_itself() {
        let slot = "2026-12-07T08:00:00Z".parse().expect("time");
        for purpose in [Purpose::Circular, Purpose::Reminder(slot)] {
            assert_eq!(Purpose::parse(&purpose.to_stored()), Ok(purpose));
        }
        assert!(Purpose::parse("reminder:monday").is_err());
    }

    #[test]
    fn the_circular_message_id_is_the_one_previews_show() {
        let (prefix, suffix) = Purpose::Circular.message_id_parts(30, "uclg.example.org");
        assert_eq!(
            format!("{prefix}12{suffix}"),
            crate::circulars::message::message_id(30, 12, "uclg.example.org")
        );
        let slot = "2026-12-07T08:00:00Z".parse().expect("time");
        let (reminder, _) = Purpose::Reminder(slot).message_id_parts(30, "uclg.example.org");
        assert_ne!(reminder, prefix);
    }
}
