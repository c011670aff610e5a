//! Reading replies from an IMAP mailbox (IDLE when the server offers it, else polling).
//!
//! Each message not yet marked is fetched (`BODY.PEEK[]`, so `\Seen` is left alone), handed
//! to [`Intake::keep`], and only once stored marked with the keyword `$Circulars`; it stays
//! on the server. A connection that drops, a server that restarts, a refused login or a
//! database that cannot store: the session ends, and a new one starts after a backoff of
//! 1 s doubling to 60 s, scanning the folder again. What was stored but not yet marked is
//! found stored already (Message-ID and digest), so nothing is lost and nothing kept twice.
//!
//! - `tls`: the TLS client (built-in roots plus `ca_file`), set up once at start.
//! - `wire`: the connection (plain, STARTTLS or TLS) and the login.
//! - `scan`: SELECT, the search for unmarked messages, fetching, storing and marking.
//! - `wait`: IDLE, or a poll every `poll_seconds`.
//! - `trouble`: the backoff, and logging each cause of failure once.

use std::fmt;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::config::{ImapConfig, Tls};
use crate::inbound::intake::{Intake, IntakeError};

mod scan;
mod session;
mod tls;
mod trouble;
mod wait;
mod wire;

pub use scan::{KEYWORD, Marking};
pub use tls::SetupError;

use tls::Security;
use trouble::Backoff;

/// The environment variable the IMAP password comes from.
pub const PASSWORD_VAR: &str = "CIRCULARS_IMAP_PASSWORD";

/// The IMAP server, the account and the folder, checked once at start.
#[derive(Clone)]
pub struct ImapSettings {
    host: String,
    port: u16,
    security: Security,
    username: String,
    password: String,
    folder: String,
    poll: Duration,
}

impl fmt::Debug for ImapSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.security.name())
            .field("username", &self.username)
            .field("folder", &self.folder)
            .field("poll", &self.poll)
            .finish_non_exhaustive()
    }
}

impl ImapSettings {
    /// From `[imap]`, with the password (from `CIRCULARS_IMAP_PASSWORD`).
    ///
    /// # Errors
    /// No username or no password, a CA file that cannot be read or holds no certificate,
    /// or a host name TLS cannot check.
    pub fn from_config(
        imap: &ImapConfig,
        password: Option<String>,
    ) -> Result<ImapSettings, SetupError> {
        if imap.username.is_empty() {
            return Err(SetupError::MissingUsername);
        }
        let password = password
            .filter(|p| !p.is_empty())
            .ok_or(SetupError::MissingPassword)?;
        let tls = || tls::tls_connector(&imap.host, &imap.ca_file);
        let security = match imap.tls {
            Tls::None => Security::Plain,
            Tls::Starttls => Security::StartTls(tls()?),
            Tls::Tls => Security::Implicit(tls()?),
        };
        Ok(ImapSettings {
            host: imap.host.clone(),
            port: imap.port,
            security,
            username: imap.username.clone(),
            password,
            folder: imap.folder.clone(),
            poll: Duration::from_secs(imap.poll_seconds.max(1)),
        })
    }

    fn server(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// Why a session with the server ended; each ends it, and a new one starts after a backoff.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    /// No TCP connection, or no greeting.
    #[error("cannot connect to {server}: {cause}")]
    Connect { server: String, cause: String },
    /// The TLS handshake, or STARTTLS, failed.
    #[error("TLS with {server} failed: {cause}")]
    Tls { server: String, cause: String },
    /// The server refused the username and password.
    #[error("login as {username} refused: {cause}")]
    Login { username: String, cause: String },
    /// The folder cannot be selected.
    #[error("cannot select folder {folder}: {cause}")]
    Select { folder: String, cause: String },
    /// A command failed or the connection was lost.
    #[error("{command} failed: {cause}")]
    Command {
        command: &'static str,
        cause: String,
    },
    /// The database could not store a message: it is left unmarked on the server.
    #[error("a message could not be stored, it stays unmarked on the server")]
    Intake(#[source] IntakeError),
}

impl ImapError {
    fn is_login(&self) -> bool {
        matches!(self, ImapError::Login { .. })
    }
}

/// The IMAP intake task.
#[derive(Debug)]
pub struct Imap {
    settings: ImapSettings,
    intake: Intake,
}

impl Imap {
    pub fn new(settings: ImapSettings, intake: Intake) -> Imap {
        Imap { settings, intake }
    }

    /// Reads the folder until `cancel`: sessions one after the other, with a backoff after
    /// each failure. Failures are logged (each cause once) and retried, never returned: the
    /// rest of the daemon goes on.
    pub async fn run(self, cancel: CancellationToken) {
        tracing::info!(
            server = %self.settings.server(),
            tls = self.settings.security.name(),
            folder = %self.settings.folder,
            "reading replies from IMAP"
        );
        let mut reader = session::Reader::new(&self.settings, &self.intake);
        let mut backoff = Backoff::default();
        while !cancel.is_cancelled() {
            match reader.session(&cancel).await {
                Ok(()) => break,
                Err(err) => {
                    reader.trouble.failed(&err);
                    if reader.worked {
                        backoff.reset();
                    }
                }
            }
            let delay = backoff.next_delay();
            tokio::select! {
                () = cancel.cancelled() => break,
                () = tokio::time::sleep(delay) => {}
            }
        }
        tracing::info!("IMAP intake stopped");
    }
}
