//! The drill: a ceremony with every basic step kind, with answers for a headless run, for
//! the tests that kill keyrite (`run/crash.rs`) or fill its disk (`run/write_failure.rs`);
//! and the transcript helpers those tests share.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;

/// The ceremony the tests run: every basic step kind, with answers for a headless run.
/// (Not `ceremonies/demo.yaml`, which changes with the language and needs other answers.)
pub const CEREMONY: &str = r#"keyrite: 1
id: drill
title: Room checks drill
description: >
  A ceremony with every basic step kind, for tests that kill keyrite or fill its disk.
rehearse_every: 90d
roles:
  # Every prompt is answered `AB`: the script fixes each role's initials to that.
  officer:   { name: Alice Example, initials: AB }
  witness-1: { name: Bob Example, initials: AB }
  witness-2: { name: Dana Example, initials: AB }
steps:
  - id: attendance
    title: Everyone in the room says they are present
    attend: [officer, witness-1, witness-2]
  - id: room
    title: Record the room and the laptop's tamper-evident bag
    record: [room, laptop_bag_seal]
  - id: check-seal
    title: Witnesses check the laptop bag seal
    confirm:
      by: [witness-1, witness-2]
      text: "The laptop bag seal reads {laptop_bag_seal} and matches the last record."
  - id: offline
    title: The laptop is offline
    confirm:
      by: [officer, witness-1]
      text: "Wi-Fi and Bluetooth are off and no network cable is attached."
  - id: storage
    title: Record where the laptop and its backup drive go
    record_storage:
      items: [laptop, backup-drive]
  - id: seals
    title: Record the spare seals
    record_storage:
      items: [spare-seals]
      fields: [site, count]
  - id: closing
    title: Close the ceremony
    note: |
      The officer reads the transcript's head hash aloud.
      Everyone signs the paper log.
"#;

/// Answers that run [`CEREMONY`] headless to the end.
pub const ANSWERS: &str = r#"attendance: { officer: AE, witness-1: BE, witness-2: DE }
room: { room: Safe room 4.12, laptop_bag_seal: TB-004217 }
check-seal: { witness-1: BE, witness-2: DE }
offline: { officer: AE, witness-1: BE }
storage:
  laptop:       { site: HQ vault, container: Safe 2, seal: TB-004218, holder: Alice Example }
  backup-drive: { site: Branch vault, container: Box 17, seal: TB-004219, holder: Bob Example }
seals: { spare-seals: { site: HQ vault, count: "12" } }
closing: ack
"#;

/// Writes the ceremony (`drill.yaml`) and its answers (`drill.answers.yaml`) into `dir`.
pub fn write(dir: &Path) -> (PathBuf, PathBuf) {
    let script = dir.join("drill.yaml");
    let answers = dir.join("drill.answers.yaml");
    std::fs::write(&script, CEREMONY).expect("write the ceremony");
    std::fs::write(&answers, ANSWERS).expect("write the answers");
    (script, answers)
}

/// Every `.jsonl` under a records folder (none if the folder was never made).
pub fn transcripts(records: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(ids) = std::fs::read_dir(records) else {
        return found;
    };
    for id in ids {
        let id = id.expect("list records folder").path();
        for f in std::fs::read_dir(&id).expect("list ceremony folder") {
            let f = f.expect("list ceremony folder").path();
            if f.extension().is_some_and(|e| e == "jsonl") {
                found.push(f);
            }
        }
    }
    found.sort();
    found
}

/// The only transcript under `records`.
pub fn the_transcript(records: &Path) -> PathBuf {
    let mut all = transcripts(records);
    assert_eq!(
        all.len(),
        1,
        "expected one transcript in {records:?}: {all:?}"
    );
    all.remove(0)
}

/// `keyrite verify --json`: exit code and the parsed report.
pub fn verify(transcript: &Path) -> (i32, Value) {
    let out = super::keyrite()
        .arg("verify")
        .arg(transcript)
        .arg("--json")
        .stdin(Stdio::null())
        .output()
        .expect("run keyrite verify");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "verify --json printed no JSON ({e}); stdout: {}; stderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), report)
}

pub fn verdict(report: &Value) -> &str {
    report["verdict"].as_str().unwrap_or("(no verdict)")
}

/// The kinds of a verify report's findings, in order.
pub fn finding_kinds(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|f| f["kind"].as_str().unwrap_or("?").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The records of a transcript, parsed; the file must end with a complete line.
pub fn records_of(transcript: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(transcript).expect("read transcript");
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "{transcript:?} ends with a torn line"
    );
    text.lines()
        .map(|l| serde_json::from_str(l).expect("a transcript line is JSON"))
        .collect()
}

/// A record without the fields that differ from run to run (time, and the hashes that
/// cover it).
pub fn facts(record: &Value) -> Value {
    let mut r = record.clone();
    if let Some(m) = r.as_object_mut() {
        for k in ["at", "prev", "seal"] {
            m.remove(k);
        }
    }
    r
}

/// How many answers keyrite read before it wrote this record.
pub fn answers_used(record: &Value) -> usize {
    match record["event"].as_str() {
        Some("present" | "confirmed" | "recorded" | "acknowledged") => 1,
        Some("stored") => record["location"].as_object().map_or(0, |l| l.len()),
        _ => 0,
    }
}
