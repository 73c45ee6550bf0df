//! Interoperability with the reference CLI, `shamir` from shamir-mnemonic 0.3.0, both
//! ways: shares made by `keyrite slip39 create` are recovered by `shamir recover`, and
//! shares made by `shamir create` by `keyrite slip39 recover`, over 12 group
//! configurations drawn from a seeded generator (1 to 4 groups, thresholds up to 5),
//! extendable on and off, iteration exponents 0 to 2, with and without a passphrase.
//!
//! On every recovery both tools get the same standard input, and their standard output
//! must be identical, byte for byte: keyrite keeps the reference's layout. The layouts
//! of `create` are compared the same way, mnemonics aside (they are random).
//!
//! `shamir` comes from pip. When it is missing these tests print a skip message and pass,
//! unless `KEYRITE_REQUIRE_INTEROP=1`, which turns that into a failure. The reference
//! runs under `setsid` (when present) so that its `getpass` cannot open a controlling
//! terminal and reads the passphrase from the pipe like keyrite does.
//!
//! Nothing here writes a file: shares and secrets only pass through pipes.

use std::process::{Command, Output, Stdio};

use crate::common::{interop_required, keyrite, output_with_input, say_skipped};

const INSTALL: &str = "python3 -m pip install 'shamir-mnemonic[cli]==0.3.0'";
const SEED: u64 = 0x5_1139_2024;
const CONFIGS: u64 = 12;

/// SplitMix64: a small, seeded, reproducible generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.range(0, i));
        }
    }
}

/// Whether the reference CLI can run; panics if it cannot and interop is required.
fn shamir_available() -> bool {
    let found = Command::new("shamir")
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if found {
        return true;
    }
    if interop_required() {
        panic!(
            "the reference `shamir` command is not installed, and KEYRITE_REQUIRE_INTEROP=1 \
             requires the interop tests: install it with {INSTALL}"
        );
    }
    say_skipped(&format!(
        "SKIP: the reference `shamir` command is not installed, so the SLIP-39 interop \
         tests did not run; install it with {INSTALL} (KEYRITE_REQUIRE_INTEROP=1 makes \
         this a failure)"
    ));
    false
}

