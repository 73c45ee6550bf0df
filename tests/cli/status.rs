//! `keyrite status`: the custody registry and rehearsal schedule from a folder of
//! transcripts. Synthetic transcripts are written with the real `Writer`, then moved onto
//! a chosen clock (every record re-chained and the end record re-sealed exactly as the
//! writer does, and checked by the verifier), so due dates can sit on a DST change.

use crate::common;

use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use keyrite::records::{self, Registry, SeenHow, ShareStatus};
use keyrite::script::types::{ScriptId, StepId};
use keyrite::transcript::{sha256_hex, verify_file, Verdict, Writer};
use serde_json::{json, Map, Value};

const FP: &str = "0d136510";

/// How a synthetic ceremony ends.
enum End {
    Completed,
    Aborted {
        step: &'static str,
        reason: &'static str,
    },
    /// The writer is dropped without an end record, as a crash leaves it.
    Crashed,
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("a valid test time")
        .with_timezone(&Utc)
}

/// Writes a ceremony `id` under `records` with `events` (each in step `s`), starting at
/// `start` with one second between records, and returns its path.
fn ceremony(
    records: &Path,
    id: &str,
    start: &str,
    rehearse_every: Option<&str>,
    events: &[(&str, Value)],
    end: End,
) -> PathBuf {
    ceremony_as(
        records,
        id,
        start,
        rehearse_every,
        &Signed::default(),
        events,
        end,
    )
}

/// What a ceremony's first record says about signing: the script (path as recorded and
/// its SHA-256), the required signers, and the roles' certificate fingerprints.
#[derive(Default)]
struct Signed {
    script: Option<(String, String)>,
    signers: Vec<&'static str>,
    fingerprints: Vec<(&'static str, String)>,
}

/// [`ceremony`] with a first record that names a script, signers and certificates.
fn ceremony_as(
    records: &Path,
    id: &str,
    start: &str,
    rehearse_every: Option<&str>,
    signed: &Signed,
    events: &[(&str, Value)],
    end: End,
) -> PathBuf {
    let (script_path, script_sha) = signed
        .script
        .clone()
        .unwrap_or_else(|| (format!("{id}.yaml"), sha256_hex(id.as_bytes())));
    let script_id = ScriptId::parse(id).expect("a valid ceremony id");
    let step = StepId::parse("s").expect("a valid step id");
    let mut writer = Writer::create(records, &script_id, &script_sha)
        .expect("the transcript is created")
        .without_fsync();
    let mut ceremony = json!({"id": id, "title": format!("Test {id}")});
    if let Some(every) = rehearse_every {
        ceremony["rehearse_every"] = json!(every);
    }
    let mut roles = vec![
        json!({"id": "officer", "name": "Alice Example"}),
        json!({"id": "witness-1", "name": "Bob Example"}),
        json!({"id": "custodian-1", "name": "Carol Example"}),
        json!({"id": "custodian-2", "name": "Erin Example"}),
        json!({"id": "custodian-3", "name": "Frank Example"}),
    ];
    for (role, fingerprint) in &signed.fingerprints {
        for r in roles.iter_mut().filter(|r| r["id"] == *role) {
            r["fingerprint"] = json!(fingerprint);
        }
    }
    let mut first = json!({
        "ceremony": ceremony,
        "script": {"path": script_path, "sha256": script_sha},
        "tool": {"name": "keyrite", "version": "test"},
        "host": "test",
        "operator": "answers:test",
        "roles": roles,
        "steps": ["s"],
    });
    if !signed.signers.is_empty() {
        first["signers"] = json!(signed.signers);
    }
    writer
        .append(None, "ceremony_started", &first)
        .expect("append");
    for (event, fields) in events {
        writer.append(Some(&step), event, fields).expect("append");
    }
    let path = writer.path().to_path_buf();
    match end {
        End::Completed => {
            writer
                .close(None, true, &json!({"steps_done": 1, "steps_total": 1}))
                .expect("close");
        }
        End::Aborted { step, reason } => {
            let step = StepId::parse(step).expect("a valid step id");
            writer
                .close(
                    Some(&step),
                    false,
                    &json!({"reason": reason, "steps_done": 0, "steps_total": 1}),
                )
                .expect("close");
        }
        End::Crashed => drop(writer),
    }
    retime(&path, utc(start))
}

/// Moves a transcript onto the clock starting at `start`: record n at `start + n s`,
/// re-chained and re-sealed as the writer does; renamed after its new start.
fn retime(path: &Path, start: DateTime<Utc>) -> PathBuf {
    let text = std::fs::read_to_string(path).expect("the transcript");
    let mut out = Vec::new();
    let mut prev: Option<String> = None;
    for (n, line) in text.lines().enumerate() {
        let mut record: Map<String, Value> = serde_json::from_str(line).expect("a record");
        let at = start + TimeDelta::seconds(n as i64);
        record.insert(
            "at".into(),
            at.to_rfc3339_opts(SecondsFormat::Millis, true).into(),
        );
        if let Some(p) = &prev {
            record.insert("prev".into(), p.clone().into());
        }
        let sealed = record.remove("seal").is_some();
        let mut bytes = serde_json::to_vec(&record).expect("JSON");
        if sealed {
            bytes.pop();
            let seal = sha256_hex(&bytes);
            bytes.extend_from_slice(format!(",\"seal\":\"{seal}\"}}").as_bytes());
        }
        prev = Some(sha256_hex(&bytes));
        out.extend_from_slice(&bytes);
        out.push(b'\n');
    }
    let renamed = path.with_file_name(format!("{}.jsonl", start.format("%Y%m%dT%H%M%SZ")));
    std::fs::remove_file(path).expect("remove the original");
    std::fs::write(&renamed, out).expect("write the retimed transcript");
    let v = verify_file(&renamed, None).expect("verify");
    assert!(
        v.findings.iter().all(|f| !f.is_tampering()),
        "the retimed transcript verifies: {:?}",
        v.findings
    );
    renamed
}

fn digest(label: &str) -> String {
    sha256_hex(label.as_bytes())
}

fn split(secret: &str, identifier: u16, digests: &[String]) -> (&'static str, Value) {
    let shares: Vec<Value> = digests
        .iter()
        .enumerate()
        .map(|(i, d)| json!({"group": 1, "member": i + 1, "holder": format!("custodian-{}", i + 1), "digest": d}))
        .collect();
    (
        "secret_split",
        json!({
            "secret": secret, "into": format!("{secret}-shares"), "identifier": identifier,
            "extendable": true, "iteration_exponent": 1, "group_threshold": 1,
            "groups": [{"threshold": 2, "count": digests.len(), "holders": ["custodian-1", "custodian-2", "custodian-3"]}],
            "passphrase": false, "shares": shares,
        }),
    )
}

fn fingerprint(secret: &str, fp: &str) -> (&'static str, Value) {
    (
        "fingerprint",
        json!({"secret": secret, "network": "bitcoin", "master_fingerprint": fp, "path": "m/84'/0'/0'", "xpub": "xpub-test"}),
    )
}

fn stored(digest: &str, member: u64, site: &str, seal: &str) -> (&'static str, Value) {
    (
        "stored",
        json!({
            "item": format!("share-{member}"),
            "share": {"set": "treasury-shares", "group": 1, "member": member, "holder": format!("custodian-{member}"), "digest": digest},
            "location": {"container": format!("Box {member}"), "holder": "Typed Name", "seal": seal, "site": site},
        }),
    )
}

fn verified(secret: &str, fp: &str, matches: bool) -> (&'static str, Value) {
    let found = if matches { fp } else { "ffffffff" };
    (
        "secret_verified",
        json!({"secret": secret, "fingerprint": found, "expected": fp, "matches": matches}),
    )
}

fn entered(digest: &str, member: u64) -> (&'static str, Value) {
    (
        "share_entered",
        json!({"collection": "rehearsal", "group": 1, "member": member, "digest": digest, "entered_by": format!("custodian-{member}"), "identifier": 100}),
    )
}

fn checked(digest: &str, member: u64) -> (&'static str, Value) {
    (
        "share_checked",
        json!({"secret": FP, "identifier": 100, "group": 1, "member": member, "holder": format!("custodian-{member}"), "digest": digest, "checked_by": format!("custodian-{member}"), "placed_by": "genesis"}),
    )
}

fn check_failed(member: u64, reason: &str) -> (&'static str, Value) {
    (
        "share_check_failed",
        json!({"secret": FP, "identifier": 100, "group": 1, "member": member, "holder": format!("custodian-{member}"), "digest": digest(&format!("g-{member}")), "reason": reason}),
    )
}

/// Three share digests of one split, distinct per `label`.
fn digests(label: &str) -> Vec<String> {
    (1..=3).map(|m| digest(&format!("{label}-{m}"))).collect()
}

/// A genesis of `treasury` (fingerprint FP, identifier 100) with its shares stored.
fn genesis(records: &Path, start: &str, every: Option<&str>, shares: &[String]) -> PathBuf {
    ceremony(
        records,
        "genesis",
        start,
        every,
        &[
            split("treasury", 100, shares),
            fingerprint("treasury", FP),
            stored(&shares[0], 1, "HQ vault", "TB-1"),
            stored(&shares[1], 2, "Branch vault", "TB-2"),
            stored(&shares[2], 3, "Notary", "TB-3"),
        ],
        End::Completed,
    )
}

fn scan(records: &Path, as_of: &str) -> Registry {
    records::scan(records, records::parse_as_of(as_of).expect("a valid as-of")).expect("scan")
}

/// Runs `keyrite status --records DIR ARGS` with `TZ` set (or unset); exit code, stdout.
fn status_cli(records: &Path, args: &[&str], tz: Option<&str>) -> (i32, String, String) {
    let mut cmd = common::keyrite();
    cmd.arg("status").arg("--records").arg(records).args(args);
    match tz {
        Some(tz) => cmd.env("TZ", tz),
        None => cmd.env_remove("TZ"),
    };
    let out = cmd.output().expect("keyrite runs");
    (
        out.status.code().expect("an exit code"),
        common::text(&out.stdout),
        common::text(&out.stderr),
    )
}

fn json_of(stdout: &str) -> Value {
    serde_json::from_str(stdout).expect("status --json prints JSON")
}

#[test]
fn later_records_move_a_share_and_replace_its_seal_in_time_order() {
    let dir = tempfile::tempdir().unwrap();
    let shares = digests("g");
    genesis(dir.path(), "2027-01-10T09:00:00Z", None, &shares);
    // The id sorts before `genesis`, so only the time order puts it after the genesis.
    ceremony(
        dir.path(),
        "a-move",
        "2027-02-01T09:00:00Z",
        None,
        &[stored(&shares[1], 2, "New site", "TB-2")],
        End::Completed,
    );
    ceremony(
        dir.path(),
        "reseal",
        "2027-03-01T09:00:00Z",
        None,
        &[stored(&shares[2], 3, "Notary", "TB-99")],
        End::Completed,
    );
    let r = scan(dir.path(), "2027-03-02T00:00:00Z");
    let secret = r.secret(FP).expect("the secret by its fingerprint");
    assert_eq!(secret.names, ["treasury"]);
    let moved = secret.share(&shares[1]).unwrap();
    assert_eq!(moved.location_field("site").as_deref(), Some("New site"));
    assert_eq!(moved.located.as_ref().unwrap().ceremony, "a-move");
    assert_eq!(moved.placed.ceremony, "genesis");
    assert_eq!(moved.earlier_locations.len(), 1);
    assert_eq!(
        moved.earlier_locations[0].location["site"],
        json!("Branch vault")
    );
    let resealed = secret.share(&shares[2]).unwrap();
    assert_eq!(resealed.location_field("seal").as_deref(), Some("TB-99"));
    let untouched = secret.share(&shares[0]).unwrap();
    assert_eq!(
        untouched.location_field("site").as_deref(),
        Some("HQ vault")
    );
    assert!(untouched.earlier_locations.is_empty());
    assert_eq!(
        r.transcripts
            .counted
            .iter()
            .map(|c| c.ceremony.as_str())
            .collect::<Vec<_>>(),
        ["genesis", "a-move", "reseal"]
    );
    assert_eq!(moved.holder.role, "custodian-2");
    assert_eq!(moved.holder.name.as_deref(), Some("Erin Example"));

    let (code, stdout, _) = status_cli(dir.path(), &["--as-of", "2027-03-02T00:00:00Z"], None);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("New site") && stdout.contains("TB-99"),
        "{stdout}"
    );
    assert!(!stdout.contains("Branch vault"), "{stdout}");
    assert!(stdout.contains("Nothing needs attention."), "{stdout}");
}

