//! A transcript that cannot be written stops the ceremony at once, with a clear error,
//! and leaves a file that verifies as an intact prefix (`incomplete`, not `truncated`:
//! keyrite cuts a failed partial write back off).
//!
//! We run as root here and in CI, so permission bits do not stop writes. A file-size
//! limit does: keyrite runs under `sh -c 'trap "" XFSZ; ulimit -f N; exec ...'`, and the
//! kernel refuses writes past N × 512 bytes with EFBIG (the ignored SIGXFSZ survives
//! `exec`, so keyrite gets the error instead of being killed); see
//! `common::keyrite_with_file_size_limit`. The ceremony is the drill of `common::drill`.
#![cfg(unix)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::common::drill::{
    self, answers_used, facts, finding_kinds, records_of, the_transcript, verify,
};
use crate::common::{keyrite, keyrite_with_file_size_limit, text};

/// A plain-mode run of `script` by `cmd` (keyrite, perhaps under a file-size limit),
/// answering "AB" to every prompt from a file.
fn run_plain(mut cmd: Command, script: &Path, records: &Path, tmp: &Path) -> Output {
    let input = tmp.join("input.txt");
    std::fs::write(&input, "AB\n".repeat(500)).expect("write input");
    cmd.arg("run")
        .arg(script)
        .arg("--records")
        .arg(records)
        .stdin(std::fs::File::open(&input).expect("open input"))
        .output()
        .expect("run keyrite")
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
    let (script, _) = drill::write(tmp.path());

    // The same run without a limit: the records a failed run must be a prefix of.
    let records = tmp.path().join("unlimited");
    let out = run_plain(keyrite(), &script, &records, tmp.path());
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
        let out = run_plain(
            keyrite_with_file_size_limit(blocks),
            &script,
            &records,
            tmp.path(),
        );
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
            assert_eq!(finding_kinds(&report), ["empty"], "{context}: {report:#}");
        } else {
            assert_eq!(
                finding_kinds(&report),
                ["incomplete"],
                "{context}: {report:#}"
            );
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
    let (script, answers) = drill::write(tmp.path());
    let records = tmp.path().join("records");
    let out = keyrite_with_file_size_limit(2)
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
    assert_eq!(finding_kinds(&report), ["incomplete"], "{report:#}");
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
    let (script, answers) = drill::write(tmp.path());
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "not a folder\n").expect("write file");

    let records = file.join("records");
    let out = run_plain(keyrite(), &script, &records, tmp.path());
    let folder = records.join("drill");
    assert_no_folder(&out, &folder, "Not a directory", "plain, below a file");

    let out = keyrite()
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
    let out = run_plain(keyrite(), &script, &records, tmp.path());
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
