//! The kind of a message, from bounces, robots and unsubscribe requests, with the reasons.
//!
//! Pure: [`classify`] takes a parsed message (see [`super::read::parse`]) and returns what
//! it is. A plain challenge-response comes first (some are sent as delivery reports), then
//! bounces (they often carry auto-reply headers too; a bounce a person forwards is their
//! message), then the other robots, then
//! unsubscribe requests; everything else is a human reply. Mail sent to the
//! `List-Unsubscribe` mailto address is recognised by matching, not here.

use mail_parser::{Message, MimeHeaders};

use super::bounce::{self, BounceKind};
use super::read::{Read, forwarded_subject};
use super::robots::{self, Robot};
use super::unsubscribe;

/// What a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A delivery failure (hard or soft: see [`Classified::bounce`]).
    Bounce,
    /// A delay notification: not a failure.
    Delay,
    AutoReply,
    Challenge,
    ReadReceipt,
    Unsubscribe,
    Human,
}

impl Kind {
    /// The name used in the database, the CLI and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Bounce => "bounce",
            Kind::Delay => "delay",
            Kind::AutoReply => "auto_reply",
            Kind::Challenge => "challenge",
            Kind::ReadReceipt => "read_receipt",
            Kind::Unsubscribe => "unsubscribe",
            Kind::Human => "human",
        }
    }

    /// True for everything a machine sent: nothing automatic ever answers these.
    pub fn is_robot(self) -> bool {
        !matches!(self, Kind::Unsubscribe | Kind::Human)
    }
}

/// A message's kind, the bounce report when it is one, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    pub kind: Kind,
    pub bounce: Option<bounce::Report>,
    pub reasons: Vec<String>,
}

/// What `message` (read as `read`) is. Never panics.
pub fn classify(message: &Message<'_>, read: &Read) -> Classified {
    let signs = robots::Signs::of(message, read);
    if let Some(reason) = robots::sure_challenge(&signs) {
        return plain(Kind::Challenge, reason);
    }
    // A person forwarding a bounce or a robot's notice: their message, not the robot's.
    let forwarded = || forwarded_by_a_person(message, read);
    if let Some(report) = bounce::read(message) {
        if let Some(reason) = forwarded() {
            return plain(Kind::Human, reason);
        }
        let kind = match report.kind {
            BounceKind::Delay => Kind::Delay,
            BounceKind::Hard | BounceKind::Soft => Kind::Bounce,
        };
        return Classified {
            kind,
            reasons: vec![report.reason.clone()],
            bounce: Some(report),
        };
    }
    if let Some((robot, reason)) = robots::robot(message, &signs) {
        if let Some(reason) = forwarded() {
            return plain(Kind::Human, reason);
        }
        let kind = match robot {
            Robot::AutoReply => Kind::AutoReply,
            Robot::Challenge => Kind::Challenge,
            Robot::ReadReceipt => Kind::ReadReceipt,
        };
        return plain(kind, reason);
    }
    if let Some(reason) = unsubscribe::requested(read) {
        return plain(Kind::Unsubscribe, reason);
    }
    let reason = if read.faults.not_mail {
        "not mail: no header; kept as it came"
    } else {
        "no sign of a robot or an unsubscribe request"
    };
    plain(Kind::Human, reason.to_owned())
}

/// A bounce or a robot's notice that a person forwards ("TR: Undeliverable: …, this
/// address has changed"): their message, for the reader of replies, not a server's
/// report.
fn forwarded_by_a_person(message: &Message<'_>, read: &Read) -> Option<String> {
    let subject = read.subject.as_deref().unwrap_or("");
    let report = message.content_type().is_some_and(|t| {
        t.ctype().eq_ignore_ascii_case("multipart")
            && t.subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
    });
    let automatic = message
        .header_raw("Auto-Submitted")
        .is_some_and(|v| !v.trim().eq_ignore_ascii_case("no"));
    let person = !bounce::from_server(message) && !automatic && !report;
    (person && forwarded_subject(subject)).then(|| {
        "a person forwarding a bounce or a robot's notice: read as their message".to_owned()
    })
}

fn plain(kind: Kind, reason: String) -> Classified {
    Classified {
        kind,
        bounce: None,
        reasons: vec![reason],
    }
}

#[cfg(test)]
mod tests {
    use super::{Kind, classify};
    use crate::inbound::read::parse;

    fn kind_of(raw: &str) -> Kind {
        let parsed = parse(raw.as_bytes());
        classify(&parsed.message, &parsed.read).kind
    }