#[test]
fn a_rotation_voids_the_old_shares_and_only_the_new_ones_are_live() {
    let dir = tempfile::tempdir().unwrap();
    let old = digests("old");
    let new = digests("new");
    genesis(dir.path(), "2027-01-10T09:00:00Z", Some("90d"), &old);
    ceremony(
        dir.path(),
        "rotation",
        "2027-04-01T09:00:00Z",
        Some("90d"),
        &[
            entered(&old[0], 1),
            entered(&old[1], 2),
            verified("treasury", FP, true),
            split("treasury", 200, &new),
            stored(&new[0], 1, "HQ vault", "TB-11"),
            stored(&new[1], 2, "Branch vault", "TB-12"),
            stored(&new[2], 3, "Notary", "TB-13"),
            (
                "shares_voided",
                json!({"secret": FP, "name": "treasury", "identifier": 100, "placed_by": "genesis", "reason": "rotated", "digests": old}),
            ),
        ],
        End::Completed,
    );
    let r = scan(dir.path(), "2027-04-02T00:00:00Z");
    let secret = r.secret(FP).unwrap();
    let live: Vec<&str> = secret.live_shares().map(|s| s.digest.as_str()).collect();
    assert_eq!(live, new.iter().map(String::as_str).collect::<Vec<_>>());
    for d in &old {
        let share = secret.share(d).unwrap();
        assert_eq!(share.status, ShareStatus::Void);
        let voided = share.voided.as_ref().unwrap();
        assert_eq!(voided.ceremony, "rotation");
        assert_eq!(voided.reason.as_deref(), Some("rotated"));
    }
    assert_eq!(
        secret
            .share(&old[0])
            .unwrap()
            .last_seen
            .as_ref()
            .unwrap()
            .how,
        SeenHow::Rehearsal
    );
    // The rotation's recovery is a rehearsal.
    let last = secret.rehearsal.last.as_ref().unwrap();
    assert_eq!(last.ceremony, "rotation");

    let (code, stdout, _) = status_cli(dir.path(), &["--as-of", "2027-04-02T00:00:00Z"], None);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("3 live shares"), "{stdout}");
    assert!(stdout.contains("3 void not shown"), "{stdout}");
    assert!(stdout.contains("TB-11"), "{stdout}");
    assert!(
        !stdout.contains("TB-1 "),
        "old seals are not shown: {stdout}"
    );
    let (_, json, _) = status_cli(
        dir.path(),
        &["--json", "--as-of", "2027-04-02T00:00:00Z"],
        None,
    );
    let v = json_of(&json);
    let statuses: Vec<&str> = v["secrets"][0]["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == "void").count(), 3);
    assert_eq!(statuses.iter().filter(|s| **s == "live").count(), 3);
}

