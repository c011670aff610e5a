//! Requests to stop receiving circulars.

use super::read::Read;

/// The reason when `read` asks to stop receiving circulars.
pub fn requested(read: &Read) -> Option<String> {
    let _ = read;
    None
}
