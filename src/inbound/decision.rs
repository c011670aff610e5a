//! What a classified, matched message leads to: its kinds as the SPEC names them, its
//! status, the bounces to record, the address to suppress, and the reasons, as a pure
//! function so that it is tested without servers.

use serde::Serialize;

use super::bounce::{BounceKind, Report};
use super::classify::{Classified, Kind};
use super::matching::MatchedBy;
use crate::replies::{Attendee, REVIEW_BELOW, ReplyKind, Understanding};

/// Who the message was matched to, as found by the matching steps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Matched {
    pub member_id: Option<i64>,
    pub member_email: Option<String>,
    pub circular_id: Option<i64>,
    pub circular: Option<u32>,
    pub delivery_id: Option<i64>,
    pub by: Option<MatchedBy>,
    /// It was sent to the member's `List-Unsubscribe` address.
    pub unsubscribe_address: bool,
    /// Why, step by step.
    pub reasons: Vec<String>,
}

/// A failed recipient to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BounceRecord {
    pub hard: bool,
    pub recipient: String,
    pub status: String,
    pub diagnostic: String,
}

/// The bounce as `inbound list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BounceSummary {
    pub hard: bool,
    pub recipient: Option<String>,
    pub status: Option<String>,
    pub diagnostic: Option<String>,
    pub format: &'static str,
}

/// What was decided, stored as JSON and shown by `inbound show`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub kinds: Vec<&'static str>,
    /// The kind of robot, for `auto_reply`: auto_reply, challenge, read_receipt, delay.
    pub robot: Option<&'static str>,
    /// `processed`, or `review` when a person should read it.
    pub status: &'static str,
    pub bounce: Option<BounceSummary>,
    #[serde(skip)]
    pub bounces: Vec<BounceRecord>,
    /// The address that gets no more mail (an unsubscribe request).
    pub unsubscribe: Option<String>,
    /// What a person's reply says, as the reader of replies read it.
    pub reply: Option<ReplySummary>,
    pub reasons: Vec<String>,
}

/// What the reader of replies made of a person's reply, kept with the decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplySummary {
    /// In percent.
    pub confidence: u8,
    pub attendees: Vec<Attendee>,
    /// The member registers themself.
    pub itself: bool,
    pub question: Option<String>,
    /// The language of the member's own words, when clear.
    pub language: Option<&'static str>,
}

/// Decides what `classified`, matched as `matched`, sent by `sender`, leads to; `reply` is
/// what the reader of replies made of it, for a person's reply.
pub fn decide(
    classified: &Classified,
    matched: &Matched,
    sender: Option<&str>,
    reply: Option<&Understanding>,
) -> Decision {
    let mut reasons = classified.reasons.clone();
    reasons.extend(matched.reasons.iter().cloned());
    let mut decision = Decision {
        kinds: Vec::new(),
        robot: None,
        status: "processed",
        bounce: None,
        bounces: Vec::new(),
        unsubscribe: None,
        reply: None,
        reasons,
    };
    match classified.kind {
        Kind::Bounce => {
            decision.kinds.push("bounce");
            if let Some(report) = &classified.bounce {
                decision.bounces = bounce_records(report, matched);
                decision.bounce = Some(summary(report));
            }
        }
        Kind::Delay => robot(&mut decision, "delay"),
        Kind::AutoReply => robot(&mut decision, "auto_reply"),
        Kind::Challenge => robot(&mut decision, "challenge"),
        Kind::ReadReceipt => robot(&mut decision, "read_receipt"),
        Kind::Unsubscribe => unsubscribe(&mut decision, matched, sender),
        Kind::Human if matched.unsubscribe_address => {
            decision
                .reasons
                .push("sent to the member's unsubscribe address".into());
            unsubscribe(&mut decision, matched, sender);
        }
        Kind::Human => {
            match reply {
                Some(reply) => read_reply(&mut decision, reply),
                None => decision.kinds.push("other"),
            }
            match review_reason(reply, matched) {
                Some(why) => {
                    decision.status = "review";
                    decision.reasons.push(format!("to review: {why}"));
                }
                None if decision.kinds == ["other"] => {
                    decision.reasons.push("nothing to record".into());
                }
                None => decision.reasons.push("recorded".into()),
            }
        }
    }
    decision
}

