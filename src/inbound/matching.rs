//! The member and circular a message is about.
