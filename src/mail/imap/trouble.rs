//! What to do after a failed session: wait (1 s doubling to 60 s), and say why once.
//!
//! A server that refuses the login, or is down for an hour, must not fill the log: each
//! cause is logged when it first appears or changes, and once more when things work again.

use std::time::Duration;

use super::ImapError;

const FIRST_DELAY: Duration = Duration::from_secs(1);
const LONGEST_DELAY: Duration = Duration::from_secs(60);

/// The wait before the next session.
#[derive(Debug)]
pub(super) struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { next: FIRST_DELAY }
    }
}

impl Backoff {
    /// The wait before this attempt; the next one waits twice as long, up to a minute.
    pub(super) fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (delay * 2).min(LONGEST_DELAY);
        delay
    }

    /// After a session that worked: the next failure is retried after a second.
    pub(super) fn reset(&mut self) {
        self.next = FIRST_DELAY;
    }
}

/// The cause of the last failure, while it lasts.
#[derive(Debug, Default)]
pub(super) struct Trouble {
    last: Option<Last>,
}

#[derive(Debug)]
struct Last {
    login: bool,
    cause: String,
}

impl Trouble {
    /// Logs `err` unless it is the cause already logged; true when it logged.
    pub(super) fn failed(&mut self, err: &ImapError) -> bool {
        let cause = causes(err);
        if self.last.as_ref().is_some_and(|last| last.cause == cause) {
            tracing::debug!(error = %cause, "[imap] still failing");
            return false;
        }
        if err.is_login() {
            tracing::error!(
                "[imap] {cause}; retrying with backoff (the rest of the daemon goes on)"
            );
        } else {
            tracing::warn!("[imap] {cause}; retrying with backoff");
        }
        self.last = Some(Last {
            login: err.is_login(),
            cause,
        });
        true
    }

    /// The login worked; true when it had failed before (and said so).
    pub(super) fn logged_in(&mut self) -> bool {
        if self.last.as_ref().is_some_and(|last| last.login) {
            self.last = None;
            tracing::info!("IMAP login works again");
            return true;
        }
        false
    }

    /// A pass over the folder worked; true when something had failed before.
    pub(super) fn working(&mut self) -> bool {
        if let Some(last) = self.last.take() {
            tracing::info!(after = %last.cause, "IMAP works again");
            return true;
        }
        false
    }
}

/// The error and its causes on one line, each once.
fn causes(err: &ImapError) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text = format!("{text}: {cause_text}");
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login_refused() -> ImapError {
        ImapError::Login {
            username: "circ".into(),
            cause: "Authentication failed.".into(),
        }
    }

    fn refused() -> ImapError {
        ImapError::Connect {
            server: "127.0.0.1:143".into(),
            cause: "Connection refused (os error 111)".into(),
        }
    }

    #[test]
    fn the_wait_doubles_from_a_second_to_a_minute_and_starts_over_after_success() {
        let mut backoff = Backoff::default();
        let waits: Vec<u64> = (0..8).map(|_| backoff.next_delay().as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60]);
        backoff.reset();
        assert_eq!(backoff.next_delay(), Duration::from_secs(1));
    }

    #[test]
    fn a_cause_is_logged_once_until_it_changes_or_ends() {
        let mut trouble = Trouble::default();
        assert!(trouble.failed(&login_refused()));
        assert!(!trouble.failed(&login_refused()));
        assert!(!trouble.failed(&login_refused()));
        assert!(trouble.failed(&refused()));
        assert!(!trouble.failed(&refused()));
        assert!(
            !trouble.logged_in(),
            "the last trouble was no login failure"
        );
        assert!(trouble.working());
        assert!(!trouble.working());
    }

    #[test]
    fn a_login_that_works_again_is_said_once() {
        let mut trouble = Trouble::default();
        trouble.failed(&login_refused());
        assert!(trouble.logged_in());
        assert!(!trouble.logged_in());
        assert!(!trouble.working());
        assert!(trouble.failed(&login_refused()), "a new failure is news");
    }
}
