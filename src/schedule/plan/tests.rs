use chrono_tz::Europe::Madrid;

use super::*;

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn mondays() -> Vec<Reminder> {
    vec![Reminder::parse("0 9 * * MON").unwrap()]
}

/// Sent Thursday 1 October 2026, deadline the end of Friday 20 November, reminders on
/// Mondays at 09:00 in Madrid.
fn timing(reminders: &[Reminder]) -> Timing<'_> {
    Timing {
        send_at: Some(utc("2026-10-01T08:00:00Z")),
        deadline: Some(utc("2026-11-20T22:59:59Z")),
        reminders,
        tz: Madrid,
    }
}

fn started(last_round: Option<&str>) -> Progress {
    Progress {
        started: Some(utc("2026-10-01T08:00:05Z")),
        last_round: last_round.map(utc),
        cancelled: false,
    }
}

fn slot(text: &str) -> Option<Due> {
    Some(Due::Reminder { slot: utc(text) })
}

#[test]
fn without_a_send_at_nothing_is_due_and_there_is_nothing_to_wait_for() {
    let reminders = mondays();
    let timing = Timing {
        send_at: None,
        ..timing(&reminders)
    };
    let now = utc("2026-10-05T12:00:00Z");
    assert_eq!(due(&timing, &Progress::default(), now), None);
    assert_eq!(next_wakeup(&timing, &Progress::default(), now), None);
}

#[test]
fn the_circular_is_due_at_its_send_at_and_not_before() {
    let reminders = mondays();
    let timing = timing(&reminders);
    let none = Progress::default();
    let before = utc("2026-10-01T07:59:59Z");
    assert_eq!(due(&timing, &none, before), None);
    assert_eq!(next_wakeup(&timing, &none, before), timing.send_at);
    assert_eq!(
        due(&timing, &none, utc("2026-10-01T08:00:00Z")),
        Some(Due::Circular)
    );
}

#[test]
fn a_send_at_missed_while_down_is_due_at_once_even_after_the_deadline() {
    let reminders = mondays();
    let timing = timing(&reminders);
    let late = utc("2026-12-24T10:00:00Z");
    assert_eq!(
        due(&timing, &Progress::default(), late),
        Some(Due::Circular)
    );
    assert_eq!(next_wakeup(&timing, &Progress::default(), late), Some(late));
}

#[test]
fn a_cancelled_circular_has_nothing_due_ever() {
    let reminders = mondays();
    let timing = timing(&reminders);
    let now = utc("2026-10-12T07:00:00Z");
    for progress in [Progress::default(), started(None)] {
        let cancelled = Progress {
            cancelled: true,
            ..progress
        };
        assert_eq!(due(&timing, &cancelled, now), None);
        assert_eq!(next_wakeup(&timing, &cancelled, now), None);
    }
}

#[test]
fn the_first_reminder_is_the_first_monday_at_nine_after_the_start() {
    let reminders = mondays();
    let timing = timing(&reminders);
    let progress = started(None);
    let sunday = utc("2026-10-04T12:00:00Z");
    assert_eq!(due(&timing, &progress, sunday), None);
    assert_eq!(
        next_wakeup(&timing, &progress, sunday),
        Some(utc("2026-10-05T07:00:00Z"))
    );
    assert_eq!(
        due(&timing, &progress, utc("2026-10-05T07:00:00Z")),
        slot("2026-10-05T07:00:00Z")
    );
}

#[test]
fn a_monday_reminder_fires_at_nine_local_before_and_after_the_clocks_go_back() {
    // Summer time ends on Sunday 25 October 2026: 09:00 is 07:00 UTC before, 08:00 after.
    let reminders = mondays();
    let timing = timing(&reminders);
    let before = started(Some("2026-10-12T07:00:00Z"));
    assert_eq!(
        due(&timing, &before, utc("2026-10-19T07:00:30Z")),
        slot("2026-10-19T07:00:00Z")
    );
    let after = started(Some("2026-10-19T07:00:00Z"));
    assert_eq!(
        next_wakeup(&timing, &after, utc("2026-10-19T07:01:00Z")),
        Some(utc("2026-10-26T08:00:00Z"))
    );
    assert_eq!(
        due(&timing, &after, utc("2026-10-26T07:30:00Z")),
        None,
        "08:30 local is not nine yet"
    );
    assert_eq!(
        due(&timing, &after, utc("2026-10-26T08:00:00Z")),
        slot("2026-10-26T08:00:00Z")
    );
}

#[test]
fn a_slot_whose_round_exists_is_never_due_again() {
    let reminders = mondays();
    let timing = timing(&reminders);
    let progress = started(Some("2026-10-05T07:00:00Z"));
    for now in [
        "2026-10-05T07:00:00Z",
        "2026-10-05T15:00:00Z",
        "2026-10-12T06:59:59Z",
    ] {
        assert_eq!(due(&timing, &progress, utc(now)), None, "{now}");
    }
    assert_eq!(
        next_wakeup(&timing, &progress, utc("2026-10-05T07:00:00Z")),
        Some(utc("2026-10-12T07:00:00Z"))
    );
}

#[test]
fn reminders_missed_while_down_collapse_into_one_round_at_the_latest_slot() {
    // Last round on 5 October, then down until Wednesday 28 October: the Mondays 12, 19
    // and 26 were missed.
    let reminders = mondays();
    let timing = timing(&reminders);
    let progress = started(Some("2026-10-05T07:00:00Z"));
    let back = utc("2026-10-28T10:00:00Z");
    assert_eq!(due(&timing, &progress, back), slot("2026-10-26T08:00:00Z"));
    let caught_up = started(Some("2026-10-26T08:00:00Z"));
    assert_eq!(due(&timing, &caught_up, back), None);
    assert_eq!(
        next_wakeup(&timing, &caught_up, back),
        Some(utc("2026-11-02T08:00:00Z"))
    );
}

