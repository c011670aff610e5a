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
    line_of_bytes(text.as_bytes(), offset)
}

/// The 1-based line of a byte offset in `bytes`, whatever the line endings: `\n` (Unix),
/// `\r\n` (Windows) and a lone `\r` (old Macintosh) each end one line.
pub fn line_of_bytes(bytes: &[u8], offset: usize) -> usize {
    line_breaks(bytes, 0, offset) + 1
}

/// The lines ended between byte offsets `from` and `to` of `bytes`, counted as
/// [`line_of_bytes`] does: the lines of a later offset are those of an earlier one plus these.
pub fn line_breaks(bytes: &[u8], from: usize, to: usize) -> usize {
    let to = to.min(bytes.len());
    let lone_cr = |i: usize| bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n');
    (from.min(to)..to)
        .filter(|&i| bytes[i] == b'\n' || lone_cr(i))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_counted_on_from_an_earlier_offset_add_up_to_the_lines_from_the_start() {
        let text = b"a\r\nb\rc\nd\r\n\re";
        for to in 0..=text.len() {
            for from in 0..=to {
                assert_eq!(
                    line_of_bytes(text, from) + line_breaks(text, from, to),
                    line_of_bytes(text, to),
                    "{from}..{to}"
                );
            }
        }
    }

    #[test]
    fn lines_are_counted_alike_for_unix_windows_and_old_mac_endings() {
        for text in ["a\nb\nc", "a\r\nb\r\nc", "a\rb\rc"] {
            let c = text.find('c').unwrap();
            assert_eq!(line_of(text, c), 3, "{text:?}");
            assert_eq!(line_of(text, 0), 1, "{text:?}");
        }
        // An offset on the `\n` of a `\r\n` is still on the first line.
        assert_eq!(line_of("a\r\nb", 2), 1);
    }
}