#[test]
fn rehearsals_set_the_due_date_and_an_overdue_one_fails_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let shares = digests("g");
    genesis(dir.path(), "2027-01-01T00:00:00Z", Some("90d"), &shares);
    // Before any rehearsal, the due date counts from the split (record 1).
    let r = scan(dir.path(), "2027-01-02T00:00:00Z");
    let rehearsal = &r.secret(FP).unwrap().rehearsal;
    assert_eq!(
        rehearsal.next_due.unwrap().to_string(),
        "2027-04-01T00:00:01.000Z"
    );
    assert_eq!(rehearsal.due_from, Some(records::DueFrom::SharesPlaced));

    ceremony(
        dir.path(),
        "rehearsal",
        "2027-02-01T00:00:00Z",
        Some("60d"),
        &[
            entered(&shares[0], 1),
            entered(&shares[2], 3),
            verified("treasury", FP, true),
        ],
        End::Completed,
    );
    // A failed recovery later does not count as a rehearsal.
    ceremony(
        dir.path(),
        "bad-rehearsal",
        "2027-02-10T00:00:00Z",
        None,
        &[verified("treasury", FP, false)],
        End::Completed,
    );
    ceremony(
        dir.path(),
        "check",
        "2027-02-15T00:00:00Z",
        None,
        &[checked(&shares[1], 2)],
        End::Completed,
    );
    // secret_verified is record 3: 2027-02-01T00:00:03Z; the latest interval is 60 days.
    let due = "2027-04-02T00:00:03.000Z";
    let r = scan(dir.path(), "2027-04-02T00:00:02Z");
    let secret = r.secret(FP).unwrap();
    assert_eq!(secret.rehearsal.interval_days, Some(60));
    assert_eq!(secret.rehearsal.next_due.unwrap().to_string(), due);
    assert!(!secret.rehearsal.overdue);
    assert!(!r.needs_attention(), "{:?}", r.attention);
    let seen = |d: &str| secret.share(d).unwrap().last_seen.clone().unwrap();
    assert_eq!(seen(&shares[0]).how, SeenHow::Rehearsal);
    assert_eq!(seen(&shares[0]).ceremony, "rehearsal");
    assert_eq!(seen(&shares[1]).how, SeenHow::ShareCheck);
    assert_eq!(seen(&shares[1]).at.to_string(), "2027-02-15T00:00:01.000Z");

    let (code, stdout, _) = status_cli(dir.path(), &["--as-of", "2027-04-02T00:00:02Z"], None);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains(&format!("next due {due}")), "{stdout}");

    let (code, stdout, _) = status_cli(dir.path(), &["--as-of", "2027-04-05T12:00:00Z"], None);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("OVERDUE by 3 days"), "{stdout}");
    assert!(
        stdout.contains("ATTENTION: 1 thing needs attention"),
        "{stdout}"
    );
    let (code, json, _) = status_cli(
        dir.path(),
        &["--json", "--as-of", "2027-04-05T12:00:00Z"],
        None,
    );
    assert_eq!(code, 1);
    let v = json_of(&json);
    assert_eq!(v["secrets"][0]["rehearsal"]["overdue"], json!(true));
    assert_eq!(v["secrets"][0]["rehearsal"]["overdue_days"], json!(3));
    assert_eq!(v["attention"].as_array().unwrap().len(), 1);
}

#[test]
fn without_rehearse_every_there_is_no_schedule_and_nothing_is_overdue() {
    let dir = tempfile::tempdir().unwrap();
    genesis(dir.path(), "2020-01-01T00:00:00Z", None, &digests("g"));
    let r = scan(dir.path(), "2030-01-01T00:00:00Z");
    let rehearsal = &r.secret(FP).unwrap().rehearsal;
    assert_eq!(rehearsal.interval_days, None);
    assert_eq!(rehearsal.next_due, None);
    assert!(!rehearsal.overdue);
    let (code, stdout, _) = status_cli(dir.path(), &["--as-of", "2030-01-01T00:00:00Z"], None);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("no schedule"), "{stdout}");
}

/// The due date falls on 2027-03-28T01:30:00Z, half an hour after Berlin moves its clocks
/// from 02:00 CET to 03:00 CEST, and after New York's change on 2027-03-14.
#[test]
fn due_dates_are_utc_whatever_the_offset_of_as_of_and_the_tz_variable() {
    let dir = tempfile::tempdir().unwrap();
    let shares = digests("g");
    genesis(dir.path(), "2026-12-01T00:00:00Z", Some("90d"), &shares);
    // secret_verified is record 1, at 2026-12-28T01:30:00Z; 90 days of 86 400 s later.
    ceremony(
        dir.path(),
        "rehearsal",
        "2026-12-28T01:29:59Z",
        Some("90d"),
        &[verified("treasury", FP, true)],
        End::Completed,
    );
    let due = "2027-03-28T01:30:00.000Z";
    let r = scan(dir.path(), "2027-01-01T00:00:00Z");
    assert_eq!(
        r.secret(FP)
            .unwrap()
            .rehearsal
            .next_due
            .unwrap()
            .to_string(),
        due
    );
    // The same instants written with different offsets.
    let before = [
        "2027-03-28T01:29:59Z",
        "2027-03-28T03:29:59+02:00", // Berlin, summer time
        "2027-03-27T21:29:59-04:00", // New York, summer time
        "2027-03-28T02:29:59+01:00", // Berlin's winter offset
    ];
    let after = [
        "2027-03-28T01:30:01Z",
        "2027-03-28T03:30:01+02:00",
        "2027-03-27T21:30:01-04:00",
        "2027-03-28T02:30:01+01:00",
    ];
    let mut outputs = Vec::new();
    for (instants, overdue) in [(before, false), (after, true)] {
        let mut seen: Option<String> = None;
        for as_of in instants {
            for tz in [None, Some("America/New_York"), Some("Europe/Berlin")] {
                let (code, json, stderr) =
                    status_cli(dir.path(), &["--json", "--as-of", as_of], tz);
                assert_eq!(code, i32::from(overdue), "{as_of} {tz:?}: {stderr}");
                let v = json_of(&json);
                assert_eq!(v["secrets"][0]["rehearsal"]["next_due"], json!(due));
                assert_eq!(v["secrets"][0]["rehearsal"]["overdue"], json!(overdue));
                // Byte for byte the same whatever the offset and TZ.
                match &seen {
                    Some(first) => assert_eq!(first, &json, "{as_of} {tz:?}"),
                    None => seen = Some(json),
                }
            }
        }
        outputs.push(seen.unwrap());
    }
    assert_eq!(
        json_of(&outputs[0])["as_of"],
        json!("2027-03-28T01:29:59.000Z")
    );
    // The text view prints UTC too, whatever TZ says.
    for tz in ["America/New_York", "Europe/Berlin"] {
        let (_, text, _) = status_cli(
            dir.path(),
            &["--as-of", "2027-03-28T03:30:01+02:00"],
            Some(tz),
        );
        assert!(
            text.contains(&format!("due {due}: OVERDUE by less than a day")),
            "{text}"
        );
        assert!(text.contains("as of 2027-03-28T01:30:01.000Z"), "{text}");
    }
}

#[test]
fn a_bad_as_of_is_a_usage_error_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["yesterday", "2027-03-28", "2027-03-28T01:30:00"] {
        let (code, _, stderr) = status_cli(dir.path(), &["--as-of", bad], None);
        assert_eq!(code, 2, "{bad}");
        assert!(stderr.contains("not an RFC 3339 time"), "{stderr}");
        assert!(stderr.contains("hint:"), "{stderr}");
    }
}

