//! The file transport: each message becomes `<outbox>/<name>.eml`, written atomically.

use std::io::Write;
use std::path::{Path, PathBuf};

use rand::Rng;
use sha2::{Digest, Sha256};

use super::{Outgoing, SendError};

/// Longest file name kept from a Message-ID before it is shortened with a digest.
const MAX_NAME: usize = 150;

/// Writes each message to a folder, named after its Message-ID.
#[derive(Debug, Clone)]
pub struct FileTransport {
    /// The folder the `.eml` files go to, created on first use.
    dir: PathBuf,
    concurrency: usize,
}

impl FileTransport {
    /// A transport writing into `dir`, used by up to `concurrency` tasks at once.
    pub fn new(dir: impl Into<PathBuf>, concurrency: u32) -> FileTransport {
        FileTransport {
            dir: dir.into(),
            concurrency: usize::try_from(concurrency).unwrap_or(1).max(1),
        }
    }

    /// The folder messages are written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the message with this Message-ID is written: a resend overwrites it.
    pub fn path_for(&self, message_id: &str) -> PathBuf {
        self.dir.join(format!("{}.eml", file_name(message_id)))
    }

    /// How many sends may run at once.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Writes the message: a temporary file in the same folder, flushed to disk, renamed.
    ///
    /// # Errors
    /// [`SendError::Unavailable`] when the folder or the file cannot be written: every
    /// other message would fail the same way.
    #[tracing::instrument(skip_all, fields(message_id = message.message_id))]
    pub async fn send(&self, message: &Outgoing<'_>) -> Result<(), SendError> {
        let path = self.path_for(message.message_id);
        let raw = message.raw.to_vec();
        let dir = self.dir.clone();
        tokio::task::spawn_blocking(move || write_atomically(&dir, &path, &raw))
            .await
            .map_err(|err| SendError::Transient(format!("file writer stopped: {err}")))?
            .map_err(|(path, err)| {
                SendError::Unavailable(format!("cannot write {}: {err}", path.display()))
            })
    }
}

/// A Message-ID as a file name: only `[A-Za-z0-9._@+-]`, no leading dot, not too long.
fn file_name(message_id: &str) -> String {
    let mut name: String = message_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._@+-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    // A leading dot would make the file hidden, like our temporary files.
    if name.starts_with('.') || name.is_empty() {
        name.insert(0, '_');
    }
    if name.len() > MAX_NAME {
        // Two long ids sharing a prefix must not share a file.
        let digest = data_encoding::HEXLOWER.encode(&Sha256::digest(message_id.as_bytes()));
        name.truncate(MAX_NAME - 17);
        name.push('-');
        name.push_str(&digest[..16]);
    }
    name
}

fn write_atomically(dir: &Path, path: &Path, raw: &[u8]) -> Result<(), (PathBuf, std::io::Error)> {
    std::fs::create_dir_all(dir).map_err(|err| (dir.to_path_buf(), err))?;
    let suffix: u64 = rand::rng().random();
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let temporary = dir.join(format!(
        ".{}.{suffix:016x}.tmp",
        file_name.unwrap_or_default()
    ));
    let written = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(raw)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)?;
        // The rename itself is durable once the folder is synced.
        std::fs::File::open(dir)?.sync_all()
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written.map_err(|err| (path.to_path_buf(), err))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_id_becomes_a_safe_file_name() {
        assert_eq!(
            file_name("circular-030.member-12@uclg.example.org"),
            "circular-030.member-12@uclg.example.org"
        );
        assert_eq!(file_name("a/b\\c d<e>"), "a_b_c_d_e_");
        assert_eq!(file_name("../etc/passwd"), "_.._etc_passwd");
        assert_eq!(file_name(""), "_");
    }

    #[test]
    fn long_message_ids_stay_distinct_and_short() {
        let a = file_name(&format!("{}a@example.org", "x".repeat(300)));
        let b = file_name(&format!("{}b@example.org", "x".repeat(300)));
        assert_ne!(a, b);
        assert!(a.len() <= MAX_NAME, "{}", a.len());
    }
}