    #[test]
    fn each_kind_is_recognised_with_a_reason() {
        let parsed =
            parse(b"From: a@example.org\r\nSubject: Automatic reply: Circular 12\r\n\r\nAway.\r\n");
        let classified = classify(&parsed.message, &parsed.read);
        assert_eq!(classified.kind, Kind::AutoReply);
        assert!(
            classified.reasons[0].contains("automatic reply"),
            "{:?}",
            classified.reasons
        );
        assert!(classified.bounce.is_none());

        assert_eq!(
            kind_of("From: a@example.org\r\nSubject: Re: Circular 12\r\n\r\nUnsubscribe\r\n"),
            Kind::Unsubscribe
        );
        assert_eq!(
            kind_of("From: a@example.org\r\nSubject: Lu : Circulaire 12\r\n\r\nLu.\r\n"),
            Kind::ReadReceipt
        );
        assert_eq!(
            kind_of(
                "From: a@example.org\r\nSubject: Re: Circular 12\r\n\r\nWe will come, two of us.\r\n"
            ),
            Kind::Human
        );
    }

    #[test]
    fn a_robot_asking_to_unsubscribe_is_still_a_robot() {
        let raw = "From: a@example.org\r\nAuto-Submitted: auto-replied\r\nSubject: Unsubscribe\r\n\r\nunsubscribe\r\n";
        assert_eq!(kind_of(raw), Kind::AutoReply);
    }

    #[test]
    fn a_challenge_sent_as_a_delivery_report_is_a_challenge_not_a_bounce() {
        let raw = "From: noreply@screening.example.com\r\nTo: sender@example.net\r\n\
Subject: Re: Circular 12\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
--b\r\nContent-Type: text/plain\r\n\r\n\
Your message about \"Circular 12\" has been waitlisted. Please verify you are human:\r\n\
https://screening.example.com/v/1\r\n\
--b\r\nContent-Type: message/delivery-status\r\n\r\n\
Reporting-MTA: dns; screening.example.com\r\n\r\n\
Final-Recipient: rfc822; ana@example.org\r\nAction: failed\r\nStatus: 5.0.0\r\n\r\n--b--\r\n";
        assert_eq!(kind_of(raw), Kind::Challenge);
    }

    #[test]
    fn garbage_is_classified_without_panicking() {
        for raw in [
            &b""[..],
            b"\x00\xff\xfe",
            b"%PDF-1.4\n",
            b"From:\r\n\r\n",
            b"Content-Type: multipart/report\r\n\r\n--",
        ] {
            let parsed = parse(raw);
            assert!(!classify(&parsed.message, &parsed.read).reasons.is_empty());
        }
    }

    #[test]
    fn a_bounce_a_person_forwards_is_their_message_and_the_bounce_itself_is_not() {
        let ndr = "Delivery has failed to these recipients or groups:\r\n\r\n\
            luis.ortiz@city.example.org\r\nThe email address you entered couldn't be found.\r\n\r\n\
            Diagnostic information for administrators:\r\n\
            Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'\r\n";
        let bounce = format!(
            "From: Microsoft Outlook <postmaster@city.example.org>\r\n\
             Subject: Undeliverable: Circular 30\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n\
             --r\r\nContent-Type: text/plain\r\n\r\n{ndr}\r\n\
             --r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.city.example.org\r\n\r\n\
             Final-Recipient: rfc822; luis.ortiz@city.example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n\
             --r--\r\n"
        );
        assert_eq!(kind_of(&bounce), Kind::Bounce);
        // Forwarded with the report's delivery status as an attachment.
        let forwarded = "From: Ana Pérez <ana.perez@city.example.org>\r\n\
             Subject: TR: Undeliverable: Circular 30\r\n\
             MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"f\"\r\n\r\n\
             --f\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
             My colleague's address has changed: please write to luis.ortiz@new.example.org.\r\n\r\n\
             --f\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.city.example.org\r\n\r\n\
             Final-Recipient: rfc822; luis.ortiz@city.example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n\
             --f--\r\n";
        let parsed = parse(forwarded.as_bytes());
        let classified = classify(&parsed.message, &parsed.read);
        assert_eq!(classified.kind, Kind::Human, "{:?}", classified.reasons);
        assert!(
            classified.reasons[0].contains("a person forwarding"),
            "{:?}",
            classified.reasons
        );
        assert!(classified.bounce.is_none());
    }
}
