//! Reading replies from an IMAP mailbox (IDLE when the server offers it, else polling).
