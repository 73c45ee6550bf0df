//! Reading the files a person names, and writing the files keyrite makes, carefully.
//!
//! Every file keyrite reads on someone's say-so (a script, a transcript, a certificate, a
//! key file, an answers file, a signature) goes through here, so that none of them can
//! hang a command or exhaust memory:
//! - Only regular files are read. A named pipe is opened without blocking and refused,
//!   as are devices (`/dev/zero`), sockets and directories, each named for what it is.
//! - Reads are bounded: at most `max + 1` bytes are read, and a longer file is refused
//!   with its size, before its contents are kept.
//! - Secret files (unprotected key files) are read into memory that is wiped on drop.
//! - A file keyrite writes appears whole or not at all, and never over another file
//!   ([`write_new`]): the bytes go to a hidden temporary file beside it, are synced, and
//!   the temporary file then takes the final name only if that name is free. A crash
//!   mid-write leaves at most a hidden `.NAME.*.tmp`, which blocks nothing. A file that
//!   is replaced on purpose (a transcript's signature file) goes the same way, with a
//!   plain rename ([`replace`]).
//!
//! Errors are `std::io::Error`s whose message says what is wrong, so the callers' own
//! error types (which carry the path) keep working; [`FileProblem`] is the cause.

use std::fs::File;
use std::io::{self, BufRead, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

/// Why a file was not read, beyond what the operating system says.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FileProblem {
    /// Not a regular file.
    #[error("not a regular file: it is {kind}")]
    NotRegular {
        /// What it is instead ("a named pipe (FIFO)", "a device", ...).
        kind: &'static str,
    },
    /// Larger than the limit for this kind of file.
    #[error("the file is larger than {max} bytes (at least {size}); is it the right file?")]
    TooLarge {
        /// Its size, or how much was read before stopping.
        size: u64,
        /// The limit.
        max: u64,
    },
}

impl FileProblem {
    /// As an I/O error, for callers whose error types wrap `std::io::Error`.
    pub fn into_io(self) -> io::Error {
        let kind = match self {
            FileProblem::NotRegular { .. } => io::ErrorKind::InvalidInput,
            FileProblem::TooLarge { .. } => io::ErrorKind::FileTooLarge,
        };
        io::Error::new(kind, self)
    }
}

/// What a file that is not a regular one is, for messages.
pub fn kind_of(file_type: std::fs::FileType) -> Option<&'static str> {
    if file_type.is_file() {
        None
    } else if file_type.is_dir() {
        Some("a directory")
    } else if file_type.is_fifo() {
        Some("a named pipe (FIFO)")
    } else if file_type.is_char_device() || file_type.is_block_device() {
        Some("a device")
    } else if file_type.is_socket() {
        Some("a socket")
    } else {
        Some("not a regular file")
    }
}

/// Opens `path` for reading if it is a regular file (following symbolic links).
///
/// The file is opened without blocking, so a named pipe with no writer is refused at
/// once instead of waiting forever; then its type is checked on the open descriptor.
pub fn open_regular(path: &Path) -> io::Result<File> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        // A FIFO's open() otherwise blocks until a writer appears; a regular file
        // ignores the flag. The bits fit: O_NONBLOCK is a small positive constant.
        .custom_flags(i32::try_from(rustix::fs::OFlags::NONBLOCK.bits()).unwrap_or(0))
        .open(path)?;
    if let Some(kind) = kind_of(file.metadata()?.file_type()) {
        return Err(FileProblem::NotRegular { kind }.into_io());
    }
    Ok(file)
}

/// Whether `path` is a regular file (following links), and if not, what it is; for
/// checks that only need to know ("does not exist" vs "is a device").
pub fn regular_file_status(path: &Path) -> io::Result<()> {
    let meta = std::fs::metadata(path)?;
    match kind_of(meta.file_type()) {
        None => Ok(()),
        Some(kind) => Err(FileProblem::NotRegular { kind }.into_io()),
    }
}