/// A transcript that moves share 2 to `Somewhere else`, written after the genesis.
fn move_share(records: &Path, shares: &[String]) -> PathBuf {
    ceremony(
        records,
        "move",
        "2027-02-01T00:00:00Z",
        None,
        &[
            stored(&shares[1], 2, "Somewhere else", "TB-666"),
            ("acknowledged", json!({"text": "moved"})),
        ],
        End::Completed,
    )
}

fn assert_move_not_trusted(dir: &Path, shares: &[String], expected_line: &str) {
    let r = scan(dir, "2027-02-02T00:00:00Z");
    assert_eq!(r.transcripts.untrusted.len(), 1, "{:?}", r.transcripts);
    let untrusted = &r.transcripts.untrusted[0];
    assert!(untrusted.path.starts_with("move/"), "{}", untrusted.path);
    assert!(
        untrusted.findings.iter().any(|f| f.contains(expected_line)),
        "{:?}",
        untrusted.findings
    );
    assert_eq!(r.transcripts.counted.len(), 1);
    let share = r.secret(FP).unwrap().share(&shares[1]).unwrap();
    assert_eq!(
        share.location_field("site").as_deref(),
        Some("Branch vault"),
        "facts of a tampered transcript are not used"
    );
    assert!(r.needs_attention());

    let (code, stdout, _) = status_cli(dir, &["--as-of", "2027-02-02T00:00:00Z"], None);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("!!! UNTRUSTED: 1 FILE"), "{stdout}");
    assert!(stdout.contains(&untrusted.path), "{stdout}");
    assert!(stdout.contains(expected_line), "{stdout}");
    assert!(!stdout.contains("Somewhere else"), "{stdout}");
    let (_, json, _) = status_cli(dir, &["--json", "--as-of", "2027-02-02T00:00:00Z"], None);
    let v = json_of(&json);
    assert_eq!(
        v["transcripts"]["untrusted"][0]["path"],
        json!(untrusted.path)
    );
}

#[test]
fn a_transcript_with_one_changed_byte_is_listed_untrusted_and_not_used() {
    let dir = tempfile::tempdir().unwrap();
    let shares = digests("g");
    genesis(dir.path(), "2027-01-01T00:00:00Z", None, &shares);
    let moved = move_share(dir.path(), &shares);
    // Before tampering the move counts.
    let r = scan(dir.path(), "2027-02-02T00:00:00Z");
    let site = r
        .secret(FP)
        .unwrap()
        .share(&shares[1])
        .unwrap()
        .location_field("site");
    assert_eq!(site.as_deref(), Some("Somewhere else"));
    // Change one byte of the middle record (line 2, the `stored`): TB-666 → TB-667.
    let mut bytes = std::fs::read(&moved).unwrap();
    let at = bytes
        .windows(6)
        .position(|w| w == b"TB-666")
        .expect("the seal number is in the file");
    bytes[at + 5] = b'7';
    std::fs::write(&moved, &bytes).unwrap();
    assert_eq!(
        verify_file(&moved, None).unwrap().verdict,
        Verdict::Tampered
    );
    assert_move_not_trusted(dir.path(), &shares, "line 3");
}

#[test]
fn a_transcript_with_a_deleted_line_is_listed_untrusted_and_not_used() {
    let dir = tempfile::tempdir().unwrap();
    let shares = digests("g");
    genesis(dir.path(), "2027-01-01T00:00:00Z", None, &shares);
    let moved = move_share(dir.path(), &shares);
    let text = std::fs::read_to_string(&moved).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.remove(2); // the `acknowledged` record
    std::fs::write(&moved, lines.join("\n") + "\n").unwrap();
    assert_move_not_trusted(dir.path(), &shares, "line 3");
}

#[test]
fn aborted_and_interrupted_transcripts_are_not_counted_and_do_not_fail() {
    let dir = tempfile::tempdir().unwrap();
    let shares = digests("g");
    genesis(dir.path(), "2027-01-01T00:00:00Z", None, &shares);
    ceremony(
        dir.path(),
        "aborted",
        "2027-02-01T00:00:00Z",
        None,
        &[
            stored(&shares[0], 1, "Aborted site", "TB-A"),
            split("other", 300, &digests("aborted")),
            fingerprint("other", "aaaaaaaa"),
        ],
        End::Aborted {
            step: "split",
            reason: "failed: the officer stopped",
        },
    );
    ceremony(
        dir.path(),
        "crashed",
        "2027-02-02T00:00:00Z",
        None,
        &[stored(&shares[1], 2, "Crashed site", "TB-C")],
        End::Crashed,
    );
    let r = scan(dir.path(), "2027-02-03T00:00:00Z");
    assert!(!r.needs_attention(), "{:?}", r.attention);
    assert_eq!(r.transcripts.counted.len(), 1);
    assert_eq!(r.secrets.len(), 1, "the aborted split is not used");
    let secret = r.secret(FP).unwrap();
    assert_eq!(
        secret
            .share(&shares[0])
            .unwrap()
            .location_field("site")
            .as_deref(),
        Some("HQ vault")
    );
    assert_eq!(
        secret
            .share(&shares[1])
            .unwrap()
            .location_field("site")
            .as_deref(),
        Some("Branch vault")
    );
    let why = |prefix: &str| {
        r.transcripts
            .not_counted
            .iter()
            .find(|n| n.path.starts_with(prefix))
            .map(|n| n.why.clone())
            .unwrap_or_else(|| panic!("{prefix} is listed: {:?}", r.transcripts))
    };
    assert_eq!(
        why("aborted/"),
        "aborted in step `split`: failed: the officer stopped"
    );
    assert!(
        why("crashed/").contains("interrupted after step s"),
        "{}",
        why("crashed/")
    );

    let (code, stdout, _) = status_cli(dir.path(), &["--as-of", "2027-02-03T00:00:00Z"], None);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("Not counted"), "{stdout}");
    assert!(stdout.contains("failed: the officer stopped"), "{stdout}");
}

#[test]
fn junk_files_are_reported_without_panicking_and_other_files_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let shares = digests("g");
    let transcript = genesis(dir.path(), "2027-01-01T00:00:00Z", None, &shares);
    let root = dir.path();
    std::fs::create_dir_all(root.join("deep/er/still")).unwrap();
    std::fs::write(
        root.join("deep/er/still/garbage.jsonl"),
        "{not json\n\u{0}\u{1}",
    )
    .unwrap();
    std::fs::write(root.join("deep/binary.jsonl"), [0xff, 0xfe, b'\n', 0, 0x80]).unwrap();
    std::fs::write(root.join("deep/object.jsonl"), "{\"seq\":0}\n").unwrap();
    std::fs::write(root.join("empty.jsonl"), "").unwrap();
    // Not transcripts: never read.
    std::fs::write(root.join("notes.txt"), "garbage").unwrap();
    std::fs::write(root.join("deep/x.jsonl.lock"), "garbage").unwrap();
    let mut signature = transcript.as_os_str().to_owned();
    signature.push(".asc");
    std::fs::write(&signature, "not checked here").unwrap();
    #[cfg(unix)]
    {
        // A link loop and a FIFO must not hang the walk or a reader.
        std::os::unix::fs::symlink(root, root.join("deep/er/loop")).unwrap();
        let fifo = root.join("deep/pipe.jsonl");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo works");
    }
    let r = scan(root, "2027-01-02T00:00:00Z");
    assert_eq!(
        r.transcripts.counted.len(),
        1,
        "the link loop is not followed twice"
    );
    assert!(r.transcripts.counted[0].signature_file);
    let untrusted: Vec<&str> = r
        .transcripts
        .untrusted
        .iter()
        .map(|u| u.path.as_str())
        .collect();
    let mut expected = vec![
        "deep/binary.jsonl",
        "deep/er/still/garbage.jsonl",
        "deep/object.jsonl",
    ];
    if cfg!(unix) {
        expected.push("deep/pipe.jsonl");
    }
    expected.sort();
    assert_eq!(untrusted, expected);
    assert!(r
        .transcripts
        .not_counted
        .iter()
        .any(|n| n.path == "empty.jsonl" && n.why.contains("empty")));
    assert_eq!(r.secrets.len(), 1);

    let (code, stdout, _) = status_cli(root, &["--as-of", "2027-01-02T00:00:00Z"], None);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("deep/er/still/garbage.jsonl"), "{stdout}");
    assert!(
        stdout.contains("line 1 is not a transcript record"),
        "{stdout}"
    );
    assert!(stdout.contains("1 with a signature file"), "{stdout}");
}

