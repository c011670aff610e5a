//! What is due when: the circular at its `send_at`, then reminder rounds on the crontab
//! slots until the deadline. Pure: the clock is a parameter.
//!
//! The rules:
//! - no `send_at`, nothing is sent until `schedule` or `send --now` sets one; a `send_at`
//!   already past is due at once, even when the deadline has passed too;
//! - reminders only once the circular has started, only until the deadline (none after it,
//!   not even a missed one), and none without a deadline;
//! - a slot less than [`QUIET`] after the start is skipped: a member who has just received
//!   the circular does not need a reminder the next morning;
//! - the slots missed while the daemon was down collapse into one round, at the latest of
//!   them; a slot whose round exists is never due again, nor is any slot before it;
//! - a slot that happens twice when the clocks go back fires once, at the earlier instant;
//! - a cancelled circular has nothing due.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use super::Reminder;
use super::time::to_utc;
use crate::circulars::Circular;

/// No reminder slot within this time after the circular started.
pub const QUIET: TimeDelta = TimeDelta::hours(24);

/// When a circular's things happen, as instants.
#[derive(Debug, Clone, Copy)]
pub struct Timing<'a> {
    /// When to send it: `circular.toml`'s, or what `schedule --at` / `send --now` stored.
    pub send_at: Option<DateTime<Utc>>,
    /// The end of registrations: no reminder after it.
    pub deadline: Option<DateTime<Utc>>,
    pub reminders: &'a [Reminder],
    /// The zone the crontab expressions are read in (`[locale] timezone`).
    pub tz: Tz,
}

impl<'a> Timing<'a> {
    /// The timing `circular.toml` gives, its local times read in `tz`, a deadline that is a
    /// day lasting until that day's end. Replace `send_at` with the stored one if any.
    pub fn of(circular: &'a Circular, tz: Tz) -> Timing<'a> {
        Timing {
            send_at: circular.send_at.map(|w| to_utc(w, false, tz)),
            deadline: circular.deadline.map(|w| to_utc(w, true, tz)),
            reminders: &circular.reminders,
            tz,
        }
    }
}

/// What has happened already, as the database records it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// When sending the circular started.
    pub started: Option<DateTime<Utc>>,
    /// The slot of the last reminder round created.
    pub last_round: Option<DateTime<Utc>>,
    pub cancelled: bool,
}

/// What to do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Start sending the circular.
    Circular,
    /// Create the reminder round of this slot (record it as `last_round`).
    Reminder { slot: DateTime<Utc> },
}

/// What is due at `now`, if anything.
pub fn due(timing: &Timing<'_>, progress: &Progress, now: DateTime<Utc>) -> Option<Due> {
    if progress.cancelled {
        return None;
    }
    let Some(started) = progress.started else {
        return timing
            .send_at
            .filter(|at| *at <= now)
            .map(|_| Due::Circular);
    };
    timing.deadline.filter(|deadline| now <= *deadline)?;
    let slot = last_slot(timing.reminders, timing.tz, now)?;
    (slot > floor(started, progress)).then_some(Due::Reminder { slot })
}

/// When to look again: now if something is due, else the `send_at` or the next reminder
/// slot; `None` when nothing will be due unless the circular is scheduled again.
pub fn next_wakeup(
    timing: &Timing<'_>,
    progress: &Progress,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if progress.cancelled {
        return None;
    }
    if due(timing, progress, now).is_some() {
        return Some(now);
    }
    let Some(started) = progress.started else {
        return timing.send_at;
    };
    let deadline = timing.deadline?;
    next_slot(
        timing.reminders,
        timing.tz,
        floor(started, progress).max(now),
    )
    .filter(|slot| *slot <= deadline)
}

/// Slots at or before this instant are never due.
fn floor(started: DateTime<Utc>, progress: &Progress) -> DateTime<Utc> {
    let quiet = started + QUIET - TimeDelta::nanoseconds(1);
    progress.last_round.map_or(quiet, |last| last.max(quiet))
}

/// A reminder's local time as an instant: the earlier one when the clocks go back.
fn instant(slot: DateTime<Tz>) -> DateTime<Utc> {
    slot.timezone()
        .from_local_datetime(&slot.naive_local())
        .earliest()
        .unwrap_or(slot)
        .with_timezone(&Utc)
}

/// The first slot of any reminder strictly after `after`.
fn next_slot(reminders: &[Reminder], tz: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    reminders
        .iter()
        .filter_map(|reminder| {
            let mut cursor = after.with_timezone(&tz);
            // A local time that happens twice may come back as its earlier instant, before
            // `after`: then look on from its later one.
            for _ in 0..3 {
                let found = reminder.next_after(&cursor)?;
                if instant(found) > after {
                    return Some(instant(found));
                }
                cursor = tz
                    .from_local_datetime(&found.naive_local())
                    .latest()
                    .unwrap_or(found);
            }
            None
        })
        .min()
}

/// The last slot of any reminder at or before `until`.
fn last_slot(reminders: &[Reminder], tz: Tz, until: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let mut last = reminders
        .iter()
        .filter_map(|reminder| reminder.last_until(&until.with_timezone(&tz)))
        .map(instant)
        .max()?;
    // Going back from inside an hour that happens twice can miss a slot of its first pass.
    while let Some(next) = next_slot(reminders, tz, last).filter(|n| *n <= until) {
        last = next;
    }
    Some(last)
}

#[cfg(test)]
mod tests;
