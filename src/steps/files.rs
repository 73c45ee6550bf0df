//! Files that steps read and write: people's key and share files, protected files, and
//! the encrypted files steps produce.
//!
//! Invariants:
//! - A file a step writes is created exclusively (an existing file is never
//!   overwritten) and atomically (whole or not at all), with mode 0600, and synced
//!   before the step records it.
//! - Reads are bounded: a file larger than its limit is refused with a message that
//!   says the limit, before it is read into memory.
//! - A read that may hold a secret returns zeroizing memory.

use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

/// Writes `bytes` to a new file with mode 0600, creating its folder, through
/// [`crate::fs::write_new`]: it appears whole or not at all, so a crash mid-write leaves
/// nothing that blocks a retry, and an existing file is an error.
pub fn write_new_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    crate::fs::write_new(path, bytes, 0o600)
}

/// The message for a failed [`write_new_private`].
pub fn write_problem(path: &Path, e: &std::io::Error) -> String {
    format!(
        "cannot write {}: {e}{}",
        path.display(),
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            " (keyrite never overwrites a file it writes; choose another --out folder)"
        } else {
            ""
        }
    )
}

/// Checks that `typed` names a readable regular file; returns its path.
pub fn existing_file(typed: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(typed.trim());
    if typed.trim().is_empty() {
        return Err("type a file's path".to_string());
    }
    match crate::fs::regular_file_status(&path) {
        Ok(()) => Ok(path),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Reads at most `limit` bytes of the regular file `path` into zeroizing memory; a
/// larger file, a pipe or a device is refused.
pub fn read_limited(path: &Path, limit: u64, what: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    crate::fs::read_secret_bounded(path, limit).map_err(|e| match e.kind() {
        std::io::ErrorKind::FileTooLarge => format!(
            "{} is more than the {limit} bytes {what} may have",
            path.display()
        ),
        _ => format!("cannot read {}: {e}", path.display()),
    })
}
