//! Delivery-status reports (RFC 3464) and the common non-standard bounce formats: whether a
//! message is a bounce or a delay notice, who failed, and whether the failure is hard or soft.

mod assemble;
mod delay;
mod dsn;
mod original;
mod sieve;
mod signs;
mod status;
mod text;
mod words;

use mail_parser::Message;

pub use signs::from_server;

/// What a bounce says about its recipients taken together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BounceKind {
    /// At least one recipient failed for good (unknown user, no such domain, …).
    Hard,
    /// Every failed recipient may succeed later (mailbox full, blocked, timed out, …).
    Soft,
    /// A delay notification: the server is still trying, nothing failed yet.
    Delay,
}

/// One recipient a bounce reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    /// The recipient's address, lowercased.
    pub address: String,
    /// Whether the failure is permanent in the sense of suppressing the address.
    pub hard: bool,
    /// The enhanced status code (RFC 3463), such as `5.1.1`, when the report gives one.
    pub status: Option<String>,
    /// The remote server's words, on one line.
    pub diagnostic: Option<String>,
}

/// What a bounce or delay notice says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Hard, soft, or only a delay.
    pub kind: BounceKind,
    /// The recipients the report names (possibly none when the format hides them).
    pub failed: Vec<Failed>,
    /// The Message-ID of the message that bounced, without `<>`.
    pub original_message_id: Option<String>,
    /// The `To:` of the message that bounced.
    pub original_to: Option<String>,
    /// The format the report was read as: `rfc3464`, `exim`, `qmail`, `postfix`, …
    pub format: &'static str,
    /// One line saying why the message was read as a bounce.
    pub reason: String,
}

/// Reads `message` as a bounce or a delay notice.
///
/// Returns `None` when it is neither. Never panics, whatever the input.
pub fn read(message: &Message<'_>) -> Option<Report> {
    assemble::read(message)
}

#[cfg(test)]
mod tests;
