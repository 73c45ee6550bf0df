//! `keyrite new` with every template, each script run headless to completion with the
//! answers shipped in tests/data/templates/, in the order a secret lives: genesis, share
//! check, recovery rehearsal, share rotation, then a share check that finds the rotated
//! (void) shares refused. `keyrite status --json` is asserted after each run.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{keyrite, repo, run_in, text};

/// A room: the DEMO keys under keys/ with the role ids the templates use.
fn room() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let keys = dir.path().join("keys");
    std::fs::create_dir(&keys).expect("keys folder");
    let demo = repo("ceremonies/demo/keys");
    for (from, to) in [
        ("officer", "officer"),
        ("witness-1", "witness"),
        ("custodian-1", "custodian-1"),
        ("custodian-2", "custodian-2"),
        ("custodian-3", "custodian-3"),
    ] {
        for ext in ["asc", "secret.asc"] {
            std::fs::copy(
                demo.join(format!("{from}.{ext}")),
                keys.join(format!("{to}.{ext}")),
            )
            .expect("copy a demo key");
        }
    }
    dir
}

const PEOPLE: &[&str] = &[
    "--set",
    "officer=Alice Example",
    "--set",
    "witness=Bob Example",
    "--set",
    "custodian_names=Carol Example, Erin Example, Frank Example",
];

fn new(dir: &Path, template: &str, file: &str, sets: &[&str]) {
    let mut args = vec!["new", "--template", template, "-o", file];
    args.extend_from_slice(sets);
    let out = run_in(dir, &args, None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "keyrite new --template {template}: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let check = run_in(dir, &["check", file], None);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
}

/// Runs a script headless; returns its transcript.
fn run(dir: &Path, script: &str, template: &str, out: &str) -> PathBuf {
    let answers = repo(&format!("tests/data/templates/{template}.answers.yaml"));
    let result = run_in(
        dir,
        &[
            "run",
            script,
            "--answers",
            answers.to_str().expect("utf-8 path"),
            "--records",
            "records",
            "--out",
            out,
        ],
        None,
    );
    assert_eq!(
        result.status.code(),
        Some(0),
        "{template}: {}{}",
        text(&result.stdout),
        text(&result.stderr)
    );
    let stdout = text(&result.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("completed: "))
        .expect("run says where the transcript is");
    let path = line.split(" in ").nth(1).expect("a path");
    dir.join(path)
}

fn events(transcript: &Path, event: &str) -> Vec<Value> {
    std::fs::read_to_string(transcript)
        .expect("transcript")
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON record"))
        .filter(|r| r["event"] == event)
        .collect()
}

/// `keyrite status --json` over the room's records folder, with its exit code.
fn status(dir: &Path, as_of: Option<&str>) -> (i32, Value) {
    let mut args = vec!["status", "--records", "records", "--json"];
    if let Some(t) = as_of {
        args.extend(["--as-of", t]);
    }
    let out = run_in(dir, &args, None);
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("status --json: {e}: {}", text(&out.stderr)));
    (out.status.code().expect("an exit code"), json)
}

/// The one secret with this fingerprint in a status report.
fn secret<'a>(status: &'a Value, fingerprint: &str) -> &'a Value {
    let found: Vec<&Value> = status["secrets"]
        .as_array()
        .expect("secrets")
        .iter()
        .filter(|s| s["fingerprint"] == fingerprint)
        .collect();
    assert_eq!(found.len(), 1, "{status:#}");
    found[0]
}

fn live(secret: &Value) -> Vec<&Value> {
    secret["shares"]
        .as_array()
        .expect("shares")
        .iter()
        .filter(|s| s["status"] == "live")
        .collect()
}

