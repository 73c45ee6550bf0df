//! Helpers shared by the integration tests: run the real binary, find transcripts.
//!
//! Every test binary (`tests/<theme>/main.rs`) includes this module with
//! `#[path = "../common/mod.rs"] mod common;`.

// Each test binary uses a different subset of these helpers, so whatever one binary
// leaves unused is not dead code.
#![allow(dead_code)]

pub mod gnupg;
pub mod golden;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The keyrite binary under test.
pub fn keyrite() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_keyrite"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// A path under the crate root.
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Runs keyrite with `args` and optional stdin text. A `run` without `--out` writes its
/// files (encrypted shares) to a temporary folder, never into the repository.
pub fn run(args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let out = tempfile::tempdir().expect("a temporary folder");
    let mut args: Vec<&str> = args.to_vec();
    let out_arg = out.path().to_str().expect("utf-8 temp path").to_string();
    if args.first() == Some(&"run") && !args.contains(&"--out") {
        args.extend(["--out", &out_arg]);
    }
    let mut child = keyrite()
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("keyrite starts");
    let mut input = child.stdin.take().expect("stdin is piped");
    if let Some(text) = stdin {
        input
            .write_all(text.as_bytes())
            .expect("stdin takes the input");
    }
    drop(input);
    child.wait_with_output().expect("keyrite finishes")
}

/// Runs the demo genesis headless into `dir` (`records/`, `out/`); returns the
/// transcript, the out folder and standard output.
pub fn demo_genesis(dir: &Path) -> (PathBuf, PathBuf, String) {
    let (records, out) = (dir.join("records"), dir.join("out"));
    let result = run(
        &[
            "run",
            "ceremonies/demo.yaml",
            "--answers",
            "ceremonies/demo.answers.yaml",
            "--records",
            records.to_str().expect("utf-8 path"),
            "--out",
            out.to_str().expect("utf-8 path"),
        ],
        None,
    );
    assert_eq!(result.status.code(), Some(0), "{}", text(&result.stderr));
    let stdout = text(&result.stdout);
    (only_transcript(&records, "demo-genesis"), out, stdout)
}

/// The only transcript under `records/<id>/`.
pub fn only_transcript(records: &Path, id: &str) -> PathBuf {
    let mut files: Vec<PathBuf> = std::fs::read_dir(records.join(id))
        .expect("the records folder exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    assert_eq!(
        files.len(),
        1,
        "exactly one transcript in {}",
        records.display()
    );
    files.remove(0)
}

/// `keyrite verify --json` as a JSON value, with the exit code.
pub fn verify_json(transcript: &Path, script: Option<&str>) -> (i32, serde_json::Value) {
    let t = transcript.to_str().expect("utf-8 path");
    let mut args = vec!["verify", t, "--json"];
    if let Some(s) = script {
        args.extend(["--script", s]);
    }
    let out = run(&args, None);
    let v = serde_json::from_slice(&out.stdout).expect("verify --json prints JSON");
    (out.status.code().expect("exit code"), v)
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

use keyrite::slip39::Share;

/// Deterministic byte stream (xorshift64*) so failures replay exactly.
pub fn rng(seed: u64) -> impl FnMut(&mut [u8]) {
    let mut s = seed | 1;
    move |buf: &mut [u8]| {
        for b in buf.iter_mut() {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            *b = (s.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8;
        }
    }
}

/// Copy a share the way a person would: write the words down and type them back in.
pub fn retype(share: &Share) -> Share {
    Share::from_mnemonic(share.to_words().expose_secret()).expect("a share's own words decode")
}

/// A random stream whose first draw (the 2-byte identifier) is fixed, so two splits
/// can share an identifier while everything else differs.
pub fn with_identifier(id: u16, seed: u64) -> impl FnMut(&mut [u8]) {
    let mut rest = rng(seed);
    let mut id_bytes = Some(id.to_be_bytes());
    move |buf: &mut [u8]| match id_bytes.take() {
        Some(b) if buf.len() == 2 => buf.copy_from_slice(&b),
        _ => rest(buf),
    }
}
