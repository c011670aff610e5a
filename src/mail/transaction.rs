//! One SMTP transaction on an open connection: MAIL FROM, one RCPT TO, DATA, the message;
//! each exchange within the timeout, and each failure mapped to a [`SendError`].

use std::fmt::Display;
use std::time::Duration;

use lettre::Address;
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{Extension, MailBodyParameter, MailParameter};

use super::SendError;
use super::stream::EXCHANGE_TIMEOUT;

/// Extra time for sending a large message: one second per 64 KiB (at least 512 kbit/s).
const BYTES_PER_EXTRA_SECOND: usize = 64 * 1024;

/// The step of the transaction that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    MailFrom,
    RcptTo,
    Data,
    Message,
}

impl Stage {
    fn name(self) -> &'static str {
        match self {
            Stage::MailFrom => "MAIL FROM",
            Stage::RcptTo => "RCPT TO",
            Stage::Data => "DATA",
            Stage::Message => "the end of the message",
        }
    }
}

/// A failed transaction: the connection is not reused after one.
#[derive(Debug)]
pub(super) struct Failure {
    stage: Stage,
    /// The server's reply code, when it answered with one.
    code: Option<u16>,
    error: SendError,
}

impl Failure {
    /// Whether the connection failed at once, as a pooled connection the server closed
    /// while it was idle does: lost at MAIL FROM, or a 421 there. Nothing was accepted.
    pub(super) fn is_stale_connection(&self) -> bool {
        self.stage == Stage::MailFrom && matches!(self.code, None | Some(421))
    }

    /// Whether the server is still talking (it replied), so a `QUIT` is worth sending.
    pub(super) fn server_answered(&self) -> bool {
        self.code.is_some_and(|code| code != 421)
    }

    pub(super) fn into_error(self) -> SendError {
        self.error
    }
}

/// Sends `raw` from `from` to `to` on `connection`.
pub(super) async fn send(
    connection: &mut AsyncSmtpConnection,
    from: &Address,
    to: &Address,
    raw: &[u8],
) -> Result<(), Failure> {
    let parameters = mail_parameters(connection, from, to, raw)?;
    let mail = Mail::new(Some(from.clone()), parameters);
    exchange(Stage::MailFrom, EXCHANGE_TIMEOUT, connection.command(mail)).await?;
    let rcpt = Rcpt::new(to.clone(), vec![]);
    exchange(Stage::RcptTo, EXCHANGE_TIMEOUT, connection.command(rcpt)).await?;
    exchange(Stage::Data, EXCHANGE_TIMEOUT, connection.command(Data)).await?;
    // lettre ends the data with CRLF . CRLF; a message's own final CRLF is the first half
    // of that, so the server keeps the message byte for byte.
    let body = raw.strip_suffix(b"\r\n").unwrap_or(raw);
    let extra = u64::try_from(body.len() / BYTES_PER_EXTRA_SECOND).unwrap_or(u64::MAX);
    let limit = EXCHANGE_TIMEOUT.saturating_add(Duration::from_secs(extra));
    exchange(Stage::Message, limit, connection.message(body)).await
}

/// `BODY=8BITMIME` and `SMTPUTF8` when the message needs them, or a permanent failure
/// when the server does not offer them (another attempt would meet the same server).
fn mail_parameters(
    connection: &AsyncSmtpConnection,
    from: &Address,
    to: &Address,
    raw: &[u8],
) -> Result<Vec<MailParameter>, Failure> {
    let info = connection.server_info();
    let refuse = |what: &str| Failure {
        stage: Stage::MailFrom,
        code: None,
        error: SendError::Permanent(format!("the server does not offer {what}")),
    };
    let mut parameters = Vec::new();
    if !raw.is_ascii() {
        if !info.supports_feature(Extension::EightBitMime) {
            return Err(refuse("8BITMIME, needed for this message's 8-bit text"));
        }
        parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    if !AsRef::<str>::as_ref(from).is_ascii() || !AsRef::<str>::as_ref(to).is_ascii() {
        if !info.supports_feature(Extension::SmtpUtfEight) {
            return Err(refuse("SMTPUTF8, needed for a non-ASCII address"));
        }
        parameters.push(MailParameter::SmtpUtfEight);
    }
    Ok(parameters)
}

/// One command and its reply within `limit`, a failure mapped by its reply code.
async fn exchange<T>(
    stage: Stage,
    limit: Duration,
    command: impl Future<Output = Result<T, lettre::transport::smtp::Error>>,
) -> Result<(), Failure> {
    let failure = |code, error| Failure { stage, code, error };
    let err = match tokio::time::timeout(limit, command).await {
        Ok(Ok(_)) => return Ok(()),
        Ok(Err(err)) => err,
        Err(_) => {
            return Err(failure(
                None,
                SendError::Transient(format!(
                    "no answer to {} within {} s",
                    stage.name(),
                    limit.as_secs()
                )),
            ));
        }
    };
    let Some(code) = err.status() else {
        let message = format!("{} at {}", err, stage.name());
        let error = if err.is_client() {
            SendError::Permanent(message)
        } else {
            // The connection was lost or the reply made no sense: the message may not
            // have arrived, so it is tried again.
            SendError::Transient(message)
        };
        return Err(failure(None, error));
    };
    let reply = reply(code, &err);
    let error = if err.is_permanent() {
        SendError::Permanent(reply)
    } else {
        SendError::Transient(reply)
    };
    Err(failure(code.to_string().parse().ok(), error))
}

/// The server's reply as it sent it: `550 5.1.1 No such user`.
fn reply(code: impl Display, err: &lettre::transport::smtp::Error) -> String {
    match std::error::Error::source(err) {
        Some(text) => format!("{code} {text}"),
        None => code.to_string(),
    }
}