/// RFC 3339 `at` plus whole days, as status computes due dates (a day is 86 400 s).
fn plus_days(at: &str, days: i64) -> String {
    let t = chrono::DateTime::parse_from_rfc3339(at).expect("RFC 3339");
    (t + chrono::Duration::days(days))
        .with_timezone(&chrono::Utc)
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[test]
fn every_template_makes_a_script_that_checks_and_runs_to_the_end() {
    let room = room();
    let dir = room.path();

    let mut sets = PEOPLE.to_vec();
    sets.extend(["--set", "device_port=simulator"]);
    new(dir, "genesis", "genesis.yaml", &sets);
    // The printed script states the storage policy for the room.
    let printed = run_in(dir, &["print", "genesis.yaml"], None);
    assert_eq!(printed.status.code(), Some(0));
    assert!(text(&printed.stdout).contains(
        "| Storage policy | no single site or holder may hold a threshold of any group's shares; every stored item needs a seal number"
    ));
    let genesis = run(dir, "genesis.yaml", "genesis", "out");
    let fingerprint = events(&genesis, "fingerprint")[0]["master_fingerprint"]
        .as_str()
        .expect("a fingerprint")
        .to_string();
    // The second share went to the first one's site (in other capitals): refused, then
    // recorded with an exception both roles confirmed.
    let refused = events(&genesis, "storage_refused");
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0]["item"], "treasury-shares-1-2");
    let exception = &events(&genesis, "policy_exception")[0];
    assert_eq!(exception["rules"][0]["rule"], "spread_across");
    assert_eq!(exception["confirmed_by"].as_array().map(Vec::len), Some(2));

    // The exception still holds a threshold at one place: status says so until a
    // share moves (the share check below moves share 2).
    let (code, st) = status(dir, None);
    assert_eq!(code, 1, "{st:#}");
    assert!(
        st["attention"].as_array().unwrap().iter().any(|a| a
            .as_str()
            .unwrap_or_default()
            .contains("still holds a threshold at one place")),
        "{st:#}"
    );
    let treasury = secret(&st, &fingerprint);
    assert_eq!(treasury["names"], serde_json::json!(["treasury"]));
    let shares = live(treasury);
    assert_eq!(shares.len(), 3);
    let sites: Vec<&str> = shares
        .iter()
        .map(|s| s["location"]["site"].as_str().expect("site"))
        .collect();
    assert_eq!(sites, ["Example HQ vault", "example hq  VAULT", "Notary"]);
    assert!(shares.iter().all(|s| s["last_seen"].is_null()));
    assert!(shares
        .iter()
        .all(|s| s["placed"]["ceremony"] == "treasury-genesis"));
    assert_eq!(treasury["exceptions"].as_array().map(Vec::len), Some(1));
    let placed_at = shares[0]["placed"]["at"]
        .as_str()
        .expect("placed at")
        .to_string();
    assert!(treasury["rehearsal"]["last"].is_null());
    assert_eq!(treasury["rehearsal"]["next_due"], plus_days(&placed_at, 90));
    // A day after the due date the rehearsal is overdue, and status says so by its exit code.
    let late = plus_days(&placed_at, 91);
    let (code, st_late) = status(dir, Some(&late));
    assert_eq!(code, 1);
    assert_eq!(secret(&st_late, &fingerprint)["rehearsal"]["overdue"], true);
    assert_eq!(
        secret(&st_late, &fingerprint)["rehearsal"]["overdue_days"],
        1
    );

    let fp_set = format!("fingerprint={fingerprint}");
    let mut with_fp = PEOPLE.to_vec();
    with_fp.extend(["--set", &fp_set]);

    new(dir, "share-check", "share-check.yaml", &with_fp);
    let check = run(dir, "share-check.yaml", "share-check", "out");
    let checked = events(&check, "share_checked");
    assert_eq!(checked.len(), 3, "every share is checked, not a threshold");
    let split = &events(&genesis, "secret_split")[0]["shares"];
    for (c, s) in checked.iter().zip(split.as_array().expect("shares")) {
        assert_eq!(c["digest"], s["digest"]);
        assert_eq!(c["checked_by"], s["holder"]);
    }
    assert!(
        events(&check, "secret_recovered").is_empty(),
        "never rebuilt"
    );
    assert_eq!(events(&check, "stored").len(), 3, "resealed");

    let (code, st) = status(dir, None);
    assert_eq!(code, 0, "{st:#}");
    let shares = live(secret(&st, &fingerprint));
    for (i, share) in shares.iter().enumerate() {
        assert_eq!(share["last_seen"]["how"], "share check");
        assert_eq!(share["last_seen"]["ceremony"], "treasury-share-check");
        assert_eq!(
            share["location"]["seal"],
            format!("TB-00600{}", i + 1),
            "resealed"
        );
    }
    assert_eq!(
        shares[1]["location"]["site"], "Branch office vault",
        "moved"
    );
    assert_eq!(
        shares[1]["earlier_locations"].as_array().map(Vec::len),
        Some(1)
    );

    new(
        dir,
        "recovery-rehearsal",
        "recovery-rehearsal.yaml",
        &with_fp,
    );
    let rehearsal = run(dir, "recovery-rehearsal.yaml", "recovery-rehearsal", "out");
    assert_eq!(events(&rehearsal, "secret_verified")[0]["matches"], true);

    let (code, st) = status(dir, None);
    assert_eq!(code, 0, "{st:#}");
    let treasury = secret(&st, &fingerprint);
    let last = &treasury["rehearsal"]["last"];
    assert_eq!(last["ceremony"], "treasury-rehearsal");
    let rehearsed_at = last["at"].as_str().expect("at").to_string();
    assert_eq!(
        treasury["rehearsal"]["next_due"],
        plus_days(&rehearsed_at, 90)
    );
    let seen: Vec<&Value> = live(treasury)
        .iter()
        .map(|s| &s["last_seen"]["how"])
        .collect();
    assert_eq!(seen, ["rehearsal", "rehearsal", "share check"]);

    new(dir, "share-rotation", "share-rotation.yaml", &with_fp);
    let rotation = run(dir, "share-rotation.yaml", "share-rotation", "out-rotation");
    let voided = events(&rotation, "shares_voided");
    assert_eq!(voided.len(), 1);
    let old: Vec<&Value> = split
        .as_array()
        .expect("shares")
        .iter()
        .map(|s| &s["digest"])
        .collect();
    let void: Vec<&Value> = voided[0]["digests"]
        .as_array()
        .expect("digests")
        .iter()
        .collect();
    assert_eq!(void, old, "every old share, and only those, is void");

    let (code, st) = status(dir, None);
    assert_eq!(code, 0, "{st:#}");
    let treasury = secret(&st, &fingerprint);
    let new_split = &events(&rotation, "secret_split")[0];
    let shares = live(treasury);
    let live_digests: Vec<&Value> = shares.iter().map(|s| &s["digest"]).collect();
    let new_digests: Vec<&Value> = new_split["shares"]
        .as_array()
        .expect("shares")
        .iter()
        .map(|s| &s["digest"])
        .collect();
    assert_eq!(live_digests, new_digests, "only the new shares are live");
    assert!(shares
        .iter()
        .all(|s| s["placed"]["ceremony"] == "treasury-rotation"));
    let voided: Vec<&Value> = treasury["shares"]
        .as_array()
        .expect("shares")
        .iter()
        .filter(|s| s["status"] == "void")
        .collect();
    assert_eq!(voided.len(), 3);
    assert!(voided
        .iter()
        .all(|s| s["voided"]["ceremony"] == "treasury-rotation"));

    // A share check now asks for the new shares; the old files are refused.
    let again = run(dir, "share-check.yaml", "share-check", "out");
    let failed = events(&again, "share_check_failed");
    assert_eq!(failed.len(), 3);
    assert!(failed[0]["reason"]
        .as_str()
        .is_some_and(|r| r.contains("another split")));
    assert_eq!(events(&again, "shares_checked")[0]["checked"], 0);
    let (code, st) = status(dir, None);
    assert_eq!(code, 1, "a failed share check needs attention");
    assert_eq!(
        secret(&st, &fingerprint)["failed_checks"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );

    // A tampered copy of a transcript is listed as untrusted and not counted.
    let mut bytes = std::fs::read(&genesis).expect("genesis");
    let at = bytes
        .windows(9)
        .position(|w| w == b"TB-005003")
        .expect("a seal");
    bytes[at + 8] = b'9';
    std::fs::create_dir_all(dir.join("records/copied")).expect("folder");
    std::fs::write(dir.join("records/copied/genesis.jsonl"), bytes).expect("copy");
    let (code, st) = status(dir, None);
    assert_eq!(code, 1);
    let untrusted = st["transcripts"]["untrusted"]
        .as_array()
        .expect("untrusted");
    assert_eq!(untrusted.len(), 1);
    assert_eq!(untrusted[0]["path"], "copied/genesis.jsonl");
    // While it is there, a share check cannot know the live shares, and says so.
    let blocked = run_in(
        dir,
        &[
            "run",
            "share-check.yaml",
            "--answers",
            repo("tests/data/templates/share-check.answers.yaml")
                .to_str()
                .expect("utf-8 path"),
            "--records",
            "records",
            "--out",
            "out",
        ],
        None,
    );
    assert_eq!(blocked.status.code(), Some(1));
    assert!(
        text(&blocked.stderr).contains("fail verification (copied/genesis.jsonl)"),
        "{}",
        text(&blocked.stderr)
    );
    std::fs::remove_dir_all(dir.join("records/copied")).expect("clean up");

    // The old, void shares still recover the secret: a rehearsal with them shows they were
    // not destroyed, and status says so.
    run(dir, "recovery-rehearsal.yaml", "recovery-rehearsal", "out");
    let (code, st) = status(dir, None);
    assert_eq!(code, 1);
    assert!(
        st["attention"]
            .as_array()
            .expect("attention")
            .iter()
            .any(|a| a.as_str().is_some_and(|a| a.contains("was not destroyed"))),
        "{st:#}"
    );

    std::fs::write(
        dir.join("key-share-backup.bin"),
        b"an MPC key share backup\n",
    )
    .expect("a file to protect");
    let mut protect = PEOPLE.to_vec();
    protect.extend(["--set", "file=key-share-backup.bin"]);
    new(dir, "protect-file", "protect.yaml", &protect);
    let protected = run(dir, "protect.yaml", "protect-file", "out-protect");
    assert_eq!(events(&protected, "file_protected").len(), 1);
}