/// Reads at most `max` bytes from `reader`; more is an error.
pub fn read_limited(reader: impl Read, max: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(FileProblem::TooLarge {
            size: bytes.len() as u64,
            max,
        }
        .into_io());
    }
    Ok(bytes)
}

/// Reads the regular file at `path`, refusing one larger than `max` bytes.
pub fn read_bounded(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    let file = open_regular(path)?;
    let size = file.metadata()?.len();
    if size > max {
        return Err(FileProblem::TooLarge { size, max }.into_io());
    }
    read_limited(file, max)
}

/// [`read_bounded`] into memory that is wiped when dropped, for secret files. The buffer
/// is sized once from the file's length, so no copy of the secret is left behind by a
/// growing vector.
pub fn read_secret_bounded(path: &Path, max: u64) -> io::Result<Zeroizing<Vec<u8>>> {
    let file = open_regular(path)?;
    let size = file.metadata()?.len();
    if size > max {
        return Err(FileProblem::TooLarge { size, max }.into_io());
    }
    let capacity = usize::try_from(size.saturating_add(1)).unwrap_or(0);
    let mut bytes = Zeroizing::new(Vec::with_capacity(capacity));
    file.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(FileProblem::TooLarge {
            size: bytes.len() as u64,
            max,
        }
        .into_io());
    }
    Ok(bytes)
}

/// Reads `path` as UTF-8 text within `max` bytes.
pub fn read_text_bounded(path: &Path, max: u64) -> io::Result<String> {
    String::from_utf8(read_bounded(path, max)?).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 text: invalid byte at offset {}",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// Longest line read from a person or a pipe: a 33-word share is about 250 characters,
/// a typed path or a reason a few hundred.
pub const MAX_LINE: u64 = 4096;

/// Reads one line of at most [`MAX_LINE`] bytes, without its line ending, into a
/// zeroizing buffer; `None` at the end of input. A longer line (or endless input such as
/// `/dev/zero`) is an error before it grows in memory.
pub fn read_line_limited(input: &mut dyn BufRead) -> io::Result<Option<Zeroizing<String>>> {
    // Pre-sized so that a typed secret is not left behind in a freed smaller buffer.
    let mut line = Zeroizing::new(String::with_capacity(MAX_LINE as usize + 1));
    if input.take(MAX_LINE + 1).read_line(&mut line)? == 0 {
        return Ok(None);
    }
    if line.len() as u64 > MAX_LINE {
        // Not InvalidData: that is how `read_line` reports a line that is not UTF-8,
        // which callers may skip; an endless line must end the reading.
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("a line of input is longer than {MAX_LINE} bytes; is this the right input?"),
        ));
    }
    let end = line.trim_end_matches(['\n', '\r']).len();
    line.truncate(end);
    Ok(Some(line))
}

/// Writes `bytes` to the new file `path` with `mode` (before the umask), atomically: the
/// file appears whole or not at all, and an existing file (or symbolic link) is never
/// replaced (`AlreadyExists`). The file and its folder are synced.
pub fn write_new(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    // Refused before anything is written; the final step below refuses it again if the
    // name was taken meanwhile.
    if path.symlink_metadata().is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "the file exists already",
        ));
    }
    let (dir, temp) = write_temp(path, bytes, mode)?;
    // `renameat2(RENAME_NOREPLACE)` takes the name only if it is free, in one step.
    // Filesystems without it get a hard link, which fails the same way on an existing
    // name; then the temporary name is removed.
    let placed = match rustix::fs::renameat_with(
        rustix::fs::CWD,
        &temp,
        rustix::fs::CWD,
        path,
        rustix::fs::RenameFlags::NOREPLACE,
    ) {
        Ok(()) => Ok(()),
        Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {
            let linked = std::fs::hard_link(&temp, path);
            let _ = std::fs::remove_file(&temp);
            linked
        }
        Err(e) => Err(io::Error::from(e)),
    };
    if let Err(e) = placed {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    sync_dir(&dir)
}