#[test]
fn an_empty_folder_needs_no_attention() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, _) = status_cli(dir.path(), &[], None);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("No secret is recorded"), "{stdout}");
    assert!(stdout.contains("Nothing needs attention."), "{stdout}");
    let (code, json, _) = status_cli(dir.path(), &["--json"], None);
    assert_eq!(code, 0);
    let v = json_of(&json);
    assert_eq!(v["secrets"], json!([]));
    assert_eq!(v["attention"], json!([]));
    assert_eq!(v["transcripts"]["counted"], json!([]));
}

#[test]
fn a_missing_records_folder_is_a_usage_error_that_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("records");
    let (code, stdout, stderr) = status_cli(&missing, &[], None);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert!(
        stderr.contains("hint:") && stderr.contains("--records"),
        "{stderr}"
    );
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let (code, _, stderr) = status_cli(&file, &[], None);
    assert_eq!(code, 2);
    assert!(stderr.contains("is not a folder"), "{stderr}");
}

#[test]
fn a_failed_share_check_needs_attention_until_the_share_passes_one() {
    let dir = tempfile::tempdir().unwrap();
    let shares = digests("g");
    genesis(dir.path(), "2027-01-01T00:00:00Z", None, &shares);
    ceremony(
        dir.path(),
        "check",
        "2027-01-05T00:00:00Z",
        None,
        &[
            checked(&shares[0], 1),
            check_failed(2, "the digest differs"),
        ],
        End::Completed,
    );
    let r = scan(dir.path(), "2027-01-06T00:00:00Z");
    let secret = r.secret(FP).unwrap();
    assert_eq!(secret.failed_checks.len(), 1);
    assert_eq!(
        secret.failed_checks[0].digest.as_deref(),
        Some(shares[1].as_str())
    );
    assert_eq!(r.attention.len(), 1, "{:?}", r.attention);
    assert!(r.attention[0].contains("the digest differs"));
    let (code, stdout, _) = status_cli(dir.path(), &["--as-of", "2027-01-06T00:00:00Z"], None);
    assert_eq!(code, 1);
    assert!(stdout.contains("SHARE CHECK FAILED: share 1/2"), "{stdout}");

    ceremony(
        dir.path(),
        "check",
        "2027-01-07T00:00:00Z",
        None,
        &[checked(&shares[1], 2)],
        End::Completed,
    );
    let r = scan(dir.path(), "2027-01-08T00:00:00Z");
    assert!(r.secret(FP).unwrap().failed_checks.is_empty());
    assert!(!r.needs_attention(), "{:?}", r.attention);
    let (code, _, _) = status_cli(dir.path(), &["--as-of", "2027-01-08T00:00:00Z"], None);
    assert_eq!(code, 0);
}

#[test]
fn policy_exceptions_are_listed_with_their_secret() {
    let dir = tempfile::tempdir().unwrap();
    let shares = digests("g");
    ceremony(
        dir.path(),
        "genesis",
        "2027-01-01T00:00:00Z",
        None,
        &[
            split("treasury", 100, &shares),
            fingerprint("treasury", FP),
            (
                "policy_exception",
                json!({
                    "item": "share-2",
                    "share": {"set": "treasury-shares", "group": 1, "member": 2, "holder": "custodian-2", "digest": shares[1]},
                    "rules": [{"rule": "spread_across", "field": "site", "value": "HQ vault",
                    "detail": "share-1 is already at HQ vault"}],
                    "reason": "the branch vault is closed this week",
                    "confirmed_by": [{"role": "officer", "name": "Alice Example", "initials": "AE"}],
                }),
            ),
            stored(&shares[1], 2, "HQ vault", "TB-2"),
            stored(&shares[0], 1, "Branch vault", "TB-1"),
            stored(&shares[2], 3, "Notary", "TB-3"),
            (
                "policy_exception",
                json!({"item": "backup-drive", "rules": [{"rule": "seal_required", "field": "seal", "value": "", "detail": "no seal"}], "reason": "drive bag", "confirmed_by": []}),
            ),
        ],
        End::Completed,
    );
    let r = scan(dir.path(), "2027-01-02T00:00:00Z");
    let secret = r.secret(FP).unwrap();
    assert_eq!(secret.exceptions.len(), 1);
    let x = &secret.exceptions[0];
    assert_eq!(x.rules[0].rule, "spread_across");
    assert_eq!(x.reason, "the branch vault is closed this week");
    assert_eq!(x.confirmed_by[0].name, "Alice Example");
    assert_eq!(x.ceremony, "genesis");
    assert_eq!(
        r.exceptions.len(),
        1,
        "the drive's exception is not a share's"
    );
    assert_eq!(r.exceptions[0].item, "backup-drive");
    let (code, stdout, _) = status_cli(dir.path(), &["--as-of", "2027-01-02T00:00:00Z"], None);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("Policy exceptions:"), "{stdout}");
    assert!(
        stdout.contains("the branch vault is closed this week"),
        "{stdout}"
    );
    assert!(stdout.contains("Alice Example (officer)"), "{stdout}");
}

#[test]
fn a_split_without_a_fingerprint_is_keyed_by_ceremony_and_name_and_never_due() {
    let dir = tempfile::tempdir().unwrap();
    ceremony(
        dir.path(),
        "files",
        "2020-01-01T00:00:00Z",
        Some("30d"),
        &[
            split("wallet-key", 7, &digests("w")),
            stored(&digests("w")[0], 1, "HQ vault", "TB-1"),
            stored(&digests("w")[1], 2, "Branch vault", "TB-2"),
            stored(&digests("w")[2], 3, "Notary", "TB-3"),
        ],
        End::Completed,
    );
    let r = scan(dir.path(), "2030-01-01T00:00:00Z");
    let secret = r
        .secret("files/wallet-key")
        .expect("keyed by ceremony and name");
    assert_eq!(secret.fingerprint, None);
    assert_eq!(secret.live_shares().count(), 3);
    assert_eq!(secret.rehearsal.next_due, None);
    assert!(secret.notes[0].contains("rehearsals cannot be linked"));
    assert!(!r.needs_attention());
    let (code, json, _) = status_cli(
        dir.path(),
        &["--json", "--as-of", "2030-01-01T00:00:00Z"],
        None,
    );
    assert_eq!(code, 0);
    assert_eq!(json_of(&json)["secrets"][0]["fingerprint"], Value::Null);
}

/// A rotation that voids `old` and places `new`, starting at `start`.
fn rotation(records: &Path, start: &str, old: &[String], new: &[String]) -> PathBuf {
    ceremony(
        records,
        "rotation",
        start,
        Some("90d"),
        &[
            entered(&old[0], 1),
            entered(&old[1], 2),
            verified("treasury", FP, true),
            split("treasury", 200, new),
            stored(&new[0], 1, "HQ vault", "TB-11"),
            stored(&new[1], 2, "Branch vault", "TB-12"),
            stored(&new[2], 3, "Notary", "TB-13"),
            (
                "shares_voided",
                json!({"secret": FP, "name": "treasury", "identifier": 100, "placed_by": "genesis", "reason": "rotated", "digests": old}),
            ),
        ],
        End::Completed,
    )
}

