//! The SMTP transport: a pool of up to `concurrency` connections of our own, one recipient
//! per transaction, a global `max_per_second`, and outcomes mapped to [`SendError`].

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use lettre::Address;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::rate::RateLimit;
use super::stream::{self, Endpoint, Security};
use super::transaction::{self, Failure};
use super::{MailError, Outgoing, SendError};
use crate::config::{SmtpConfig, Tls};

/// An idle connection older than this is closed rather than reused: servers drop idle
/// clients after a few minutes, and a dead connection would cost a failed attempt.
const IDLE_LIMIT: Duration = Duration::from_secs(60);
/// How long a polite `QUIT` may take before the connection is just dropped.
const QUIT_TIMEOUT: Duration = Duration::from_secs(2);

/// The SMTP server and how to talk to it, checked once at start.
#[derive(Clone)]
pub struct SmtpSettings {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<Credentials>,
    hello: ClientId,
    concurrency: usize,
    max_per_second: u32,
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let security = match self.security {
            Security::Plain => "none",
            Security::StartTls(_) => "starttls",
            Security::Implicit(_) => "tls",
        };
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &security)
            .field("auth", &self.credentials.is_some())
            .field("concurrency", &self.concurrency)
            .field("max_per_second", &self.max_per_second)
            .finish()
    }
}

impl SmtpSettings {
    /// From `[smtp]`, with the password (from `CIRCULARS_SMTP_PASSWORD`).
    ///
    /// # Errors
    /// The CA file cannot be read or holds no certificate, the TLS library refuses the
    /// settings, or a username is set without a password.
    pub fn from_config(
        smtp: &SmtpConfig,
        password: Option<String>,
    ) -> Result<SmtpSettings, MailError> {
        let tls = || tls_parameters(&smtp.host, &smtp.ca_file);
        let security = match smtp.tls {
            Tls::None => Security::Plain,
            Tls::Starttls => Security::StartTls(tls()?),
            Tls::Tls => Security::Implicit(tls()?),
        };
        let credentials = match (smtp.username.as_str(), password) {
            ("", _) => None,
            (_, None) => return Err(MailError::MissingPassword),
            (username, Some(password)) => Some(Credentials::new(username.into(), password)),
        };
        Ok(SmtpSettings {
            host: smtp.host.clone(),
            port: smtp.port,
            security,
            credentials,
            hello: ClientId::default(),
            concurrency: usize::try_from(smtp.concurrency).unwrap_or(1).max(1),
            max_per_second: smtp.max_per_second,
        })
    }

    fn endpoint(&self) -> Endpoint<'_> {
        Endpoint {
            host: &self.host,
            port: self.port,
            security: &self.security,
            credentials: self.credentials.as_ref(),
            hello: &self.hello,
        }
    }
}

/// TLS for `host`: the built-in webpki roots, plus the CA file's certificates if one is set.
fn tls_parameters(host: &str, ca_file: &str) -> Result<TlsParameters, MailError> {
    let mut builder = TlsParameters::builder(host.to_string());
    if !ca_file.is_empty() {
        let path = PathBuf::from(ca_file);
        let pem = std::fs::read(&path).map_err(|source| MailError::CaFileRead {
            path: path.clone(),
            source,
        })?;
        // lettre reads an empty or non-PEM file as "no certificates", not as an error.
        if !pem
            .windows(b"-----BEGIN CERTIFICATE-----".len())
            .any(|w| w == b"-----BEGIN CERTIFICATE-----")
        {
            return Err(MailError::CaFileBad { path });
        }
        let certificates =
            Certificate::from_pem(&pem).map_err(|_| MailError::CaFileBad { path })?;
        builder = builder.add_root_certificate(certificates);
    }
    builder.build_rustls().map_err(|err| MailError::Tls {
        host: host.to_string(),
        message: err.to_string(),
    })
}

