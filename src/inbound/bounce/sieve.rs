//! The rejection a Sieve `reject` sends (RFC 5429): a disposition notification, not a
//! delivery report, saying the message was refused unread.

use mail_parser::{Message, MimeHeaders};

use super::dsn;

/// The recipient of a disposition notification that says the message was refused unread
/// (`automatic-action/…; deleted`), as a Sieve `reject` sends it; none for a read receipt.
pub fn rejected(message: &Message<'_>) -> Vec<dsn::Recipient> {
    let Some(part) = message
        .parts
        .iter()
        .find(|p| p.is_content_type("message", "disposition-notification"))
    else {
        return Vec::new();
    };
    let fields = String::from_utf8_lossy(part.contents()).to_lowercase();
    let deleted = fields.lines().any(|line| {
        line.starts_with("disposition:")
            && line.contains("automatic-action")
            && line.contains("deleted")
    });
    if deleted {
        dsn::recipients(&fields)
    } else {
        Vec::new()
    }
}
