//! Reading a Maildir inbox: each message in `new/` is stored, then moved to `cur/`.