#[test]
fn new_refuses_to_overwrite_and_reports_a_script_that_needs_certificates() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run_in(
        dir.path(),
        &["new", "--template", "genesis", "-o", "g.yaml"],
        None,
    );
    // Written, but the certificates are not in keys/ yet: exit 1 and the problems.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("g.yaml:"),
        "{}",
        text(&out.stderr)
    );
    assert!(dir.path().join("g.yaml").exists());
    let before = std::fs::read(dir.path().join("g.yaml")).expect("written");
    let again = run_in(
        dir.path(),
        &[
            "new",
            "--template",
            "genesis",
            "--set",
            "id=other",
            "-o",
            "g.yaml",
        ],
        None,
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("never overwrites"));
    assert_eq!(
        std::fs::read(dir.path().join("g.yaml")).expect("kept"),
        before
    );

    let bad = run_in(
        dir.path(),
        &[
            "new",
            "--template",
            "genesis",
            "--set",
            "treshold=2",
            "-o",
            "x.yaml",
        ],
        None,
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).contains("did you mean `threshold`?"),
        "{}",
        text(&bad.stderr)
    );
    assert!(
        !dir.path().join("x.yaml").exists(),
        "nothing is written on a bad --set"
    );

    // A value with an escape sequence would reach every screen the script shows.
    for value in ["title=Genesis\u{1b}[2J", "officer=Alice\u{202e}Example"] {
        let bad = run_in(
            dir.path(),
            &[
                "new",
                "--template",
                "genesis",
                "--set",
                value,
                "-o",
                "x.yaml",
            ],
            None,
        );
        let err = text(&bad.stderr);
        assert_eq!(bad.status.code(), Some(2), "{err}");
        assert!(err.contains("is a control character"), "{err}");
        assert!(
            !err.contains('\u{1b}') && !err.contains('\u{202e}'),
            "{err:?}"
        );
        assert!(!dir.path().join("x.yaml").exists());
    }

    let list = run_in(dir.path(), &["new", "--list"], None);
    assert_eq!(list.status.code(), Some(0));
    for name in [
        "genesis",
        "recovery-rehearsal",
        "share-check",
        "share-rotation",
        "protect-file",
    ] {
        assert!(text(&list.stdout).contains(name), "{name}");
    }
}

