//! A transcript that cannot be written stops the ceremony at once, with a clear error,
//! and leaves a file that verifies as an intact prefix (`incomplete`, not `truncated`:
//! keyrite cuts a failed partial write back off).
//!
//! We run as root here and in CI, so permission bits do not stop writes. A file-size
//! limit does: keyrite runs under `sh -c 'trap "" XFSZ; ulimit -f N; exec ...'`, and the
//! kernel refuses writes past N × 512 bytes with EFBIG (the ignored SIGXFSZ survives
//! `exec`, so keyrite gets the error instead of being killed).
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const LIMITED: &str = r#"trap "" XFSZ; ulimit -f "$KEYRITE_TEST_BLOCKS"; exec "$0" "$@""#;

/// The ceremony the tests run: every basic step kind, with answers for a headless run.
/// (Not `ceremonies/demo.yaml`, which changes with the language and needs other answers.)
const CEREMONY: &str = r#"keyrite: 1
id: drill
title: Room checks drill
description: >
  A ceremony with every basic step kind, for tests that kill keyrite or fill its disk.
rehearse_every: 90d
roles:
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

const ANSWERS: &str = r#"attendance: { officer: AE, witness-1: BE, witness-2: DE }
room: { room: Safe room 4.12, laptop_bag_seal: TB-004217 }
check-seal: { witness-1: BE, witness-2: DE }
offline: { officer: AE, witness-1: BE }
storage:
  laptop:       { site: HQ vault, container: Safe 2, seal: TB-004218, holder: Alice Example }
  backup-drive: { site: Branch vault, container: Box 17, seal: TB-004219, holder: Bob Example }
seals: { spare-seals: { site: HQ vault, count: "12" } }
closing: ack
"#;

/// Writes the ceremony and its answers into `dir`.
fn write_ceremony(dir: &Path) -> (PathBuf, PathBuf) {
    let script = dir.join("drill.yaml");
    let answers = dir.join("drill.answers.yaml");
    std::fs::write(&script, CEREMONY).expect("write the ceremony");
    std::fs::write(&answers, ANSWERS).expect("write the answers");
    (script, answers)
}

/// `keyrite <args>`, or under a file-size limit of `blocks` × 512 bytes.
fn keyrite(blocks: Option<u32>) -> Command {
    let mut c = match blocks {
        None => Command::new(env!("CARGO_BIN_EXE_keyrite")),
        Some(blocks) => {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(LIMITED)
                .arg(env!("CARGO_BIN_EXE_keyrite"))
                .env("KEYRITE_TEST_BLOCKS", blocks.to_string());
            c
        }
    };
    c.env_remove("RUST_BACKTRACE");
    c
}

/// A plain-mode run of `script` answering "AB" to every prompt from a file.
fn run_plain(blocks: Option<u32>, script: &Path, records: &Path, tmp: &Path) -> Output {
    let input = tmp.join("input.txt");
    std::fs::write(&input, "AB\n".repeat(500)).expect("write input");
    keyrite(blocks)
        .arg("run")
        .arg(script)
        .arg("--records")
        .arg(records)
        .stdin(std::fs::File::open(&input).expect("open input"))
        .output()
        .expect("run keyrite")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn transcripts(records: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for id in std::fs::read_dir(records).into_iter().flatten() {
        let id = id.expect("list records").path();
        for f in std::fs::read_dir(&id).into_iter().flatten() {
            let f = f.expect("list ceremony folder").path();
            if f.extension().is_some_and(|e| e == "jsonl") {
                found.push(f);
            }
        }
    }
    found
}

fn the_transcript(records: &Path) -> PathBuf {
    let mut all = transcripts(records);
    assert_eq!(all.len(), 1, "one transcript in {records:?}: {all:?}");
    all.remove(0)
}

fn verify(transcript: &Path) -> (i32, Value) {
    let out = keyrite(None)
        .arg("verify")
        .arg(transcript)
        .arg("--json")
        .output()
        .expect("run keyrite verify");
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("verify --json: {e}: {}", text(&out.stderr)));
    (out.status.code().unwrap_or(-1), report)
}

fn kinds(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| f["kind"].as_str().unwrap_or("?").to_string())
        .collect()
}

fn records_of(transcript: &Path) -> Vec<Value> {
    std::fs::read_to_string(transcript)
        .expect("read transcript")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a transcript line is JSON"))
        .collect()
}

fn facts(record: &Value) -> Value {
    let mut r = record.clone();
    if let Some(m) = r.as_object_mut() {
        for k in ["at", "prev", "seal"] {
            m.remove(k);
        }
    }
    r
}

