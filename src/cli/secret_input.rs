//! Secret input for the commands outside a ceremony: a line typed at the terminal with
//! echo off or piped on standard input, or the first line of a file. `keyrite slip39
//! recover` reads its shares and passphrase this way, `keyrite countersign` the
//! passphrase of a key.
//!
//! Invariants:
//! - What is read is held in zeroizing buffers only, and is bounded: a line by
//!   [`crate::fs::MAX_LINE`], a file by [`MAX_FILE`].
//! - At a terminal, echo goes off before the prompt shows and comes back once the line
//!   is read, also when reading fails ([`EchoOff`] restores it on drop).
//! - Prompts go to stderr (the terminal side, as `getpass` does), never to stdout, which
//!   may carry a command's output.
//! - No error quotes what was read.

use std::io::{self, BufRead, Write};
use std::path::Path;

use thiserror::Error;
use zeroize::Zeroizing;

use crate::hygiene::EchoOff;

/// Largest file a secret line is read from: a passphrase is a line.
const MAX_FILE: u64 = 64 << 10;

/// Why a prompted entry could not be read.
#[derive(Debug, Error)]
pub(super) enum PromptError {
    /// Standard input failed (or the line was too long, or not UTF-8).
    #[error("cannot read standard input")]
    Read(#[source] io::Error),
    /// The prompt could not be written to stderr.
    #[error("cannot write the prompt")]
    Write(#[source] io::Error),
}

/// Why a secret could not be read from a file.
#[derive(Debug, Error)]
pub(super) enum FileError {
    /// The file cannot be read, is not a regular file or is larger than [`MAX_FILE`].
    #[error(transparent)]
    Read(#[from] io::Error),
    /// The file is not UTF-8 text.
    #[error("the file is not UTF-8 text")]
    NotUtf8,
}

/// Reads one line (bounded) without its line ending into a zeroizing buffer; `None` at
/// the end.
pub(super) fn read_secret_line(input: &mut dyn BufRead) -> io::Result<Option<Zeroizing<String>>> {
    crate::fs::read_line_limited(input)
}

/// One entry after `prompt: `, hidden when stdin is a terminal (`tty`). As the reference's
/// `getpass`, the prompt goes to the terminal side (stderr here), not to stdout; so does
/// the newline after a piped entry or at the end of input (at a terminal, the Enter key
/// echoes it). `None` at the end of input.
pub(super) fn read_hidden(
    input: &mut dyn BufRead,
    prompt: &str,
    tty: bool,
) -> Result<Option<Zeroizing<String>>, PromptError> {
    // Echo goes off before the prompt shows, so nothing typed after it is echoed.
    let echo = tty.then(EchoOff::stdin);
    let mut err = io::stderr();
    write!(err, "{prompt}: ")
        .and_then(|()| err.flush())
        .map_err(PromptError::Write)?;
    let line = read_secret_line(input).map_err(PromptError::Read);
    drop(echo);
    // Only an entry typed at a terminal ends with an echoed Enter (echo off keeps ECHONL);
    // without this newline, what is written next would follow the prompt on its line.
    if !tty || matches!(line, Ok(None)) {
        writeln!(err).map_err(PromptError::Write)?;
    }
    line
}

/// The first line of the regular file `file` (empty if the file is), without its line
/// ending.
pub(super) fn first_line_of_file(file: &Path) -> Result<Zeroizing<String>, FileError> {
    let bytes = crate::fs::read_secret_bounded(file, MAX_FILE)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| FileError::NotUtf8)?;
    Ok(Zeroizing::new(
        text.lines().next().unwrap_or("").to_string(),
    ))
}
