//! `keyrite slip39 create|recover`: SLIP-39 outside a ceremony, with the arguments and
//! the output layout of the reference `shamir` CLI (shamir-mnemonic 0.3.0), line by line
//! and without its colours, plus `--json` for tooling.
//!
//! `create` prints `Using master secret: <hex>`, then per group `Group i of n - m of k
//! shares required:` and its mnemonics, one per line. `recover` prompts `Enter a recovery
//! share: `, reads one mnemonic (or unique word prefixes) per line from standard input,
//! prints the reference's status lines after each share and `ERROR: <why>` for a share
//! it rejects, and ends with `SUCCESS!` and `Your master secret is: <hex>`.
//!
//! `--json` documents (group and member indices are 0-based, as encoded in the shares):
//! - create: `{master_secret, scheme: {name, group_threshold, groups: [{member_threshold,
//!   member_count}]}, extendable, iteration_exponent, identifier, groups: [{group_index,
//!   member_threshold, member_count, shares: [{group_index, member_index, mnemonic,
//!   sha256}]}]}`;
//! - recover: `{master_secret, identifier, extendable, iteration_exponent,
//!   group_threshold, group_count, shares_accepted, groups: [{group_index,
//!   member_threshold, shares}]}`; the prompts and status lines then go to stderr.
//!
//! Invariants:
//! - Secrets only to a person: shares and secrets are printed only when stdout is a
//!   terminal, or with `--allow-pipe` (for tests and tooling that handle the secret
//!   themselves); otherwise the command stops with exit 2 before making or reading any.
//! - Every secret (master secret, passphrase, share words, the hex and the lines and JSON
//!   that carry them) is held in zeroizing types sized up front, and each secret line is
//!   written to stdout in one complete write, which std's line writer passes through
//!   without keeping a copy in its buffer.
//! - Reading shares from a pipe is fine; a passphrase typed at a terminal is read with
//!   echo off ([`EchoOff`]) and its two entries are compared in constant time.
//! - Both commands first apply the process hygiene of [`hygiene::harden`] (no core dumps,
//!   memory locked where allowed), best effort as for a ceremony.
//! - Exit codes: 0 success, 1 recovery could not finish (end of input, digest mismatch,
//!   I/O), 2 usage errors (reported as `error:` and `hint:` on stderr).
//! - Nothing the user typed is unwrapped; no error message quotes a secret.

use std::fmt;
use std::io::{self, BufRead, IsTerminal, Write};

use clap::{ArgAction, Args, Subcommand};
use serde::Serialize;
use subtle::ConstantTimeEq as _;
use thiserror::Error;
use zeroize::Zeroizing;

use super::{report, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::hygiene::{self, EchoOff};
use crate::slip39::{
    split_with_os_random, CollectProgress, Collector, GroupSpec, MasterSecret, Passphrase, Share,
    ShareInfo, ShareWords, Slip39Error, SplitConfig, WORDS,
};

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

/// Arguments of `keyrite slip39 create`, the same as `shamir create`'s.
#[derive(Args, Debug)]
pub struct CreateArgs {
    /// single, MofN (e.g. 2of3), master or custom.
    scheme: String,
    /// Add a T-of-N group to the custom scheme.
    #[arg(short = 'g', long = "group", value_names = ["T", "N"], num_args = 2, action = ArgAction::Append)]
    groups: Vec<u8>,
    /// Number of groups required for recovery in the custom scheme.
    #[arg(short = 't', long = "group-threshold", value_name = "GT")]
    group_threshold: Option<u8>,
    /// Extendable backup flag (the default).
    #[arg(short = 'x', long = "extendable", overrides_with = "no_extendable")]
    extendable: bool,
    /// No extendable backup flag.
    #[arg(short = 'X', long = "no-extendable", overrides_with = "extendable")]
    no_extendable: bool,
    /// Iteration exponent: PBKDF2 runs 10000 << EXP iterations (0..=15).
    #[arg(
        short = 'E',
        long = "exponent",
        value_name = "EXP",
        default_value_t = 0
    )]
    exponent: u8,
    /// Secret strength in bits (128..=512, a multiple of 16).
    #[arg(
        short = 's',
        long = "strength",
        value_name = "BITS",
        default_value_t = 128
    )]
    strength: u32,
    /// Hex-encoded custom master secret.
    #[arg(short = 'S', long = "master-secret", value_name = "HEX", value_parser = SecretArg::parse)]
    master_secret: Option<SecretArg>,
    /// Supply passphrase for recovery (only with -S).
    #[arg(short = 'p', long = "passphrase", value_name = "PASS", value_parser = SecretArg::parse)]
    passphrase: Option<SecretArg>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Print even when stdout is not a terminal (for tests and tooling that handle the
    /// secret themselves).
    #[arg(long)]
    allow_pipe: bool,
}

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

