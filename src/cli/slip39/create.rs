//! `keyrite slip39 create`: a new SLIP-39 set, as `shamir create` makes it.
//!
//! It prints `Using master secret: <hex>`, then per group `Group i of n - m of k shares
//! required:` and its mnemonics, one per line. With `--json`: `{master_secret, scheme:
//! {name, group_threshold, groups: [{member_threshold, member_count}]}, extendable,
//! iteration_exponent, identifier, groups: [{group_index, member_threshold, member_count,
//! shares: [{group_index, member_index, mnemonic, sha256}]}]}`.
//!
//! Invariants:
//! - Every option is checked, in the reference's order, before a secret is drawn or a
//!   share made; a misuse is reported as such even when stdout is a pipe.
//! - A master secret or passphrase given on the command line is held zeroizing and
//!   redacted in `Debug` ([`SecretArg`]); its hex is decoded without stray copies.

use std::fmt;
use std::io::{self, Write};

use clap::{ArgAction, Args};
use serde::Serialize;
use zeroize::Zeroizing;

use super::{
    io_failed, may_print_secrets, secret_hex, secret_json, secret_line, usage, UsageError,
};
use crate::cli::{print_error, EXIT_FAILED, EXIT_OK};
use crate::slip39::{
    split_with_os_random, GroupSpec, MasterSecret, Passphrase, Share, ShareWords, Slip39Error,
    SplitConfig,
};

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

pub(super) fn run(args: &CreateArgs) -> i32 {
    let (config, secret, passphrase) = match create_inputs(args) {
        Ok(inputs) => inputs,
        Err(e) => return usage(&e),
    };
    let shares = match split_with_os_random(&secret, &passphrase, &config) {
        Ok(shares) => shares,
        // The inputs were validated: only the random source or a bug can fail here.
        Err(e) => {
            print_error(&e, Some("nothing was printed; try again"));
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
