//! `keyrite slip39 recover`: a master secret from shares, as `shamir recover` reads them.
//!
//! It prompts `Enter a recovery share: `, reads one mnemonic (or unique word prefixes)
//! per line from standard input, prints the reference's status lines after each share
//! and `ERROR: <why>` for a share it rejects, and ends with `SUCCESS!` and `Your master
//! secret is: <hex>`. With `--json`: `{master_secret, identifier, extendable,
//! iteration_exponent, group_threshold, group_count, shares_accepted, groups:
//! [{group_index, member_threshold, shares}]}`; the prompts and status lines then go to
//! stderr.
//!
//! Invariants:
//! - Reading shares from a pipe is fine; a passphrase typed at a terminal is read with
//!   echo off ([`read_hidden`]) and its two entries are compared in
//!   constant time.
//! - Input is bounded: each line, and the number of lines read ([`MAX_SHARE_LINES`]).
//! - A share line is dropped as soon as it is parsed; status lines show only the public
//!   first words of a share.

use std::io::{self, BufRead, IsTerminal, Write};

use clap::Args;
use serde::Serialize;
use subtle::ConstantTimeEq as _;
use thiserror::Error;

use super::{io_failed, may_print_secrets, secret_hex, secret_json, secret_line, usage};
use crate::cli::secret_input::{read_hidden, read_secret_line, PromptError};
use crate::cli::{print_error, EXIT_FAILED, EXIT_OK};
use crate::slip39::{CollectProgress, Collector, Passphrase, Share, ShareInfo, Slip39Error, WORDS};

/// Arguments of `keyrite slip39 recover`, the same as `shamir recover`'s.
#[derive(Args, Debug)]
pub struct RecoverArgs {
    /// Ask for the passphrase after the shares (twice; hidden at a terminal).
    #[arg(short = 'p', long = "passphrase-prompt")]
    passphrase_prompt: bool,
    /// Print the result as one JSON object (prompts and status go to stderr).
    #[arg(long)]
    json: bool,
    /// Print the secret even when stdout is not a terminal (for tests and tooling that
    /// handle the secret themselves).
    #[arg(long)]
    allow_pipe: bool,
}

#[derive(Serialize)]
struct RecoverJson<'a> {
    master_secret: &'a str,
    identifier: u16,
    extendable: bool,
    iteration_exponent: u8,
    group_threshold: u8,
    group_count: u8,
    shares_accepted: usize,
    groups: Vec<GroupProgressJson>,
}

#[derive(Serialize)]
struct GroupProgressJson {
    group_index: u8,
    member_threshold: u8,
    shares: u8,
}

/// The reference's group prefix: the first three words of a share of the set with the
/// given group index (identifier, flags, exponent, group index and thresholds; public).
fn group_prefix(info: &ShareInfo, group_index: u8) -> String {
    let id_exp = (u32::from(info.identifier) << 5)
        | (u32::from(info.extendable) << 4)
        | u32::from(info.iteration_exponent & 0xF);
    let third = (u32::from(group_index & 0xF) << 6)
        | (u32::from(info.group_threshold.saturating_sub(1) & 0xF) << 2)
        | (u32::from(info.group_count.saturating_sub(1) & 0xF) >> 2);
    [id_exp >> 10, id_exp, third]
        .map(|w| WORDS[(w & 0x3FF) as usize])
        .join(" ")
}

fn print_status(
    out: &mut dyn Write,
    info: &ShareInfo,
    progress: &CollectProgress,
) -> io::Result<()> {
    writeln!(out)?;
    if progress.group_count > 1 {
        writeln!(
            out,
            "Completed {} of {} groups needed:",
            progress.groups_complete, progress.groups_needed
        )?;
    }
    for i in 0..progress.group_count {
        let prefix = group_prefix(info, i);
        match progress.groups.iter().find(|g| g.group_index == i) {
            None => writeln!(out, "\u{2717} 0 shares from group {prefix}")?,
            Some(g) => writeln!(
                out,
                "{} {} of {} shares needed from group {prefix}",
                if g.complete { '\u{2713}' } else { '\u{25cf}' },
                g.have,
                g.needed
            )?,
        }
    }
    out.flush()
}