/// A secret given on the command line, zeroized on drop and redacted in `Debug`.
#[derive(Clone)]
struct SecretArg(Zeroizing<String>);

impl SecretArg {
    fn parse(s: &str) -> Result<SecretArg, std::convert::Infallible> {
        Ok(SecretArg(Zeroizing::new(s.to_owned())))
    }
}

impl fmt::Debug for SecretArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
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
        Slip39Command::Create(args) => create(&args),
        Slip39Command::Recover(args) => recover(&args),
    }
}

fn usage(e: &UsageError) -> i32 {
    report(e, Some(e.hint()));
    EXIT_USAGE
}

fn io_failed(e: &io::Error, what: &str) -> i32 {
    report(e, Some(what));
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

/// Decodes hex into a zeroizing buffer (no stray copies, no quoting of the input).
fn decode_hex(hex: &str) -> Result<Zeroizing<Vec<u8>>, UsageError> {
    if !hex.len().is_multiple_of(2) {
        return Err(UsageError::Hex("it has an odd number of digits"));
    }
    let mut out = Zeroizing::new(vec![0u8; hex.len() / 2]);
    hex::decode_to_slice(hex, &mut out[..])
        .map_err(|_| UsageError::Hex("it contains a character that is not a hex digit"))?;
    Ok(out)
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

// ---------------------------------------------------------------------------------
// create

#[derive(Serialize)]
struct CreateJson<'a> {
    master_secret: &'a str,
    scheme: SchemeJson<'a>,
    extendable: bool,
    iteration_exponent: u8,
    identifier: u16,
    groups: Vec<GroupJson<'a>>,
}

#[derive(Serialize)]
struct SchemeJson<'a> {
    name: &'a str,
    group_threshold: u8,
    groups: Vec<SpecJson>,
}

#[derive(Serialize)]
struct SpecJson {
    member_threshold: u8,
    member_count: u8,
}

#[derive(Serialize)]
struct GroupJson<'a> {
    group_index: u8,
    member_threshold: u8,
    member_count: u8,
    shares: Vec<ShareJson<'a>>,
}

#[derive(Serialize)]
struct ShareJson<'a> {
    group_index: u8,
    member_index: u8,
    mnemonic: &'a str,
    sha256: String,
}

/// The split configuration a scheme and the options describe, checked in the
/// reference's order.
fn scheme_config(args: &CreateArgs) -> Result<SplitConfig, UsageError> {
    let passphrase_given = args.passphrase.as_ref().is_some_and(|p| !p.0.is_empty());
    if passphrase_given && args.master_secret.is_none() {
        return Err(UsageError::PassphraseWithoutSecret);
    }
    let scheme = args.scheme.as_str();
    if (!args.groups.is_empty() || args.group_threshold.is_some()) && scheme != "custom" {
        return Err(UsageError::GroupOptionsWithoutCustom);
    }
    let spec = |member_threshold, member_count| GroupSpec {
        member_threshold,
        member_count,
    };
    let (group_threshold, groups) = if scheme == "single" {
        (1, vec![spec(1, 1)])
    } else if scheme == "master" {
        (1, vec![spec(1, 1), spec(3, 5)])
    } else if let Some((m, n)) = scheme.split_once("of") {
        match (m.trim().parse::<u8>(), n.trim().parse::<u8>()) {
            (Ok(m), Ok(n)) => (1, vec![spec(m, n)]),
            _ => return Err(UsageError::InvalidScheme(scheme.to_owned())),
        }
    } else if scheme == "custom" {
        let threshold = args
            .group_threshold
            .ok_or(UsageError::MissingGroupThreshold)?;
        if args.groups.is_empty() {
            return Err(UsageError::MissingGroups);
        }
        // clap takes exactly two values per -g.
        let groups = args.groups.chunks_exact(2).map(|g| spec(g[0], g[1]));
        (threshold, groups.collect())
    } else {
        return Err(UsageError::UnknownScheme(scheme.to_owned()));
    };
    if let Some((i, g)) = groups
        .iter()
        .enumerate()
        .find(|(_, g)| g.member_threshold == 1 && g.member_count > 1)
    {
        return Err(UsageError::OneOfX {
            group: i + 1,
            count: g.member_count,
        });
    }
    Ok(SplitConfig {
        group_threshold,
        groups,
        extendable: !args.no_extendable,
        iteration_exponent: args.exponent,
    })
}

