//! The email corpora in `tests/corpora/` (and `../shared/corpora`): labelled rows and
//! their messages.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The copied corpora, inside the repository.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpora")
}

/// One row of a folder's `labels.tsv`, by column name.
#[derive(Debug, Clone)]
pub struct Row {
    pub folder: PathBuf,
    pub columns: HashMap<String, String>,
}

impl Row {
    pub fn get(&self, column: &str) -> &str {
        self.columns.get(column).map_or("", String::as_str)
    }

    pub fn file(&self) -> &str {
        self.get("file")
    }

    pub fn kind(&self) -> &str {
        self.get("kind")
    }

    /// The labelled failed recipients, lowercased.
    pub fn failed_recipients(&self) -> Vec<String> {
        self.get("failed_recipient")
            .split(',')
            .map(|a| a.trim().to_lowercase())
            .filter(|a| !a.is_empty())
            .collect()
    }

    /// The message as stored; a body-only case (`bodies/`) wrapped in the headers of a
    /// reply to a circular, so it reads as the mail it was cut from.
    pub fn message(&self) -> Vec<u8> {
        let bytes = std::fs::read(self.folder.join(self.file()))
            .unwrap_or_else(|e| panic!("{}: {e}", self.folder.join(self.file()).display()));
        if !self.file().starts_with("bodies/") {
            return bytes;
        }
        let mut raw = b"From: Member <member@example.org>\r\n\
To: Circulars <reply+c12@circulars.example.org>\r\n\
Subject: Re: Circular 12\r\n\
Message-ID: <reply-1@example.org>\r\n\
In-Reply-To: <c12.m1@circulars.example.org>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: 8bit\r\n\r\n"
            .to_vec();
        raw.extend_from_slice(&bytes);
        raw
    }
}

/// The rows of `folder/labels.tsv`.
pub fn rows(folder: &Path) -> Vec<Row> {
    let labels = folder.join("labels.tsv");
    let text =
        std::fs::read_to_string(&labels).unwrap_or_else(|e| panic!("{}: {e}", labels.display()));
    let mut lines = text.lines();
    let names: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    lines
        .filter(|line| !line.trim().is_empty())
        .map(|line| Row {
            folder: folder.to_path_buf(),
            columns: names
                .iter()
                .zip(line.split('\t'))
                .map(|(n, v)| ((*n).to_owned(), v.to_owned()))
                .collect(),
        })
        .collect()
}
