//! Reading a Maildir inbox: each message in `new/` is stored, then moved to `cur/`.
//!
//! The folder is polled every second rather than watched with inotify: delivery into a
//! Maildir is an atomic rename into `new/`, so a listing never shows half a message, a
//! listing a second is nothing to the machine, and polling also works on network file
//! systems and needs no extra dependency. A file is moved only once it is stored; a crash in
//! between makes the next pass read it again, and intake's dedupe stores it once.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::inbound::intake::{Arrival, Intake, IntakeError, Kept, Source};

/// How often `new/` is listed when it was empty.
const POLL: Duration = Duration::from_secs(1);

/// At most this many files, and about this many bytes, are stored in one transaction.
const BATCH_FILES: usize = 128;
const BATCH_BYTES: u64 = 16 << 20;

/// The longest wait between two tries while the database is unavailable.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// A Maildir folder with its `new/`, `cur/` and `tmp/`.
#[derive(Debug, Clone)]
pub struct Maildir {
    root: PathBuf,
}

/// A message file waiting in `new/`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Waiting {
    modified: SystemTime,
    name: String,
    size: u64,
}

impl Maildir {
    /// The Maildir at `root`, creating `new/`, `cur/` and `tmp/` if missing.
    ///
    /// # Errors
    /// A folder cannot be created.
    pub fn open(root: &Path) -> std::io::Result<Maildir> {
        for sub in ["new", "cur", "tmp"] {
            std::fs::create_dir_all(root.join(sub))?;
        }
        Ok(Maildir {
            root: root.to_path_buf(),
        })
    }

    /// The folder's root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The files in `new/`, oldest first (names break ties: Maildir names start with the
    /// delivery time).
    fn waiting(&self) -> std::io::Result<Vec<Waiting>> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(self.root.join("new"))? {
            let entry = entry?;
            let Ok(meta) = entry.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            files.push(Waiting {
                modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                name: entry.file_name().to_string_lossy().into_owned(),
                size: meta.len(),
            });
        }
        files.sort();
        Ok(files)
    }

    /// Moves `new/NAME` to `cur/NAME:2,S` (seen, in the Maildir convention).
    fn mark_seen(&self, name: &str) -> std::io::Result<()> {
        let base = name.split_once(':').map_or(name, |(base, _)| base);
        std::fs::rename(
            self.root.join("new").join(name),
            self.root.join("cur").join(format!("{base}:2,S")),
        )
    }
}

