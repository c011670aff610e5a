//! Secrets: from the environment only, or a signing key generated once in the data folder.

use std::fmt;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use rand::RngCore;

use super::ConfigError;

/// The shortest `CIRCULARS_SECRET` accepted: a shorter key would make tokens guessable.
pub const MIN_SECRET_BYTES: usize = 32;

/// The secrets of a running instance. `Debug` never shows them.
#[derive(Clone)]
pub struct Secrets {
    /// Signs reply and unsubscribe tokens.
    pub signing_key: Vec<u8>,
    pub smtp_password: Option<String>,
    pub imap_password: Option<String>,
    pub admin_token: Option<String>,
    pub secretariat_token: Option<String>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secrets(..)")
    }
}

impl Secrets {
    /// Reads the `CIRCULARS_*` secrets. Without `CIRCULARS_SECRET`, the signing key is read
    /// from `<data_dir>/secret`, generated there (mode 0600) on first use.
    ///
    /// # Errors
    /// `CIRCULARS_SECRET` is shorter than [`MIN_SECRET_BYTES`], or the data folder or the
    /// key file cannot be read or written (the error names the path).
    pub fn load(data_dir: &Path) -> Result<Secrets, ConfigError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let signing_key = match var("CIRCULARS_SECRET") {
            Some(secret) if secret.len() < MIN_SECRET_BYTES => {
                return Err(ConfigError::Env {
                    var: "CIRCULARS_SECRET".into(),
                    message: format!(
                        "is {} bytes long; a signing secret needs at least {MIN_SECRET_BYTES} (e.g. `openssl rand -hex 32`)",
                        secret.len()
                    ),
                });
            }
            Some(secret) => secret.into_bytes(),
            None => stored_key(data_dir).map_err(|source| ConfigError::Secret {
                path: data_dir.join("secret"),
                source,
            })?,
        };
        Ok(Secrets {
            signing_key,
            smtp_password: var("CIRCULARS_SMTP_PASSWORD"),
            imap_password: var("CIRCULARS_IMAP_PASSWORD"),
            admin_token: var("CIRCULARS_ADMIN_TOKEN"),
            secretariat_token: var("CIRCULARS_SECRETARIAT_TOKEN"),
        })
    }

    /// Secrets with a fixed signing key, for tests.
    #[cfg(test)]
    pub fn with_key(key: &[u8]) -> Secrets {
        Secrets {
            signing_key: key.to_vec(),
            smtp_password: None,
            imap_password: None,
            admin_token: None,
            secretariat_token: None,
        }
    }
}

fn stored_key(data_dir: &Path) -> std::io::Result<Vec<u8>> {
    let path = data_dir.join("secret");
    match std::fs::read_to_string(&path) {
        Ok(text) => return Ok(text.trim().as_bytes().to_vec()),
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => return Err(err),
        Err(_) => {}
    }
    std::fs::create_dir_all(data_dir)?;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let key = data_encoding::HEXLOWER.encode(&bytes);
    // create_new: two processes starting at once must not both write a key.
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
    {
        Ok(mut file) => {
            file.write_all(key.as_bytes())?;
            tracing::info!(path = %path.display(), "generated a signing secret");
            Ok(key.into_bytes())
        }
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            Ok(std::fs::read_to_string(&path)?.trim().as_bytes().to_vec())
        }
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn a_generated_key_is_private_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = stored_key(dir.path()).unwrap();
        let second = stored_key(dir.path()).unwrap();
        assert_eq!(first, second);
        assert_eq!(first.len(), 64);
        let mode = std::fs::metadata(dir.path().join("secret"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn debug_output_shows_no_secret() {
        let secrets = Secrets::with_key(b"top-secret");
        assert!(!format!("{secrets:?}").contains("top-secret"));
    }
}
