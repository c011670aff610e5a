//! The kind of a message, from bounces, robots and unsubscribe requests, with the reasons.
