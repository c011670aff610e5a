//! Seats: where a registration goes (confirmed, waitlisted, refused) by the circular's
//! `capacity`, `deadline` and `late` policy, who on the waitlist takes the seats a
//! withdrawal frees, and how a member's second registration merges with the first. Pure:
//! the store applies it inside the transaction that records the reply.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::circulars::definition::Late;
use crate::locale::fold;
use crate::replies::Attendee;

/// The state of a registration, as stored and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Confirmed,
    Waitlisted,
    Cancelled,
    Refused,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Confirmed => "confirmed",
            Status::Waitlisted => "waitlisted",
            Status::Cancelled => "cancelled",
            Status::Refused => "refused",
        }
    }

    /// Whether it holds (or waits for) seats.
    pub fn is_active(self) -> bool {
        matches!(self, Status::Confirmed | Status::Waitlisted)
    }
}

impl std::str::FromStr for Status {
    type Err = String;

    fn from_str(s: &str) -> Result<Status, String> {
        match s {
            "confirmed" => Ok(Status::Confirmed),
            "waitlisted" => Ok(Status::Waitlisted),
            "cancelled" => Ok(Status::Cancelled),
            "refused" => Ok(Status::Refused),
            other => Err(format!("unknown registration status `{other}`")),
        }
    }
}

/// What `circular.toml` says of registrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Seats; `None` for no limit.
    pub capacity: Option<u32>,
    /// The last instant a registration is on time.
    pub deadline: Option<DateTime<Utc>>,
    pub late: Late,
}

/// Where a registration goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    pub status: Status,
    /// It reached the secretariat after the deadline.
    pub late: bool,
}

impl Policy {
    /// Where a registration of `seats` received at `at` goes, when others hold `taken`
    /// confirmed seats and `queue` says whether someone waits on the waitlist already
    /// (then a newcomer waits behind them, even if their seats would fit). After the
    /// deadline: `refuse` refuses it, `waitlist` waitlists it, `accept` takes it like one
    /// on time. Seats are given whole: a registration of three that finds two free seats
    /// is waitlisted.
    pub fn place(&self, seats: u32, at: DateTime<Utc>, taken: u32, queue: bool) -> Placement {
        let late = self.deadline.is_some_and(|deadline| at > deadline);
        let status = match (late, self.late) {
            (true, Late::Refuse) => Status::Refused,
            (true, Late::Waitlist) => Status::Waitlisted,
            _ if !queue && self.fits(seats, taken) => Status::Confirmed,
            _ => Status::Waitlisted,
        };
        Placement { status, late }
    }

    /// Whether `seats` more fit beside `taken`.
    pub fn fits(&self, seats: u32, taken: u32) -> bool {
        self.capacity
            .is_none_or(|capacity| taken.saturating_add(seats) <= capacity)
    }

    /// Who on `waitlist` (id and seats, first come first) is confirmed now that others hold
    /// `taken` seats: in order, while the first of them fits. Nobody jumps the queue: a
    /// smaller registration behind one that does not fit waits too. Registrations
    /// waitlisted because they were late are never promoted by `waitlist`: the caller
    /// leaves them out unless `late` is `accept`.
    pub fn promote(&self, mut taken: u32, waitlist: &[(i64, u32)]) -> Vec<i64> {
        let mut promoted = Vec::new();
        for &(id, seats) in waitlist {
            if !self.fits(seats, taken) {
                break;
            }
            taken += seats;
            promoted.push(id);
        }
        promoted
    }
}

/// The seats `attendees` take: one each, and one for a registration that names nobody.
pub fn seats(attendees: &[Attendee]) -> u32 {
    u32::try_from(attendees.len()).unwrap_or(u32::MAX).max(1)
}

/// A member's second registration merged into the first: each person of `new` who is
/// already registered (same email, else same name, in any letter case and accents) takes
/// the new non-empty fields; the others are added after the first registration's people.
/// Nobody is removed: withdrawing one person is a withdrawal naming them.
pub fn merge(old: &[Attendee], new: &[Attendee]) -> Vec<Attendee> {
    let mut merged = old.to_vec();
    for person in new {
        match merged.iter_mut().find(|known| same_person(known, person)) {
            Some(known) => {
                for (field, value) in [
                    (&mut known.name, &person.name),
                    (&mut known.position, &person.position),
                    (&mut known.email, &person.email),
                ] {
                    if !value.is_empty() {
                        field.clone_from(value);
                    }
                }
            }
            None => merged.push(person.clone()),
        }
    }
    merged
}

/// `old` without the people of `gone`; `None` when that leaves nobody, or `gone` names
/// nobody registered (then the whole registration is withdrawn).
pub fn without(old: &[Attendee], gone: &[Attendee]) -> Option<Vec<Attendee>> {
    let kept: Vec<Attendee> = old
        .iter()
        .filter(|known| !gone.iter().any(|person| same_person(known, person)))
        .cloned()
        .collect();
    (!kept.is_empty() && kept.len() < old.len()).then_some(kept)
}

