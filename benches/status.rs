//! `keyrite status` over many transcripts: `records::scan` end to end (walk, verify every
//! file, read its facts, build the registry) over 1,000, 5,000 and 10,000 generated
//! transcripts, about ten years of daily ceremonies at the largest size.
//!
//! The mix: two secrets, each with a genesis; a rotation of each every two years (new
//! split, old shares voided); a quarterly recovery rehearsal of each; every other day a
//! share check of all three shares of one secret. Transcripts are written with the real
//! `Writer` (real chains and seals), without fsync, then renamed to one day each so the
//! folder looks like `<records>/<ceremony id>/<UTC stamp>.jsonl`. The smaller sizes are
//! the first N files of the same history, hard-linked.
//!
//! Run: `cargo bench --bench status`

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{TimeDelta, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use keyrite::records::{self, UtcTime};
use keyrite::script::types::{ScriptId, StepId};
use keyrite::transcript::{sha256_hex, Writer};
use serde_json::{json, Value};

const SIZES: [usize; 3] = [1_000, 5_000, 10_000];
const SECRETS: [(&str, &str); 2] = [("treasury", "0d136510"), ("signing", "7a41c2e9")];
const CUSTODIANS: [(&str, &str); 3] = [
    ("custodian-1", "Carol Example"),
    ("custodian-2", "Erin Example"),
    ("custodian-3", "Frank Example"),
];

fn digest(secret: usize, generation: usize, member: usize) -> String {
    sha256_hex(format!("{secret}/{generation}/{member}").as_bytes())
}

/// Writes one transcript and renames it to day `day` of the history.
fn write(root: &Path, id: &str, day: usize, events: &[(&str, &str, Value)]) -> PathBuf {
    let sha = sha256_hex(id.as_bytes());
    let script_id = ScriptId::parse(id).expect("valid id");
    let mut writer = Writer::create(root, &script_id, &sha)
        .expect("transcript")
        .without_fsync();
    let mut roles = vec![
        json!({"id": "officer", "name": "Alice Example", "fingerprint": "B910E42A25C4FB921CE1BC16F152F137ECF92C03"}),
        json!({"id": "witness-1", "name": "Bob Example", "fingerprint": "5500F169A7C4543CBDA22DC54174F08900337996"}),
    ];
    roles.extend(CUSTODIANS.iter().map(|(role, name)| {
        json!({"id": role, "name": name, "fingerprint": "9E8D0828E64716BFB0F52B0D0274B1C8D18205E7"})
    }));
    let mut steps: Vec<&str> = events.iter().map(|(step, _, _)| *step).collect();
    steps.dedup();
    writer
        .append(
            None,
            "ceremony_started",
            &json!({
                "ceremony": {"id": id, "title": format!("Bench {id}"), "rehearse_every": "90d"},
                "script": {"path": format!("ceremonies/{id}.yaml"), "sha256": sha},
                "tool": {"name": "keyrite", "version": "0.1.0"},
                "host": "vm", "operator": "answers:bench",
                "roles": roles,
                "steps": steps,
                "hygiene": {"core_dumps_off": true, "memory_locked": true, "notes": []},
            }),
        )
        .expect("append");
    let mut step_number = 0;
    let mut current: Option<&str> = None;
    for (step, event, fields) in events {
        if current != Some(step) {
            if let Some(done) = current {
                let id = StepId::parse(done).expect("valid step");
                writer
                    .append(Some(&id), "step_done", &json!({"kind": done}))
                    .expect("append");
            }
            step_number += 1;
            let id = StepId::parse(step).expect("valid step");
            writer
                .append(
                    Some(&id),
                    "step_started",
                    &json!({"number": step_number, "kind": step, "title": format!("Step {step}")}),
                )
                .expect("append");
            current = Some(step);
        }
        let id = StepId::parse(step).expect("valid step");
        writer.append(Some(&id), event, fields).expect("append");
    }
    if let Some(done) = current {
        let id = StepId::parse(done).expect("valid step");
        writer
            .append(Some(&id), "step_done", &json!({"kind": done}))
            .expect("append");
    }
    let path = writer.path().to_path_buf();
    writer
        .close(
            None,
            true,
            &json!({"steps_done": step_number, "steps_total": step_number}),
        )
        .expect("close");
    let date = Utc
        .with_ymd_and_hms(2017, 1, 1, 9, 0, 0)
        .single()
        .expect("a valid date")
        + TimeDelta::days(day as i64);
    let renamed = path.with_file_name(format!("{}.jsonl", date.format("%Y%m%dT%H%M%SZ")));
    std::fs::rename(&path, &renamed).expect("rename");
    renamed
}

fn attendance() -> Vec<(&'static str, &'static str, Value)> {
    CUSTODIANS
        .iter()
        .map(|(role, name)| {
            (
                "attendance",
                "present",
                json!({"role": role, "name": name, "initials": "XX"}),
            )
        })
        .collect()
}

fn split_events(secret: usize, generation: usize) -> Vec<(&'static str, &'static str, Value)> {
    let (name, fp) = SECRETS[secret];
    let shares: Vec<Value> = (1..=3)
        .map(|m| json!({"group": 1, "member": m, "holder": CUSTODIANS[m - 1].0, "digest": digest(secret, generation, m)}))
        .collect();
    let mut events = vec![
        (
            "split",
            "secret_split",
            json!({
                "secret": name, "into": format!("{name}-shares"), "identifier": 1000 + generation,
                "extendable": true, "iteration_exponent": 1, "group_threshold": 1,
                "groups": [{"threshold": 2, "count": 3, "holders": ["custodian-1", "custodian-2", "custodian-3"]}],
                "passphrase": false, "shares": shares,
            }),
        ),
        (
            "fingerprint",
            "fingerprint",
            json!({"secret": name, "network": "bitcoin", "master_fingerprint": fp, "path": "m/84'/0'/0'", "xpub": "xpub6BmTS2dQQGHv3Qzftq1DcwowQMSXrymwnpVfotv9V8TzWGz1GZdGUY5D6JrnCXWR7LFSZVjCVPGdYr5JELuV7bn37VKYGoQ8aJeGBN1n3Gg"}),
        ),
    ];
    for m in 1..=3 {
        events.push(("storage", "stored", json!({
            "item": format!("{name}-shares-1-{m}"),
            "share": {"set": format!("{name}-shares"), "group": 1, "member": m, "holder": CUSTODIANS[m - 1].0, "digest": digest(secret, generation, m)},
            "location": {"container": format!("Safe {m}"), "holder": CUSTODIANS[m - 1].1, "seal": format!("TB-{generation}{m:04}"), "site": format!("Site {m}")},
        })));
    }
    events
}

fn recovery_events(secret: usize, generation: usize) -> Vec<(&'static str, &'static str, Value)> {
    let (name, fp) = SECRETS[secret];
    let mut events = attendance();
    for m in 1..=2 {
        events.push((
            "collect",
            "share_entered",
            json!({
                "collection": "rehearsal-shares", "group": 1, "member": m,
                "digest": digest(secret, generation, m), "entered_by": CUSTODIANS[m - 1].0,
                "identifier": 1000 + generation,
            }),
        ));
    }
    events.push(("recover", "secret_recovered", json!({"from": "rehearsal-shares", "secret": name, "shares_used": 2, "passphrase": false, "bits": 256})));
    events.push((
        "verify",
        "secret_verified",
        json!({"secret": name, "fingerprint": fp, "expected": fp, "matches": true}),
    ));
    events.push(("wipe", "wiped", json!({"names": [name]})));
    events
}

/// Writes `count` transcripts of the history under `root`, in day order; returns them.
fn history(root: &Path, count: usize) -> Vec<PathBuf> {
    let mut files = Vec::with_capacity(count);
    let mut generation = [0usize; 2];
    for day in 0..count {
        let secret = day % 2;
        let path = if day < 2 {
            write(
                root,
                "genesis",
                day,
                &[attendance(), split_events(secret, 0)].concat(),
            )
        } else if day % 730 < 2 {
            let old = generation[secret];
            generation[secret] += 1;
            let (_, fp) = SECRETS[secret];
            let mut events = recovery_events(secret, old);
            events.extend(split_events(secret, generation[secret]));
            let digests: Vec<String> = (1..=3).map(|m| digest(secret, old, m)).collect();
            events.push(("void", "shares_voided", json!({"secret": fp, "name": SECRETS[secret].0, "identifier": 1000 + old, "placed_by": "genesis", "reason": "rotation", "digests": digests})));
            write(root, "rotation", day, &events)
        } else if day % 90 < 2 {
            write(
                root,
                "rehearsal",
                day,
                &recovery_events(secret, generation[secret]),
            )
        } else {
            let (_, fp) = SECRETS[secret];
            let g = generation[secret];
            let mut events = attendance();
            for m in 1..=3 {
                events.push((
                    "check",
                    "share_checked",
                    json!({
                        "secret": fp, "identifier": 1000 + g, "group": 1, "member": m,
                        "holder": CUSTODIANS[m - 1].0, "digest": digest(secret, g, m),
                        "checked_by": CUSTODIANS[m - 1].0, "placed_by": "genesis",
                    }),
                ));
            }
            events.push((
                "check",
                "shares_checked",
                json!({"secret": fp, "live": 3, "checked": 3, "failed": 0}),
            ));
            write(root, "share-check", day, &events)
        };
        files.push(path);
    }
    files
}

/// A folder holding the first `count` files of `files` (hard links, same layout).
fn subset(root: &Path, files: &[PathBuf], count: usize, to: &Path) {
    for file in &files[..count] {
        let rel = file.strip_prefix(root).expect("under root");
        let target = to.join(rel);
        std::fs::create_dir_all(target.parent().expect("a parent")).expect("mkdir");
        if std::fs::hard_link(file, &target).is_err() {
            std::fs::copy(file, &target).expect("copy");
        }
    }
}

fn bench_scan(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let full = dir.path().join(format!("n{}", SIZES[2]));
    let files = history(&full, SIZES[2]);
    let bytes: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    eprintln!(
        "status bench: {} transcripts, {:.1} MB",
        files.len(),
        bytes as f64 / 1e6
    );
    let as_of = UtcTime::parse("2027-01-01T00:00:00Z").expect("valid time");
    let mut group = c.benchmark_group("status_scan");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(15));
    for size in SIZES {
        let root = if size == SIZES[2] {
            full.clone()
        } else {
            let root = dir.path().join(format!("n{size}"));
            subset(&full, &files, size, &root);
            root
        };
        let registry = records::scan(&root, as_of).expect("scan");
        assert_eq!(registry.transcripts.counted.len(), size);
        assert!(registry.transcripts.untrusted.is_empty());
        assert_eq!(registry.secrets.len(), 2);
        group.throughput(Throughput::Elements(size as u64));
        group.bench_function(BenchmarkId::new("transcripts", size), |b| {
            b.iter(|| records::scan(&root, as_of).expect("scan"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_scan);
criterion_main!(benches);
