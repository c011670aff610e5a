//! TLS for the IMAP connection: the built-in roots plus `[imap] ca_file`, set up once at
//! start, so a bad CA file stops the start instead of every connection.

use std::path::PathBuf;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

use super::wire::{EXCHANGE_TIMEOUT, timeout_cause};
use super::{ImapError, PASSWORD_VAR};

/// An `[imap]` section that cannot work; found at start, before anything runs.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("[imap] is enabled but username is empty")]
    MissingUsername,
    #[error("[imap] is enabled but {PASSWORD_VAR} is not set")]
    MissingPassword,
    #[error("cannot read [imap] ca_file {path}")]
    CaFileRead {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("[imap] ca_file {path} holds no PEM certificate")]
    CaFileBad { path: PathBuf },
    #[error("[imap] host {host} is not a name or address TLS can check")]
    BadHost { host: String },
}

/// How the connection is secured.
#[derive(Clone)]
pub(super) enum Security {
    Plain,
    /// Plain, then upgraded with `STARTTLS` before the login.
    StartTls(Tls),
    /// TLS from the first byte (IMAPS, usually port 993).
    Implicit(Tls),
}

impl Security {
    pub(super) fn name(&self) -> &'static str {
        match self {
            Security::Plain => "none",
            Security::StartTls(_) => "starttls",
            Security::Implicit(_) => "tls",
        }
    }
}

/// The TLS client set up once: the roots, and the name the certificate must carry.
#[derive(Clone)]
pub(super) struct Tls {
    connector: TlsConnector,
    name: ServerName<'static>,
}

/// TLS for `host`: the built-in webpki roots, plus the CA file's certificates if one is set.
pub(super) fn tls_connector(host: &str, ca_file: &str) -> Result<Tls, SetupError> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if !ca_file.is_empty() {
        let path = PathBuf::from(ca_file);
        let pem = std::fs::read(&path).map_err(|source| SetupError::CaFileRead {
            path: path.clone(),
            source,
        })?;
        let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<_, _>>()
            .map_err(|_| SetupError::CaFileBad { path: path.clone() })?;
        let (added, _) = roots.add_parsable_certificates(certificates);
        if added == 0 {
            return Err(SetupError::CaFileBad { path });
        }
    }
    // The provider is named: another crate enabling a second one must not make this panic.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from(host.to_string()).map_err(|_| SetupError::BadHost {
        host: host.to_string(),
    })?;
    Ok(Tls {
        connector: TlsConnector::from(Arc::new(config)),
        name,
    })
}

impl Tls {
    /// The TLS handshake over `tcp`, within [`EXCHANGE_TIMEOUT`].
    pub(super) async fn handshake(
        &self,
        tcp: TcpStream,
        server: &str,
    ) -> Result<TlsStream<TcpStream>, ImapError> {
        let handshake = self.connector.connect(self.name.clone(), tcp);
        match tokio::time::timeout(EXCHANGE_TIMEOUT, handshake).await {
            Ok(Ok(stream)) => Ok(stream),
            Ok(Err(err)) => Err(ImapError::Tls {
                server: server.to_string(),
                cause: err.to_string(),
            }),
            Err(_) => Err(ImapError::Tls {
                server: server.to_string(),
                cause: timeout_cause(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_without_certificates_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate\n").unwrap();
        let err = tls_connector("localhost", path.to_str().unwrap())
            .err()
            .unwrap();
        assert!(
            err.to_string().contains("ca.pem holds no PEM certificate"),
            "{err}"
        );
        let missing = dir.path().join("missing.pem");
        let err = tls_connector("localhost", missing.to_str().unwrap())
            .err()
            .unwrap();
        assert!(
            err.to_string().starts_with("cannot read [imap] ca_file"),
            "{err}"
        );
    }

    #[test]
    fn the_test_ca_and_an_address_make_a_tls_client() {
        let ca = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls/ca.pem");
        assert!(tls_connector("127.0.0.1", ca).is_ok());
        assert!(tls_connector("localhost", "").is_ok());
    }
}
