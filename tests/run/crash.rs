//! Crash safety: the real binary is killed with SIGKILL at many points, and every
//! transcript it leaves behind must verify as an intact prefix: `incomplete` (no end
//! record), `truncated` (a torn last line) or, when the run had finished, `intact`;
//! never `tampered`.
//!
//! - [`kill_at_every_prompt`]: deterministic points, one per prompt of a ceremony with
//!   every basic step kind (the drill of `common::drill`), driven line by line through a
//!   pipe.
//! - [`kill_at_random_instants`]: a long generated ceremony run from an answers file and
//!   killed after a random (seeded) delay within its usual run time. `KEYRITE_CRASH_SEED`
//!   and `KEYRITE_CRASH_KILLS` override the seed and the number of kills.
//! - [`a_torn_last_line_is_truncated_not_tampered`]: torn tails made by hand.
#![cfg(unix)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::drill::{
    answers_used, facts, finding_kinds, records_of, the_transcript, transcripts, verdict, verify,
};
use crate::common::{drill, keyrite};

/// How long to wait for a prompt before deciding keyrite is stuck. Not a speed
/// requirement: only a guard so that a hang fails instead of blocking the test run.
const STUCK: Duration = Duration::from_secs(60);

/// The tests take turns, so that timing one run is not disturbed by another test's runs.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A `keyrite run` in plain mode, its input a pipe and its output read by a thread.
struct PlainRun {
    child: Child,
    stdin: Option<ChildStdin>,
    output: Receiver<Vec<u8>>,
    stdout: String,
}

impl PlainRun {
    fn start(script: &Path, records: &Path) -> PlainRun {
        let mut child = keyrite()
            .arg("run")
            .arg(script)
            .arg("--records")
            .arg(records)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start keyrite run");
        let stdin = child.stdin.take();
        let mut out = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match out.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.send(buf[..n].to_vec()).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        PlainRun {
            child,
            stdin,
            output: rx,
            stdout: String::new(),
        }
    }

    fn answer(&mut self, lines: &[&str]) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        for l in lines {
            writeln!(stdin, "{l}").expect("write an answer");
        }
        stdin.flush().expect("flush answers");
    }

    fn close_input(&mut self) {
        self.stdin = None;
    }

    /// Reads output until `done` holds for it; false if the output ended first.
    fn wait_for(&mut self, done: impl Fn(&str) -> bool) -> bool {
        let deadline = Instant::now() + STUCK;
        while !done(&self.stdout) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(chunk) => self.stdout.push_str(&String::from_utf8_lossy(&chunk)),
                Err(RecvTimeoutError::Disconnected) => return done(&self.stdout),
                Err(RecvTimeoutError::Timeout) => {
                    panic!("keyrite is stuck; output so far:\n{}", self.stdout)
                }
            }
        }
        true
    }

    fn kill(mut self) -> (ExitStatus, String) {
        self.child.kill().expect("SIGKILL keyrite");
        let status = self.child.wait().expect("reap keyrite");
        (status, self.stdout)
    }

    fn finish(mut self) -> (ExitStatus, String) {
        self.close_input();
        self.wait_for(|_| false);
        let status = self.child.wait().expect("reap keyrite");
        (status, self.stdout)
    }
}

/// Number of prompts shown so far: each ends with `> ` and waits for a line.
fn prompts(stdout: &str) -> usize {
    stdout.matches("> ").count()
}

/// The step id of the last step header `[i/n] title (id)` shown.
fn last_step_shown(stdout: &str) -> Option<String> {
    stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('[') && l.contains("] "))
        .and_then(|l| {
            l.rsplit_once(" (")
                .map(|(_, id)| id.trim_end_matches(')').to_string())
        })
}

fn assert_incomplete_after(transcript: &Path, step: &str, context: &str) {
    let (code, report) = verify(transcript);
    assert_eq!(verdict(&report), "incomplete", "{context}: {report:#}");
    assert_eq!(
        code, 1,
        "{context}: verify exits 1 for an incomplete transcript"
    );
    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(
        findings.len(),
        1,
        "{context}: only the missing end is found: {report:#}"
    );
    assert_eq!(findings[0]["kind"], "incomplete", "{context}: {report:#}");
    assert_eq!(
        findings[0]["after_step"].as_str(),
        Some(step),
        "{context}: the finding names the step the run was in: {report:#}"
    );
}

