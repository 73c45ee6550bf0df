//! `keyrite slip39 create|recover`: SLIP-39 outside a ceremony, with the arguments and
//! the output layout of the reference `shamir` CLI (shamir-mnemonic 0.3.0), line by line
//! and without its colours, plus `--json` for tooling (group and member indices are
//! 0-based there, as encoded in the shares). `create.rs` makes a set, `recover.rs` reads
//! one back; this module holds what both need: usage errors and writing secrets out.
//!
//! Invariants:
//! - Secrets only to a person: shares and secrets are printed only when stdout is a
//!   terminal, or with `--allow-pipe` (for tests and tooling that handle the secret
//!   themselves); otherwise the command stops with exit 2 before making or reading any.
//! - Every secret (master secret, passphrase, share words, the hex and the lines and JSON
//!   that carry them) is held in zeroizing types sized up front, and each secret line is
//!   written to stdout in one complete write, which std's line writer passes through
//!   without keeping a copy in its buffer.
//! - Both commands first apply the process hygiene of [`hygiene::harden`] (no core dumps,
//!   memory locked where allowed), best effort as for a ceremony.
//! - Exit codes: 0 success, 1 recovery could not finish (end of input, digest mismatch,
//!   I/O), 2 usage errors (reported as `error:` and `hint:` on stderr).
//! - Nothing the user typed is unwrapped; no error message quotes a secret.

mod create;
mod recover;

use std::io::{self, IsTerminal, Write};

use clap::Subcommand;
use serde::Serialize;
use thiserror::Error;
use zeroize::Zeroizing;

use super::{print_error, EXIT_FAILED, EXIT_USAGE};
use crate::hygiene;
use crate::slip39::Slip39Error;
use create::CreateArgs;
use recover::RecoverArgs;

/// The `slip39` subcommands.
#[derive(Subcommand, Debug)]
pub enum Slip39Command {
    /// Create a Shamir mnemonic set (as `shamir create`)
    ///
    /// SCHEME can be one of:
    ///
    ///   single: Create a single recovery seed.
    ///   2of3:   Create 3 shares. Require 2 of them to recover the seed.
    ///           (You can use any number up to 16. Try 3of5, 4of4, 1of1...)
    ///   master: Create 1 master share that can recover the seed by itself,
    ///           plus a 3-of-5 group: 5 shares, with 3 required for recovery.
    ///   custom: Specify configuration with -t and -g options.
    #[command(verbatim_doc_comment)]
    Create(CreateArgs),
    /// Recover a master secret from shares typed or piped one per line (as `shamir
    /// recover`).
    Recover(RecoverArgs),
}