/// Why a recovery stopped before printing the secret (exit 1).
#[derive(Debug, Error)]
enum RecoverError {
    #[error("the input ended before the recovery was complete: {0}")]
    EndOfShares(String),
    #[error("the input ended before the passphrase was entered")]
    EndOfPassphrase,
    #[error("cannot read standard input")]
    Read(#[source] io::Error),
    #[error("more than {MAX_SHARE_LINES} lines were read without completing the recovery")]
    TooManyLines,
    #[error("cannot write the prompts and status")]
    Write(#[source] io::Error),
}

impl RecoverError {
    fn hint(&self) -> &'static str {
        match self {
            RecoverError::EndOfShares(_) => {
                "enter more shares, one per line; nothing was recovered"
            }
            RecoverError::EndOfPassphrase => "with -p, enter the passphrase twice after the shares",
            RecoverError::Read(_) | RecoverError::Write(_) => "nothing was recovered",
            RecoverError::TooManyLines => {
                "a recovery needs at most 256 shares; is standard input the right file? nothing was recovered"
            }
        }
    }
}

impl From<PromptError> for RecoverError {
    fn from(e: PromptError) -> RecoverError {
        match e {
            PromptError::Read(e) => RecoverError::Read(e),
            PromptError::Write(e) => RecoverError::Write(e),
        }
    }
}

fn where_it_got(accepted: usize, progress: &CollectProgress) -> String {
    if accepted == 0 {
        return "no share was accepted".to_owned();
    }
    let groups: Vec<String> = progress
        .groups
        .iter()
        .map(|g| {
            format!(
                "group {} has {} of {} shares",
                u16::from(g.group_index) + 1,
                g.have,
                g.needed
            )
        })
        .collect();
    format!(
        "{accepted} share{} accepted, {} of {} groups needed are complete ({})",
        if accepted == 1 { "" } else { "s" },
        progress.groups_complete,
        progress.groups_needed,
        groups.join(", ")
    )
}

/// Most lines `slip39 recover` reads (shares, blank and refused lines): a set has at most
/// 16 groups of 16 shares, and a person retypes a few.
const MAX_SHARE_LINES: u32 = 2_000;

/// Asks for the passphrase twice until both entries agree (compared in constant time)
/// and it is valid.
fn ask_passphrase(
    input: &mut dyn BufRead,
    chat: &mut dyn Write,
    tty: bool,
) -> Result<Passphrase, RecoverError> {
    loop {
        let Some(first) = read_hidden(input, "Enter passphrase", tty)? else {
            return Err(RecoverError::EndOfPassphrase);
        };
        if first.is_empty() {
            // As the reference (click) does: an empty entry asks again.
            continue;
        }
        let Some(second) = read_hidden(input, "Repeat for confirmation", tty)? else {
            return Err(RecoverError::EndOfPassphrase);
        };
        if !bool::from(first.as_bytes().ct_eq(second.as_bytes())) {
            writeln!(chat, "ERROR: the two entered values do not match")
                .map_err(RecoverError::Write)?;
            continue;
        }
        match Passphrase::new(&first) {
            Ok(p) => return Ok(p),
            Err(e) => writeln!(chat, "ERROR: {e}").map_err(RecoverError::Write)?,
        }
    }
}

/// The accepted shares and their set parameters.
struct Entered {
    collector: Collector,
    info: ShareInfo,
    progress: CollectProgress,
}

fn collect_shares(input: &mut dyn BufRead, chat: &mut dyn Write) -> Result<Entered, RecoverError> {
    let mut collector = Collector::new();
    let mut info: Option<ShareInfo> = None;
    let mut progress = collector.progress();
    let mut lines = 0u32;
    loop {
        lines += 1;
        if lines > MAX_SHARE_LINES {
            return Err(RecoverError::TooManyLines);
        }
        write!(chat, "Enter a recovery share: ")
            .and_then(|()| chat.flush())
            .map_err(RecoverError::Write)?;
        let line = match read_secret_line(input) {
            Ok(Some(line)) => line,
            Ok(None) => {
                writeln!(chat).map_err(RecoverError::Write)?;
                return Err(RecoverError::EndOfShares(where_it_got(
                    collector.len(),
                    &progress,
                )));
            }
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                writeln!(chat, "ERROR: the line is not UTF-8 text").map_err(RecoverError::Write)?;
                continue;
            }
            Err(e) => return Err(RecoverError::Read(e)),
        };
        if line.trim().is_empty() {
            continue;
        }
        let added = Share::from_mnemonic(&line)
            .map_err(Slip39Error::from)
            .and_then(|share| {
                let share_info = share.info().clone();
                Ok((share_info, collector.add(share)?))
            });
        drop(line);
        match added {
            Ok((share_info, p)) => {
                let set = info.get_or_insert(share_info);
                print_status(chat, set, &p).map_err(RecoverError::Write)?;
                progress = p;
                if progress.ready {
                    return Ok(Entered {
                        collector,
                        info: set.clone(),
                        progress,
                    });
                }
            }
            Err(e) => writeln!(chat, "ERROR: {e}").map_err(RecoverError::Write)?,
        }
    }
}

pub(super) fn run(args: &RecoverArgs) -> i32 {
    if let Err(e) = may_print_secrets(args.allow_pipe) {
        return usage(&e);
    }
    let stdin = io::stdin();
    let tty = stdin.is_terminal();
    let mut input = stdin.lock();
    // With --json, stdout carries only the JSON document.
    let mut chat: Box<dyn Write> = if args.json {
        Box::new(io::stderr())
    } else {
        Box::new(io::stdout())
    };
    let entered = collect_shares(&mut input, &mut *chat).and_then(|entered| {
        let passphrase = if args.passphrase_prompt {
            ask_passphrase(&mut input, &mut *chat, tty)?
        } else {
            Passphrase::empty()
        };
        Ok((entered, passphrase))
    });
    let (entered, passphrase) = match entered {
        Ok(e) => e,
        Err(e) => {
            print_error(&e, Some(e.hint()));
            return EXIT_FAILED;
        }
    };
    let accepted = entered.collector.len();
    let secret = match entered.collector.recover(&passphrase) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(chat, "ERROR: {e}").and_then(|()| writeln!(chat, "Recovery failed"));
            return EXIT_FAILED;
        }
    };
    drop(passphrase);
    let hex = secret_hex(secret.expose_secret());
    let mut out = io::stdout();
    let written = if args.json {
        let info = &entered.info;
        let doc = RecoverJson {
            master_secret: &hex,
            identifier: info.identifier,
            extendable: info.extendable,
            iteration_exponent: info.iteration_exponent,
            group_threshold: info.group_threshold,
            group_count: info.group_count,
            shares_accepted: accepted,
            groups: entered
                .progress
                .groups
                .iter()
                .map(|g| GroupProgressJson {
                    group_index: g.group_index,
                    member_threshold: g.needed,
                    shares: g.have,
                })
                .collect(),
        };
        secret_json(&mut out, &doc)
    } else {
        writeln!(out, "SUCCESS!")
            .and_then(|()| secret_line(&mut out, &["Your master secret is: ", &hex]))
    };
    match written {
        Ok(()) => EXIT_OK,
        Err(e) => io_failed(&e, "stdout was closed before the secret was printed"),
    }
}
