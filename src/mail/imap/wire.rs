//! The connection to the IMAP server: TCP, TLS from the first byte or after `STARTTLS`,
//! the greeting and `LOGIN`.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use super::tls::{Security, Tls};
use super::{ImapError, ImapSettings};

/// How long connecting, the handshake, the greeting, the login and each short command may
/// take before the connection is given up.
pub(super) const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(60);

/// The byte stream under the IMAP client: one type before and after `STARTTLS`.
#[derive(Debug)]
pub(super) enum Wire {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

pub(super) type Session = async_imap::Session<Wire>;
type Client = async_imap::Client<Wire>;

/// Connects, secures, reads the greeting and logs in, each step within
/// [`EXCHANGE_TIMEOUT`].
pub(super) async fn open(settings: &ImapSettings) -> Result<Session, ImapError> {
    let server = settings.server();
    let connect_error = |cause: String| ImapError::Connect {
        server: server.clone(),
        cause,
    };
    let tcp = within(
        "connect",
        TcpStream::connect((settings.host.as_str(), settings.port)),
    )
    .await
    .map_err(|err| connect_error(cause_of(&err)))?;
    // Commands are small writes each waiting for an answer: no Nagle delay.
    tcp.set_nodelay(true)
        .map_err(|err| connect_error(err.to_string()))?;
    let wire = match &settings.security {
        Security::Implicit(tls) => Wire::Tls(Box::new(tls.handshake(tcp, &server).await?)),
        Security::Plain | Security::StartTls(_) => Wire::Plain(tcp),
    };
    let mut client = Client::new(wire);
    greeting(&mut client)
        .await
        .map_err(|err| connect_error(cause_of(&err)))?;
    if let Security::StartTls(tls) = &settings.security {
        client = start_tls(client, tls, &server).await?;
    }
    let login = client.login(&settings.username, &settings.password);
    match tokio::time::timeout(EXCHANGE_TIMEOUT, login).await {
        Ok(Ok(session)) => Ok(session),
        Ok(Err((err, _))) => Err(login_error(settings, err)),
        Err(_) => Err(ImapError::Login {
            username: settings.username.clone(),
            cause: timeout_cause(),
        }),
    }
}

/// A login failure: a `NO` is the server's verdict on the account; anything else is the
/// connection's fault.
fn login_error(settings: &ImapSettings, err: async_imap::error::Error) -> ImapError {
    match err {
        async_imap::error::Error::No(_) | async_imap::error::Error::Bad(_) => ImapError::Login {
            username: settings.username.clone(),
            cause: server_text(&err.to_string()),
        },
        other => ImapError::Command {
            command: "LOGIN",
            cause: cause_of(&other),
        },
    }
}

async fn greeting(client: &mut Client) -> Result<(), async_imap::error::Error> {
    match within("greeting", client.read_response()).await? {
        Some(_) => Ok(()),
        None => Err(async_imap::error::Error::ConnectionLost),
    }
}

async fn start_tls(mut client: Client, tls: &Tls, server: &str) -> Result<Client, ImapError> {
    within(
        "STARTTLS",
        client.run_command_and_check_ok("STARTTLS", None),
    )
    .await
    .map_err(|err| ImapError::Tls {
        server: server.to_string(),
        cause: format!("STARTTLS refused: {}", cause_of(&err)),
    })?;
    let Wire::Plain(tcp) = client.into_inner() else {
        unreachable!("STARTTLS is sent only on a plain connection")
    };
    Ok(Client::new(Wire::Tls(Box::new(
        tls.handshake(tcp, server).await?,
    ))))
}

/// Runs one exchange with the server within [`EXCHANGE_TIMEOUT`].
pub(super) async fn within<T, E>(
    command: &'static str,
    exchange: impl Future<Output = Result<T, E>>,
) -> Result<T, async_imap::error::Error>
where
    E: Into<async_imap::error::Error>,
{
    within_for(EXCHANGE_TIMEOUT, command, exchange).await
}

/// Runs one exchange with the server within `limit`.
pub(super) async fn within_for<T, E>(
    limit: Duration,
    command: &'static str,
    exchange: impl Future<Output = Result<T, E>>,
) -> Result<T, async_imap::error::Error>
where
    E: Into<async_imap::error::Error>,
{
    match tokio::time::timeout(limit, exchange).await {
        Ok(result) => result.map_err(Into::into),
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("{command}: no answer within {} s", limit.as_secs()),
        )
        .into()),
    }
}

pub(super) fn timeout_cause() -> String {
    format!("no answer within {} s", EXCHANGE_TIMEOUT.as_secs())
}

/// An async-imap error as one line for the log: the server's own words where it gave some.
pub(super) fn cause_of(err: &async_imap::error::Error) -> String {
    use async_imap::error::Error;
    match err {
        Error::Io(io) => io.to_string(),
        Error::No(text) | Error::Bad(text) => server_text(text),
        Error::ConnectionLost => "the server closed the connection".into(),
        other => other.to_string(),
    }
}

/// async-imap writes a refusal as `code: Some(..), info: Some("text")`: keep the text.
fn server_text(message: &str) -> String {
    let info = message
        .split_once("info: Some(\"")
        .and_then(|(_, rest)| rest.rsplit_once("\")"))
        .map(|(text, _)| text.replace("\\\"", "\""));
    match info {
        Some(text) if !text.is_empty() => text,
        _ => message.to_string(),
    }
}

impl AsyncRead for Wire {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Wire::Plain(tcp) => Pin::new(tcp).poll_read(cx, buf),
            Wire::Tls(tls) => Pin::new(tls.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Wire {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Wire::Plain(tcp) => Pin::new(tcp).poll_write(cx, buf),
            Wire::Tls(tls) => Pin::new(tls.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Wire::Plain(tcp) => Pin::new(tcp).poll_flush(cx),
            Wire::Tls(tls) => Pin::new(tls.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Wire::Plain(tcp) => Pin::new(tcp).poll_shutdown(cx),
            Wire::Tls(tls) => Pin::new(tls.as_mut()).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_is_shown_in_the_servers_words() {
        let message = r#"code: Some(AuthenticationFailed), info: Some("Authentication failed.")"#;
        assert_eq!(server_text(message), "Authentication failed.");
        assert_eq!(
            server_text("code: None, info: None"),
            "code: None, info: None"
        );
    }
}
