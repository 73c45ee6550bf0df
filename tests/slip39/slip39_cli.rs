//! `keyrite slip39 create|recover` as a user runs them: the reference `shamir` CLI's
//! layout line by line, round trips for every scheme, the exact usage errors, the
//! refusal to print secrets into a pipe, per-share errors during recovery, prefix entry,
//! `--json`, and (under `script`, when installed) a real terminal with hidden passphrase
//! input.
//!
//! Nothing here writes a file: shares and secrets only pass through pipes to and from
//! the binary (the terminal tests give `script` /dev/null as its typescript).

use std::io::{Read, Write};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use keyrite::slip39::{split, MasterSecret, Passphrase, Share, SplitConfig};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::{keyrite, run, BIN};

const SECRET: &str = "000102030405060708090a0b0c0d0e0f";
const SECRET_256: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const REFUSAL: &str = "error: stdout is not a terminal: keyrite does not print shares or secrets into a pipe or file\n  hint: run it in a terminal; --allow-pipe prints anyway, for tests and tooling that handle the secret themselves\n";

/// Output as text; it must be UTF-8 (unlike `common::text`, which is lossy).
fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8 output")
}

/// `create ... --allow-pipe`, which must succeed, parsed.
fn create(args: &[&str]) -> Created {
    let mut all = vec!["slip39", "create"];
    all.extend_from_slice(args);
    all.push("--allow-pipe");
    let out = run(&all, None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    parse_create(&text(&out.stdout))
}

#[derive(Debug)]
struct Created {
    secret: String,
    groups: Vec<Group>,
}

#[derive(Debug)]
struct Group {
    threshold: usize,
    count: usize,
    shares: Vec<String>,
}

/// Parses the reference layout, checking every header line on the way.
fn parse_create(stdout: &str) -> Created {
    let mut lines = stdout.lines();
    let secret = lines
        .next()
        .and_then(|l| l.strip_prefix("Using master secret: "))
        .expect("first line: Using master secret")
        .to_owned();
    let mut groups: Vec<Group> = Vec::new();
    let mut total = None;
    for line in lines {
        if let Some(rest) = line.strip_prefix("Group ") {
            // "Group i of n - m of k shares required:"
            let rest = rest
                .strip_suffix(" shares required:")
                .expect("group header");
            let (head, tail) = rest.split_once(" - ").expect("group header");
            let (i, n) = head.split_once(" of ").expect("group header");
            let (m, k) = tail.split_once(" of ").expect("group header");
            assert_eq!(i.parse::<usize>().unwrap(), groups.len() + 1, "{line}");
            let n: usize = n.parse().unwrap();
            assert_eq!(*total.get_or_insert(n), n, "{line}");
            groups.push(Group {
                threshold: m.parse().unwrap(),
                count: k.parse().unwrap(),
                shares: Vec::new(),
            });
        } else {
            let group = groups.last_mut().expect("a share after a group header");
            assert!(line.split(' ').count() >= 20, "{line}");
            group.shares.push(line.to_owned());
        }
    }
    assert_eq!(total, Some(groups.len()));
    for g in &groups {
        assert_eq!(g.shares.len(), g.count, "{g:?}");
    }
    Created { secret, groups }
}

/// Runs `recover --allow-pipe` (plus `extra`) on the given lines.
fn recover(extra: &[&str], lines: &[&str]) -> Output {
    let mut args = vec!["slip39", "recover", "--allow-pipe"];
    args.extend_from_slice(extra);
    let mut input = lines.join("\n");
    input.push('\n');
    run(&args, Some(&input))
}

/// The recovered secret from a successful text-mode recovery.
fn recovered_secret(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let mut lines = stdout.lines().rev();
    let secret = lines
        .next()
        .and_then(|l| l.strip_prefix("Your master secret is: "))
        .expect("last line: the secret")
        .to_owned();
    assert_eq!(lines.next(), Some("SUCCESS!"));
    secret
}

/// The first three words of a share: the reference's group prefix.
fn prefix(share: &str) -> String {
    share.split(' ').take(3).collect::<Vec<_>>().join(" ")
}

fn first_shares(created: &Created, groups: &[usize]) -> Vec<String> {
    groups
        .iter()
        .flat_map(|&g| {
            let group = &created.groups[g];
            group.shares[..group.threshold].to_vec()
        })
        .collect()
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn single_scheme_is_one_share_that_recovers_alone() {
    let c = create(&["single", "-S", SECRET]);
    assert_eq!(c.secret, SECRET);
    assert_eq!(c.groups.len(), 1);
    assert_eq!((c.groups[0].threshold, c.groups[0].count), (1, 1));
    let share = &c.groups[0].shares[0];
    assert_eq!(share.split(' ').count(), 20);
    let out = recover(&[], &[share]);
    assert_eq!(
        text(&out.stdout),
        format!(
            "Enter a recovery share: \n\u{2713} 1 of 1 shares needed from group {}\nSUCCESS!\nYour master secret is: {SECRET}\n",
            prefix(share)
        )
    );
    assert!(out.stderr.is_empty());
}

#[test]
fn m_of_n_schemes_recover_from_any_threshold_subset() {
    for (scheme, m, n) in [
        ("2of3", 2, 3),
        ("3of5", 3, 5),
        ("1of1", 1, 1),
        ("16of16", 16, 16),
    ] {
        let c = create(&[scheme, "-S", SECRET_256]);
        assert_eq!(c.secret, SECRET_256);
        assert_eq!(c.groups.len(), 1, "{scheme}");
        assert_eq!((c.groups[0].threshold, c.groups[0].count), (m, n));
        assert!(c.groups[0]
            .shares
            .iter()
            .all(|s| s.split(' ').count() == 33));
        // The last m shares, in reverse order.
        let subset: Vec<&str> = c.groups[0]
            .shares
            .iter()
            .rev()
            .take(m)
            .map(String::as_str)
            .collect();
        assert_eq!(
            recovered_secret(&recover(&[], &subset)),
            SECRET_256,
            "{scheme}"
        );
    }
}

#[test]
fn master_scheme_is_a_master_share_and_a_3_of_5_group() {
    let c = create(&["master", "-S", SECRET]);
    let shape: Vec<(usize, usize)> = c.groups.iter().map(|g| (g.threshold, g.count)).collect();
    assert_eq!(shape, [(1, 1), (3, 5)]);
    let master = &c.groups[0].shares[0];
    assert_eq!(recovered_secret(&recover(&[], &[master])), SECRET);
    let friends = &c.groups[1].shares;
    let out = recover(&[], &[&friends[4], &friends[0], &friends[2]]);
    assert_eq!(recovered_secret(&out), SECRET);
}

#[test]
fn custom_scheme_recovery_prints_the_reference_status_and_errors_and_goes_on() {
    let c = create(&[
        "custom", "-t", "2", "-g", "2", "3", "-g", "3", "5", "-S", SECRET,
    ]);
    let shape: Vec<(usize, usize)> = c.groups.iter().map(|g| (g.threshold, g.count)).collect();
    assert_eq!(shape, [(2, 3), (3, 5)]);
    let id = |s: &str| Share::from_mnemonic(s).unwrap().info().identifier;
    let other = loop {
        // Another split of the same secret: a new random identifier (almost always).
        let other = create(&[
            "custom", "-t", "2", "-g", "2", "3", "-g", "3", "5", "-S", SECRET,
        ]);
        if id(&other.groups[0].shares[0]) != id(&c.groups[0].shares[0]) {
            break other;
        }
    };
    let (a, b) = (&c.groups[0].shares, &c.groups[1].shares);
    let (pa, pb) = (prefix(&a[0]), prefix(&b[0]));
    assert!(a.iter().all(|s| prefix(s) == pa) && b.iter().all(|s| prefix(s) == pb));

    // A checksum error: the last word replaced by another list word.
    let mut typo: Vec<&str> = a[1].split(' ').collect();
    let last = typo.len() - 1;
    typo[last] = if typo[last] == "academic" {
        "acid"
    } else {
        "academic"
    };
    let typo = typo.join(" ");
    let other_set = &other.groups[1].shares[0];
    let lines = [
        a[0].as_str(),
        &a[0],             // duplicate
        "zzz foo",         // not a word
        "",                // empty line: asked again, as click does
        &typo,             // checksum
        other_set,         // other set (own random identifier)
        "public indicate", // too short
        &a[1],
        &b[4],
        &b[0],
        &b[2],
    ];
    let out = recover(&[], &lines);
    let p = "Enter a recovery share: ";
    let (other_id, own_id) = (id(other_set), id(&a[0]));
    let expected = format!(
        "{p}
Completed 0 of 2 groups needed:
\u{25cf} 1 of 2 shares needed from group {pa}
\u{2717} 0 shares from group {pb}
{p}ERROR: member 1 of group 1 was already entered
{p}ERROR: word 1 is not in the SLIP-39 word list (nor the start of one): check its spelling
{p}{p}ERROR: checksum failed: the share has a typo, or a word is missing or swapped
{p}ERROR: share 2 has identifier {other_id} but earlier shares have {own_id}: it belongs to a different set
{p}ERROR: the share has 2 words, but a SLIP-39 share has at least 20: a word is missing
{p}
Completed 1 of 2 groups needed:
\u{2713} 2 of 2 shares needed from group {pa}
\u{2717} 0 shares from group {pb}
{p}
Completed 1 of 2 groups needed:
\u{2713} 2 of 2 shares needed from group {pa}
\u{25cf} 1 of 3 shares needed from group {pb}
{p}
Completed 1 of 2 groups needed:
\u{2713} 2 of 2 shares needed from group {pa}
\u{25cf} 2 of 3 shares needed from group {pb}
{p}
Completed 2 of 2 groups needed:
\u{2713} 2 of 2 shares needed from group {pa}
\u{2713} 3 of 3 shares needed from group {pb}
SUCCESS!
Your master secret is: {SECRET}
"
    );
    assert_eq!(text(&out.stdout), expected);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[test]
fn unique_word_prefixes_and_any_case_are_accepted() {
    let c = create(&["2of3", "-S", SECRET]);
    let abbreviate = |s: &str| {
        s.split(' ')
            .enumerate()
            .map(|(i, w)| {
                let short: String = w.chars().take(4).collect();
                if i % 2 == 0 {
                    short.to_uppercase()
                } else {
                    short
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    let shares = [
        abbreviate(&c.groups[0].shares[2]),
        abbreviate(&c.groups[0].shares[0]),
    ];
    assert_eq!(recovered_secret(&recover(&[], &refs(&shares))), SECRET);
}

#[test]
fn passphrase_is_asked_twice_and_decrypts() {
    let c = create(&["2of3", "-S", SECRET, "-p", "TREZOR", "-E", "1"]);
    let shares = first_shares(&c, &[0]);
    let mut lines = refs(&shares);
    lines.extend(["", "TREZOR", "TREZx", "TREZOR", "TREZOR"]);
    let out = recover(&["-p"], &lines);
    assert_eq!(recovered_secret(&out), SECRET);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("\nERROR: the two entered values do not match\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("TREZ"), "{stdout}");
    // The prompts go where getpass puts them: not to stdout.
    assert_eq!(
        text(&out.stderr),
        "Enter passphrase: \n".to_owned()
            + &"Enter passphrase: \nRepeat for confirmation: \n".repeat(2)
    );

    // Without the passphrase, SLIP-39 gives a different secret (it cannot tell).
    let wrong = recovered_secret(&recover(&[], &refs(&shares)));
    assert_ne!(wrong, SECRET);
    assert_eq!(wrong.len(), SECRET.len());
}

#[test]
fn defaults_and_flags_show_in_the_json() {
    let json = |args: &[&str]| -> Value {
        let mut all = vec!["slip39", "create"];
        all.extend_from_slice(args);
        all.extend(["--json", "--allow-pipe"]);
        let out = run(&all, None);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("one JSON document")
    };
    let d = json(&["2of3"]);
    assert_eq!(d["extendable"], true);
    assert_eq!(d["iteration_exponent"], 0);
    assert_eq!(d["master_secret"].as_str().unwrap().len(), 32);
    assert!(d["master_secret"]
        .as_str()
        .unwrap()
        .bytes()
        .all(|b| b.is_ascii_hexdigit()));
    assert_eq!(d["scheme"]["name"], "2of3");
    assert_eq!(d["scheme"]["group_threshold"], 1);
    assert_eq!(d["scheme"]["groups"][0]["member_threshold"], 2);
    assert_eq!(d["scheme"]["groups"][0]["member_count"], 3);

    let d = json(&["3of5", "-X", "-E", "2", "-s", "256"]);
    assert_eq!(d["extendable"], false);
    assert_eq!(d["iteration_exponent"], 2);
    assert_eq!(d["master_secret"].as_str().unwrap().len(), 64);
    let share = d["groups"][0]["shares"][0]["mnemonic"].as_str().unwrap();
    let info = Share::from_mnemonic(share).unwrap().info().clone();
    assert!(!info.extendable);
    assert_eq!(info.iteration_exponent, 2);
    assert_eq!(share.split(' ').count(), 33);

    // -X then -x: the last one wins, as with click.
    assert_eq!(json(&["single", "-X", "-x"])["extendable"], true);
}

#[test]
fn json_create_and_recover_parse_and_match() {
    let out = run(
        &[
            "slip39",
            "create",
            "custom",
            "-t",
            "2",
            "-g",
            "2",
            "3",
            "-g",
            "1",
            "1",
            "-g",
            "3",
            "4",
            "-S",
            SECRET,
            "-E",
            "1",
            "--json",
            "--allow-pipe",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty());
    let d: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(d["master_secret"], SECRET);
    assert_eq!(d["scheme"]["group_threshold"], 2);
    assert_eq!(d["scheme"]["groups"].as_array().unwrap().len(), 3);
    let identifier = d["identifier"].as_u64().unwrap();
    let groups = d["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 3);
    let mut mnemonics = Vec::new();
    for (gi, g) in groups.iter().enumerate() {
        assert_eq!(g["group_index"], gi);
        assert_eq!(
            g["member_threshold"],
            d["scheme"]["groups"][gi]["member_threshold"]
        );
        let shares = g["shares"].as_array().unwrap();
        assert_eq!(shares.len() as u64, g["member_count"].as_u64().unwrap());
        for (mi, s) in shares.iter().enumerate() {
            let m = s["mnemonic"].as_str().unwrap();
            let info = Share::from_mnemonic(m).unwrap().info().clone();
            assert_eq!(u64::from(info.identifier), identifier);
            assert_eq!(
                (s["group_index"].as_u64(), s["member_index"].as_u64()),
                (Some(gi as u64), Some(mi as u64))
            );
            assert_eq!(usize::from(info.group_index), gi);
            assert_eq!(usize::from(info.member_index), mi);
            assert_eq!(s["sha256"], hex::encode(Sha256::digest(m.as_bytes())));
            mnemonics.push((gi, m.to_owned()));
        }
    }
    // Groups 2 (1 of 1) and 3 (3 of 4).
    let pick: Vec<&str> = mnemonics
        .iter()
        .filter(|(g, _)| *g >= 1)
        .map(|(_, m)| m.as_str())
        .take(4)
        .collect();
    let out = recover(&["--json"], &pick);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(r["master_secret"], SECRET);
    assert_eq!(r["identifier"].as_u64(), Some(identifier));
    assert_eq!(r["extendable"], true);
    assert_eq!(r["iteration_exponent"], 1);
    assert_eq!(r["group_threshold"], 2);
    assert_eq!(r["group_count"], 3);
    assert_eq!(r["shares_accepted"], 4);
    assert_eq!(
        r["groups"],
        serde_json::json!([
            {"group_index": 1, "member_threshold": 1, "shares": 1},
            {"group_index": 2, "member_threshold": 3, "shares": 3},
        ])
    );
    // With --json the prompts and status lines go to stderr.
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("Enter a recovery share: \nCompleted 1 of 2 groups needed:\n"),
        "{stderr}"
    );
    assert!(!stderr.contains(SECRET));
}

#[test]
fn usage_errors_say_what_is_wrong_and_exit_2() {
    let cfg_hint = "  hint: thresholds go from 1 to the count, with at most 16 groups of at most 16 shares, and -E from 0 to 15\n";
    let custom_hint = "  hint: for example: keyrite slip39 create custom -t 2 -g 2 3 -g 3 5\n";
    let scheme_hint = "  hint: SCHEME is single, MofN (for example 2of3), master or custom\n";
    let hex_hint = "  hint: give -S an even number of hex digits (0-9, a-f), for example 000102030405060708090a0b0c0d0e0f\n";
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["2of3", "-p", "secret"],
            "error: only use a passphrase (-p) in conjunction with an explicit master secret (-S)\n  hint: give the master secret with -S HEX, or leave out -p\n".into(),
        ),
        (vec!["2of3", "-t", "1"], format!("error: to use -g/-t, you must select the 'custom' scheme\n{custom_hint}")),
        (vec!["single", "-g", "2", "3"], format!("error: to use -g/-t, you must select the 'custom' scheme\n{custom_hint}")),
        (vec!["2ofx"], format!("error: invalid scheme: 2ofx\n{scheme_hint}")),
        (vec!["2of300"], format!("error: invalid scheme: 2of300\n{scheme_hint}")),
        (vec!["dual"], format!("error: unknown scheme: dual\n{scheme_hint}")),
        (vec!["custom", "-g", "2", "3"], format!("error: use '-t' to specify the number of groups required for recovery\n{custom_hint}")),
        (vec!["custom", "-t", "1"], format!("error: use '-g T N' to add a T-of-N group to the collection\n{custom_hint}")),
        (
            vec!["1of3"],
            "error: 1-of-X groups are not allowed (group 1: 1 of 3)\n  hint: instead, set up a 1-of-1 group and give everyone the same share\n".into(),
        ),
        (
            vec!["custom", "-t", "1", "-g", "2", "3", "-g", "1", "2"],
            "error: 1-of-X groups are not allowed (group 2: 1 of 2)\n  hint: instead, set up a 1-of-1 group and give everyone the same share\n".into(),
        ),
        (
            vec!["single", "-S", "000102030405060708090a0b0c0d0e0g"],
            format!("error: secret bytes must be hex encoded: it contains a character that is not a hex digit\n{hex_hint}"),
        ),
        (
            vec!["single", "-S", "0001020"],
            format!("error: secret bytes must be hex encoded: it has an odd number of digits\n{hex_hint}"),
        ),
        (
            vec!["single", "-S", "00010203"],
            "error: the master secret is 4 bytes long: it must be an even number of bytes from 16 to 64\n  hint: give -S 16 to 64 bytes (32 to 128 hex digits), an even number of bytes\n".into(),
        ),
        (
            vec!["single", "-s", "100"],
            "error: a strength of 100 bits is not possible: it must be a multiple of 16 from 128 to 512\n  hint: use -s 128, 256 or another multiple of 16 up to 512\n".into(),
        ),
        (
            vec!["single", "-S", SECRET, "-p", "caf\u{e9}"],
            "error: passphrase character 4 is not printable ASCII: only characters from space to '~' are allowed\n  hint: the passphrase may use printable ASCII only (space to '~')\n".into(),
        ),
        (vec!["4of3"], format!("error: group 1: the member threshold (4) is greater than the member count (3)\n{cfg_hint}")),
        (vec!["2of17"], format!("error: group 1: 17 members were requested: at most 16 are allowed\n{cfg_hint}")),
        (vec!["0of3"], format!("error: group 1: the member threshold must be at least 1\n{cfg_hint}")),
        (
            vec!["custom", "-t", "3", "-g", "2", "3", "-g", "2", "3"],
            format!("error: the group threshold (3) is greater than the number of groups (2)\n{cfg_hint}"),
        ),
        (vec!["single", "-E", "16"], format!("error: iteration exponent 16 is too large: the maximum is 15\n{cfg_hint}")),
    ];
    for (args, stderr) in cases {
        let mut all = vec!["slip39", "create"];
        all.extend_from_slice(&args);
        // Without --allow-pipe: a misuse is reported as such even in a pipe.
        let out = run(&all, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(text(&out.stderr), stderr, "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    // clap's own errors (not a number, missing N) are usage errors too.
    for args in [
        ["custom", "-t", "x"].as_slice(),
        &["custom", "-t", "1", "-g", "2"],
    ] {
        let mut all = vec!["slip39", "create"];
        all.extend_from_slice(args);
        let out = run(&all, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(text(&out.stderr).starts_with("error: "), "{args:?}");
    }
}

#[test]
fn secrets_are_not_printed_into_a_pipe_without_allow_pipe() {
    let c = create(&["2of3", "-S", SECRET]);
    for args in [
        vec!["slip39", "create", "2of3", "-S", SECRET],
        vec!["slip39", "create", "2of3", "-S", SECRET, "--json"],
        vec!["slip39", "create", "custom", "-t", "1", "-g", "2", "3"],
    ] {
        let out = run(&args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert_eq!(text(&out.stderr), REFUSAL, "{args:?}");
    }
    let input = format!("{}\n{}\n", c.groups[0].shares[0], c.groups[0].shares[1]);
    for args in [
        vec!["slip39", "recover"],
        vec!["slip39", "recover", "--json"],
        vec!["slip39", "recover", "-p"],
    ] {
        let out = run(&args, Some(&input));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        // Refused before reading a share: nothing of them, nor of the secret, is echoed.
        assert_eq!(text(&out.stderr), REFUSAL, "{args:?}");
    }
}

#[test]
fn end_of_input_before_completion_fails_with_how_far_it_got() {
    let c = create(&[
        "custom", "-t", "2", "-g", "2", "3", "-g", "3", "5", "-S", SECRET,
    ]);
    let (a, b) = (&c.groups[0].shares, &c.groups[1].shares);
    let out = recover(&[], &[&a[0], &a[1], &b[0]]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: the input ended before the recovery was complete: 3 shares accepted, 1 of 2 groups needed are complete (group 1 has 2 of 2 shares, group 2 has 1 of 3 shares)\n  hint: enter more shares, one per line; nothing was recovered\n"
    );
    assert!(text(&out.stdout).ends_with("\nEnter a recovery share: \n"));
    assert!(!text(&out.stdout).contains("SUCCESS"));

    let out = run(&["slip39", "recover", "--allow-pipe"], None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: the input ended before the recovery was complete: no share was accepted\n  hint: enter more shares, one per line; nothing was recovered\n"
    );

    let shares = first_shares(&create(&["2of3", "-S", SECRET]), &[0]);
    let out = recover(&["-p"], &refs(&shares));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).ends_with(
        "error: the input ended before the passphrase was entered\n  hint: with -p, enter the passphrase twice after the shares\n"
    ));
}

#[test]
fn shares_of_two_splits_with_the_same_identifier_fail_at_the_end() {
    // Two splits whose random streams agree on the identifier (the first two bytes) only:
    // their shares fit together by every parameter, but not by the digest.
    let split_with = |salt: u8| {
        let mut k = 0u32;
        let mut random = move |buf: &mut [u8]| {
            for b in buf.iter_mut() {
                *b = if k < 2 {
                    0x42
                } else {
                    (k as u8).wrapping_mul(salt)
                };
                k += 1;
            }
        };
        let secret = MasterSecret::new(&hex::decode(SECRET).unwrap()).unwrap();
        let config = SplitConfig::single_group(2, 3);
        let shares = split(&secret, &Passphrase::empty(), &config, &mut random).unwrap();
        shares[0]
            .iter()
            .map(|s| s.to_words().expose_secret().to_owned())
            .collect::<Vec<_>>()
    };
    let (a, b) = (split_with(3), split_with(5));
    let out = recover(&[], &[&a[0], &b[1]]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).ends_with(&format!(
            "\u{2713} 2 of 2 shares needed from group {}\nERROR: digest check failed: the shares of group 1 do not belong together (they come from different splits, or one was altered)\nRecovery failed\n",
            prefix(&a[0])
        )),
        "{}",
        text(&out.stdout)
    );
    assert!(!text(&out.stdout).contains("SUCCESS"));
}

// ---------------------------------------------------------------------------------
// A real terminal, through util-linux `script` (skipped when it is not installed, and
// failed then under KEYRITE_REQUIRE_INTEROP=1, as CI runs).

fn has_script() -> bool {
    let found = Command::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            !crate::common::interop_required(),
            "util-linux `script` is not installed and KEYRITE_REQUIRE_INTEROP=1: the terminal tests must run"
        );
        crate::common::say_skipped(
            "SKIP: util-linux `script` is not installed; the terminal tests did not run",
        );
    }
    found
}

/// `script -qec CMD /dev/null`: CMD on a pseudo-terminal, its screen on our pipe.
fn on_terminal(args: &str) -> Command {
    let mut c = Command::new("script");
    c.args(["-qec", &format!("{BIN} {args}"), "/dev/null"]);
    c
}

#[test]
fn on_a_terminal_create_prints_without_allow_pipe() {
    if !has_script() {
        return;
    }
    let out = on_terminal(&format!("slip39 create 2of3 -S {SECRET}"))
        .stdin(Stdio::null())
        .output()
        .expect("script runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let screen = text(&out.stdout).replace("\r\n", "\n");
    let c = parse_create(&screen);
    assert_eq!(c.secret, SECRET);
    assert_eq!(c.groups[0].shares.len(), 3);
}

#[test]
fn on_a_terminal_the_passphrase_is_not_echoed() {
    if !has_script() {
        return;
    }
    let passphrase = "Correct Horse 42";
    let c = create(&["2of3", "-S", SECRET, "-p", passphrase]);
    let mut child = on_terminal("slip39 recover -p")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script runs");
    let mut stdin = child.stdin.take().expect("piped");
    let mut stdout = child.stdout.take().expect("piped");
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    let reader = thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut screen = String::new();
    let wait_for = |what: &str, screen: &mut String| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !screen.contains(what) {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(chunk) => screen.push_str(&String::from_utf8_lossy(&chunk)),
                Err(_) => panic!("timed out waiting for {what:?}; screen so far:\n{screen}"),
            }
        }
    };
    for share in &c.groups[0].shares[..2] {
        writeln!(stdin, "{share}").unwrap();
    }
    wait_for("Enter passphrase: ", &mut screen);
    writeln!(stdin, "{passphrase}").unwrap();
    wait_for("Repeat for confirmation: ", &mut screen);
    writeln!(stdin, "{passphrase}").unwrap();
    wait_for("Your master secret is: ", &mut screen);
    drop(stdin);
    let status = child.wait().expect("script ends");
    reader.join().expect("reader ends");
    while let Ok(chunk) = rx.try_recv() {
        screen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(status.success(), "{screen}");
    let screen = screen.replace("\r\n", "\n");
    assert!(
        screen.contains(&format!("SUCCESS!\nYour master secret is: {SECRET}\n")),
        "{screen}"
    );
    assert!(
        !screen.contains("Horse"),
        "the passphrase was echoed:\n{screen}"
    );
    assert!(
        screen.contains("Enter passphrase: \nRepeat for confirmation: \n"),
        "{screen}"
    );
}

#[test]
fn endless_standard_input_is_refused_not_read_into_memory() {
    // /dev/zero never ends a line: the line bound must stop it at once.
    let zeros = std::fs::File::open("/dev/zero").unwrap();
    let out = keyrite()
        .args(["slip39", "recover", "--allow-pipe"])
        .stdin(zeros)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("a line of input is longer than 4096 bytes"),
        "{}",
        text(&out.stderr)
    );
    // Endless short lines (`yes`) end at the line-count bound.
    let lines = "abandon\n".repeat(2_500);
    let out = run(&["slip39", "recover", "--allow-pipe"], Some(&lines));
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains("more than 2000 lines were read"),
        "{}",
        text(&out.stderr)
    );
}
