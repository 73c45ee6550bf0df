//! Writing a report or a printable script to a file: never over an existing file, and
//! never a torn file.
//!
//! Invariant: the file appears whole or not at all, and never over another file
//! ([`crate::fs::write_new`]); a public document gets the usual mode (0666 less the
//! umask).

use std::path::{Path, PathBuf};

/// Why the output file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The file exists; keyrite does not overwrite it.
    #[error("{} already exists; keyrite does not overwrite it", path.display())]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// The file could not be written.
    #[error("cannot write {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// Writes `bytes` to the new file `path`, atomically ([`crate::fs::write_new`]).
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    match crate::fs::write_new(path, bytes, 0o666) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(OutputError::Exists {
            path: path.to_path_buf(),
        }),
        Err(source) => Err(OutputError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_once_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.md");
        write_new(&path, b"first").unwrap();
        assert!(matches!(
            write_new(&path, b"second"),
            Err(OutputError::Exists { .. })
        ));
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
        assert!(matches!(
            write_new(&dir.path().join("no/such/folder.md"), b"x"),
            Err(OutputError::Io { .. })
        ));
    }
}
