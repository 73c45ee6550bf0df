//! Writing a report or a printable script to a file: never over an existing file, and
//! never a torn file.
//!
//! Invariant: the file appears whole or not at all. The bytes go to a temporary file in
//! the same folder, are synced, and the temporary file is then hard-linked to the final
//! name, which fails if that name exists (create-new), and removed.

use std::io::Write;
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

/// Writes `bytes` to the new file `path`, atomically.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let io = |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    };
    if path.symlink_metadata().is_ok() {
        return Err(OutputError::Exists {
            path: path.to_path_buf(),
        });
    }
    let name = path.file_name().ok_or_else(|| {
        io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the path names no file",
        ))
    })?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(".{}.tmp", std::process::id()));
    let temp = dir.join(temp_name);
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(io(e));
    }
    let linked = std::fs::hard_link(&temp, path);
    let _ = std::fs::remove_file(&temp);
    match linked {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(OutputError::Exists {
                path: path.to_path_buf(),
            })
        }
        Err(e) => return Err(io(e)),
    }
    // The new name is durable only once the folder is synced.
    let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    Ok(())
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
