//! The labelled corpora of mail written by others (`tests/corpora/*/labels.tsv`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One row of a folder's `labels.tsv`.
#[derive(Debug, Clone)]
pub struct Label {
    /// The message's path relative to the folder.
    pub file: String,
    /// `bounce_hard`, `bounce_soft`, `delay_dsn`, `auto_reply`, `human_reply`, `other`, …
    pub kind: String,
    /// The failed recipients the source states, lowercased (empty when it states none).
    pub failed_recipients: Vec<String>,
    /// Every column by its header name, for the folder-specific ones.
    pub columns: HashMap<String, String>,
}

/// The folder of a corpus copied into the project.
pub fn folder(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpora")
        .join(name)
}

/// The rows of `folder/labels.tsv`, in file order.
pub fn labels(folder: &Path) -> Vec<Label> {
    let path = folder.join("labels.tsv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    lines
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let columns: HashMap<String, String> = header
                .iter()
                .zip(line.split('\t'))
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect();
            let column = |name: &str| columns.get(name).cloned().unwrap_or_default();
            let failed_recipients = column("failed_recipient")
                .split(',')
                .map(|a| a.trim().to_lowercase())
                .filter(|a| !a.is_empty())
                .collect();
            Label {
                file: column("file"),
                kind: column("kind"),
                failed_recipients,
                columns,
            }
        })
        .collect()
}

/// The raw bytes of one labelled message.
pub fn load(folder: &Path, file: &str) -> Vec<u8> {
    let path = folder.join(file);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