/// (a) The ceremony is driven through a pipe; after `k` answers keyrite waits at prompt
/// `k + 1`, with every fact so far already on disk. It is killed there, for every `k`.
#[test]
fn kill_at_every_prompt() {
    let _turn = one_at_a_time();
    let tmp = tempfile::tempdir().expect("temporary folder");
    let (script, _) = drill::write(tmp.path());

    // A full run gives the prompts and the records to compare each killed run with.
    let records = tmp.path().join("full");
    let mut run = PlainRun::start(&script, &records);
    run.answer(&["AB"; 500]);
    let (status, stdout) = run.finish();
    assert!(status.success(), "the full run fails: {status}\n{stdout}");
    let full_path = the_transcript(&records);
    let (code, report) = verify(&full_path);
    assert_eq!((code, verdict(&report)), (0, "intact"), "{report:#}");
    let full = records_of(&full_path);
    let total = prompts(&stdout);
    // used[i]: answers read before record i was written.
    let used: Vec<usize> = full
        .iter()
        .scan(0, |sum, r| {
            *sum += answers_used(r);
            Some(*sum)
        })
        .collect();
    assert_eq!(
        used.last().copied(),
        Some(total),
        "every prompt of the full run is accounted for by a record"
    );
    assert!(total >= 20, "the ceremony has {total} prompts");

    for k in 0..=total {
        let context = format!("killed after {k} of {total} answers");
        let records = tmp.path().join(format!("k{k}"));
        let mut run = PlainRun::start(&script, &records);
        run.answer(&vec!["AB"; k]);
        if k == total {
            let (status, stdout) = run.finish();
            assert!(status.success(), "{context}: {status}\n{stdout}");
            let (code, report) = verify(&the_transcript(&records));
            assert_eq!((code, verdict(&report)), (0, "intact"), "{context}");
            continue;
        }
        assert!(
            run.wait_for(|out| prompts(out) > k),
            "{context}: keyrite ended before prompt {}",
            k + 1
        );
        let (status, stdout) = run.kill();
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9),
            "{context}: keyrite was waiting for input and should die of SIGKILL; {status}"
        );
        let path = the_transcript(&records);
        let written = records_of(&path);
        let expected = used.iter().take_while(|&&u| u <= k).count();
        assert_eq!(
            written.len(),
            expected,
            "{context}: every fact up to this prompt is on disk, nothing more"
        );
        for (i, (got, want)) in written.iter().zip(&full).enumerate() {
            assert_eq!(facts(got), facts(want), "{context}: record {i}");
        }
        let step = full[expected]["step"]
            .as_str()
            .expect("the next record belongs to a step")
            .to_string();
        assert_eq!(
            last_step_shown(&stdout).as_deref(),
            Some(step.as_str()),
            "{context}: the step on screen"
        );
        assert_incomplete_after(&path, &step, &context);
    }

    // Killed while asking for the reason of an abort: no end record yet.
    for k in [0, total / 2, total - 1] {
        let context = format!("killed at the abort reason after {k} answers");
        let records = tmp.path().join(format!("abort{k}"));
        let mut run = PlainRun::start(&script, &records);
        run.answer(&vec!["AB"; k]);
        run.answer(&[":abort"]);
        assert!(
            run.wait_for(|out| out.contains("reason for aborting the ceremony> ")),
            "{context}: no reason prompt"
        );
        let (_, stdout) = run.kill();
        let expected = used.iter().take_while(|&&u| u <= k).count();
        let path = the_transcript(&records);
        assert_eq!(records_of(&path).len(), expected, "{context}");
        let step = full[expected]["step"].as_str().expect("a step").to_string();
        assert_eq!(last_step_shown(&stdout).as_deref(), Some(step.as_str()));
        assert_incomplete_after(&path, &step, &context);
    }
}

/// SplitMix64: a small seeded generator, so a failing run can be repeated.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A ceremony of `steps` record steps and the answers that run it to the end.
fn write_long_ceremony(dir: &Path, steps: usize) -> (PathBuf, PathBuf) {
    let mut script = String::from(
        "keyrite: 1\nid: long\ntitle: A long ceremony\nroles:\n  officer: { name: Alice Example }\nsteps:\n  - attend: [officer]\n",
    );
    let mut answers = String::from("attend-1: { officer: AE }\n");
    for i in 1..=steps {
        script.push_str(&format!("  - id: s{i}\n    record: [field_{i}]\n"));
        answers.push_str(&format!("s{i}: {{ field_{i}: value {i} }}\n"));
    }
    script.push_str("  - note: \"Last value: {field_1}\"\n");
    answers.push_str("note-1: ack\n");
    let s = dir.join("long.yaml");
    let a = dir.join("long.answers.yaml");
    std::fs::write(&s, script).expect("write script");
    std::fs::write(&a, answers).expect("write answers");
    (s, a)
}