/// How many answers keyrite read before it wrote this record.
fn answers_used(record: &Value) -> usize {
    match record["event"].as_str() {
        Some("present" | "confirmed" | "recorded" | "acknowledged") => 1,
        Some("stored") => record["location"].as_object().map_or(0, |l| l.len()),
        _ => 0,
    }
}

/// Checks the error keyrite printed and returns the number of the record that failed.
fn failed_record(stderr: &str, transcript: &Path, context: &str) -> usize {
    let mut lines = stderr.lines();
    let first = lines.next().unwrap_or_default();
    let rest = first
        .strip_prefix("error: cannot write record ")
        .unwrap_or_else(|| panic!("{context}: unexpected error line:\n{stderr}"));
    let (number, rest) = rest.split_once(' ').expect("a record number");
    assert_eq!(
        rest,
        format!(
            "to the transcript {}; the ceremony stops here",
            transcript.display()
        ),
        "{context}: the error names the transcript"
    );
    let cause = lines.next().unwrap_or_default();
    assert!(
        cause.starts_with("  caused by: ") && cause.contains("File too large"),
        "{context}: the cause is the OS error (EFBIG):\n{stderr}"
    );
    let hint = lines.next().unwrap_or_default();
    assert!(
        hint.starts_with("  hint: ") && hint.contains("run the ceremony again"),
        "{context}: a hint says what to do:\n{stderr}"
    );
    assert_eq!(
        lines.next(),
        None,
        "{context}: nothing else on stderr:\n{stderr}"
    );
    number.parse().expect("the record number is a number")
}

/// Under growing file-size limits the ceremony fails at different records; each time it
/// stops at once, says which record could not be written, and leaves a verifiable prefix.
#[test]
fn a_full_disk_mid_run_stops_the_ceremony_at_once() {
    let tmp = tempfile::tempdir().expect("temporary folder");
    let (script, _) = write_ceremony(tmp.path());

    // The same run without a limit: the records a failed run must be a prefix of.
    let records = tmp.path().join("unlimited");
    let out = run_plain(None, &script, &records, tmp.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let full = records_of(&the_transcript(&records));
    let full_size = std::fs::metadata(the_transcript(&records))
        .expect("transcript size")
        .len();
    let used: Vec<usize> = full
        .iter()
        .scan(0, |sum, r| {
            *sum += answers_used(r);
            Some(*sum)
        })
        .collect();

    let mut failed_at = Vec::new();
    for blocks in 1..=8u32 {
        let limit = u64::from(blocks) * 512;
        if limit >= full_size {
            break;
        }
        let context = format!("limit {limit} bytes");
        let records = tmp.path().join(format!("limit-{blocks}"));
        let out = run_plain(Some(blocks), &script, &records, tmp.path());
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(1), "{context}: exit code\n{stderr}");
        let path = the_transcript(&records);
        let n = failed_record(&stderr, &path, &context);
        failed_at.push(n);

        // The file holds exactly the records before the failed one, whole.
        let bytes = std::fs::read(&path).expect("read transcript");
        assert!(
            bytes.len() as u64 <= limit,
            "{context}: {} bytes",
            bytes.len()
        );
        assert!(
            bytes.is_empty() || bytes.ends_with(b"\n"),
            "{context}: a partial record was left behind"
        );
        let written = records_of(&path);
        assert_eq!(written.len(), n, "{context}: records on disk");
        for (i, (got, want)) in written.iter().zip(&full).enumerate() {
            assert_eq!(facts(got), facts(want), "{context}: record {i}");
        }

        let (code, report) = verify(&path);
        assert_eq!(report["verdict"], "incomplete", "{context}: {report:#}");
        assert_eq!(code, 1, "{context}");
        if n == 0 {
            assert_eq!(kinds(&report), ["empty"], "{context}: {report:#}");
        } else {
            assert_eq!(kinds(&report), ["incomplete"], "{context}: {report:#}");
            assert_eq!(
                report["findings"][0]["after_step"],
                written[n - 1]["step"],
                "{context}: {report:#}"
            );
        }

        // Nothing was asked after the record that failed: the prompts shown are those
        // whose answers went into records 0..=n, and a step's header appears only
        // once its `step_started` record is on disk.
        assert_eq!(
            stdout.matches("> ").count(),
            used[n],
            "{context}: prompts shown after record {n} failed:\n{stdout}"
        );
        let headers = stdout.lines().filter(|l| l.starts_with('[')).count();
        let started = written
            .iter()
            .filter(|r| r["event"] == "step_started")
            .count();
        assert_eq!(headers, started, "{context}: step headers:\n{stdout}");
        assert!(!stdout.contains("completed"), "{context}:\n{stdout}");
    }
    // The limits must have made the run fail at several different records, the first
    // one among them when the limit is smaller than the first record.
    eprintln!("the ceremony failed at records {failed_at:?}");
    failed_at.dedup();
    assert!(failed_at.len() >= 3, "failed at records {failed_at:?}");
    assert!(failed_at.windows(2).all(|w| w[0] < w[1]), "{failed_at:?}");
}