/// Watches `maildir` until `shutdown`: stores each message of `new/` and moves it to `cur/`.
/// Files are stored a batch at a time, each batch in one transaction; cancellation lets the
/// batch at hand finish.
pub async fn watch(maildir: Maildir, intake: Intake, shutdown: CancellationToken) {
    tracing::info!(inbox = %maildir.root.display(), "reading the Maildir inbox");
    let mut reader = Reader {
        maildir,
        intake,
        failed: HashSet::new(),
    };
    while !shutdown.is_cancelled() {
        let taken = reader.pass(&shutdown).await;
        if taken == 0 {
            tokio::select! {
                () = shutdown.cancelled() => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    }
    tracing::info!("Maildir inbox closed");
}

/// `files` cut into batches of at most [`BATCH_FILES`] files and, unless one file is
/// larger, [`BATCH_BYTES`] bytes.
fn batches(files: &[Waiting]) -> Vec<&[Waiting]> {
    let mut batches = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, file) in files.iter().enumerate() {
        if i > start && (i - start == BATCH_FILES || bytes + file.size > BATCH_BYTES) {
            batches.push(&files[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += file.size;
    }
    if start < files.len() {
        batches.push(&files[start..]);
    }
    batches
}

/// What became of a batch.
enum Stored {
    Kept(Vec<Kept>),
    /// The database is up but refuses the batch.
    Refused(IntakeError),
    Cancelled,
}

/// A stored file, what was kept of it, and whether it was moved to `cur/`.
type Moved = (String, Kept, std::io::Result<()>);

/// One watcher's state between passes.
struct Reader {
    maildir: Maildir,
    intake: Intake,
    /// Files already logged as unreadable or unstorable: said once, retried quietly.
    failed: HashSet<String>,
}

impl Reader {
    /// Takes every file in `new/` once, a batch at a time; returns how many were stored and
    /// moved.
    async fn pass(&mut self, shutdown: &CancellationToken) -> usize {
        let waiting = match self.maildir.waiting() {
            Ok(waiting) => waiting,
            Err(error) => {
                if self.failed.insert(String::new()) {
                    tracing::error!(inbox = %self.maildir.root.display(), %error, "cannot list the Maildir inbox");
                }
                return 0;
            }
        };
        self.failed.remove("");
        let mut taken = 0;
        let groups = batches(&waiting);
        // The next batch is read, and the last one moved to `cur/`, while this one is stored.
        let mut next = groups.first().map(|group| self.read(group));
        let mut moving = None;
        for (i, group) in groups.iter().enumerate() {
            if shutdown.is_cancelled() {
                break;
            }
            let Some(reading) = next.take() else { break };
            let read = match reading.await {
                Ok(read) => read,
                Err(error) => std::panic::resume_unwind(error.into_panic()),
            };
            next = groups.get(i + 1).map(|group| self.read(group));
            let mut batch = Vec::with_capacity(group.len());
            for (file, read) in group.iter().zip(read) {
                match read {
                    Ok(raw) => batch.push((file, raw)),
                    // Gone since the listing: another reader took it.
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                    Err(error) => self.fail_once(
                        &file.name,
                        "cannot read a Maildir file: left in new/",
                        &error,
                    ),
                }
            }
            let stored = self.keep(&batch, shutdown).await;
            if let Some(moved) = moving.replace(self.start_moving(stored)) {
                taken += self.moved(moved).await;
            }
        }
        if let Some(moved) = moving {
            taken += self.moved(moved).await;
        }
        taken
    }

    /// Starts reading the bytes of each file, together, off the async threads.
    fn read(&self, files: &[Waiting]) -> JoinHandle<Vec<std::io::Result<Vec<u8>>>> {
        let new = self.maildir.root.join("new");
        let paths: Vec<PathBuf> = files.iter().map(|file| new.join(&file.name)).collect();
        tokio::task::spawn_blocking(move || paths.iter().map(std::fs::read).collect())
    }

    /// Stores a batch of files in one transaction; returns the files stored, with what was
    /// kept of each. When the database refuses the batch, each file is tried alone, so one
    /// bad file does not hold back the others.
    async fn keep(
        &mut self,
        batch: &[(&Waiting, Vec<u8>)],
        shutdown: &CancellationToken,
    ) -> Vec<(String, Kept)> {
        if batch.is_empty() {
            return Vec::new();
        }
        match self.store(batch, shutdown).await {
            Stored::Kept(kept) => batch
                .iter()
                .map(|(file, _)| file.name.clone())
                .zip(kept)
                .collect(),
            Stored::Cancelled => Vec::new(),
            Stored::Refused(_) if batch.len() > 1 => {
                let mut stored = Vec::new();
                for one in batch {
                    stored.extend(Box::pin(self.keep(std::slice::from_ref(one), shutdown)).await);
                }
                stored
            }
            Stored::Refused(error) => {
                self.fail_once(
                    &batch[0].0.name,
                    "the database refuses this message: left in new/",
                    &error,
                );
                Vec::new()
            }
        }
    }

    /// Starts moving the files stored to `cur/`, off the async threads.
    fn start_moving(&self, stored: Vec<(String, Kept)>) -> JoinHandle<Vec<Moved>> {
        let maildir = self.maildir.clone();
        tokio::task::spawn_blocking(move || {
            stored
                .into_iter()
                .map(|(name, kept)| {
                    let seen = maildir.mark_seen(&name);
                    (name, kept, seen)
                })
                .collect()
        })
    }

    /// Waits for the files to be moved; returns how many were.
    async fn moved(&mut self, moving: JoinHandle<Vec<Moved>>) -> usize {
        let moved = match moving.await {
            Ok(moved) => moved,
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        };
        let mut count = 0;
        for (name, kept, seen) in moved {
            match seen {
                Ok(()) => {
                    self.failed.remove(&name);
                    tracing::debug!(file = %name, id = kept.id, new = kept.new, "Maildir message stored");
                    count += 1;
                }
                Err(error) => {
                    self.fail_once(&name, "stored, but cannot move it to cur/", &error);
                }
            }
        }
        count
    }

    /// Keeps the batch, waiting with backoff while the database is unavailable.
    async fn store(
        &mut self,
        batch: &[(&Waiting, Vec<u8>)],
        shutdown: &CancellationToken,
    ) -> Stored {
        let arrivals: Vec<Arrival<'_>> = batch
            .iter()
            .map(|(file, raw)| Arrival {
                raw,
                source: Source::Maildir {
                    file: file.name.clone(),
                },
                internal_date: None,
                modified: Some(file.modified),
            })
            .collect();
        let mut backoff = POLL;
        let mut waiting = false;
        loop {
            let error = match self.intake.keep_all(&arrivals).await {
                Ok(kept) => {
                    if waiting {
                        tracing::info!("database available again: intake resumes");
                    }
                    return Stored::Kept(kept);
                }
                Err(error) => error,
            };
            if self.intake.store().ping().await.is_ok() {
                return Stored::Refused(error);
            }
            if !waiting {
                tracing::error!(error = %crate::cli::causes(&error), "database unavailable, intake waits");
                waiting = true;
            }
            tokio::select! {
                () = shutdown.cancelled() => return Stored::Cancelled,
                () = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    fn fail_once(&mut self, name: &str, what: &str, error: &dyn std::error::Error) {
        if self.failed.insert(name.to_string()) {
            tracing::error!(file = %name, error = %error, "{what}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(sizes: &[u64]) -> Vec<Waiting> {
        sizes
            .iter()
            .enumerate()
            .map(|(n, &size)| Waiting {
                modified: SystemTime::UNIX_EPOCH,
                name: format!("{n}"),
                size,
            })
            .collect()
    }

    #[test]
    fn batches_are_bounded_by_count_and_bytes() {
        let many = files(&vec![10; BATCH_FILES * 2 + 1]);
        let lengths: Vec<usize> = batches(&many).iter().map(|b| b.len()).collect();
        assert_eq!(lengths, [BATCH_FILES, BATCH_FILES, 1]);
        let large = files(&[BATCH_BYTES - 5, 10, BATCH_BYTES * 2, 1]);
        let lengths: Vec<usize> = batches(&large).iter().map(|b| b.len()).collect();
        assert_eq!(
            lengths,
            [1, 1, 1, 1],
            "a file larger than the bound goes alone"
        );
        assert!(batches(&[]).is_empty());
    }
}
