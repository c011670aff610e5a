//! TEMPORARY stand-in for the mail transports (replaced by the mail helper's module).

use std::path::PathBuf;

use crate::config::Config;

pub struct Outgoing<'a> {
    pub envelope_from: &'a str,
    pub to: &'a str,
    pub message_id: &'a str,
    pub raw: &'a [u8],
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("{0}")]
    Transient(String),
    #[error("{0}")]
    Permanent(String),
    #[error("{0}")]
    Unavailable(String),
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MailError(String);

pub enum Transport {
    File(PathBuf),
}

impl Transport {
    pub fn from_config(config: &Config) -> Result<Transport, MailError> {
        Ok(Transport::File(config.data.dir.join("outbox")))
    }
    pub async fn send(&self, message: &Outgoing<'_>) -> Result<(), SendError> {
        let Transport::File(dir) = self;
        std::fs::create_dir_all(dir).map_err(|e| SendError::Unavailable(e.to_string()))?;
        let tmp = dir.join(format!(".{}.tmp", message.message_id));
        std::fs::write(&tmp, message.raw).map_err(|e| SendError::Transient(e.to_string()))?;
        std::fs::rename(&tmp, dir.join(format!("{}.eml", message.message_id)))
            .map_err(|e| SendError::Transient(e.to_string()))
    }
    pub fn concurrency(&self) -> usize {
        4
    }
}

pub struct DkimSigner;
impl DkimSigner {
    pub fn from_config(_config: &Config) -> Result<Option<DkimSigner>, MailError> {
        Ok(None)
    }
    pub fn sign(&self, _message: &mut lettre::Message) {}
}
