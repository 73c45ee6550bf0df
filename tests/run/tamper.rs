//! Tampering: any changed, dropped, swapped or added byte or line of a finished
//! transcript makes `verify` fail, with the kind of finding that fits the change.

use crate::common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use keyrite::transcript::{verify_file, Finding, Verdict};
use proptest::prelude::*;

struct Fixture {
    _dir: tempfile::TempDir,
    bytes: Vec<u8>,
}

fn finished() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let records = dir.path().to_str().unwrap().to_string();
        let out = common::run(
            &[
                "run",
                "ceremonies/demo.yaml",
                "--answers",
                "ceremonies/demo.answers.yaml",
                "--records",
                &records,
            ],
            None,
        );
        assert!(out.status.success());
        let path = common::only_transcript(dir.path(), "demo-genesis");
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(verify_file(&path, None).unwrap().verdict, Verdict::Intact);
        Fixture { _dir: dir, bytes }
    })
}

fn lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes
        .split_inclusive(|b| *b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

fn verify_bytes(bytes: &[u8]) -> keyrite::transcript::Verification {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("t.jsonl");
    std::fs::write(&path, bytes).unwrap();
    verify_file(Path::new(&path), None).unwrap()
}

fn line_of(bytes: &[u8], index: usize) -> u64 {
    bytes[..index].iter().filter(|b| **b == b'\n').count() as u64 + 1
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn any_changed_byte_is_found(pos in any::<prop::sample::Index>(), new in any::<u8>()) {
        let original = &finished().bytes;
        let i = pos.index(original.len());
        prop_assume!(original[i] != new);
        let mut bytes = original.clone();
        bytes[i] = new;
        let v = verify_bytes(&bytes);
        prop_assert_ne!(v.verdict, Verdict::Intact);
        let line = line_of(original, i);
        let last = lines(original).len() as u64;
        if i == original.len() - 1 {
            // The final newline gone: the last line looks torn.
            prop_assert_eq!(v.verdict, Verdict::Truncated);
        } else {
            prop_assert_eq!(v.verdict, Verdict::Tampered, "{:?}", v.findings);
            let fitting = v.findings.iter().any(|f| match f {
                Finding::Chain { line: l } => *l == line + 1 || *l == line,
                Finding::Unreadable { line: l, .. } => *l == line || *l == line + 1,
                Finding::Seal { line: l } => *l == last || *l == line,
                Finding::Sequence { line: l, .. } => *l == line || *l == line + 1,
                Finding::Start { .. } => line == 1,
                Finding::AfterEnd { .. } => true,
                _ => false,
            });
            prop_assert!(fitting, "change on line {} gave {:?}", line, v.findings);
        }
    }

    #[test]
    fn a_dropped_line_is_found(which in any::<prop::sample::Index>()) {
        let mut ls = lines(&finished().bytes);
        let n = ls.len();
        let k = which.index(n);
        ls.remove(k);
        let v = verify_bytes(&ls.concat());
        if k == n - 1 {
            prop_assert_eq!(v.verdict, Verdict::Incomplete);
        } else {
            prop_assert_eq!(v.verdict, Verdict::Tampered);
            let line = k as u64 + 1;
            prop_assert!(v.findings.iter().any(|f| matches!(f,
                Finding::Chain { line: l } | Finding::Sequence { line: l, .. } if *l == line)
                || matches!(f, Finding::Start { .. })), "{:?}", v.findings);
        }
    }

    #[test]
    fn swapped_lines_are_found(a in any::<prop::sample::Index>(), b in any::<prop::sample::Index>()) {
        let mut ls = lines(&finished().bytes);
        let (i, j) = (a.index(ls.len()), b.index(ls.len()));
        prop_assume!(i != j);
        ls.swap(i, j);
        let v = verify_bytes(&ls.concat());
        prop_assert_eq!(v.verdict, Verdict::Tampered);
        let chain_or_seq = v.findings.iter().any(|f| matches!(f, Finding::Chain { .. } | Finding::Sequence { .. }));
        prop_assert!(chain_or_seq, "{:?}", v.findings);
    }

    #[test]
    fn inserted_or_deleted_bytes_are_found(pos in any::<prop::sample::Index>(), len in 1usize..40, insert in any::<bool>(), fill in any::<u8>()) {
        let original = &finished().bytes;
        let i = pos.index(original.len());
        let mut bytes = original.clone();
        if insert {
            bytes.splice(i..i, std::iter::repeat_n(fill, len));
        } else {
            let end = (i + len).min(bytes.len());
            bytes.drain(i..end);
        }
        prop_assert_ne!(verify_bytes(&bytes).verdict, Verdict::Intact);
    }

    #[test]
    fn a_duplicated_or_appended_line_is_found(which in any::<prop::sample::Index>()) {
        let mut ls = lines(&finished().bytes);
        let k = which.index(ls.len());
        let copy = ls[k].clone();
        ls.insert(k, copy);
        let v = verify_bytes(&ls.concat());
        prop_assert_eq!(v.verdict, Verdict::Tampered);
    }
}

#[test]
fn a_truncated_file_is_incomplete_or_torn_never_intact() {
    let original = &finished().bytes;
    for cut in 1..original.len() {
        let v = verify_bytes(&original[..cut]);
        let expected = if original[cut - 1] == b'\n' {
            Verdict::Incomplete
        } else {
            Verdict::Truncated
        };
        assert_eq!(v.verdict, expected, "cut at {cut}: {:?}", v.findings);
    }
    // A crash right after the file was created leaves it empty.
    assert_eq!(verify_bytes(b"").verdict, Verdict::Incomplete);
}

#[test]
fn a_renamed_end_event_is_tampering_not_an_interruption() {
    let original = String::from_utf8(finished().bytes.clone()).unwrap();
    for renamed in [
        r#""event":"complet d""#,
        r#""event":"aborted""#,
        r#""event":"step_done""#,
    ] {
        let text = original.replacen(r#""event":"completed""#, renamed, 1);
        assert_ne!(text, original);
        let v = verify_bytes(text.as_bytes());
        assert_eq!(v.verdict, Verdict::Tampered, "{renamed}: {:?}", v.findings);
        assert!(
            v.findings.iter().any(|f| matches!(f, Finding::Seal { .. })),
            "{:?}",
            v.findings
        );
    }
}

/// Runs keyrite with `args`, failing the test if it has not finished within `limit`
/// (a read that blocks on a pipe would otherwise hang the test run).
fn run_within(args: &[&str], limit: std::time::Duration) -> std::process::Output {
    use std::process::Stdio;
    let mut child = common::keyrite()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            child.kill().unwrap();
            panic!("keyrite {args:?} did not finish within {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn mkfifo(path: &Path) {
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        path,
        rustix::fs::Mode::from_raw_mode(0o600),
    )
    .unwrap();
}

/// A transcript, a signature file or a script that is a named pipe or a device is
/// refused at once, saying what it is, instead of blocking or reading forever.
#[test]
fn verify_refuses_pipes_and_devices_at_once() {
    let limit = std::time::Duration::from_secs(20);
    let out = run_within(&["verify", "/dev/zero"], limit);
    assert_eq!(out.status.code(), Some(2));
    let err = common::text(&out.stderr);
    assert!(err.contains("not a regular file: it is a device"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("t.jsonl");
    mkfifo(&fifo);
    let out = run_within(&["verify", fifo.to_str().unwrap()], limit);
    assert_eq!(out.status.code(), Some(2));
    let err = common::text(&out.stderr);
    assert!(
        err.contains("cannot read the transcript")
            && err.contains("not a regular file: it is a named pipe (FIFO)"),
        "{err}"
    );

    // A real transcript whose signature file is a pipe: reported, not waited on.
    let transcript = dir.path().join("real.jsonl");
    std::fs::write(&transcript, &finished().bytes).unwrap();
    let asc = dir.path().join("real.jsonl.asc");
    mkfifo(&asc);
    let out = run_within(&["verify", transcript.to_str().unwrap()], limit);
    assert_eq!(out.status.code(), Some(1));
    let says = common::text(&out.stdout);
    assert!(
        says.contains("not a regular file: it is a named pipe (FIFO)"),
        "{says}"
    );

    // A script that is a pipe.
    let script = dir.path().join("s.yaml");
    mkfifo(&script);
    let out = run_within(
        &[
            "verify",
            transcript.to_str().unwrap(),
            "--script",
            script.to_str().unwrap(),
        ],
        limit,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = common::text(&out.stderr);
    assert!(err.contains("named pipe"), "{err}");
}