/// Why a command could not start (exit 2).
#[derive(Debug, Error)]
enum UsageError {
    #[error(
        "stdout is not a terminal: keyrite does not print shares or secrets into a pipe or file"
    )]
    NotATerminal,
    #[error("only use a passphrase (-p) in conjunction with an explicit master secret (-S)")]
    PassphraseWithoutSecret,
    #[error("to use -g/-t, you must select the 'custom' scheme")]
    GroupOptionsWithoutCustom,
    #[error("invalid scheme: {0}")]
    InvalidScheme(String),
    #[error("unknown scheme: {0}")]
    UnknownScheme(String),
    #[error("use '-t' to specify the number of groups required for recovery")]
    MissingGroupThreshold,
    #[error("use '-g T N' to add a T-of-N group to the collection")]
    MissingGroups,
    #[error("1-of-X groups are not allowed (group {group}: 1 of {count})")]
    OneOfX { group: usize, count: u8 },
    #[error("secret bytes must be hex encoded: {0}")]
    Hex(&'static str),
    #[error("a strength of {0} bits is not possible: it must be a multiple of 16 from 128 to 512")]
    Strength(u32),
    #[error(transparent)]
    Slip39(#[from] Slip39Error),
}

impl UsageError {
    fn hint(&self) -> &'static str {
        match self {
            UsageError::NotATerminal => "run it in a terminal; --allow-pipe prints anyway, for tests and tooling that handle the secret themselves",
            UsageError::PassphraseWithoutSecret => "give the master secret with -S HEX, or leave out -p",
            UsageError::GroupOptionsWithoutCustom => "for example: keyrite slip39 create custom -t 2 -g 2 3 -g 3 5",
            UsageError::InvalidScheme(_) | UsageError::UnknownScheme(_) => {
                "SCHEME is single, MofN (for example 2of3), master or custom"
            }
            UsageError::MissingGroupThreshold | UsageError::MissingGroups => {
                "for example: keyrite slip39 create custom -t 2 -g 2 3 -g 3 5"
            }
            UsageError::OneOfX { .. } => {
                "instead, set up a 1-of-1 group and give everyone the same share"
            }
            UsageError::Hex(_) => "give -S an even number of hex digits (0-9, a-f), for example 000102030405060708090a0b0c0d0e0f",
            UsageError::Strength(_) => "use -s 128, 256 or another multiple of 16 up to 512",
            UsageError::Slip39(Slip39Error::Config(_)) => "thresholds go from 1 to the count, with at most 16 groups of at most 16 shares, and -E from 0 to 15",
            UsageError::Slip39(Slip39Error::InvalidSecretLength { .. }) => {
                "give -S 16 to 64 bytes (32 to 128 hex digits), an even number of bytes"
            }
            UsageError::Slip39(Slip39Error::InvalidPassphrase { .. }) => {
                "the passphrase may use printable ASCII only (space to '~')"
            }
            UsageError::Slip39(_) => "see keyrite slip39 create --help",
        }
    }
}

/// Runs a `slip39` subcommand and returns the exit code.
pub fn run(command: Slip39Command) -> i32 {
    // Best effort; what did not take effect is not worth a line in the reference layout.
    let _ = hygiene::harden();
    match command {
        Slip39Command::Create(args) => create::run(&args),
        Slip39Command::Recover(args) => recover::run(&args),
    }
}

fn usage(e: &UsageError) -> i32 {
    print_error(e, Some(e.hint()));
    EXIT_USAGE
}

fn io_failed(e: &io::Error, what: &str) -> i32 {
    print_error(e, Some(what));
    EXIT_FAILED
}

/// Lowercase hex of secret bytes, in a buffer that is never reallocated.
fn secret_hex(bytes: &[u8]) -> Zeroizing<String> {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = Zeroizing::new(String::with_capacity(bytes.len() * 2));
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xF)]));
    }
    s
}

/// Writes the concatenation of `parts` and a newline in one write, from a zeroizing
/// buffer.
fn secret_line(out: &mut dyn Write, parts: &[&str]) -> io::Result<()> {
    let len = parts.iter().map(|p| p.len()).sum::<usize>() + 1;
    let mut line = Zeroizing::new(String::with_capacity(len));
    for p in parts {
        line.push_str(p);
    }
    line.push('\n');
    out.write_all(line.as_bytes())?;
    out.flush()
}

/// Serializes `value` as pretty JSON plus a newline into a zeroizing buffer of the exact
/// size, and writes it in one write.
fn secret_json<T: Serialize>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    struct Count(usize);
    impl Write for Count {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer_pretty(&mut count, value)?;
    let mut buf = Zeroizing::new(Vec::with_capacity(count.0 + 1));
    serde_json::to_writer_pretty(&mut *buf, value)?;
    buf.push(b'\n');
    out.write_all(&buf)?;
    out.flush()
}

/// Whether secrets may be printed: stdout is a terminal, or `--allow-pipe`.
fn may_print_secrets(allow_pipe: bool) -> Result<(), UsageError> {
    if allow_pipe || io::stdout().is_terminal() {
        Ok(())
    } else {
        Err(UsageError::NotATerminal)
    }
}
