//! Delivery-status reports and the common non-standard bounce formats.
//!
//! TEMPORARY STUB (h/robots): the API h/bounce implements, so classification compiles
//! until that branch is merged. Replace wholesale with h/bounce's version.

/// Whether a report is a failure, and how lasting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BounceKind {
    Hard,
    Soft,
    /// A delay notification, not a failure.
    Delay,
}

/// One recipient the report is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    /// Lowercased.
    pub address: String,
    pub hard: bool,
    pub status: Option<String>,
    pub diagnostic: Option<String>,
}

/// A bounce or delay notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub kind: BounceKind,
    pub failed: Vec<Failed>,
    pub original_message_id: Option<String>,
    pub original_to: Option<String>,
    pub format: &'static str,
    pub reason: String,
}

/// None when `message` is not a bounce (nor a delay notice). Never panics on any input.
pub fn read(message: &mail_parser::Message<'_>) -> Option<Report> {
    let _ = message;
    None
}