fn start_headless(script: &Path, answers: &Path, records: &Path) -> Child {
    keyrite()
        .arg("run")
        .arg(script)
        .arg("--answers")
        .arg(answers)
        .arg("--records")
        .arg(records)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start keyrite run --answers")
}

/// Runs to the end and returns how long it took.
fn full_headless_run(script: &Path, answers: &Path, records: &Path) -> Duration {
    let started = Instant::now();
    let status = start_headless(script, answers, records)
        .wait()
        .expect("wait for keyrite");
    let took = started.elapsed();
    assert!(status.success(), "a full headless run fails: {status}");
    took
}

/// (b) A long ceremony is killed after a random delay within its usual run time.
#[test]
fn kill_at_random_instants() {
    let _turn = one_at_a_time();
    let seed = env_number("KEYRITE_CRASH_SEED", 0x6b65_7972_6974_6521);
    let tmp = tempfile::tempdir().expect("temporary folder");

    // 400 steps, unless fsync is so slow here that 40 kills would take minutes.
    let mut steps = 400;
    let (script, answers, typical) = loop {
        let (script, answers) = write_long_ceremony(tmp.path(), steps);
        let times: Vec<Duration> = (0..3)
            .map(|i| {
                let records = tmp.path().join(format!("measure-{steps}-{i}"));
                let took = full_headless_run(&script, &answers, &records);
                let (code, report) = verify(&the_transcript(&records));
                assert_eq!((code, verdict(&report)), (0, "intact"), "{report:#}");
                took
            })
            .collect();
        // The quickest of three: the others may have waited for the disk or the CPU.
        let typical = times.into_iter().min().expect("three runs");
        if typical <= Duration::from_secs(2) || steps <= 50 {
            break (script, answers, typical);
        }
        steps = (steps as f64 * 1.5 / typical.as_secs_f64()).max(50.0) as usize;
    };
    let span = u64::try_from(typical.as_micros()).unwrap_or(u64::MAX);
    // At least 40; more when a run is quick enough to afford them.
    let kills = env_number(
        "KEYRITE_CRASH_KILLS",
        if typical <= Duration::from_millis(200) {
            100
        } else {
            40
        },
    );
    eprintln!(
        "{steps} steps, typical run {typical:?}; {kills} kills with seed {seed:#x} \
         (KEYRITE_CRASH_SEED to repeat)"
    );

    let mut rng = Rng(seed);
    let mut tally: std::collections::BTreeMap<String, usize> = Default::default();
    let mut mid_run = 0;
    for i in 0..kills {
        let delay = rng.below(span + 1);
        let context = format!("kill {i} after {delay} µs (seed {seed:#x})");
        let records = tmp.path().join(format!("kill-{i}"));
        let mut child = start_headless(&script, &answers, &records);
        std::thread::sleep(Duration::from_micros(delay));
        // If it has already finished, SIGKILL hits nothing and it exited 0.
        let _ = child.kill();
        let status = child.wait().expect("reap keyrite");
        let found = transcripts(&records);
        assert!(found.len() <= 1, "{context}: {found:?}");
        let Some(path) = found.first() else {
            assert!(
                !status.success(),
                "{context}: finished without a transcript"
            );
            *tally.entry("no transcript yet".into()).or_default() += 1;
            continue;
        };
        let (code, report) = verify(path);
        let v = verdict(&report).to_string();
        let kinds = finding_kinds(&report);
        assert_ne!(
            v, "tampered",
            "{context}: a killed run never looks tampered: {report:#}"
        );
        assert_eq!(code == 0, v == "intact", "{context}: exit {code} for {v}");
        if status.success() {
            assert_eq!(v, "intact", "{context}: a finished run is intact");
        }
        let records_on_disk = report["records"].as_u64().expect("records");
        match v.as_str() {
            "intact" => assert!(kinds.is_empty(), "{context}: {report:#}"),
            "incomplete" if records_on_disk == 0 => {
                assert_eq!(kinds, ["empty"], "{context}: {report:#}");
            }
            "incomplete" => {
                assert_eq!(kinds, ["incomplete"], "{context}: {report:#}");
                let written = records_of(path);
                let last_step = written.iter().rev().find_map(|r| r["step"].as_str());
                assert_eq!(
                    report["findings"][0]["after_step"].as_str(),
                    last_step,
                    "{context}: the finding names the step of the last record"
                );
                mid_run += 1;
            }
            "truncated" => {
                assert!(
                    kinds
                        .iter()
                        .all(|k| k == "truncated_tail" || k == "incomplete"),
                    "{context}: {report:#}"
                );
                let tail = report["findings"]
                    .as_array()
                    .and_then(|f| f.iter().find(|f| f["kind"] == "truncated_tail"))
                    .expect("a truncated_tail finding");
                assert_eq!(
                    tail["line"].as_u64(),
                    Some(records_on_disk + 1),
                    "{context}"
                );
                mid_run += 1;
            }
            other => panic!("{context}: unexpected verdict {other}: {report:#}"),
        }
        let label = if records_on_disk == 0 {
            format!("{v} (empty file)")
        } else {
            v
        };
        *tally.entry(label).or_default() += 1;
    }
    eprintln!("outcomes: {tally:?}");
    assert!(
        mid_run > 0,
        "no kill landed while records were being written: {tally:?}"
    );
}

