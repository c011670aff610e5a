//! Auto-replies, challenge-response and read receipts.

use mail_parser::Message;

use super::read::Read;

/// A message a machine sent in answer to ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Robot {
    /// Out-of-office, vacation and other automatic answers, list and rule traffic.
    AutoReply,
    /// "Confirm you are human" before the message is delivered.
    Challenge,
    /// A read receipt (MDN, RFC 8098, or its plain-text forms).
    ReadReceipt,
}

/// The robot that sent `message`, with the reason, or None for a person.
pub fn robot(message: &Message<'_>, read: &Read) -> Option<(Robot, String)> {
    let _ = (message, read);
    None
}
