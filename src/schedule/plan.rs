//! TEMPORARY stand-in (replaced by the schedule helper's module).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::Reminder;
use crate::circulars::When;

pub struct Timing<'a> {
    pub send_at: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    pub reminders: &'a [Reminder],
    pub tz: Tz,
}
pub struct Progress {
    pub started: Option<DateTime<Utc>>,
    pub last_round: Option<DateTime<Utc>>,
    pub cancelled: bool,
}
pub enum Due {
    Circular,
    Reminder { slot: DateTime<Utc> },
}
pub fn due(timing: &Timing, progress: &Progress, now: DateTime<Utc>) -> Option<Due> {
    if progress.started.is_none() && timing.send_at.is_some_and(|t| t <= now) {
        return Some(Due::Circular);
    }
    None
}
pub fn to_utc(when: When, end_of_day: bool, tz: Tz) -> DateTime<Utc> {
    let local = if end_of_day { when.end() } else { when.start() };
    local
        .and_local_timezone(tz)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| local.and_utc())
}
pub fn parse_at(text: &str, _tz: Tz) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| e.to_string())
}