#[test]
fn a_void_is_final_even_when_the_rotation_laptop_clock_was_years_behind() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (digests("old"), digests("new"));
    genesis(dir.path(), "2027-01-10T09:00:00Z", Some("90d"), &old);
    // The rotation's laptop had lost its clock: its records say 2020.
    rotation(dir.path(), "2020-01-01T00:00:00Z", &old, &new);
    let r = scan(dir.path(), "2027-04-02T00:00:00Z");
    let secret = r.secret(FP).unwrap();
    let live: Vec<&str> = secret.live_shares().map(|s| s.digest.as_str()).collect();
    assert_eq!(live, new.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(old
        .iter()
        .all(|d| secret.share(d).unwrap().status == ShareStatus::Void));
}

#[test]
fn a_void_share_entered_after_its_rotation_needs_attention() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (digests("old"), digests("new"));
    genesis(dir.path(), "2027-01-10T09:00:00Z", Some("90d"), &old);
    rotation(dir.path(), "2027-04-01T09:00:00Z", &old, &new);
    let (code, _, _) = status_cli(dir.path(), &["--as-of", "2027-04-02T00:00:00Z"], None);
    assert_eq!(code, 0);
    // At the next rehearsal a custodian brings the old, void paper: it still recovers the
    // secret, which proves it was never destroyed.
    ceremony(
        dir.path(),
        "rehearsal",
        "2027-06-01T09:00:00Z",
        Some("90d"),
        &[
            entered(&old[2], 3),
            entered(&new[0], 1),
            verified("treasury", FP, true),
        ],
        End::Completed,
    );
    let r = scan(dir.path(), "2027-06-02T00:00:00Z");
    assert!(r.needs_attention());
    assert!(
        r.attention
            .iter()
            .any(|a| a.contains("share 1/3") && a.contains("was not destroyed")),
        "{:?}",
        r.attention
    );
    let (code, stdout, _) = status_cli(dir.path(), &["--as-of", "2027-06-02T00:00:00Z"], None);
    assert_eq!(code, 1, "{stdout}");
}

#[test]
fn a_reseal_that_records_only_the_seal_keeps_the_rest_of_the_place() {
    let dir = tempfile::tempdir().unwrap();
    let shares = digests("s");
    genesis(dir.path(), "2027-01-10T09:00:00Z", Some("90d"), &shares);
    ceremony(
        dir.path(),
        "reseal",
        "2027-02-01T09:00:00Z",
        None,
        &[(
            "stored",
            json!({"item": "c-1-1", "share": {"set": "c", "group": 1, "member": 1, "holder": "custodian-1", "digest": shares[0]}, "location": {"seal": "TB-99"}}),
        )],
        End::Completed,
    );
    let r = scan(dir.path(), "2027-02-02T00:00:00Z");
    let share = r.secret(FP).unwrap().share(&shares[0]).unwrap();
    assert_eq!(share.location_field("seal").as_deref(), Some("TB-99"));
    let before = share.earlier_locations[0].location.get("site").cloned();
    assert!(before.is_some(), "the genesis recorded a site");
    assert_eq!(
        share.location.as_ref().unwrap().get("site").cloned(),
        before,
        "the site stays"
    );
}

#[test]
fn an_aborted_run_that_recorded_a_failed_check_or_a_wrong_recovery_needs_attention() {
    let dir = tempfile::tempdir().unwrap();
    let shares = digests("s");
    genesis(dir.path(), "2027-01-10T09:00:00Z", Some("90d"), &shares);
    ceremony(
        dir.path(),
        "check",
        "2027-02-01T09:00:00Z",
        None,
        &[check_failed(
            3,
            "that share is valid but differs from the one recorded",
        )],
        End::Aborted {
            step: "s",
            reason: "the officer stopped the ceremony",
        },
    );
    ceremony(
        dir.path(),
        "rehearsal",
        "2027-02-02T09:00:00Z",
        Some("90d"),
        &[verified("treasury", FP, false)],
        End::Aborted {
            step: "s",
            reason: "failed: wrong fingerprint",
        },
    );
    let r = scan(dir.path(), "2027-02-03T00:00:00Z");
    assert_eq!(r.transcripts.not_counted.len(), 2);
    assert!(r.needs_attention());
    let attention = r.attention.join("\n");
    assert!(attention.contains("failed its check"), "{attention}");
    assert!(attention.contains("not the expected"), "{attention}");
    // Nothing in them is counted: no rehearsal, no open failed check.
    let secret = r.secret(FP).unwrap();
    assert!(secret.rehearsal.last.is_none());
    assert!(secret.failed_checks.is_empty());
    let (code, _, _) = status_cli(dir.path(), &["--as-of", "2027-02-03T00:00:00Z"], None);
    assert_eq!(code, 1);
}

fn share_out(
    event: &'static str,
    digest: &str,
    member: u64,
    extra: Value,
) -> (&'static str, Value) {
    let mut fields = json!({"set": "treasury-shares", "group": 1, "member": member, "holder": format!("custodian-{member}"), "digest": digest});
    if let (Some(fields), Value::Object(extra)) = (fields.as_object_mut(), extra) {
        fields.extend(extra);
    }
    (event, fields)
}

fn encrypted(digest: &str, member: u64) -> (&'static str, Value) {
    share_out(
        "share_encrypted",
        digest,
        member,
        json!({"file": format!("out/treasury-shares/custodian-{member}-1-{member}.asc"), "file_sha256": digest, "recipients": []}),
    )
}

fn shown(digest: &str, member: u64) -> (&'static str, Value) {
    share_out(
        "share_shown",
        digest,
        member,
        json!({"words": 20, "check_words": 3, "check": "passed", "shown": 1, "failed_checks": 0}),
    )
}

fn attention_of(v: &Value) -> Vec<String> {
    v["attention"]
        .as_array()
        .expect("attention")
        .iter()
        .map(|a| a.as_str().expect("a line").to_string())
        .collect()
}

