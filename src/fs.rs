//! Reading the files a person names, carefully.
//!
//! Every file keyrite reads on someone's say-so (a script, a transcript, a certificate, a
//! key file, an answers file, a signature) goes through here, so that none of them can
//! hang a command or exhaust memory:
//! - Only regular files are read. A named pipe is opened without blocking and refused,
//!   as are devices (`/dev/zero`), sockets and directories, each named for what it is.
//! - Reads are bounded: at most `max + 1` bytes are read, and a longer file is refused
//!   with its size, before its contents are kept.
//! - Secret files (unprotected key files) are read into memory that is wiped on drop.
//!
//! Errors are `std::io::Error`s whose message says what is wrong, so the callers' own
//! error types (which carry the path) keep working; [`FileProblem`] is the cause.

use std::fs::File;
use std::io::{self, BufRead, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

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
}
