//! DKIM signing of outgoing mail (`[dkim] selector, domain, key_file`).

use std::path::{Path, PathBuf};

use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm,
    DkimSigningKey,
};
use lettre::message::header::HeaderName;

use super::MailError;
use crate::config::Config;

/// The headers signed when present: what a reader sees and what list software relies on.
/// A listed header that is absent is signed as absent, so it cannot be added later.
const SIGNED_HEADERS: &[&str] = &[
    "From",
    "Reply-To",
    "Subject",
    "Date",
    "To",
    "Cc",
    "Message-ID",
    "In-Reply-To",
    "References",
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "MIME-Version",
    "Content-Type",
];

/// The DER prefix of an Ed25519 private key in PKCS#8 (what `openssl genpkey -algorithm
/// ed25519` writes); the 32-byte seed follows it.
const ED25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// Signs messages with one key for one domain and selector.
#[derive(Debug)]
pub struct DkimSigner {
    config: DkimConfig,
}

impl DkimSigner {
    /// `None` when `[dkim]` selector, domain and key_file are all empty.
    ///
    /// # Errors
    /// Only part of `[dkim]` is set, or the key file cannot be read or is not an RSA
    /// PKCS#1 PEM key or an Ed25519 key; the error names the file.
    pub fn from_config(config: &Config) -> Result<Option<DkimSigner>, MailError> {
        let dkim = &config.dkim;
        let parts = [&dkim.selector, &dkim.domain, &dkim.key_file];
        if parts.iter().all(|part| part.is_empty()) {
            return Ok(None);
        }
        if parts.iter().any(|part| part.is_empty()) {
            return Err(MailError::DkimIncomplete);
        }
        let key = read_key(Path::new(&dkim.key_file))?;
        Ok(Some(DkimSigner::new(&dkim.selector, &dkim.domain, key)))
    }

    fn new(selector: &str, domain: &str, key: DkimSigningKey) -> DkimSigner {
        let headers = SIGNED_HEADERS
            .iter()
            .map(|name| HeaderName::new_from_ascii_str(name))
            .collect();
        // Relaxed for both: relays that refold headers or trim spaces keep it valid.
        let canonicalization = DkimCanonicalization {
            header: DkimCanonicalizationType::Relaxed,
            body: DkimCanonicalizationType::Relaxed,
        };
        DkimSigner {
            config: DkimConfig::new(
                selector.to_string(),
                domain.to_string(),
                key,
                headers,
                canonicalization,
            ),
        }
    }

    /// Adds a `DKIM-Signature` header; sign last, once every header is set.
    pub fn sign(&self, message: &mut lettre::Message) {
        message.sign(&self.config);
    }
}

/// An RSA key in PKCS#1 PEM, or an Ed25519 key: PKCS#8 PEM or the base64 of its seed.
fn read_key(path: &Path) -> Result<DkimSigningKey, MailError> {
    let text = std::fs::read_to_string(path).map_err(|source| MailError::DkimKeyRead {
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |reason: String| MailError::DkimKeyBad {
        path: PathBuf::from(path),
        reason,
    };
    let text = text.trim();
    if text.contains("-----BEGIN RSA PRIVATE KEY-----") {
        return DkimSigningKey::new(text, DkimSigningAlgorithm::Rsa)
            .map_err(|err| bad(format!("not a valid RSA PKCS#1 key: {err}")));
    }
    if text.contains("-----BEGIN PRIVATE KEY-----") {
        let der = pem_body(text).ok_or_else(|| bad("the PEM block cannot be decoded".into()))?;
        return match der.strip_prefix(&ED25519_PKCS8_PREFIX) {
            Some(seed) if seed.len() == 32 => {
                ed25519(&data_encoding::BASE64.encode(seed)).map_err(bad)
            }
            _ => Err(bad(
                "a PKCS#8 key that is not Ed25519; for RSA, convert it to PKCS#1 with \
                 `openssl rsa -in KEY -out KEY.rsa -traditional`"
                    .into(),
            )),
        };
    }
    if !text.contains("-----") && !text.is_empty() {
        return ed25519(text).map_err(bad);
    }
    Err(bad(
        "not an RSA PKCS#1 PEM key (BEGIN RSA PRIVATE KEY) or an Ed25519 key".into(),
    ))
}

fn ed25519(base64_seed: &str) -> Result<DkimSigningKey, String> {
    DkimSigningKey::new(base64_seed, DkimSigningAlgorithm::Ed25519)
        .map_err(|err| format!("not a valid Ed25519 key (base64 of 32 bytes): {err}"))
}

/// The bytes of a PEM block's base64 body.
fn pem_body(text: &str) -> Option<Vec<u8>> {
    let body: String = text
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .map(str::trim)
        .collect();
    data_encoding::BASE64.decode(body.as_bytes()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) -> PathBuf {
        let path = dir.join("key.pem");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn an_ed25519_key_is_read_as_openssl_writes_it_and_as_a_bare_seed() {
        let dir = tempfile::tempdir().unwrap();
        // `openssl genpkey -algorithm ed25519`
        let pem = "-----BEGIN PRIVATE KEY-----\n\
                   MC4CAQAwBQYDK2VwBCIEIDFJB+cVkr34dGNYK7wf3Q8KV+quMvPC7BsVfwaHbnJH\n\
                   -----END PRIVATE KEY-----\n";
        assert!(read_key(&write(dir.path(), pem)).is_ok());
        let seed = data_encoding::BASE64.encode(&[7u8; 32]);
        assert!(read_key(&write(dir.path(), &seed)).is_ok());
    }

    #[test]
    fn a_key_that_does_not_parse_is_named_with_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n",
        );
        let err = read_key(&path).unwrap_err().to_string();
        assert!(err.contains(&path.display().to_string()), "{err}");
        let err = read_key(&dir.path().join("missing.pem"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing.pem"), "{err}");
    }
}
