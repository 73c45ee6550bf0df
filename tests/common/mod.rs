//! Helpers shared by the integration tests: run the real binary, find transcripts.
//!
//! Every test binary (`tests/<theme>/main.rs`) includes this module with
//! `#[path = "../common/mod.rs"] mod common;`.
//!
//! - [`keyrite`] is the one way to start the binary under test; [`run`] and
//!   [`output_with_input`] run it to the end.
//! - [`drill`]: the drill ceremony (every basic step kind) and the transcript helpers of
//!   the tests that kill keyrite or fill its disk.
//! - [`golden`]: compare output with a golden file, or rewrite it under `KEYRITE_BLESS=1`.
//! - [`gnupg`]: a throw-away GnuPG home per test.
//! - [`interop_required`] and [`say_skipped`]: what an interop test does when its
//!   outside tool is missing.

// Each test binary uses a different subset of these helpers, so whatever one binary
// leaves unused is not dead code.
#![allow(dead_code)]

pub mod drill;
pub mod gnupg;
pub mod golden;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The keyrite binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_keyrite");

/// The crate root.
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Removes what would make keyrite's output differ from run to run or from machine to
/// machine, and runs it from the crate root (so relative paths in arguments and in its
/// messages are stable). A test that needs another folder sets it afterwards.
fn prepare(c: &mut Command) {
    c.current_dir(ROOT)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE");
}

/// The keyrite binary under test, as a [`Command`] to add arguments, input and
/// environment to.
pub fn keyrite() -> Command {
    let mut c = Command::new(BIN);
    prepare(&mut c);
    c
}

/// `sh` that runs keyrite (the arguments added to the command) under a file-size limit
/// of `blocks` × 512 bytes. The kernel then refuses writes past the limit with EFBIG;
/// SIGXFSZ is ignored (and stays ignored across `exec`), so keyrite gets the error
/// instead of being killed.
pub fn keyrite_with_file_size_limit(blocks: u32) -> Command {
    const LIMITED: &str = r#"trap "" XFSZ; ulimit -f "$KEYRITE_TEST_BLOCKS"; exec "$0" "$@""#;
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg(LIMITED)
        .arg(BIN)
        .env("KEYRITE_TEST_BLOCKS", blocks.to_string());
    prepare(&mut c);
    c
}

/// Runs `cmd` to the end with `input` on its standard input, its output captured. The
/// input is written by a thread, so that a large input never blocks against unread
/// output; a program that stops reading early (a broken pipe) is fine.
pub fn output_with_input(cmd: &mut Command, input: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command starts");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("the command finishes");
    writer.join().expect("the writer thread ends");
    out
}

/// A path under the crate root.
pub fn repo(path: &str) -> PathBuf {
    Path::new(ROOT).join(path)
}

/// Runs keyrite with `args` and optional stdin text. A `run` without `--out` writes its
/// files (encrypted shares) to a temporary folder, never into the repository.
pub fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let out = tempfile::tempdir().expect("a temporary folder");
    let mut args: Vec<&str> = args.to_vec();
    let out_arg = out.path().to_str().expect("utf-8 temp path").to_string();
    if args.first() == Some(&"run") && !args.contains(&"--out") {
        args.extend(["--out", &out_arg]);
    }
    output_with_input(keyrite().args(&args), stdin.unwrap_or_default().as_bytes())
}

/// Runs keyrite in the folder `dir` (relative paths are taken from there) with `args`
/// and optional stdin text. Unlike [`run`], nothing is added to the arguments.
pub fn run_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    output_with_input(
        keyrite().current_dir(dir).args(args),
        stdin.unwrap_or_default().as_bytes(),
    )
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

/// Whether `KEYRITE_REQUIRE_INTEROP=1`: then an interop test whose outside tool is
/// missing fails instead of passing without checking interop, so that CI cannot
/// silently skip the interop checks.
pub fn interop_required() -> bool {
    std::env::var("KEYRITE_REQUIRE_INTEROP").as_deref() == Ok("1")
}

/// Says that an interop check was skipped, straight to stderr, past the test harness's
/// capture, so that the skip is seen.
pub fn say_skipped(why: &str) {
    let _ = writeln!(std::io::stderr(), "{why}");
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
