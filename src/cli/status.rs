//! `keyrite status` (being written).

use std::path::Path;

/// Runs `keyrite status`.
pub fn status(records: &Path, json: bool, as_of: Option<&str>) -> i32 {
    let _ = (records, json, as_of);
    eprintln!("error: `keyrite status` is not built yet");
    super::EXIT_FAILED
}