#[test]
fn no_reminder_goes_out_after_the_deadline_even_a_missed_one() {
    let reminders = mondays();
    let timing = timing(&reminders);
    // The last Monday before the deadline is 16 November; the round was not created.
    let progress = started(Some("2026-11-09T08:00:00Z"));
    assert_eq!(
        due(&timing, &progress, utc("2026-11-20T22:59:59Z")),
        slot("2026-11-16T08:00:00Z"),
        "up to the deadline, the missed Monday still goes"
    );
    assert_eq!(due(&timing, &progress, utc("2026-11-20T23:00:00Z")), None);
    assert_eq!(due(&timing, &progress, utc("2026-11-23T08:00:00Z")), None);
    let done = started(Some("2026-11-16T08:00:00Z"));
    assert_eq!(
        next_wakeup(&timing, &done, utc("2026-11-16T09:00:00Z")),
        None,
        "the next Monday is after the deadline"
    );
}

#[test]
fn a_circular_sent_after_its_deadline_gets_no_reminder() {
    let reminders = mondays();
    let timing = timing(&reminders);
    let progress = Progress {
        started: Some(utc("2026-11-25T10:00:00Z")),
        ..Progress::default()
    };
    let monday = utc("2026-11-30T08:00:00Z");
    assert_eq!(due(&timing, &progress, monday), None);
    assert_eq!(next_wakeup(&timing, &progress, monday), None);
}

#[test]
fn without_a_deadline_there_are_no_reminders() {
    let reminders = mondays();
    let timing = Timing {
        deadline: None,
        ..timing(&reminders)
    };
    let progress = started(None);
    assert_eq!(due(&timing, &progress, utc("2026-10-05T07:00:00Z")), None);
    assert_eq!(
        next_wakeup(&timing, &progress, utc("2026-10-05T07:00:00Z")),
        None
    );
}

#[test]
fn no_reminder_comes_within_a_day_of_the_start() {
    // Sent Monday 5 October at 08:30 local: that day's 09:00 is skipped; so is Tuesday's
    // 09:00 for a daily reminder (24 h 30 min later it would not be).
    let daily = vec![Reminder::parse("0 9 * * *").unwrap()];
    let timing = timing(&daily);
    let progress = Progress {
        started: Some(utc("2026-10-05T06:30:00Z")),
        ..Progress::default()
    };
    assert_eq!(due(&timing, &progress, utc("2026-10-05T07:00:00Z")), None);
    assert_eq!(
        next_wakeup(&timing, &progress, utc("2026-10-05T07:00:00Z")),
        Some(utc("2026-10-06T07:00:00Z"))
    );
    assert_eq!(
        due(&timing, &progress, utc("2026-10-06T07:00:00Z")),
        slot("2026-10-06T07:00:00Z"),
        "24 h 30 min after the start"
    );
    let just_before = Progress {
        started: Some(utc("2026-10-05T07:30:00Z")),
        ..Progress::default()
    };
    assert_eq!(
        due(&timing, &just_before, utc("2026-10-06T07:00:00Z")),
        None,
        "23 h 30 min after the start"
    );
}

#[test]
fn of_several_reminders_the_latest_slot_wins_and_the_next_is_the_nearest() {
    let reminders = vec![
        Reminder::parse("0 9 * * MON").unwrap(),
        Reminder::parse("0 17 * * THU").unwrap(),
    ];
    let timing = timing(&reminders);
    let progress = started(Some("2026-10-05T07:00:00Z"));
    assert_eq!(
        due(&timing, &progress, utc("2026-10-09T10:00:00Z")),
        slot("2026-10-08T15:00:00Z")
    );
    assert_eq!(
        next_wakeup(&timing, &progress, utc("2026-10-06T10:00:00Z")),
        Some(utc("2026-10-08T15:00:00Z"))
    );
}

#[test]
fn a_slot_in_the_hour_that_happens_twice_fires_once() {
    // 02:30 on Sunday 25 October 2026 happens at 00:30 and at 01:30 UTC.
    let nightly = vec![Reminder::parse("30 2 * * *").unwrap()];
    let timing = timing(&nightly);
    let first = utc("2026-10-25T00:30:00Z");
    assert_eq!(
        due(&timing, &started(None), first),
        slot("2026-10-25T00:30:00Z")
    );
    let done = started(Some("2026-10-25T00:30:00Z"));
    for now in [
        "2026-10-25T01:15:00Z",
        "2026-10-25T01:30:00Z",
        "2026-10-25T05:00:00Z",
    ] {
        assert_eq!(due(&timing, &done, utc(now)), None, "{now}");
    }
    assert_eq!(
        next_wakeup(&timing, &done, utc("2026-10-25T01:15:00Z")),
        Some(utc("2026-10-26T01:30:00Z"))
    );
}

#[test]
fn the_timing_of_a_circular_reads_its_local_times_in_the_zone() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("templates/circulars/030-smart-local-governance");
    let circular = crate::circulars::definition::load(&dir, &crate::locale::Language::ALL).unwrap();
    let timing = Timing::of(&circular, Madrid);
    assert_eq!(timing.send_at, Some(utc("2014-09-04T08:00:00Z")));
    assert_eq!(timing.deadline, Some(utc("2014-10-24T21:59:59Z")));
    assert_eq!(timing.reminders.len(), 1);
}