/// The words inside a share file, decrypted with the holder's DEMO key (what a holder
/// does outside keyrite with `gpg --decrypt`).
fn words_of(dir: &Path, file: &str, key: &str) -> String {
    let key = keyrite::pgp::SecretKey::load(dir.join(key), None).expect("demo key");
    let bytes = std::fs::read(dir.join(file)).expect("share file");
    let plain = keyrite::pgp::decrypt(&key, &bytes).expect("decrypts");
    String::from_utf8(plain.to_vec())
        .expect("text")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn a_share_check_refuses_another_holders_share_and_goes_on_with_the_others() {
    let room = room();
    let dir = room.path();
    let mut sets = PEOPLE.to_vec();
    sets.extend(["--set", "device_port=simulator"]);
    new(dir, "genesis", "genesis.yaml", &sets);
    let genesis = run(dir, "genesis.yaml", "genesis", "out");
    let fingerprint = events(&genesis, "fingerprint")[0]["master_fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_string();
    let fp_set = format!("fingerprint={fingerprint}");
    let mut with_fp = PEOPLE.to_vec();
    with_fp.extend(["--set", &fp_set]);
    new(dir, "share-check", "check.yaml", &with_fp);

    let own = words_of(
        dir,
        "out/treasury-shares/custodian-1-1-1.asc",
        "keys/custodian-1.secret.asc",
    );
    let erins = words_of(
        dir,
        "out/treasury-shares/custodian-2-1-2.asc",
        "keys/custodian-2.secret.asc",
    );
    let answers = format!(
        r#"attendance: {{ officer: AE, witness: BE, custodian-1: CE, custodian-2: EE, custodian-3: FE }}
offline: {{ officer: AE, witness: BE }}
check:
  custodian-1: {{ share_file: out/treasury-shares/custodian-1-1-1.asc, key_file: outside, words: "{own}" }}
  custodian-2: {{ share_file: out/treasury-shares/custodian-2-1-2.asc, key_file: outside, words: "{erins}" }}
  custodian-3: {{ share_file: out/treasury-shares/custodian-3-1-3.asc, key_file: outside, words: "{erins}" }}
reseal:
  checked-shares-1-1: {{ site: Example HQ vault, container: Safe 1, seal: TB-006001, holder: Carol Example }}
  checked-shares-1-2: {{ site: notary, container: Box 4, seal: TB-006002, holder: Erin Example, policy: exception, exception_reason: The notary keeps both until the branch reopens }}
  officer: AE
  witness: BE
closing: ack
sign:
  officer: {{ key_file: keys/officer.secret.asc }}
  witness: {{ key_file: keys/witness.secret.asc }}
"#
    );
    std::fs::write(dir.join("check.answers.yaml"), answers).expect("answers");
    let out = run_in(
        dir,
        &[
            "run",
            "check.yaml",
            "--answers",
            "check.answers.yaml",
            "--records",
            "records",
            "--out",
            "out",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let transcript = dir.join(
        text(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("completed: "))
            .and_then(|l| l.split(" in ").nth(1).map(String::from))
            .expect("a transcript"),
    );
    let checked = events(&transcript, "share_checked");
    let holders: Vec<&str> = checked
        .iter()
        .map(|c| c["holder"].as_str().expect("holder"))
        .collect();
    assert_eq!(holders, ["custodian-1", "custodian-2"]);
    let failed = events(&transcript, "share_check_failed");
    let reasons: Vec<(&str, &str)> = failed
        .iter()
        .map(|f| {
            (
                f["holder"].as_str().expect("holder"),
                f["reason"].as_str().expect("reason"),
            )
        })
        .collect();
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert_eq!(reasons[0].0, "custodian-3");
    assert!(
        reasons[0]
            .1
            .contains("that is share 1/2, not Frank Example's share 1/3"),
        "{reasons:?}"
    );
    // No run of a share's words reaches the record.
    let record = std::fs::read_to_string(&transcript).expect("transcript");
    for words in [&own, &erins] {
        let words: Vec<&str> = words.split(' ').collect();
        for run in words.windows(3) {
            assert!(
                !record.contains(&run.join(" ")),
                "share words in the record"
            );
        }
    }
    // Frank's share was not verified and stays at the notary; putting Erin's there too
    // would hold a threshold, so the policy refuses it even though only two were checked.
    let refused = events(&transcript, "storage_refused");
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0]["item"], "checked-shares-1-2");
    assert_eq!(events(&transcript, "policy_exception").len(), 1);
    let summary = &events(&transcript, "shares_checked")[0];
    assert_eq!(
        (summary["checked"].as_u64(), summary["failed"].as_u64()),
        (Some(2), Some(1))
    );
}

#[test]
fn a_reader_that_goes_away_ends_keyrite_quietly() {
    // Standard output is a pipe whose reader is gone before keyrite starts, as when
    // `keyrite status | head` has quit: every write fails with EPIPE, not by chance.
    let transcript = repo("tests/report/demo-genesis.jsonl");
    let script = repo("tests/report/demo-genesis.yaml");
    let commands: [&[&str]; 6] = [
        &["new", "--list"],
        &["schema"],
        &["check", "ceremonies/demo.yaml"],
        &[
            "verify",
            transcript.to_str().unwrap(),
            "--script",
            script.to_str().unwrap(),
        ],
        &["status", "--records", "tests/report"],
        &["report", transcript.to_str().unwrap()],
    ];
    for args in commands {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let out = keyrite()
            .args(args)
            .current_dir(repo("."))
            .stdout(writer)
            .output()
            .expect("keyrite runs");
        let stderr = text(&out.stderr);
        assert!(stderr.is_empty(), "keyrite {args:?} printed: {stderr}");
        // 141 is what a shell reports for a process ended by SIGPIPE, as `cat` is.
        assert_eq!(out.status.code(), Some(141), "keyrite {args:?}");
    }
}