/// Everything `create` needs, validated before anything secret is made.
fn create_inputs(args: &CreateArgs) -> Result<(SplitConfig, MasterSecret, Passphrase), UsageError> {
    let config = scheme_config(args)?;
    let secret_bytes = match &args.master_secret {
        Some(hex) => Some(decode_hex(&hex.0)?),
        None => None,
    };
    let strength_ok = args.strength.is_multiple_of(16) && (128..=512).contains(&args.strength);
    if secret_bytes.is_none() && !strength_ok {
        return Err(UsageError::Strength(args.strength));
    }
    let passphrase = match &args.passphrase {
        Some(p) => Passphrase::new(&p.0)?,
        None => Passphrase::empty(),
    };
    config.validate().map_err(Slip39Error::from)?;
    let given = secret_bytes.map(MasterSecret::from_zeroizing).transpose()?;
    // After the checks, so that a misuse is reported as such even in a pipe; before any
    // secret is drawn or any share made.
    may_print_secrets(args.allow_pipe)?;
    let secret = match given {
        Some(secret) => secret,
        // The strength was checked above: 128..=512 bits.
        None => MasterSecret::generate((args.strength / 8) as usize)?,
    };
    Ok((config, secret, passphrase))
}

fn create(args: &CreateArgs) -> i32 {
    let (config, secret, passphrase) = match create_inputs(args) {
        Ok(inputs) => inputs,
        Err(e) => return usage(&e),
    };
    let shares = match split_with_os_random(&secret, &passphrase, &config) {
        Ok(shares) => shares,
        // The inputs were validated: only the random source or a bug can fail here.
        Err(e) => {
            report(&e, Some("nothing was printed; try again"));
            return EXIT_FAILED;
        }
    };
    let hex = secret_hex(secret.expose_secret());
    let words: Vec<Vec<_>> = shares
        .iter()
        .map(|g| g.iter().map(Share::to_words).collect())
        .collect();
    let mut out = io::stdout();
    let written = if args.json {
        let identifier = shares
            .iter()
            .flatten()
            .next()
            .map_or(0, |s| s.info().identifier);
        let doc = CreateJson {
            master_secret: &hex,
            scheme: SchemeJson {
                name: &args.scheme,
                group_threshold: config.group_threshold,
                groups: config
                    .groups
                    .iter()
                    .map(|g| SpecJson {
                        member_threshold: g.member_threshold,
                        member_count: g.member_count,
                    })
                    .collect(),
            },
            extendable: config.extendable,
            iteration_exponent: config.iteration_exponent,
            identifier,
            groups: (0u8..)
                .zip(config.groups.iter().zip(shares.iter().zip(&words)))
                .map(|(group_index, (spec, (group, words)))| GroupJson {
                    group_index,
                    member_threshold: spec.member_threshold,
                    member_count: spec.member_count,
                    shares: group
                        .iter()
                        .zip(words)
                        .map(|(share, w)| ShareJson {
                            group_index: share.info().group_index,
                            member_index: share.info().member_index,
                            mnemonic: w.expose_secret(),
                            sha256: share.digest().to_string(),
                        })
                        .collect(),
                })
                .collect(),
        };
        secret_json(&mut out, &doc)
    } else {
        print_create_text(&mut out, &hex, &config, &words)
    };
    match written {
        Ok(()) => EXIT_OK,
        Err(e) => io_failed(&e, "stdout was closed before every share was printed; throw this set away and create a new one"),
    }
}

fn print_create_text(
    out: &mut dyn Write,
    hex: &str,
    config: &SplitConfig,
    words: &[Vec<ShareWords>],
) -> io::Result<()> {
    secret_line(out, &["Using master secret: ", hex])?;
    for (i, (spec, group)) in config.groups.iter().zip(words).enumerate() {
        writeln!(
            out,
            "Group {} of {} - {} of {} shares required:",
            i + 1,
            words.len(),
            spec.member_threshold,
            spec.member_count
        )?;
        for w in group {
            secret_line(out, &[w.expose_secret()])?;
        }
    }
    out.flush()
}

// ---------------------------------------------------------------------------------
// recover

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

/// Reads one line (bounded) without its line ending into a zeroizing buffer; `None` at
/// the end.
pub(super) fn read_secret_line(input: &mut dyn BufRead) -> io::Result<Option<Zeroizing<String>>> {
    crate::fs::read_line_limited(input)
}

/// One passphrase entry, hidden when stdin is a terminal. As the reference's `getpass`,
/// the prompt goes to the terminal side (stderr here), not to stdout; so does the newline
/// after a piped entry (at a terminal, the Enter key echoes it).
fn read_hidden(
    input: &mut dyn BufRead,
    prompt: &str,
    tty: bool,
) -> Result<Option<Zeroizing<String>>, RecoverError> {
    // Echo goes off before the prompt shows, so nothing typed after it is echoed.
    let echo = tty.then(EchoOff::stdin);
    let mut err = io::stderr();
    write!(err, "{prompt}: ")
        .and_then(|()| err.flush())
        .map_err(RecoverError::Write)?;
    let line = read_secret_line(input).map_err(RecoverError::Read);
    drop(echo);
    if !tty {
        writeln!(err).map_err(RecoverError::Write)?;
    }
    line
}

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

fn recover(args: &RecoverArgs) -> i32 {
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
            report(&e, Some(e.hint()));
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