/// Why a person should read the reply before anything is recorded, if they should.
fn review_reason(reply: Option<&Understanding>, matched: &Matched) -> Option<String> {
    let Some(reply) = reply else {
        return Some("nothing could be read".into());
    };
    if reply.needs_review() {
        return Some(format!(
            "the reading is not sure enough (below {:.0}%)",
            REVIEW_BELOW * 100.0
        ));
    }
    if reply.is(ReplyKind::Registration) && reply.is(ReplyKind::RegistrationCancel) {
        return Some("a registration and a withdrawal at once: which one is meant".into());
    }
    let acts = reply.kinds.iter().any(|&kind| kind != ReplyKind::Other);
    if acts && (matched.member_id.is_none() || matched.circular_id.is_none()) {
        return Some("not matched to a member and a circular: nothing can be recorded".into());
    }
    None
}

/// What the reader of replies found in a person's reply: its kinds, attendees, question
/// and reasons.
fn read_reply(decision: &mut Decision, reply: &Understanding) {
    decision.kinds = reply.kinds.iter().map(|k| k.as_str()).collect();
    let confidence = (reply.confidence.clamp(0.0, 1.0) * 100.0).round() as u8;
    decision.reasons.extend(reply.reasons.iter().cloned());
    decision.reasons.push(format!(
        "read as {} with confidence {confidence}%",
        decision.kinds.join(" and ")
    ));
    decision.reply = Some(ReplySummary {
        confidence,
        attendees: reply.attendees.clone(),
        itself: reply.itself,
        question: reply.question.clone(),
        language: reply.language,
    });
}

fn robot(decision: &mut Decision, which: &'static str) {
    decision.kinds.push("auto_reply");
    decision.robot = Some(which);
}

fn unsubscribe(decision: &mut Decision, matched: &Matched, sender: Option<&str>) {
    decision.kinds.push("unsubscribe");
    let address = matched.member_email.as_deref().or(sender);
    match address {
        Some(address) => decision.unsubscribe = Some(address.to_string()),
        None => {
            decision.status = "review";
            decision
                .reasons
                .push("an unsubscribe request from nobody known: nothing suppressed".into());
        }
    }
}

/// The failed recipients, recorded under the member's own address when the bounce was
/// matched to a member (what we sent to is what must stop), else as the report names them.
fn bounce_records(report: &Report, matched: &Matched) -> Vec<BounceRecord> {
    let record = |hard: bool, recipient: String, status: &Option<String>, diag: &Option<String>| {
        BounceRecord {
            hard,
            recipient,
            status: status.clone().unwrap_or_default(),
            diagnostic: diag.clone().unwrap_or_default(),
        }
    };
    if let Some(email) = &matched.member_email {
        let hard = report.kind == BounceKind::Hard;
        let first = report
            .failed
            .iter()
            .find(|f| f.hard == hard)
            .or(report.failed.first());
        return vec![record(
            hard,
            email.clone(),
            &first.and_then(|f| f.status.clone()),
            &first.and_then(|f| f.diagnostic.clone()),
        )];
    }
    report
        .failed
        .iter()
        .map(|f| record(f.hard, f.address.clone(), &f.status, &f.diagnostic))
        .collect()
}

