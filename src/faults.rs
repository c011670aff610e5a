//! Faults in input files, each with its place: printed as `FILE:LINE: reason`.

use std::fmt;
use std::path::{Path, PathBuf};

/// One fault in one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub file: PathBuf,
    /// 1-based; 0 when the fault is about the whole file.
    pub line: usize,
    pub reason: String,
}

impl Fault {
    pub fn new(file: &Path, line: usize, reason: impl Into<String>) -> Fault {
        Fault {
            file: file.to_path_buf(),
            line,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.reason)
    }
}

/// The faults that made input be refused, one per line.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct Faults(pub Vec<Fault>);

/// The 1-based line of a byte offset in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
