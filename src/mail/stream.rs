//! Opening one SMTP connection: our own TCP stream with `TCP_NODELAY`, then TLS, EHLO,
//! STARTTLS and AUTH as configured.
//!
//! Why our own stream: lettre's own connections leave Nagle's algorithm on, and it writes
//! the final `.` of each message separately, so every message waited for a delayed ACK
//! (about 40 ms on loopback).

// `AsyncNetworkStream` is deprecated as public API, but it is the only way to run lettre's
// own TLS handshake (with its roots and settings) over a stream we opened.
#![allow(deprecated)]

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::io::{AsyncRead as FuturesRead, AsyncWrite as FuturesWrite};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{
    AsyncNetworkStream, AsyncSmtpConnection, AsyncTokioStream, TlsParameters,
};
use lettre::transport::smtp::extension::ClientId;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::SendError;

/// How long any one exchange with the server may take: connecting, the TLS handshake,
/// each command and its reply, and the message with its reply (plus time for its size).
pub(super) const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(30);

/// How the connection is secured.
#[derive(Clone)]
pub(super) enum Security {
    Plain,
    /// Plain, then upgraded with `STARTTLS` (refused if the server does not offer it).
    StartTls(TlsParameters),
    /// TLS from the first byte (SMTPS, usually port 465).
    Implicit(TlsParameters),
}

/// Where and how to connect.
pub(super) struct Endpoint<'a> {
    pub host: &'a str,
    pub port: u16,
    pub security: &'a Security,
    pub credentials: Option<&'a Credentials>,
    pub hello: &'a ClientId,
}

/// Connects, secures and authenticates, each step within [`EXCHANGE_TIMEOUT`].
///
/// # Errors
/// [`SendError::Unavailable`] for any failure: nothing was sent yet, and every other
/// message would fail the same way.
pub(super) async fn open(to: &Endpoint<'_>) -> Result<AsyncSmtpConnection, SendError> {
    let server = format!("{}:{}", to.host, to.port);
    let unavailable = |what: &str, err: &dyn std::fmt::Display| {
        SendError::Unavailable(format!("{server}: {what}: {err}"))
    };
    let tcp = within(TcpStream::connect((to.host, to.port)))
        .await
        .map_err(|err| unavailable("cannot connect", &err))?;
    tcp.set_nodelay(true)
        .map_err(|err| unavailable("cannot set TCP_NODELAY", &err))?;
    let stream: Box<dyn AsyncTokioStream> = match to.security {
        Security::Implicit(tls) => Box::new(
            within(ImplicitTls::handshake(tcp, tls.clone()))
                .await
                .map_err(|err| unavailable("TLS handshake failed", &err))?,
        ),
        Security::Plain | Security::StartTls(_) => Box::new(tcp),
    };
    let mut connection = within(AsyncSmtpConnection::connect_with_transport(
        stream, to.hello,
    ))
    .await
    .map_err(|err| unavailable("greeting or EHLO refused", &err))?;
    if let Security::StartTls(tls) = to.security {
        within(connection.starttls(tls.clone(), to.hello))
            .await
            .map_err(|err| unavailable("STARTTLS failed", &err))?;
    }
    if let Some(credentials) = to.credentials {
        within(connection.auth(&[Mechanism::Plain, Mechanism::Login], credentials))
            .await
            .map_err(|err| unavailable("AUTH refused", &err))?;
    }
    Ok(connection)
}

/// An exchange that fails when it takes longer than [`EXCHANGE_TIMEOUT`].
async fn within<T, E: std::fmt::Display>(
    exchange: impl Future<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(EXCHANGE_TIMEOUT, exchange).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(err.to_string()),
        Err(_) => Err(format!("no answer within {} s", EXCHANGE_TIMEOUT.as_secs())),
    }
}

/// A TLS session started before the greeting, handed to lettre as if it were plain TCP.
#[derive(Debug)]
struct ImplicitTls(AsyncNetworkStream);

impl ImplicitTls {
    async fn handshake(
        tcp: TcpStream,
        tls: TlsParameters,
    ) -> Result<ImplicitTls, lettre::transport::smtp::Error> {
        let mut stream = AsyncNetworkStream::use_existing_tokio1(Box::new(tcp));
        stream.upgrade_tls(tls).await?;
        Ok(ImplicitTls(stream))
    }
}

impl AsyncRead for ImplicitTls {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let unfilled = buf.initialize_unfilled();
        match Pin::new(&mut self.0).poll_read(cx, unfilled) {
            Poll::Ready(Ok(read)) => {
                buf.advance(read);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncWrite for ImplicitTls {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_close(cx)
    }
}

impl AsyncTokioStream for ImplicitTls {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.peer_addr()
    }
}
