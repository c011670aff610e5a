//! The kind of a message, from bounces, robots and unsubscribe requests, with the reasons.
//!
//! Pure: [`classify`] takes a parsed message (see [`super::read::parse`]) and returns what
//! it is. Bounces are looked for first (they often carry auto-reply headers too), then
//! robots, then unsubscribe requests; everything else is a human reply. Mail sent to the
//! `List-Unsubscribe` mailto address is recognised by matching, not here.

use mail_parser::Message;

use super::bounce::{self, BounceKind};
use super::read::Read;
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
    if let Some(report) = bounce::read(message) {
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
    if let Some((robot, reason)) = robots::robot(message, read) {
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

fn plain(kind: Kind, reason: String) -> Classified {
    Classified {
        kind,
        bounce: None,
        reasons: vec![reason],
    }
}
