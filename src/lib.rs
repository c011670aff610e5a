//! `circulars`: multilingual circulars for the committees of a city network.
//!
//! Map of the modules, from the edges inwards:
//! - [`config`]: the configuration file, its environment overrides and the secrets.
//! - [`store`]: the database (SQLite or PostgreSQL through sqlx), its migrations and queries.
//! - [`members`]: committees, members, the recipients files and their synchronisation.
//! - [`faults`]: faults in input files, named by file and line.
//! - [`locale`]: the supported languages and their local forms of dates and numbers.
//! - [`circulars`]: circular definitions and their rendering into mail, per member and language.
//! - [`schedule`]: what is due when: reminders, local times, the sending plan.
//! - [`outbox`]: the deliveries, their state machine, the sending workers and the scheduler.
//! - [`inbound`]: mail coming back: stored raw, read, matched and classified.
//! - [`replies`]: what a human reply says: registration, withdrawal, decline, question.
//! - [`registrations`]: seats, the waitlist and the `late` policy; merging registrations.
//! - [`tokens`]: signed reply and unsubscribe tokens.
//! - [`mail`]: the transports (file outbox, pooled SMTP) and DKIM signing.
//! - [`http`]: the HTTP server (health check, documents).
//! - [`cli`]: one file per command of the `circulars` binary.

pub mod circulars;
pub mod cli;
pub mod config;
pub mod faults;
pub mod http;
pub mod inbound;
pub mod locale;
pub mod mail;
pub mod members;
pub mod outbox;
pub mod registrations;
pub mod replies;
pub mod schedule;
pub mod store;
pub mod tokens;