/// Issue #14 (a): an aborted genesis that wrote encrypted shares to out/ and showed one on
/// screen left copies that no counted transcript accounts for.
#[test]
fn an_aborted_run_that_showed_or_wrote_shares_needs_attention_until_they_are_voided() {
    let dir = tempfile::tempdir().unwrap();
    let shares = digests("g");
    genesis(dir.path(), "2027-01-01T00:00:00Z", None, &shares);
    let lost = digests("aborted");
    ceremony(
        dir.path(),
        "genesis",
        "2027-01-02T00:00:00Z",
        None,
        &[
            split("treasury", 300, &lost),
            fingerprint("treasury", "aaaaaaaa"),
            encrypted(&lost[0], 1),
            encrypted(&lost[1], 2),
            encrypted(&lost[2], 3),
            shown(&lost[0], 1),
        ],
        End::Aborted {
            step: "show",
            reason: "the officer stopped the ceremony",
        },
    );
    // A crash in the middle of showing the shares: the share on screen was not recorded.
    ceremony(
        dir.path(),
        "crashed",
        "2027-01-03T00:00:00Z",
        None,
        &[
            split("other", 400, &digests("crashed")),
            (
                "step_started",
                json!({"number": 2, "kind": "show_shares", "title": "Show the shares"}),
            ),
            shown(&digests("crashed")[0], 1),
        ],
        End::Crashed,
    );
    let as_of = "2027-01-04T00:00:00Z";
    let (code, json, _) = status_cli(dir.path(), &["--json", "--as-of", as_of], None);
    assert_eq!(code, 1, "{json}");
    let v = json_of(&json);
    let attention = attention_of(&v);
    let aborted: Vec<&String> = attention
        .iter()
        .filter(|a| a.starts_with("aborted run genesis/20270102T000000Z.jsonl"))
        .collect();
    assert_eq!(aborted.len(), 3, "{attention:#?}");
    assert!(
        aborted[0]
            .contains("showed share 1/1 of `treasury` (aaaaaaaa, set `treasury-shares`, digest ")
            && aborted[0]
                .contains("to custodian-1 (Carol Example) on screen, so it may exist on paper")
            && aborted[0].contains("out/treasury-shares/custodian-1-1-1.asc")
            && aborted[0].contains("find that paper and the file and destroy them")
            && aborted[0].contains("or void it in a rotation"),
        "{}",
        aborted[0]
    );
    assert!(
        aborted[1].contains("wrote share 1/2") && aborted[1].contains("delete that file"),
        "{}",
        aborted[1]
    );
    let crashed: Vec<&String> = attention
        .iter()
        .filter(|a| a.starts_with("interrupted run crashed/"))
        .collect();
    assert_eq!(crashed.len(), 2, "{attention:#?}");
    assert!(crashed[0].contains("showed share 1/1"), "{}", crashed[0]);
    assert!(
        crashed[1].contains("stopped inside step `s` (show_shares)")
            && crashed[1].contains("destroy any copy"),
        "{}",
        crashed[1]
    );
    let not_counted = v["transcripts"]["not_counted"].as_array().unwrap();
    let genesis_run = not_counted
        .iter()
        .find(|n| n["path"] == "genesis/20270102T000000Z.jsonl")
        .expect("listed");
    let exposed = genesis_run["exposed"].as_array().unwrap();
    assert_eq!(exposed.len(), 3);
    assert_eq!(exposed[0]["shown"], json!(true));
    assert_eq!(exposed[0]["digest"], json!(lost[0]));
    assert_eq!(exposed[0]["fingerprint"], json!("aaaaaaaa"));
    assert_eq!(exposed[0]["holder"]["name"], json!("Carol Example"));
    assert_eq!(
        exposed[1]["file"],
        json!("out/treasury-shares/custodian-2-1-2.asc")
    );
    assert_eq!(exposed[1]["shown"], json!(false));
    assert!(exposed.iter().all(|e| e["resolved"].is_null()));
    assert_eq!(genesis_run["stopped_in"], Value::Null);
    let crashed_run = not_counted
        .iter()
        .find(|n| n["path"].as_str().unwrap().starts_with("crashed/"))
        .unwrap();
    assert_eq!(crashed_run["stopped_in"]["kind"], json!("show_shares"));

    let (code, text, _) = status_cli(dir.path(), &["--as-of", as_of], None);
    assert_eq!(code, 1);
    assert!(
        text.contains("it showed 1 share on screen and wrote 3 share files"),
        "{text}"
    );
    assert!(!text.contains("Nothing needs attention"), "{text}");

    // A later completed ceremony voids the aborted run's shares: only the crash is left.
    ceremony(
        dir.path(),
        "void",
        "2027-01-05T00:00:00Z",
        None,
        &[(
            "shares_voided",
            json!({"secret": "aaaaaaaa", "name": "treasury", "identifier": 300, "placed_by": "genesis", "reason": "aborted genesis", "digests": lost}),
        )],
        End::Completed,
    );
    let r = scan(dir.path(), "2027-01-06T00:00:00Z");
    assert!(
        r.attention.iter().all(|a| !a.contains("aborted run")),
        "{:?}",
        r.attention
    );
    let genesis_run = r
        .transcripts
        .not_counted
        .iter()
        .find(|n| n.path.starts_with("genesis/"))
        .unwrap();
    assert!(genesis_run.exposed.iter().all(|e| e
        .resolved
        .as_deref()
        .is_some_and(|w| w.starts_with("voided by void"))));
    assert_eq!(r.attention.len(), 2, "{:?}", r.attention);
}

/// Issue #14 (b).
#[test]
fn a_live_share_without_a_storage_record_needs_attention_until_it_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let shares = digests("g");
    ceremony(
        dir.path(),
        "genesis",
        "2027-01-01T00:00:00Z",
        None,
        &[
            split("treasury", 100, &shares),
            fingerprint("treasury", FP),
            stored(&shares[0], 1, "HQ vault", "TB-1"),
            stored(&shares[1], 2, "Branch vault", "TB-2"),
        ],
        End::Completed,
    );
    let (code, json, _) = status_cli(
        dir.path(),
        &["--json", "--as-of", "2027-01-02T00:00:00Z"],
        None,
    );
    assert_eq!(code, 1);
    let v = json_of(&json);
    let attention = attention_of(&v);
    assert_eq!(attention.len(), 1, "{attention:#?}");
    assert!(
        attention[0].starts_with(
            "secret 0d136510 (treasury): share 1/3 held by custodian-3 (Frank Example)"
        ) && attention[0].contains("has no storage record")
            && attention[0].contains("record it"),
        "{}",
        attention[0]
    );
    assert_eq!(v["secrets"][0]["shares"][2]["location"], Value::Null);
    let (_, text, _) = status_cli(dir.path(), &["--as-of", "2027-01-02T00:00:00Z"], None);
    assert!(text.contains("share 1/3: NO STORAGE RECORD"), "{text}");

    ceremony(
        dir.path(),
        "check",
        "2027-01-05T00:00:00Z",
        None,
        &[stored(&shares[2], 3, "Notary", "TB-3")],
        End::Completed,
    );
    let (code, _, _) = status_cli(dir.path(), &["--as-of", "2027-01-06T00:00:00Z"], None);
    assert_eq!(code, 0);
}

/// Issue #14 (c): the exception put two of a 2-of-3 at one site (written differently).
#[test]
fn a_policy_exception_that_still_holds_a_threshold_at_one_place_needs_attention() {
    let dir = tempfile::tempdir().unwrap();
    let shares = digests("g");
    ceremony(
        dir.path(),
        "genesis",
        "2027-01-01T00:00:00Z",
        None,
        &[
            split("treasury", 100, &shares),
            fingerprint("treasury", FP),
            stored(&shares[0], 1, "HQ vault", "TB-1"),
            (
                "policy_exception",
                json!({
                    "item": "treasury-shares-1-2",
                    "share": {"set": "treasury-shares", "group": 1, "member": 2, "holder": "custodian-2", "digest": shares[1]},
                    "rules": [{"rule": "spread_across", "field": "site", "value": " hq  VAULT", "detail": "2 of group 1's shares would be at site"}],
                    "reason": "the branch is closed",
                    "confirmed_by": [{"role": "officer", "name": "Alice Example", "initials": "AE"}],
                }),
            ),
            stored(&shares[1], 2, " hq  VAULT", "TB-2"),
            stored(&shares[2], 3, "Notary", "TB-3"),
        ],
        End::Completed,
    );
    let as_of = "2027-01-02T00:00:00Z";
    let (code, json, _) = status_cli(dir.path(), &["--json", "--as-of", as_of], None);
    assert_eq!(code, 1);
    let v = json_of(&json);
    let attention = attention_of(&v);
    assert_eq!(attention.len(), 1, "{attention:#?}");
    assert!(
        attention[0].contains("2 of the live shares of group 1 (identifier 100) are still at site ` hq  VAULT`, and 2 of them recover the group")
            && attention[0].contains("the branch is closed")
            && attention[0].contains("move a share elsewhere"),
        "{}",
        attention[0]
    );
    assert_eq!(
        v["secrets"][0]["exceptions"][0]["holds_threshold"],
        json!({"field": "site", "value": " hq  VAULT", "identifier": 100, "group": 1, "shares": 2, "threshold": 2})
    );
    let (_, text, _) = status_cli(dir.path(), &["--as-of", as_of], None);
    assert!(text.contains("STILL A THRESHOLD AT ONE PLACE"), "{text}");

    // A share check moves the share: the exception no longer holds a threshold.
    ceremony(
        dir.path(),
        "check",
        "2027-01-05T00:00:00Z",
        None,
        &[stored(&shares[1], 2, "Branch vault", "TB-22")],
        End::Completed,
    );
    let (code, json, _) = status_cli(
        dir.path(),
        &["--json", "--as-of", "2027-01-06T00:00:00Z"],
        None,
    );
    assert_eq!(code, 0, "{json}");
    let v = json_of(&json);
    assert_eq!(
        v["secrets"][0]["exceptions"][0]["holds_threshold"],
        Value::Null
    );
}