/// The same with scripted answers and the 1024-byte limit.
#[test]
fn a_full_disk_in_a_headless_run() {
    let tmp = tempfile::tempdir().expect("temporary folder");
    let (script, answers) = write_ceremony(tmp.path());
    let records = tmp.path().join("records");
    let out = keyrite(Some(2))
        .arg("run")
        .arg(&script)
        .arg("--answers")
        .arg(&answers)
        .arg("--records")
        .arg(&records)
        .stdin(Stdio::null())
        .output()
        .expect("run keyrite");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!text(&out.stdout).contains("completed"));
    let path = the_transcript(&records);
    let n = failed_record(&stderr, &path, "headless");
    assert!(n > 0, "the first record fits in 1024 bytes");
    assert_eq!(records_of(&path).len(), n);
    assert!(std::fs::metadata(&path).expect("size").len() <= 1024);
    let (code, report) = verify(&path);
    assert_eq!((code, report["verdict"].as_str()), (1, Some("incomplete")));
    assert_eq!(kinds(&report), ["incomplete"], "{report:#}");
}

/// Checks a run that failed because the records folder could not be made.
fn assert_no_folder(out: &Output, folder: &Path, cause: &str, context: &str) {
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{context}: exit code\n{stderr}");
    let mut lines = stderr.lines();
    assert_eq!(
        lines.next(),
        Some(
            format!(
                "error: cannot create the records folder {}",
                folder.display()
            )
            .as_str()
        ),
        "{context}:\n{stderr}"
    );
    let caused = lines.next().unwrap_or_default();
    assert!(
        caused.starts_with("  caused by: ") && caused.contains(cause),
        "{context}: the OS error is given:\n{stderr}"
    );
    let hint = lines.next().unwrap_or_default();
    assert!(
        hint.starts_with("  hint: ") && hint.contains("--records"),
        "{context}: the hint names the option:\n{stderr}"
    );
    assert_eq!(lines.next(), None, "{context}:\n{stderr}");
    assert!(
        !stdout.contains("> ") && !stdout.lines().any(|l| l.starts_with('[')),
        "{context}: no step began and nothing was asked:\n{stdout}"
    );
}

/// `--records` below a regular file, or a ceremony folder that is a file: the run fails
/// before any step, and nothing is written.
#[test]
fn a_records_folder_that_cannot_be_created_fails_before_anything_runs() {
    let tmp = tempfile::tempdir().expect("temporary folder");
    let (script, answers) = write_ceremony(tmp.path());
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "not a folder\n").expect("write file");

    let records = file.join("records");
    let out = run_plain(None, &script, &records, tmp.path());
    let folder = records.join("drill");
    assert_no_folder(&out, &folder, "Not a directory", "plain, below a file");

    let out = keyrite(None)
        .arg("run")
        .arg(&script)
        .arg("--answers")
        .arg(&answers)
        .arg("--records")
        .arg(&records)
        .stdin(Stdio::null())
        .output()
        .expect("run keyrite");
    assert_no_folder(&out, &folder, "Not a directory", "headless, below a file");
    assert_eq!(
        std::fs::read_to_string(&file).expect("read file"),
        "not a folder\n"
    );

    // The ceremony's own folder is taken by a file.
    let records = tmp.path().join("records");
    std::fs::create_dir(&records).expect("make records");
    std::fs::write(records.join("drill"), "").expect("write file");
    let out = run_plain(None, &script, &records, tmp.path());
    assert_no_folder(
        &out,
        &records.join("drill"),
        "File exists",
        "plain, the ceremony folder is a file",
    );

    let mut left: Vec<String> = std::fs::read_dir(tmp.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            "a-file",
            "drill.answers.yaml",
            "drill.yaml",
            "input.txt",
            "records"
        ],
        "nothing else was made"
    );
    assert_eq!(
        std::fs::read_dir(&records).expect("list records").count(),
        1,
        "only the file named like the ceremony is in the records folder"
    );
}
