//! What one attempt's result means for its delivery: sent, tried again later (with
//! exponential backoff and jitter), or failed for good.

use std::time::Duration;

use rand::Rng;

use crate::mail::SendError;

/// How deliveries are retried.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Attempts in all, the first included (`[smtp] max_attempts`).
    pub max_attempts: u32,
    /// The wait after the first temporary failure; it doubles at each attempt.
    pub first_wait: Duration,
}

/// The longest wait between two attempts.
const LONGEST_WAIT: Duration = Duration::from_secs(6 * 3600);
/// How long deliveries wait while the server cannot be reached at all.
pub const OUTAGE_WAIT: Duration = Duration::from_secs(5);

/// The outcome to record for one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// Try again after `wait`; `reply` says why not now.
    Deferred {
        reply: String,
        wait: Duration,
    },
    /// Not again. `bounce`: the server refused the address (5xx), which counts towards the
    /// member's bounce score; out of attempts does not.
    Failed {
        reply: String,
        bounce: bool,
    },
    /// The server could not be reached: the attempt does not count, and every worker waits.
    Unreachable {
        reply: String,
    },
    /// Not tried: the address is in `suppressions`.
    Suppressed,
    /// Not tried: the circular was cancelled after the delivery was claimed. It is queued
    /// again, and goes out if the circular is scheduled again.
    Withdrawn,
}

impl Retry {
    /// The outcome of attempt number `attempt` (1 for the first).
    pub fn judge(&self, result: Result<(), SendError>, attempt: u32) -> Outcome {
        match result {
            Ok(()) => Outcome::Sent,
            Err(SendError::Permanent(reply)) => Outcome::Failed {
                reply,
                bounce: true,
            },
            Err(SendError::Unavailable(reply)) => Outcome::Unreachable { reply },
            Err(SendError::Transient(reply)) if attempt >= self.max_attempts => Outcome::Failed {
                reply: format!("{reply} (gave up after {attempt} attempts)"),
                bounce: false,
            },
            Err(SendError::Transient(reply)) => Outcome::Deferred {
                reply,
                wait: self.wait(attempt),
            },
        }
    }

    /// The wait after attempt `attempt` failed: `first_wait · 2^(attempt-1)`, at most six
    /// hours, each spread by ±20 % so that deliveries deferred together do not all come back
    /// in the same second.
    pub fn wait(&self, attempt: u32) -> Duration {
        let doubled = self
            .first_wait
            .saturating_mul(1 << attempt.saturating_sub(1).min(20));
        let base = doubled.min(LONGEST_WAIT);
        base.mul_f64(rand::rng().random_range(0.8..1.2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RETRY: Retry = Retry {
        max_attempts: 3,
        first_wait: Duration::from_secs(60),
    };

    #[test]
    fn a_temporary_failure_is_retried_until_the_last_attempt_then_fails() {
        let transient = || Err(SendError::Transient("451 4.3.0 try later".into()));
        assert!(matches!(
            RETRY.judge(transient(), 1),
            Outcome::Deferred { .. }
        ));
        assert!(matches!(
            RETRY.judge(transient(), 2),
            Outcome::Deferred { .. }
        ));
        match RETRY.judge(transient(), 3) {
            Outcome::Failed { reply, bounce } => {
                assert!(reply.contains("451"), "{reply}");
                assert!(!bounce);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_permanent_failure_is_not_retried_and_counts_as_a_bounce() {
        let outcome = RETRY.judge(
            Err(SendError::Permanent("550 5.1.1 no such user".into())),
            1,
        );
        assert_eq!(
            outcome,
            Outcome::Failed {
                reply: "550 5.1.1 no such user".into(),
                bounce: true
            }
        );
    }

    #[test]
    fn waits_double_with_jitter_and_stop_growing_at_six_hours() {
        for attempt in 1..=4 {
            let expected = 60.0 * f64::from(1u32 << (attempt - 1));
            let wait = RETRY.wait(attempt).as_secs_f64();
            assert!(
                (expected * 0.8..=expected * 1.2).contains(&wait),
                "attempt {attempt}: {wait}"
            );
        }
        assert!(RETRY.wait(40) <= LONGEST_WAIT.mul_f64(1.2));
    }
}
