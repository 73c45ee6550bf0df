//! Files that steps read and write: people's key and share files, protected files, and
//! the encrypted files steps produce.
//!
//! Invariants:
//! - A file a step writes is created exclusively (an existing file is never
//!   overwritten), with mode 0600, and synced before the step records it.
//! - Reads are bounded: a file larger than its limit is refused with a message that
//!   says the limit, before it is read into memory.
//! - A read that may hold a secret returns zeroizing memory.

use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

/// Writes `bytes` to a new file with mode 0600 and syncs it; an existing file is an error.
pub fn write_new_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
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
    match std::fs::metadata(&path) {
        Ok(m) if m.is_file() => Ok(path),
        Ok(_) => Err(format!("{} is not a file", path.display())),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Reads at most `limit` bytes of `path` into zeroizing memory; a larger file is refused.
pub fn read_limited(path: &Path, limit: u64, what: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    let problem = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
    let file = std::fs::File::open(path).map_err(problem)?;
    let size = file.metadata().map_err(problem)?.len();
    if size > limit {
        return Err(format!(
            "{} is {size} bytes, more than the {limit} bytes {what} may have",
            path.display()
        ));
    }
    // Pre-sized so the buffer is never reallocated (a reallocation would leave a copy).
    let mut bytes = Zeroizing::new(Vec::with_capacity(size as usize + 1));
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(problem)?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "{} grew past {limit} bytes while it was read",
            path.display()
        ));
    }
    Ok(bytes)
}
