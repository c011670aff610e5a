//! A delivery's state and the moves between states. The database's CHECK constraint on
//! `deliveries.state` allows exactly these values; every write of a state goes through
//! [`State::to`], so a move the machine does not have is a bug found at once.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Stored, not tried yet.
    Queued,
    /// Claimed by a worker, under a lease (who, until when).
    Sending,
    /// Accepted by the server (or written by the file transport), with the time.
    Sent,
    /// Refused for now (4xx, lost connection), with the next attempt.
    Deferred,
    /// Refused for good, or out of attempts, with the server's reply.
    Failed,
    /// Not sent: the address is in `suppressions`.
    Suppressed,
}

/// A move the state machine does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a delivery cannot go from {from} to {to}")]
pub struct BadMove {
    pub from: State,
    pub to: State,
}

impl State {
    /// Every state, in the order a delivery goes through them.
    pub const ALL: [State; 6] = [
        State::Queued,
        State::Sending,
        State::Sent,
        State::Deferred,
        State::Failed,
        State::Suppressed,
    ];

    /// The spelling stored in the database and shown to users.
    pub const fn as_str(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Sending => "sending",
            State::Sent => "sent",
            State::Deferred => "deferred",
            State::Failed => "failed",
            State::Suppressed => "suppressed",
        }
    }

    /// Whether nothing more happens to a delivery in this state.
    pub const fn is_final(self) -> bool {
        matches!(self, State::Sent | State::Failed | State::Suppressed)
    }

    /// The move to `next`, if the machine has it: queued, deferred or (lease run out)
    /// sending → sending; sending → sent, deferred, failed, suppressed, or back to queued
    /// (claimed but not tried when the daemon stopped); queued or deferred → suppressed.
    ///
    /// # Errors
    /// [`BadMove`] for any other move.
    pub fn to(self, next: State) -> Result<State, BadMove> {
        use State::*;
        let allowed = matches!(
            (self, next),
            (Queued | Deferred | Sending, Sending)
                | (Sending, Sent | Deferred | Failed | Suppressed | Queued)
                | (Queued | Deferred, Suppressed)
        );
        if allowed {
            Ok(next)
        } else {
            Err(BadMove {
                from: self,
                to: next,
            })
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for State {
    type Err = String;

    fn from_str(text: &str) -> Result<State, String> {
        State::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| format!("unknown delivery state `{text}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_reads_back_as_itself() {
        for state in State::ALL {
            assert_eq!(state.as_str().parse::<State>(), Ok(state));
        }
        assert!("Sent".parse::<State>().is_err());
    }

    #[test]
    fn a_sent_delivery_never_moves_again() {
        for next in State::ALL {
            assert!(State::Sent.to(next).is_err(), "sent → {next}");
            assert!(State::Failed.to(next).is_err(), "failed → {next}");
            assert!(State::Suppressed.to(next).is_err(), "suppressed → {next}");
        }
    }

    #[test]
    fn only_a_claimed_delivery_is_sent() {
        assert_eq!(State::Sending.to(State::Sent), Ok(State::Sent));
        assert!(State::Queued.to(State::Sent).is_err());
        assert!(State::Deferred.to(State::Failed).is_err());
        assert_eq!(State::Deferred.to(State::Sending), Ok(State::Sending));
    }
}
