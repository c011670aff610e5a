//! Mail coming back: stored raw first, then read, matched to a member and circular, and
//! classified (bounces, auto-replies and other robots, unsubscribe requests, human replies).
//!
//! - [`intake`]: storing each arriving message raw, once, with the time it reached us.
//! - [`read`]: a message as text: headers, body (HTML turned into text), attachments, the
//!   messages it carries (`message/rfc822`), and what was wrong with it.
//! - [`bounce`]: delivery-status reports and the common non-standard bounce formats.
//! - [`robots`]: auto-replies, challenge-response and read receipts.
//! - [`unsubscribe`]: requests to stop receiving circulars.
//! - [`classify`]: the kind of a message, from the above, with the reasons.
//! - [`decision`]: what a classified, matched message leads to (pure).
//! - [`matching`]: the member and circular a message is about.
//! - [`process`]: what a stored message leads to (bounce scores, suppressions, answers).

pub mod bounce;
pub mod classify;
pub mod decision;
pub mod intake;
pub mod matching;
pub mod process;
pub mod read;
pub mod robots;
pub mod unsubscribe;