/// Replaces the file `path` (or creates it) with `bytes` and `mode` (before the umask),
/// atomically: a reader sees the old file or the new one, never a mix. The file and its
/// folder are synced.
pub fn replace(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let (dir, temp) = write_temp(path, bytes, mode)?;
    if let Err(e) = std::fs::rename(&temp, path) {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    sync_dir(&dir)
}

/// Writes and syncs a new hidden temporary file beside `path`; returns its folder and
/// its path. A file that could not be written whole is removed.
fn write_temp(path: &Path, bytes: &[u8], mode: u32) -> io::Result<(PathBuf, PathBuf)> {
    use std::io::Write;
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let mut salt = [0u8; 6];
    getrandom::fill(&mut salt).map_err(|e| io::Error::other(e.to_string()))?;
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(".{}.tmp", hex::encode(salt)));
    let temp = dir.join(temp_name);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode & 0o777)
        .open(&temp)?;
    if let Err(e) = file.write_all(bytes).and_then(|()| file.sync_all()) {
        drop(file);
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    Ok((dir, temp))
}

/// Syncs a folder, so a new name in it survives a power cut.
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_pipes_and_directories_are_refused_by_name() {
        let e = read_bounded(Path::new("/dev/zero"), 10).unwrap_err();
        assert_eq!(e.to_string(), "not a regular file: it is a device");
        let dir = tempfile::tempdir().unwrap();
        let e = read_bounded(dir.path(), 10).unwrap_err();
        assert_eq!(e.to_string(), "not a regular file: it is a directory");
        let fifo = dir.path().join("fifo");
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .unwrap();
        // Would block forever if the pipe were opened for a blocking read.
        let e = read_bounded(&fifo, 10).unwrap_err();
        assert_eq!(
            e.to_string(),
            "not a regular file: it is a named pipe (FIFO)"
        );
        assert_eq!(
            regular_file_status(Path::new("/dev/null"))
                .unwrap_err()
                .to_string(),
            "not a regular file: it is a device"
        );
    }

    #[test]
    fn a_file_over_the_limit_is_refused_and_one_at_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"0123456789").unwrap();
        assert_eq!(read_bounded(&path, 10).unwrap(), b"0123456789");
        assert_eq!(*read_secret_bounded(&path, 10).unwrap(), b"0123456789");
        let e = read_bounded(&path, 9).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
        assert!(read_limited(&b"0123456789"[..], 9).is_err());
        assert!(read_text_bounded(&path, 10).is_ok());
    }

    #[test]
    fn lines_are_bounded() {
        let mut input = io::BufReader::new(&b"one\r\ntwo"[..]);
        assert_eq!(
            read_line_limited(&mut input).unwrap().unwrap().as_str(),
            "one"
        );
        assert_eq!(
            read_line_limited(&mut input).unwrap().unwrap().as_str(),
            "two"
        );
        assert!(read_line_limited(&mut input).unwrap().is_none());
        let exact = format!("{}\n", "a".repeat(MAX_LINE as usize - 1));
        assert!(read_line_limited(&mut exact.as_bytes()).is_ok());
        let zeros = std::fs::File::open("/dev/zero").unwrap();
        let e = read_line_limited(&mut io::BufReader::new(zeros)).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn a_new_file_appears_whole_and_never_replaces_another() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("share-1.asc");
        // What a crash mid-write leaves behind blocks nothing.
        std::fs::write(dir.path().join(".share-1.asc.0123456789ab.tmp"), b"torn").unwrap();
        write_new(&path, b"first", 0o600).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let e = write_new(&path, b"second", 0o600).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        // A dangling symbolic link is a taken name too.
        let link = dir.path().join("link.asc");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &link).unwrap();
        assert_eq!(
            write_new(&link, b"x", 0o600).unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
        assert!(!dir.path().join("nowhere").exists());
        // Only the crash's leftover remains beside the two names.
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [".share-1.asc.0123456789ab.tmp", "link.asc", "share-1.asc"]
        );
    }

    #[test]
    fn replace_swaps_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl.asc");
        replace(&path, b"one", 0o644).unwrap();
        replace(&path, b"two", 0o644).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