/// Torn tails made by hand are `truncated` with a `truncated_tail` finding naming the
/// line, and are told apart from a changed record.
#[test]
fn a_torn_last_line_is_truncated_not_tampered() {
    let _turn = one_at_a_time();
    let tmp = tempfile::tempdir().expect("temporary folder");
    let (script, answers) = write_long_ceremony(tmp.path(), 20);
    let records = tmp.path().join("records");
    full_headless_run(&script, &answers, &records);
    let original = std::fs::read(the_transcript(&records)).expect("read transcript");
    let lines: Vec<&[u8]> = original.split_inclusive(|&b| b == b'\n').collect();
    assert!(lines.len() > 20);
    let copy = tmp.path().join("copy.jsonl");
    let write = |bytes: &[u8]| std::fs::write(&copy, bytes).expect("write copy");
    let findings_of = |report: &Value| report["findings"].as_array().cloned().unwrap_or_default();

    // Cut in the middle of line `torn` (1-based).
    let torn = lines.len() / 2;
    let kept: Vec<u8> = lines[..torn - 1].concat();
    let half = lines[torn - 1].len() / 2;
    let mut cut = kept.clone();
    cut.extend_from_slice(&lines[torn - 1][..half]);
    write(&cut);
    let (code, report) = verify(&copy);
    assert_eq!(verdict(&report), "truncated", "{report:#}");
    assert_eq!(code, 1);
    assert_eq!(report["records"].as_u64(), Some(torn as u64 - 1));
    let findings = findings_of(&report);
    let tail = findings
        .iter()
        .find(|f| f["kind"] == "truncated_tail")
        .unwrap_or_else(|| panic!("no truncated_tail finding: {report:#}"));
    assert_eq!(tail["line"].as_u64(), Some(torn as u64), "{report:#}");
    assert_eq!(tail["bytes"].as_u64(), Some(half as u64), "{report:#}");
    assert!(
        finding_kinds(&report)
            .iter()
            .all(|k| k == "truncated_tail" || k == "incomplete"),
        "nothing but the torn tail and the missing end: {report:#}"
    );

    // Only the final newline missing: the end record is there but torn.
    let last = lines.len();
    write(&original[..original.len() - 1]);
    let (code, report) = verify(&copy);
    assert_eq!((code, verdict(&report)), (1, "truncated"), "{report:#}");
    let tail = findings_of(&report)
        .into_iter()
        .find(|f| f["kind"] == "truncated_tail")
        .expect("a truncated_tail finding");
    assert_eq!(tail["line"].as_u64(), Some(last as u64), "{report:#}");
    assert_eq!(
        tail["bytes"].as_u64(),
        Some(lines[last - 1].len() as u64 - 1)
    );

    // Cut at a line boundary: every record intact, no end.
    write(&kept);
    let step = records_of(&copy)
        .iter()
        .rev()
        .find_map(|r| r["step"].as_str().map(str::to_string))
        .expect("a step record");
    assert_incomplete_after(&copy, &step, "cut at a line boundary");

    // The same torn file with one recorded value changed is tampering, not a crash.
    let at = cut
        .windows(b"value 3".len())
        .position(|w| w == b"value 3")
        .expect("the value of field 3 is in the kept records");
    cut[at + 6] = b'4';
    write(&cut);
    let (code, report) = verify(&copy);
    assert_eq!((code, verdict(&report)), (1, "tampered"), "{report:#}");
    assert!(
        finding_kinds(&report).iter().any(|k| k == "chain"),
        "a changed line breaks the chain: {report:#}"
    );
}
