//! Stored inbound messages: raw bytes first, what was decided about them after.