fn summary(report: &Report) -> BounceSummary {
    let first = report.failed.first();
    BounceSummary {
        hard: report.kind == BounceKind::Hard,
        recipient: first.map(|f| f.address.clone()),
        status: first.and_then(|f| f.status.clone()),
        diagnostic: first.and_then(|f| f.diagnostic.clone()),
        format: report.format,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inbound::bounce::Failed;

    fn classified(kind: Kind, bounce: Option<Report>) -> Classified {
        Classified {
            kind,
            bounce,
            reasons: vec!["because".into()],
        }
    }

    fn member() -> Matched {
        Matched {
            member_id: Some(7),
            member_email: Some("ana@example.org".into()),
            ..Matched::default()
        }
    }

    fn report(kind: BounceKind, failed: &[(&str, bool)]) -> Report {
        Report {
            kind,
            failed: failed
                .iter()
                .map(|&(address, hard)| Failed {
                    address: address.into(),
                    hard,
                    status: Some(if hard { "5.1.1" } else { "4.2.2" }.into()),
                    diagnostic: None,
                })
                .collect(),
            original_message_id: None,
            original_to: None,
            format: "rfc3464",
            reason: "a delivery-status report".into(),
        }
    }

    #[test]
    fn a_matched_bounce_is_recorded_under_the_address_we_sent_to() {
        let bounce = report(BounceKind::Hard, &[("ana.forwarded@example.net", true)]);
        let decision = decide(
            &classified(Kind::Bounce, Some(bounce)),
            &member(),
            None,
            None,
        );
        assert_eq!(decision.kinds, vec!["bounce"]);
        assert_eq!(decision.bounces.len(), 1);
        assert_eq!(decision.bounces[0].recipient, "ana@example.org");
        assert!(decision.bounces[0].hard);
        assert_eq!(decision.bounces[0].status, "5.1.1");
        assert!(decision.bounce.as_ref().is_some_and(|b| b.hard));
    }

    #[test]
    fn an_unmatched_bounce_keeps_each_failed_recipient() {
        let bounce = report(
            BounceKind::Soft,
            &[("a@example.net", false), ("b@example.net", false)],
        );
        let decision = decide(
            &classified(Kind::Bounce, Some(bounce)),
            &Matched::default(),
            None,
            None,
        );
        let recipients: Vec<&str> = decision
            .bounces
            .iter()
            .map(|b| b.recipient.as_str())
            .collect();
        assert_eq!(recipients, vec!["a@example.net", "b@example.net"]);
        assert!(decision.bounces.iter().all(|b| !b.hard));
    }

    #[test]
    fn robots_are_auto_replies_that_suppress_nothing_even_at_the_unsubscribe_address() {
        for (kind, robot) in [
            (Kind::AutoReply, "auto_reply"),
            (Kind::Challenge, "challenge"),
            (Kind::ReadReceipt, "read_receipt"),
            (Kind::Delay, "delay"),
        ] {
            let matched = Matched {
                unsubscribe_address: true,
                ..member()
            };
            let decision = decide(
                &classified(kind, None),
                &matched,
                Some("ana@example.org"),
                None,
            );
            assert_eq!(decision.kinds, vec!["auto_reply"]);
            assert_eq!(decision.robot, Some(robot));
            assert_eq!(decision.unsubscribe, None);
            assert!(decision.bounces.is_empty());
        }
    }

    #[test]
    fn an_unsubscribe_suppresses_the_members_address_else_the_senders() {
        let decision = decide(
            &classified(Kind::Unsubscribe, None),
            &member(),
            Some("other@example.net"),
            None,
        );
        assert_eq!(decision.unsubscribe.as_deref(), Some("ana@example.org"));
        let decision = decide(
            &classified(Kind::Unsubscribe, None),
            &Matched::default(),
            Some("x@example.net"),
            None,
        );
        assert_eq!(decision.unsubscribe.as_deref(), Some("x@example.net"));
        let at_address = Matched {
            unsubscribe_address: true,
            ..member()
        };
        let decision = decide(&classified(Kind::Human, None), &at_address, None, None);
        assert_eq!(decision.kinds, vec!["unsubscribe"]);
        assert_eq!(decision.status, "processed");
    }

    #[test]
    fn a_persons_reply_that_cannot_be_read_waits_for_review() {
        let decision = decide(&classified(Kind::Human, None), &member(), None, None);
        assert_eq!(decision.kinds, vec!["other"]);
        assert_eq!(decision.status, "review");
        assert!(decision.unsubscribe.is_none());
    }
}
