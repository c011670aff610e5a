//! Local times, as `circular.toml` and `schedule --at` write them, turned into instants.
//!
//! Daylight-saving time: a local time that the clocks skip in spring (Europe/Madrid,
//! last Sunday of March, 02:00–03:00) stands for the first instant after the gap (03:00);
//! a local time that happens twice in autumn stands for the earlier one (the summer one).
//! Only `schedule --at` refuses a skipped time: a person typed it, and should know.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use crate::circulars::When;

/// A `circular.toml` time (local, no offset) in `tz`, as an instant. With `end_of_day`,
/// a day stands for its end (23:59:59), as a deadline does; otherwise for its start.
pub fn to_utc(when: When, end_of_day: bool, tz: Tz) -> DateTime<Utc> {
    let local = if end_of_day { when.end() } else { when.start() };
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        LocalResult::None => after_gap(local, tz),
    }
}

/// The first instant whose local time in `tz` is at or past `local`, a local time the
/// clocks skip: the end of the gap.
fn after_gap(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    // Offsets lie within ±15 h, and the local time only moves forward around a gap, so
    // the answer lies in this window and a binary search finds it.
    let window = TimeDelta::hours(15);
    let (mut low, mut high) = (local.and_utc() - window, local.and_utc() + window);
    let reached = |t: DateTime<Utc>| t.with_timezone(&tz).naive_local() >= local;
    while high - low > TimeDelta::nanoseconds(1) {
        let middle = low + (high - low) / 2;
        if reached(middle) {
            high = middle;
        } else {
            low = middle;
        }
    }
    high
}

/// The forms `schedule --at` takes without an offset.
const LOCAL_FORMS: [&str; 4] = [
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
];

/// `schedule NNN --at TIME`: RFC 3339 with an offset (`2026-12-03T09:00:00+01:00`,
/// `2026-12-03T08:00:00Z`), or a local time in `tz` (`2026-12-03 09:00`,
/// `2026-12-03T09:00`, `2026-12-03T09:00:00`). A local time that happens twice (the
/// clocks go back) is the earlier one.
///
/// # Errors
/// The text is not one of these forms, or it is a local time the clocks skip in `tz`;
/// the message says which, and what to write.
pub fn parse_at(text: &str, tz: Tz) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(moment) = DateTime::parse_from_rfc3339(text) {
        return Ok(moment.with_timezone(&Utc));
    }
    if let Ok(moment) = DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M%:z") {
        return Ok(moment.with_timezone(&Utc));
    }
    let local = LOCAL_FORMS
        .iter()
        .find_map(|form| NaiveDateTime::parse_from_str(text, form).ok())
        .ok_or_else(|| {
            format!(
                "`{text}` is not a time: write a local time in {tz} (`2026-12-03 09:00`) \
                 or one with an offset (`2026-12-03T09:00:00+01:00`)"
            )
        })?;
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Ok(t.with_timezone(&Utc)),
        LocalResult::None => Err(format!(
            "`{text}` does not exist in {tz}: the clocks go forward then; \
             the first time after the change is {}",
            after_gap(local, tz)
                .with_timezone(&tz)
                .format("%Y-%m-%d %H:%M")
        )),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, NaiveTime};
    use chrono_tz::Europe::Madrid;

    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn moment(text: &str) -> When {
        When::Moment(NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap())
    }

    #[test]
    fn a_day_stands_for_its_start_or_as_a_deadline_for_its_end() {
        let day = When::Day(NaiveDate::from_ymd_opt(2014, 10, 24).unwrap());
        assert_eq!(to_utc(day, false, Madrid), utc("2014-10-23T22:00:00Z"));
        assert_eq!(to_utc(day, true, Madrid), utc("2014-10-24T21:59:59Z"));
    }

    #[test]
    fn a_local_time_follows_summer_and_winter_time() {
        assert_eq!(
            to_utc(moment("2014-09-04 10:00"), false, Madrid),
            utc("2014-09-04T08:00:00Z")
        );
        assert_eq!(
            to_utc(moment("2014-12-04 10:00"), false, Madrid),
            utc("2014-12-04T09:00:00Z")
        );
    }

    #[test]
    fn a_time_the_clocks_skip_in_spring_is_the_first_instant_after_the_gap() {
        // 29 March 2026: 02:00 CET becomes 03:00 CEST.
        let gap = to_utc(moment("2026-03-29 02:30"), false, Madrid);
        assert_eq!(gap, utc("2026-03-29T01:00:00Z"));
        assert_eq!(
            gap.with_timezone(&Madrid).time(),
            NaiveTime::from_hms_opt(3, 0, 0).unwrap()
        );
    }

    #[test]
    fn a_time_that_happens_twice_in_autumn_is_the_earlier_one() {
        // 25 October 2026: 03:00 CEST becomes 02:00 CET; 02:30 happens twice.
        assert_eq!(
            to_utc(moment("2026-10-25 02:30"), false, Madrid),
            utc("2026-10-25T00:30:00Z")
        );
        assert_eq!(
            parse_at("2026-10-25 02:30", Madrid),
            Ok(utc("2026-10-25T00:30:00Z"))
        );
    }

    #[test]
    fn at_takes_a_time_with_an_offset_or_z() {
        let nine = utc("2026-12-03T08:00:00Z");
        assert_eq!(parse_at("2026-12-03T09:00:00+01:00", Madrid), Ok(nine));
        assert_eq!(parse_at("2026-12-03T09:00+01:00", Madrid), Ok(nine));
        assert_eq!(parse_at("2026-12-03T08:00:00Z", Madrid), Ok(nine));
        assert_eq!(
            parse_at("2026-12-03T08:00:00-05:00", Madrid),
            Ok(utc("2026-12-03T13:00:00Z"))
        );
    }

    #[test]
    fn at_takes_a_local_time_in_the_configured_zone_in_each_form() {
        for text in [
            "2026-12-03 09:00",
            "2026-12-03T09:00",
            "2026-12-03T09:00:00",
            " 2026-12-03 09:00:00 ",
        ] {
            assert_eq!(
                parse_at(text, Madrid),
                Ok(utc("2026-12-03T08:00:00Z")),
                "{text}"
            );
        }
        assert_eq!(
            parse_at("2026-07-03 09:00", Madrid),
            Ok(utc("2026-07-03T07:00:00Z")),
            "summer time"
        );
    }

    #[test]
    fn at_refuses_a_local_time_the_clocks_skip_and_says_so() {
        let err = parse_at("2026-03-29 02:30", Madrid).unwrap_err();
        assert!(err.contains("does not exist in Europe/Madrid"), "{err}");
        assert!(err.contains("2026-03-29 03:00"), "{err}");
    }

    #[test]
    fn at_refuses_what_is_not_a_time_and_shows_what_to_write() {
        for text in ["tomorrow", "", "2026-13-03 09:00", "2026-12-03", "09:00"] {
            let err = parse_at(text, Madrid).unwrap_err();
            assert!(err.contains("is not a time"), "{text}: {err}");
            assert!(err.contains("2026-12-03 09:00"), "{text}: {err}");
        }
    }
}
