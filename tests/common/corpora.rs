//! The email corpora in `tests/corpora/` (and `../shared/corpora`): labelled rows, their
//! messages, and what each source means by its labels.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The folder of a corpus copied into the project.
pub fn folder(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpora")
        .join(name)
}

/// What a source means by `bounce_hard` and `bounce_soft`, when it is not what the reader
/// means (see the README, "Accuracy on mail written by others").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meaning {
    /// Hard is a permanent failure of the address, soft anything that may pass later or is
    /// about the message or the sender: the reader's own definition (BounceParser's
    /// `std_reason`s, the Ruby `mail` gem, Discourse).
    Ours,
    /// Hard is every fatal (not retried) failure, whatever its cause; soft a 4.x.x one
    /// (Mailman 2, the `bounce_email` gem).
    Fatal,
    /// sisimai's own `hardbounce` flag, set from its reason names: a mailbox disabled
    /// (`suspend`) or a domain accepting no mail (`notaccept`) are soft to it, and a delay
    /// warning is a bounce of its reason, soft or hard (it has no delay kind).
    Sisimai,
}

impl Meaning {
    /// The meaning of the labels in `folder`, from its name.
    pub fn of(folder: &Path) -> Meaning {
        let name = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match name.as_str() {
            "mailman2_bounces" | "ruby_bounce_email" => Meaning::Fatal,
            "sisimai" => Meaning::Sisimai,
            _ => Meaning::Ours,
        }
    }
}

/// One row of a folder's `labels.tsv`.
#[derive(Debug, Clone)]
pub struct Label {
    /// The corpus folder the row belongs to.
    pub folder: PathBuf,
    /// The message's path relative to the folder.
    pub file: String,
    /// `bounce_hard`, `bounce_soft`, `delay_dsn`, `auto_reply`, `human_reply`, `other`, …
    pub kind: String,
    /// The failed recipients the source states, lowercased (empty when it states none).
    pub failed_recipients: Vec<String>,
    /// Every column by its header name, for the folder-specific ones.
    pub columns: HashMap<String, String>,
}

impl Label {
    /// A column by its header name, empty when the folder has no such column.
    pub fn get(&self, column: &str) -> &str {
        self.columns.get(column).map_or("", String::as_str)
    }

    /// What the source means by the row's label.
    pub fn meaning(&self) -> Meaning {
        Meaning::of(&self.folder)
    }

    /// A `name=value` item of `expected_detail` (`sisimai_reason`, `code`, …).
    pub fn detail(&self, name: &str) -> Option<&str> {
        self.get("expected_detail")
            .split([';', ' '])
            .find_map(|item| item.split_once('=').filter(|(n, _)| *n == name))
            .map(|(_, value)| value)
            .filter(|value| !value.is_empty())
    }

    /// The message as stored; a body-only case (`bodies/`) wrapped in the headers of a
    /// reply to a circular, so it reads as the mail it was cut from.
    pub fn message(&self) -> Vec<u8> {
        let bytes = load(&self.folder, &self.file);
        if !self.file.starts_with("bodies/") {
            return bytes;
        }
        let mut raw = REPLY_HEADERS.to_vec();
        raw.extend_from_slice(&bytes);
        raw
    }
}

const REPLY_HEADERS: &[u8] = b"From: Member <member@example.org>\r\n\
To: Circulars <reply+c12@circulars.example.org>\r\n\
Subject: Re: Circular 12\r\n\
Message-ID: <reply-1@example.org>\r\n\
In-Reply-To: <c12.m1@circulars.example.org>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: 8bit\r\n\r\n";

/// Bounces a person forwarded (a person's `From:`, a forward's subject, the bounce quoted
/// below their own words), which their sources label as the bounce they quote. The reader
/// calls such a message a person's, by the README's definition: a person wrote it, and a
/// person should read it. Their label is read as `forwarded_bounce`.
const FORWARDED_BY_A_PERSON: &[&str] = &["eml/lhost-sendmail-14.eml"];

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
            let file = column("file");
            let kind = if FORWARDED_BY_A_PERSON.contains(&file.as_str()) {
                "forwarded_bounce".to_string()
            } else {
                column("kind")
            };
            Label {
                folder: folder.to_path_buf(),
                file,
                kind,
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
