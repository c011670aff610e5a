//! Mail transports: the file outbox (the default) and SMTP, DKIM signing, and the
//! inbound side: the Maildir inbox and IMAP.
//!
//! The outbox hands each formatted message to [`Transport::send`] and branches on
//! [`SendError`]: transient failures are retried, permanent ones fail the delivery, and an
//! unavailable server pauses every delivery.

use std::path::PathBuf;

use crate::config::{self, Config};

mod dkim;
mod file;
pub mod imap;
pub mod maildir;
mod rate;
mod smtp;
mod stream;
mod transaction;

pub use dkim::DkimSigner;
pub use file::FileTransport;
pub use smtp::{SmtpSettings, SmtpTransport};

/// The environment variable the SMTP password comes from.
pub const PASSWORD_VAR: &str = "CIRCULARS_SMTP_PASSWORD";

/// One message for one recipient.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    /// The envelope sender: the member's signed reply address, so a bounce names them.
    pub envelope_from: &'a str,
    /// The one recipient of this transaction, in ASCII form.
    pub to: &'a str,
    /// The Message-ID without `<>`; the file transport names the file after it.
    pub message_id: &'a str,
    /// The formatted message, already DKIM-signed if configured.
    pub raw: &'a [u8],
}

/// Why a message was not sent; the outbox decides on retries from the variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// 4xx, timeout, connection lost mid-transaction: retry later.
    #[error("temporary failure: {0}")]
    Transient(String),
    /// 5xx: do not retry; the server's reply (code and text) is kept.
    #[error("permanent failure: {0}")]
    Permanent(String),
    /// The server cannot be reached at all (connection refused, DNS, TLS handshake, AUTH
    /// refused), or the outbox folder cannot be written: pause every delivery.
    #[error("mail server unavailable: {0}")]
    Unavailable(String),
}

/// A transport or signer that cannot be set up from the configuration.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// `[smtp] ca_file` cannot be read.
    #[error("cannot read [smtp] ca_file {path}")]
    CaFileRead {
        path: PathBuf,
        source: std::io::Error,
    },
    /// `[smtp] ca_file` holds no usable PEM certificate.
    #[error("[smtp] ca_file {path} holds no PEM certificate")]
    CaFileBad { path: PathBuf },
    /// The TLS settings were refused by the TLS library.
    #[error("[smtp] TLS settings for {host}: {message}")]
    Tls { host: String, message: String },
    /// `[smtp] username` is set but the password is not.
    #[error("[smtp] username is set but {PASSWORD_VAR} is not")]
    MissingPassword,
    /// `[dkim]` is only partly set.
    #[error("[dkim] selector, domain and key_file are set together or not at all")]
    DkimIncomplete,
    /// The DKIM key file cannot be read.
    #[error("cannot read [dkim] key_file {path}")]
    DkimKeyRead {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The DKIM key file is not a key lettre can sign with.
    #[error("[dkim] key_file {path}: {reason}")]
    DkimKeyBad { path: PathBuf, reason: String },
}

/// The transport the configuration chose.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "one transport per process, never moved"
)]
pub enum Transport {
    File(FileTransport),
    Smtp(SmtpTransport),
}

impl Transport {
    /// From `[smtp]` (with the password from `CIRCULARS_SMTP_PASSWORD`) and `[data] dir`.
    ///
    /// # Errors
    /// See [`Transport::with_password`].
    pub fn from_config(config: &Config) -> Result<Transport, MailError> {
        let password = std::env::var(PASSWORD_VAR).ok().filter(|p| !p.is_empty());
        Transport::with_password(config, password)
    }

    /// From `[smtp]` and `[data] dir`, with the SMTP password given.
    ///
    /// # Errors
    /// The CA file cannot be read or holds no certificate, the TLS settings are refused, or
    /// a username is set without a password.
    pub fn with_password(
        config: &Config,
        password: Option<String>,
    ) -> Result<Transport, MailError> {
        match config.smtp.transport {
            config::Transport::File => Ok(Transport::File(FileTransport::new(
                config.data.dir.join("outbox"),
                config.smtp.concurrency,
            ))),
            config::Transport::Smtp => {
                let settings = SmtpSettings::from_config(&config.smtp, password)?;
                Ok(Transport::Smtp(SmtpTransport::new(settings)))
            }
        }
    }

    /// Sends one message to its one recipient. Callable from many tasks at once.
    ///
    /// # Errors
    /// [`SendError`], by what the outbox should do next.
    pub async fn send(&self, message: &Outgoing<'_>) -> Result<(), SendError> {
        match self {
            Transport::File(file) => file.send(message).await,
            Transport::Smtp(smtp) => smtp.send(message).await,
        }
    }

    /// How many sends may run at once.
    pub fn concurrency(&self) -> usize {
        match self {
            Transport::File(file) => file.concurrency(),
            Transport::Smtp(smtp) => smtp.concurrency(),
        }
    }

    /// Closes idle connections politely (SMTP `QUIT`); for the end of a run.
    pub async fn close(&self) {
        if let Transport::Smtp(smtp) = self {
            smtp.close().await;
        }
    }
}
