//! Auto-replies, challenge-response and read receipts.