fn has_setsid() -> bool {
    Command::new("setsid")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn shamir(args: &[String]) -> Command {
    let mut c = if has_setsid() {
        let mut c = Command::new("setsid");
        c.args(["-w", "shamir"]);
        c
    } else {
        Command::new("shamir")
    };
    c.args(args);
    c
}

/// `keyrite slip39 <args>`.
fn slip39(args: &[String]) -> Command {
    let mut c = keyrite();
    c.arg("slip39").args(args);
    c
}

/// Runs `cmd` to the end with `stdin`. The reference stops reading once the set is
/// complete: a broken pipe is fine.
fn run(mut cmd: Command, stdin: &str) -> Output {
    output_with_input(&mut cmd, stdin.as_bytes())
}

/// Standard output as text, without ANSI styling (click drops it for a pipe anyway).
fn plain(out: &Output) -> String {
    let text = String::from_utf8(out.stdout.clone()).expect("utf-8 output");
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}

/// One configuration of the sweep.
#[derive(Debug)]
struct Config {
    group_threshold: usize,
    groups: Vec<(usize, usize)>,
    extendable: bool,
    exponent: usize,
    /// The master secret as hex; `None` lets the tool draw one of `strength` bits.
    secret: Option<String>,
    strength: usize,
    passphrase: Option<String>,
}

impl Config {
    fn create_args(&self) -> Vec<String> {
        let mut a = vec!["create".to_owned(), "custom".to_owned()];
        a.extend(["-t".to_owned(), self.group_threshold.to_string()]);
        for (t, n) in &self.groups {
            a.extend(["-g".to_owned(), t.to_string(), n.to_string()]);
        }
        a.push(if self.extendable { "-x" } else { "-X" }.to_owned());
        a.extend(["-E".to_owned(), self.exponent.to_string()]);
        match &self.secret {
            Some(hex) => a.extend(["-S".to_owned(), hex.clone()]),
            None => a.extend(["-s".to_owned(), self.strength.to_string()]),
        }
        if let Some(p) = &self.passphrase {
            a.extend(["-p".to_owned(), p.clone()]);
        }
        a
    }
}

fn configs() -> Vec<Config> {
    let mut rng = Rng(SEED);
    (0..CONFIGS)
        .map(|k| {
            let group_count = [1, 2, 3, 4][(k % 4) as usize];
            let groups: Vec<(usize, usize)> = (0..group_count)
                .map(|_| {
                    let t = rng.range(1, 5);
                    // The reference forbids 1-of-N groups with N > 1.
                    let n = if t == 1 { 1 } else { rng.range(t, 6) };
                    (t, n)
                })
                .collect();
            let bytes = [16, 32][rng.range(0, 1)];
            let with_passphrase = (k / 2) % 2 == 0;
            // Both tools accept a passphrase only with an explicit secret; without one,
            // every third configuration lets the tool draw the secret.
            let random_secret = !with_passphrase && k % 3 == 0;
            let passphrase = with_passphrase.then(|| {
                const CHARS: &[u8] =
                    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#%+,-./:=?@_~";
                let len = rng.range(1, 16);
                let mut p: String = (0..len)
                    .map(|_| char::from(CHARS[rng.range(0, CHARS.len() - 1)]))
                    .collect();
                if len > 2 {
                    // An inner space, never at either end.
                    p.replace_range(1..2, " ");
                }
                p
            });
            Config {
                group_threshold: rng.range(1, group_count),
                groups,
                extendable: k % 2 == 0,
                exponent: (k % 3) as usize,
                secret: (!random_secret).then(|| {
                    (0..bytes)
                        .map(|_| format!("{:02x}", rng.next() as u8))
                        .collect()
                }),
                strength: bytes * 8,
                passphrase,
            }
        })
        .collect()
}

/// A parsed `create` output: the secret and each group's shares.
struct Created {
    secret: String,
    groups: Vec<Vec<String>>,
    /// The output with every mnemonic replaced by its word count.
    layout: String,
}

fn parse_create(stdout: &str, config: &Config) -> Created {
    let mut lines = stdout.lines();
    let secret = lines
        .next()
        .and_then(|l| l.strip_prefix("Using master secret: "))
        .unwrap_or_else(|| panic!("no secret line in:\n{stdout}"))
        .to_owned();
    let mut layout = format!("Using master secret: {secret}\n");
    let mut groups: Vec<Vec<String>> = Vec::new();
    for line in lines {
        if line.starts_with("Group ") {
            let (t, n) = config.groups[groups.len()];
            assert_eq!(
                line,
                format!(
                    "Group {} of {} - {t} of {n} shares required:",
                    groups.len() + 1,
                    config.groups.len()
                )
            );
            groups.push(Vec::new());
            layout.push_str(line);
        } else {
            groups
                .last_mut()
                .unwrap_or_else(|| panic!("a share before a group header in:\n{stdout}"))
                .push(line.to_owned());
            layout.push_str(&format!("<{} words>", line.split(' ').count()));
        }
        layout.push('\n');
    }
    assert_eq!(groups.len(), config.groups.len(), "{stdout}");
    for (g, (_, n)) in groups.iter().zip(&config.groups) {
        assert_eq!(g.len(), *n, "{stdout}");
    }
    Created {
        secret,
        groups,
        layout,
    }
}

/// Standard input for a recovery: the threshold shares of `group_threshold` random
/// groups, plus sometimes one share of a further group that it leaves incomplete, all
/// in random order; then the passphrase twice.
fn recovery_input(config: &Config, created: &Created, rng: &mut Rng) -> String {
    let mut order: Vec<usize> = (0..config.groups.len()).collect();
    rng.shuffle(&mut order);
    let mut shares: Vec<&str> = Vec::new();
    for &g in &order[..config.group_threshold] {
        let mut members: Vec<&str> = created.groups[g].iter().map(String::as_str).collect();
        rng.shuffle(&mut members);
        shares.extend(&members[..config.groups[g].0]);
    }
    if let Some(&g) = order[config.group_threshold..]
        .iter()
        .find(|&&g| config.groups[g].0 > 1)
    {
        if rng.range(0, 1) == 1 {
            shares.push(&created.groups[g][0]);
        }
    }
    rng.shuffle(&mut shares);
    let mut input = shares.join("\n");
    input.push('\n');
    if let Some(p) = &config.passphrase {
        input.push_str(&format!("{p}\n{p}\n"));
    }
    input
}

fn recover_args(config: &Config) -> Vec<String> {
    let mut a = vec!["recover".to_owned()];
    if config.passphrase.is_some() {
        a.push("-p".to_owned());
    }
    a
}

/// Recovers `input` with both tools; checks both give `secret` with the same stdout.
fn recover_with_both(config: &Config, input: &str, secret: &str) {
    let reference = run(shamir(&recover_args(config)), input);
    let mut args = recover_args(config);
    args.push("--allow-pipe".to_owned());
    let ours = run(slip39(&args), input);
    let (theirs_out, ours_out) = (plain(&reference), plain(&ours));
    assert!(
        theirs_out.ends_with(&format!("SUCCESS!\nYour master secret is: {secret}\n")),
        "shamir recover did not recover {secret} ({config:?}):\n{theirs_out}\nstderr:\n{}",
        String::from_utf8_lossy(&reference.stderr)
    );
    assert_eq!(
        ours.status.code(),
        Some(0),
        "{config:?}: {}",
        String::from_utf8_lossy(&ours.stderr)
    );
    assert_eq!(
        ours_out, theirs_out,
        "keyrite and shamir differ ({config:?})"
    );
}

#[test]
fn keyrite_shares_recover_with_shamir() {
    if !shamir_available() {
        return;
    }
    let mut rng = Rng(SEED ^ 1);
    for config in configs() {
        let out = run(
            slip39(&[config.create_args(), vec!["--allow-pipe".to_owned()]].concat()),
            "",
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{config:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let created = parse_create(&plain(&out), &config);
        if let Some(hex) = &config.secret {
            assert_eq!(&created.secret, hex);
        }
        let input = recovery_input(&config, &created, &mut rng);
        recover_with_both(&config, &input, &created.secret);
    }
}

#[test]
fn shamir_shares_recover_with_keyrite() {
    if !shamir_available() {
        return;
    }
    let mut rng = Rng(SEED ^ 2);
    for config in configs() {
        let out = run(shamir(&config.create_args()), "");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{config:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let created = parse_create(&plain(&out), &config);
        if let Some(hex) = &config.secret {
            assert_eq!(&created.secret, hex);
        }
        let input = recovery_input(&config, &created, &mut rng);
        recover_with_both(&config, &input, &created.secret);

        // Same arguments, same layout (with the same secret; mnemonics are random).
        let mut args = config.create_args();
        if config.secret.is_none() {
            args.extend(["-S".to_owned(), created.secret.clone()]);
        }
        args.push("--allow-pipe".to_owned());
        let ours = run(slip39(&args), "");
        assert_eq!(ours.status.code(), Some(0), "{config:?}");
        assert_eq!(
            parse_create(&plain(&ours), &config).layout,
            created.layout,
            "{config:?}"
        );
    }
}

#[test]
fn the_sweep_covers_what_it_claims() {
    let all = configs();
    assert_eq!(all.len(), 12);
    for count in 1..=4 {
        assert!(
            all.iter().any(|c| c.groups.len() == count),
            "{count} groups"
        );
    }
    assert!(all.iter().any(|c| c.group_threshold > 1));
    assert!(all.iter().any(|c| c.groups.iter().any(|g| g.0 == 5)));
    for e in 0..=2 {
        assert!(all.iter().any(|c| c.exponent == e));
    }
    for flag in [true, false] {
        assert!(all.iter().any(|c| c.extendable == flag));
        assert!(all.iter().any(|c| c.passphrase.is_some() == flag));
        assert!(all.iter().any(|c| c.secret.is_some() == flag));
    }
}