/// SMTP delivery over a pool of connections; `send` may be called from many tasks.
pub struct SmtpTransport {
    settings: SmtpSettings,
    /// One permit per connection that may be open (busy or idle): at most `concurrency`.
    permits: Semaphore,
    /// Connections between messages, with when each was last used. A std mutex: held only
    /// to push or pop, never across an await.
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
    /// The global `max_per_second`, shared by every connection; `None` for no limit.
    rate: Option<RateLimit>,
}

impl fmt::Debug for SmtpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpTransport")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl SmtpTransport {
    /// A transport that opens connections only when there is something to send.
    pub fn new(settings: SmtpSettings) -> SmtpTransport {
        SmtpTransport {
            permits: Semaphore::new(settings.concurrency),
            idle: Mutex::new(Vec::new()),
            rate: RateLimit::per_second(settings.max_per_second),
            settings,
        }
    }

    /// How many sends may run at once: the number of connections.
    pub fn concurrency(&self) -> usize {
        self.settings.concurrency
    }

    /// Sends one message in one transaction, on an idle connection or a new one.
    ///
    /// # Errors
    /// [`SendError::Permanent`] for a 5xx reply (code and text kept) or a message the
    /// server cannot take; [`SendError::Transient`] for a 4xx reply, a timeout or a lost
    /// connection; [`SendError::Unavailable`] when no connection can be opened.
    #[tracing::instrument(skip_all, fields(message_id = message.message_id, to = message.to))]
    pub async fn send(&self, message: &Outgoing<'_>) -> Result<(), SendError> {
        let from = parse_address("envelope sender", message.envelope_from)?;
        let to = parse_address("recipient", message.to)?;
        // The permit is held until the connection is back in the pool or closed.
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| SendError::Unavailable("the SMTP transport is closed".into()))?;
        if let Some(rate) = &self.rate {
            rate.wait().await;
        }
        let (mut connection, reused) = match self.take_idle() {
            Some(connection) => (connection, true),
            None => (stream::open(&self.settings.endpoint()).await?, false),
        };
        let mut outcome = transaction::send(&mut connection, &from, &to, message.raw).await;
        if reused && outcome.as_ref().is_err_and(Failure::is_stale_connection) {
            // The server closed the idle connection: nothing was accepted, try a new one.
            tracing::debug!("pooled connection had gone stale; reconnecting");
            connection = stream::open(&self.settings.endpoint()).await?;
            outcome = transaction::send(&mut connection, &from, &to, message.raw).await;
        }
        match outcome {
            Ok(()) => {
                self.put_back(connection);
                Ok(())
            }
            Err(failure) => {
                if failure.server_answered() {
                    quit(connection).await;
                }
                Err(failure.into_error())
            }
        }
    }

    /// Closes the idle connections with `QUIT`.
    pub async fn close(&self) {
        let idle = std::mem::take(&mut *self.lock_idle());
        for (connection, _) in idle {
            quit(connection).await;
        }
    }

    fn take_idle(&self) -> Option<AsyncSmtpConnection> {
        let mut idle = self.lock_idle();
        idle.retain(|(_, since)| since.elapsed() < IDLE_LIMIT);
        idle.pop().map(|(connection, _)| connection)
    }

    fn put_back(&self, connection: AsyncSmtpConnection) {
        self.lock_idle().push((connection, Instant::now()));
    }

    fn lock_idle(&self) -> std::sync::MutexGuard<'_, Vec<(AsyncSmtpConnection, Instant)>> {
        // Nothing can panic while the lock is held; a poisoned pool is still a pool.
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// An address lettre accepts, or a permanent failure: retrying cannot fix it.
fn parse_address(what: &str, address: &str) -> Result<Address, SendError> {
    Address::from_str(address)
        .map_err(|err| SendError::Permanent(format!("bad {what} `{address}`: {err}")))
}

async fn quit(mut connection: AsyncSmtpConnection) {
    let _ = tokio::time::timeout(QUIT_TIMEOUT, connection.quit()).await;
}
