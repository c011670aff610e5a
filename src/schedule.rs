//! What is due when: reminder schedules (crontab(5) expressions, as users write them, turned
//! into the `cron` crate's form, which wants a seconds field and numbers Sunday 1 to
//! Saturday 7), local times turned into instants, and the plan of a circular's sending and
//! reminder rounds. Pure: the clock is a parameter.

use std::str::FromStr;

pub mod plan;
pub mod time;

pub use plan::{Due, Progress, Timing, due, next_wakeup};
pub use time::{parse_at, to_utc};

/// A reminder schedule: the expression as written and its parsed form.
#[derive(Debug, Clone)]
pub struct Reminder {
    pub expression: String,
    /// One schedule, or two when both day fields are restricted: crontab then fires on
    /// days that match either, where `cron` wants both.
    schedules: Vec<cron::Schedule>,
}

impl Reminder {
    /// Parses a five-field crontab expression (`0 9 * * MON`, `30 8 * * 1-5`) or one of
    /// `@yearly`, `@monthly`, `@weekly`, `@daily`, `@hourly`.
    ///
    /// # Errors
    /// Says what is wrong with the expression.
    pub fn parse(expression: &str) -> Result<Reminder, String> {
        let expanded = match expression.trim() {
            "@yearly" | "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" | "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            other => other,
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        let [minute, hour, dom, month, dow] = fields[..] else {
            return Err(format!(
                "`{expression}` has {} fields; expected five: minute hour day-of-month month day-of-week",
                fields.len()
            ));
        };
        let dow = day_of_week(dow).map_err(|e| format!("`{expression}`: {e}"))?;
        let days = if dom != "*" && dow != "*" {
            vec![(dom, "*".to_string()), ("*", dow)]
        } else {
            vec![(dom, dow)]
        };
        let schedules = days
            .into_iter()
            .map(|(dom, dow)| {
                cron::Schedule::from_str(&format!("0 {minute} {hour} {dom} {month} {dow}"))
                    .map_err(|e| format!("`{expression}` is not a valid crontab expression: {e}"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Reminder {
            expression: expression.to_string(),
            schedules,
        })
    }

    /// The first time after `after` at which the reminder fires, in `after`'s time zone.
    pub fn next_after<Z: chrono::TimeZone>(
        &self,
        after: &chrono::DateTime<Z>,
    ) -> Option<chrono::DateTime<Z>> {
        self.schedules
            .iter()
            .filter_map(|s| s.after(after).next())
            .min()
    }

    /// The last time at or before `until` at which the reminder fires, in `until`'s time
    /// zone.
    pub fn last_until<Z: chrono::TimeZone>(
        &self,
        until: &chrono::DateTime<Z>,
    ) -> Option<chrono::DateTime<Z>> {
        // `cron` looks strictly before its start: start just after `until`.
        let just_after = until.clone() + chrono::TimeDelta::nanoseconds(1);
        self.schedules
            .iter()
            .filter_map(|s| s.after(&just_after).next_back())
            .max()
    }
}

const DAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// Converts a crontab day-of-week field (0 or 7 = Sunday, names, ranges, lists, steps)
/// into an explicit list for `cron` (1 = Sunday).
fn day_of_week(field: &str) -> Result<String, String> {
    if field == "*" || field == "?" {
        return Ok("*".to_string());
    }
    let mut days = [false; 7];
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => (
                range,
                step.parse::<usize>()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("bad step `{step}` in day of week"))?,
            ),
            None => (item, 1),
        };
        let (first, last) = match range {
            "*" => (0, 6),
            _ => match range.split_once('-') {
                Some((a, b)) => (day(a)?, day(b)?),
                None if step > 1 => (day(range)?, 6),
                None => (day(range)?, day(range)?),
            },
        };
        // 7 is Sunday too: `5-7` is Friday to Sunday.
        let last = if last < first && last == 0 { 7 } else { last };
        if last < first {
            return Err(format!("day-of-week range `{range}` runs backwards"));
        }
        for d in (first..=last).step_by(step) {
            days[d % 7] = true;
        }
    }
    let list: Vec<String> = (0..7)
        .filter(|&d| days[d])
        .map(|d| (d + 1).to_string())
        .collect();
    Ok(list.join(","))
}

/// A crontab day: 0–7 or a three-letter English name.
fn day(text: &str) -> Result<usize, String> {
    if let Ok(n) = text.parse::<usize>() {
        return if n <= 7 {
            Ok(n)
        } else {
            Err(format!("day of week `{n}` is not 0–7"))
        };
    }
    DAY_NAMES
        .iter()
        .position(|name| name.eq_ignore_ascii_case(text))
        .ok_or_else(|| format!("unknown day of week `{text}`"))
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, TimeZone, Weekday};