fn demo_key(name: &str) -> PathBuf {
    common::repo(&format!("ceremonies/demo/keys/{name}"))
}

/// Adds `role`'s signature (a DEMO key) over the transcript to its `.asc`.
fn sign_as(transcript: &Path, role: &str) {
    let key = keyrite::pgp::SecretKey::load(demo_key(&format!("{role}.secret.asc")), None)
        .expect("a demo key");
    let bytes = std::fs::read(transcript).unwrap();
    let signature = keyrite::pgp::sign_detached(&key, &bytes).expect("signed");
    keyrite::signatures::add_signature(transcript, signature.as_bytes()).expect("added");
}

/// Issue #14 (d): the signatures are checked against the certificates of the script the
/// transcript names, found next to the records folder.
#[test]
fn a_required_signer_who_has_not_signed_a_completed_ceremony_needs_attention() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records");
    std::fs::create_dir(&records).unwrap();
    let cert = |role: &str| demo_key(&format!("{role}.asc"));
    let script = format!(
        "keyrite: 1\nid: genesis\ntitle: Test\nroles:\n  officer: {{ name: Alice Example, cert: {} }}\n  witness-1: {{ name: Bob Example, cert: {} }}\nsteps:\n  - id: sign\n    sign_transcript: {{ by: [officer, witness-1] }}\n",
        cert("officer").display(),
        cert("witness-1").display()
    );
    std::fs::write(dir.path().join("genesis.yaml"), &script).unwrap();
    let fingerprint = |role: &str| {
        keyrite::pgp::Certificate::load(cert(role))
            .unwrap()
            .fingerprint()
    };
    let signed = Signed {
        script: Some(("genesis.yaml".into(), sha256_hex(script.as_bytes()))),
        signers: vec!["officer", "witness-1"],
        fingerprints: vec![
            ("officer", fingerprint("officer")),
            ("witness-1", fingerprint("witness-1")),
        ],
    };
    let shares = digests("g");
    let transcript = ceremony_as(
        &records,
        "genesis",
        "2027-01-01T00:00:00Z",
        None,
        &signed,
        &[
            split("treasury", 100, &shares),
            fingerprint_event(),
            stored(&shares[0], 1, "HQ vault", "TB-1"),
            stored(&shares[1], 2, "Branch vault", "TB-2"),
            stored(&shares[2], 3, "Notary", "TB-3"),
        ],
        End::Completed,
    );
    let as_of = "2027-01-02T00:00:00Z";
    // No signature file: both required signers are missing.
    let r = scan(&records, as_of);
    assert_eq!(r.attention.len(), 2, "{:?}", r.attention);
    assert!(
        r.attention[0]
            .contains("required signer officer has not signed it (there is no signature file)")
            && r.attention[0].contains("keyrite countersign"),
        "{}",
        r.attention[0]
    );

    // The officer signs: the witness is missing, by a check of the officer's signature.
    sign_as(&transcript, "officer");
    let (code, json, _) = status_cli(&records, &["--json", "--as-of", as_of], None);
    assert_eq!(code, 1, "{json}");
    let v = json_of(&json);
    let attention = attention_of(&v);
    assert_eq!(attention.len(), 1, "{attention:#?}");
    assert!(
        attention[0].contains("required signer witness-1 has not signed it:"),
        "{}",
        attention[0]
    );
    let signing = &v["transcripts"]["counted"][0]["signing"];
    assert_eq!(signing["required"], json!(["officer", "witness-1"]));
    assert_eq!(signing["signed"], json!(["officer"]));
    assert_eq!(signing["not_signed"], json!(["witness-1"]));
    assert_eq!(signing["checked"], json!(true));
    assert_eq!(signing["signatures"], json!(1));

    sign_as(&transcript, "witness-1");
    let (code, text, _) = status_cli(&records, &["--as-of", as_of], None);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("Signatures: 1 of the 1 counted transcripts that require them are signed by every required signer; 1 checked"),
        "{text}"
    );

    // A signature that does not verify (here: by the officer over other bytes) does not
    // count for the role.
    let asc = keyrite::signatures::signature_path(&transcript);
    let good = std::fs::read(&asc).unwrap();
    std::fs::remove_file(&asc).unwrap();
    let key = keyrite::pgp::SecretKey::load(demo_key("officer.secret.asc"), None).unwrap();
    let other = keyrite::pgp::sign_detached(&key, b"other bytes").unwrap();
    std::fs::write(&asc, other).unwrap();
    sign_as(&transcript, "witness-1");
    let r = scan(&records, as_of);
    assert_eq!(r.attention.len(), 1, "{:?}", r.attention);
    assert!(
        r.attention[0].contains("the signature of required signer officer does not verify"),
        "{}",
        r.attention[0]
    );
    std::fs::write(&asc, good).unwrap();

    // Without the script, the signatures cannot be tied to roles (the DEMO keys sign with
    // a subkey): a note, not attention, while there are as many signatures as signers.
    std::fs::remove_file(dir.path().join("genesis.yaml")).unwrap();
    let r = scan(&records, as_of);
    assert!(!r.needs_attention(), "{:?}", r.attention);
    let signing = r.transcripts.counted[0].signing.as_ref().unwrap();
    assert!(!signing.checked);
    assert_eq!(signing.undetermined, ["officer", "witness-1"]);
    assert_eq!(signing.unidentified, 2);
}

fn fingerprint_event() -> (&'static str, Value) {
    fingerprint("treasury", FP)
}

/// A ceremony that requires no signers needs none, and one with an unreadable
/// signature file has every required signer missing.
#[test]
fn an_unreadable_signature_file_counts_as_no_signature() {
    let dir = tempfile::tempdir().unwrap();
    let shares = digests("g");
    let signed = Signed {
        signers: vec!["officer"],
        ..Signed::default()
    };
    let transcript = ceremony_as(
        dir.path(),
        "genesis",
        "2027-01-01T00:00:00Z",
        None,
        &signed,
        &[
            split("treasury", 100, &shares),
            fingerprint_event(),
            stored(&shares[0], 1, "HQ vault", "TB-1"),
            stored(&shares[1], 2, "Branch vault", "TB-2"),
            stored(&shares[2], 3, "Notary", "TB-3"),
        ],
        End::Completed,
    );
    std::fs::write(
        keyrite::signatures::signature_path(&transcript),
        "not a signature",
    )
    .unwrap();
    let r = scan(dir.path(), "2027-01-02T00:00:00Z");
    assert_eq!(r.attention.len(), 1, "{:?}", r.attention);
    assert!(
        r.attention[0].contains("officer has not signed it (its signature file cannot be used"),
        "{}",
        r.attention[0]
    );
    assert!(r.transcripts.counted[0].signature_file);
}
