//! What a circular's members receive is fixed when its sending starts: the files it is made
//! of (its folder, the layouts, the automatic mails) are frozen into the database then, and
//! every later message is rendered from that copy, written back out under `data/snapshots/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The folders of `templates/` a circular is made of besides its own.
const SHARED: [&str; 2] = ["layout", "mail"];

/// Why the files cannot be frozen or written back.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the frozen copy of the circular's files is damaged: {0}")]
    Damaged(String),
}

/// A circular's files: path under `templates/` → bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Files(BTreeMap<String, Vec<u8>>);

impl Files {
    /// Reads the circular folder `folder` (under `templates/circulars/`) and the shared folders.
    ///
    /// # Errors
    /// A file or folder cannot be read.
    pub fn read(templates: &Path, folder: &Path) -> Result<Files, SnapshotError> {
        let mut files = BTreeMap::new();
        let name = folder.file_name().unwrap_or_default().to_string_lossy();
        read_into(&mut files, folder, &format!("circulars/{name}"))?;
        for shared in SHARED {
            let dir = templates.join(shared);
            if dir.is_dir() {
                read_into(&mut files, &dir, shared)?;
            }
        }
        Ok(Files(files))
    }

    /// SHA-256 of every path and content, in hex: equal digests, equal files.
    pub fn digest(&self) -> String {
        let mut hash = Sha256::new();
        for (path, bytes) in &self.0 {
            hash.update((path.len() as u64).to_le_bytes());
            hash.update(path.as_bytes());
            hash.update((bytes.len() as u64).to_le_bytes());
            hash.update(bytes);
        }
        data_encoding::HEXLOWER.encode(&hash.finalize())
    }

    /// As stored: JSON `{path: base64}`.
    pub fn to_json(&self) -> String {
        let encoded: BTreeMap<&str, String> = self
            .0
            .iter()
            .map(|(p, b)| (p.as_str(), data_encoding::BASE64.encode(b)))
            .collect();
        serde_json::to_string(&encoded).unwrap_or_default()
    }

    /// Reads back what [`Files::to_json`] wrote.
    ///
    /// # Errors
    /// The JSON or a base64 text is damaged, or a path leaves its folder.
    pub fn from_json(json: &str) -> Result<Files, SnapshotError> {
        let encoded: BTreeMap<String, String> =
            serde_json::from_str(json).map_err(|e| SnapshotError::Damaged(e.to_string()))?;
        let mut files = BTreeMap::new();
        for (path, text) in encoded {
            if path.split('/').any(|part| part == ".." || part.is_empty()) {
                return Err(SnapshotError::Damaged(format!("path `{path}`")));
            }
            let bytes = data_encoding::BASE64
                .decode(text.as_bytes())
                .map_err(|e| SnapshotError::Damaged(format!("{path}: {e}")))?;
            files.insert(path, bytes);
        }
        Ok(Files(files))
    }

    /// Writes the files under `root` (a `templates/` of their own), once: a folder already
    /// there with the same digest in its name holds the same files.
    ///
    /// # Errors
    /// A file cannot be written.
    pub fn write_out(&self, root: &Path) -> Result<(), SnapshotError> {
        let written = root.join(".complete");
        if written.exists() {
            return Ok(());
        }
        for (path, bytes) in &self.0 {
            let file = root.join(path);
            if let Some(parent) = file.parent() {
                std::fs::create_dir_all(parent).map_err(|source| SnapshotError::Write {
                    path: parent.to_path_buf(),
                    source,
                })?;
            }
            std::fs::write(&file, bytes)
                .map_err(|source| SnapshotError::Write { path: file, source })?;
        }
        std::fs::write(&written, b"").map_err(|source| SnapshotError::Write {
            path: written,
            source,
        })
    }

    /// The circular's own folder in a written-out copy.
    pub fn circular_folder(&self, root: &Path) -> Option<PathBuf> {
        self.0.keys().find_map(|path| {
            let rest = path.strip_prefix("circulars/")?;
            let (folder, _) = rest.split_once('/')?;
            Some(root.join("circulars").join(folder))
        })
    }
}

fn read_into(
    files: &mut BTreeMap<String, Vec<u8>>,
    dir: &Path,
    prefix: &str,
) -> Result<(), SnapshotError> {
    let entries = std::fs::read_dir(dir).map_err(|source| SnapshotError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| SnapshotError::Read {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let key = format!("{prefix}/{name}");
        if path.is_dir() {
            read_into(files, &path, &key)?;
        } else {
            let bytes = std::fs::read(&path).map_err(|source| SnapshotError::Read {
                path: path.clone(),
                source,
            })?;
            files.insert(key, bytes);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frozen_copy_reads_back_with_the_same_digest() {
        let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let folder = templates.join("circulars/030-smart-local-governance");
        let files = Files::read(&templates, &folder).expect("read");
        let back = Files::from_json(&files.to_json()).expect("json");
        assert_eq!(back.digest(), files.digest());
        let root = tempfile::tempdir().expect("tempdir");
        back.write_out(root.path()).expect("write");
        let again = Files::read(
            root.path(),
            &back.circular_folder(root.path()).expect("folder"),
        )
        .expect("read back");
        assert_eq!(again.digest(), files.digest());
    }

    #[test]
    fn a_path_leaving_its_folder_is_refused() {
        let json = r#"{"circulars/../../etc/passwd": ""}"#;
        assert!(Files::from_json(json).is_err());
    }
}