    use super::*;

    /// The times a reminder fires from Monday 23 November 2026, for `days` days.
    fn firings(expression: &str, days: i64) -> Vec<chrono::DateTime<chrono_tz::Tz>> {
        let reminder = Reminder::parse(expression).unwrap();
        let start = chrono_tz::Europe::Madrid
            .with_ymd_and_hms(2026, 11, 23, 0, 0, 0)
            .unwrap();
        let end = start + chrono::Duration::days(days);
        std::iter::successors(reminder.next_after(&start), |t| reminder.next_after(t))
            .take_while(|t| *t < end)
            .collect()
    }

    /// The days a reminder fires on in the week from Monday 23 November 2026.
    fn weekdays(expression: &str) -> Vec<Weekday> {
        let mut days: Vec<Weekday> = firings(expression, 7).iter().map(|t| t.weekday()).collect();
        days.dedup();
        days
    }

    #[test]
    fn with_both_day_fields_set_either_one_fires_as_in_crontab() {
        let days: Vec<String> = firings("0 9 1 * MON", 15)
            .iter()
            .map(|t| t.format("%a %d %H:%M").to_string())
            .collect();
        assert_eq!(
            days,
            [
                "Mon 23 09:00",
                "Mon 30 09:00",
                "Tue 01 09:00",
                "Mon 07 09:00"
            ]
        );
    }

    #[test]
    fn reminders_fire_at_local_time_in_the_configured_zone() {
        let first = firings("30 8 * * MON-FRI", 1)[0];
        assert_eq!(first.format("%H:%M %Z").to_string(), "08:30 CET");
        assert_eq!(weekdays("@weekly"), [Weekday::Sun]);
        assert_eq!(
            firings("@daily", 3).len(),
            2,
            "after midnight on the first day: two more"
        );
    }

    #[test]
    fn mon_fri_and_1_5_both_mean_monday_to_friday() {
        use Weekday::*;
        assert_eq!(weekdays("0 9 * * MON-FRI"), [Mon, Tue, Wed, Thu, Fri]);
        assert_eq!(weekdays("0 9 * * 1-5"), [Mon, Tue, Wed, Thu, Fri]);
    }

    #[test]
    fn sunday_is_zero_or_seven_and_names_work() {
        use Weekday::*;
        assert_eq!(weekdays("0 9 * * 0"), [Sun]);
        assert_eq!(weekdays("0 9 * * 7"), [Sun]);
        assert_eq!(weekdays("0 9 * * MON"), [Mon]);
        assert_eq!(weekdays("0 9 * * 5-7"), [Fri, Sat, Sun]);
        assert_eq!(weekdays("0 9 * * SUN,WED"), [Wed, Sun]);
    }

    #[test]
    fn bad_expressions_are_refused_with_a_reason() {
        assert!(Reminder::parse("0 9 * *").unwrap_err().contains("five"));
        assert!(
            Reminder::parse("0 9 * * FUNDAY")
                .unwrap_err()
                .contains("FUNDAY")
        );
        assert!(Reminder::parse("0 25 * * MON").is_err());
        assert!(Reminder::parse("0 9 * * 8").is_err());
    }
}