/// The same person: the same email when both have one, else the same name.
pub fn same_person(a: &Attendee, b: &Attendee) -> bool {
    if !a.email.is_empty() && !b.email.is_empty() {
        return a.email.eq_ignore_ascii_case(&b.email);
    }
    !a.name.is_empty() && fold(&a.name) == fold(&b.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: &str, position: &str, email: &str) -> Attendee {
        Attendee {
            name: name.into(),
            position: position.into(),
            email: email.into(),
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn policy(capacity: Option<u32>, late: Late) -> Policy {
        Policy {
            capacity,
            deadline: Some(at("2026-11-20T22:59:59Z")),
            late,
        }
    }

    #[test]
    fn on_time_registrations_fill_the_seats_then_the_waitlist() {
        let p = policy(Some(3), Late::Refuse);
        let on_time = at("2026-11-20T10:00:00Z");
        assert_eq!(p.place(2, on_time, 0, false).status, Status::Confirmed);
        assert_eq!(p.place(1, on_time, 2, false).status, Status::Confirmed);
        assert_eq!(p.place(2, on_time, 2, false).status, Status::Waitlisted);
        assert!(!p.place(2, on_time, 2, false).late);
        // One seat is free, but someone waits already: the newcomer waits behind them.
        assert_eq!(p.place(1, on_time, 2, true).status, Status::Waitlisted);
        let open = policy(None, Late::Refuse);
        assert_eq!(
            open.place(40, on_time, 500, false).status,
            Status::Confirmed
        );
    }

    #[test]
    fn late_registrations_follow_the_late_policy() {
        let late = at("2026-11-20T23:00:00Z");
        let refused = policy(Some(10), Late::Refuse).place(1, late, 0, false);
        assert_eq!(
            refused,
            Placement {
                status: Status::Refused,
                late: true
            }
        );
        let waitlisted = policy(Some(10), Late::Waitlist).place(1, late, 0, false);
        assert_eq!(waitlisted.status, Status::Waitlisted);
        let accepted = policy(Some(10), Late::Accept).place(1, late, 0, false);
        assert_eq!(
            accepted,
            Placement {
                status: Status::Confirmed,
                late: true
            }
        );
        // Accepted late, but the seats are gone.
        let full = policy(Some(10), Late::Accept).place(1, late, 10, false);
        assert_eq!(full.status, Status::Waitlisted);
        // The deadline's own second is on time.
        let last = policy(Some(10), Late::Refuse).place(1, at("2026-11-20T22:59:59Z"), 0, false);
        assert_eq!(last.status, Status::Confirmed);
    }

    #[test]
    fn freed_seats_go_to_the_waitlist_in_order_without_jumping_it() {
        let p = policy(Some(5), Late::Refuse);
        assert_eq!(p.promote(3, &[(7, 2), (8, 1)]), vec![7]);
        assert_eq!(p.promote(3, &[(7, 3), (8, 1)]), Vec::<i64>::new());
        assert_eq!(p.promote(0, &[(7, 3), (8, 2), (9, 1)]), vec![7, 8]);
        assert_eq!(
            policy(None, Late::Refuse).promote(9, &[(1, 4), (2, 4)]),
            vec![1, 2]
        );
    }

    #[test]
    fn a_second_registration_adds_people_and_updates_known_ones() {
        let old = vec![
            person("Ana García", "", "ana@bilbao.example.org"),
            person("Iñaki Mendia", "Asesor", ""),
        ];
        let new = vec![
            person("ANA GARCIA", "Teniente de alcaldesa", ""),
            person("Iñaki Mendia", "", "inaki@bilbao.example.org"),
            person("Leire Uribe", "Técnica", ""),
        ];
        let merged = merge(&old, &new);
        assert_eq!(
            merged,
            vec![
                person(
                    "ANA GARCIA",
                    "Teniente de alcaldesa",
                    "ana@bilbao.example.org"
                ),
                person("Iñaki Mendia", "Asesor", "inaki@bilbao.example.org"),
                person("Leire Uribe", "Técnica", ""),
            ]
        );
        assert_eq!(seats(&merged), 3);
        assert_eq!(seats(&[]), 1);
    }

    #[test]
    fn a_withdrawal_naming_one_person_keeps_the_others() {
        let old = vec![
            person("Ana García", "", "ana@bilbao.example.org"),
            person("Iñaki Mendia", "Asesor", ""),
        ];
        assert_eq!(
            without(&old, &[person("Inaki Mendia", "", "")]),
            Some(vec![person("Ana García", "", "ana@bilbao.example.org")])
        );
        assert_eq!(without(&old, &[person("Someone Else", "", "")]), None);
        assert_eq!(without(&old, &old), None);
        assert_eq!(without(&old, &[]), None);
    }
}
