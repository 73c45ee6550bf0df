//! Secrets stay secret: after real runs, no share word sequence and no secret appears in
//! the records, nor in the process's output; and the secret steps fail loudly when the
//! shares or the fingerprint are wrong.

use crate::common::*;

use std::path::Path;

use keyrite::engine::{self, End, RunOptions};
use keyrite::operator::answers::Answers;
use keyrite::operator::{
    FieldKey, Operator, OperatorError, RoleView, SecretAsk, SecretValidator, SecretView, Source,
    StepView, Validator,
};
use keyrite::script::types::Initials;
use keyrite::slip39::{combine, Passphrase, Share, WORDS};
use zeroize::Zeroizing;

/// The answers-file front end, keeping a copy of every share shown, as a holder would.
struct Capturing {
    inner: Answers,
    shown: Vec<String>,
}

impl Operator for Capturing {
    fn source(&self) -> Source {
        self.inner.source()
    }
    fn begin_step(&mut self, step: &StepView<'_>) -> Result<(), OperatorError> {
        self.inner.begin_step(step)
    }
    fn confirm(
        &mut self,
        step: &StepView<'_>,
        role: &RoleView<'_>,
        s: &str,
    ) -> Result<Initials, OperatorError> {
        self.inner.confirm(step, role, s)
    }
    fn acknowledge(&mut self, step: &StepView<'_>, text: &str) -> Result<(), OperatorError> {
        self.inner.acknowledge(step, text)
    }
    fn ask_field(
        &mut self,
        step: &StepView<'_>,
        key: &FieldKey,
        label: &str,
        v: Validator<'_>,
    ) -> Result<String, OperatorError> {
        self.inner.ask_field(step, key, label, v)
    }
    fn show_secret(
        &mut self,
        step: &StepView<'_>,
        view: &SecretView<'_>,
    ) -> Result<(), OperatorError> {
        self.shown.push(view.words.expose_secret().to_string());
        self.inner.show_secret(step, view)
    }
    fn ask_secret(
        &mut self,
        step: &StepView<'_>,
        ask: &SecretAsk<'_>,
        v: SecretValidator<'_>,
    ) -> Result<Zeroizing<String>, OperatorError> {
        self.inner.ask_secret(step, ask, v)
    }
    fn inform(
        &mut self,
        step: &StepView<'_>,
        severity: keyrite::operator::Severity,
        message: &str,
    ) {
        self.inner.inform(step, severity, message)
    }
}

fn all_files_text(dir: &Path) -> String {
    let mut out = String::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.push_str(&all_files_text(&path));
        } else {
            out.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
        }
    }
    out
}

/// The longest run of consecutive SLIP-39 words in `text`.
/// `text` without its `head phrase:` line, which is a run of SLIP-39 words by design: the
/// line is removed only after checking that its words decode to exactly `head`, the
/// transcript's head hash, so nothing else can hide there.
fn without_head_phrase(text: &str, head: &str) -> String {
    text.lines()
        .filter(|line| {
            let Some(phrase) = line.strip_prefix("head phrase: ") else {
                return true;
            };
            let words: Vec<&str> = phrase
                .split_whitespace()
                .filter(|w| !w.ends_with('.'))
                .collect();
            let decoded = keyrite::transcript::phrase::decode(&words.join(" "))
                .expect("the head phrase decodes");
            assert_eq!(hex::encode(decoded), head, "the head phrase is the head's");
            false
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn longest_word_run(text: &str) -> usize {
    let (mut best, mut run) = (0, 0);
    for token in text.split(|c: char| !c.is_ascii_alphabetic()) {
        if token.is_empty() {
            continue;
        }
        if WORDS.contains(&token.to_lowercase().as_str()) {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

#[test]
fn a_genesis_run_leaves_no_share_or_secret_in_any_record() {
    let script = keyrite::script::load(&repo("ceremonies/demo.yaml")).unwrap();
    let answers = Answers::load(
        &repo("ceremonies/demo.answers.yaml"),
        &script.path,
        &script.step_ids(),
    )
    .unwrap();
    let mut op = Capturing {
        inner: answers,
        shown: Vec::new(),
    };
    let dir = tempfile::tempdir().unwrap();
    let outcome = engine::run(
        &script,
        &mut op,
        &RunOptions {
            records: dir.path().join("records"),
            // Not `keyrite::hygiene::harden()`: it changes the whole test process (core
            // dump limit, dumpable flag, perhaps `mlockall`), which every other test in
            // this binary shares. The binary applies it itself in the tests that run it.
            hygiene: keyrite::hygiene::Hygiene {
                core_dumps_off: false,
                memory_locked: false,
                notes: vec!["test".to_string()],
            },
            out: dir.path().join("out"),
            warnings: Vec::new(),
        },
    )
    .unwrap();
    assert_eq!(outcome.end, End::Completed);
    assert_eq!(op.shown.len(), 3, "each custodian saw one share");
    let shares: Vec<Share> = op
        .shown
        .iter()
        .map(|w| Share::from_mnemonic(w).unwrap())
        .collect();
    let secret = combine(&shares[..2], &Passphrase::empty()).unwrap();
    let secret_hex = hex::encode(secret.expose_secret());
    let records = all_files_text(dir.path());
    for words in &op.shown {
        assert!(
            !records.contains(words.as_str()),
            "a share is in the records"
        );
        let first_five: Vec<&str> = words.split_whitespace().skip(3).take(5).collect();
        assert!(
            !records.contains(&first_five.join(" ")),
            "share words are in the records"
        );
    }
    assert!(
        !records.to_lowercase().contains(&secret_hex),
        "the secret is in the records"
    );
    assert!(
        longest_word_run(&records) < 4,
        "a run of SLIP-39 words is in the records"
    );
    // The recorded digests and fingerprint are those of the shares and secret shown.
    for share in &shares {
        assert!(records.contains(&share.digest().to_string()));
    }
    assert!(records.contains(r#""event":"vault_wiped""#) || records.contains(r#""event":"wiped""#));
}

#[test]
fn the_binary_prints_no_share_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        &[
            "run",
            "ceremonies/demo.yaml",
            "--answers",
            "ceremonies/demo.answers.yaml",
            "--records",
            dir.path().to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let head = std::fs::read_to_string(only_transcript(dir.path(), "demo-genesis")).unwrap();
    let last = head.lines().last().unwrap();
    let head_hash = keyrite::transcript::sha256_hex(last.as_bytes());
    let (stdout, stderr) = (
        without_head_phrase(&text(&out.stdout), &head_hash),
        text(&out.stderr),
    );
    assert!(
        longest_word_run(&stdout) < 4 && longest_word_run(&stderr) < 4,
        "{stdout}\n{stderr}"
    );
    // The only long hex string printed is the transcript's head hash.
    for token in stdout
        .split(|c: char| !c.is_ascii_hexdigit())
        .filter(|t| t.len() >= 32)
    {
        assert_eq!(token, head_hash, "unexpected hex in stdout: {stdout}");
    }
    assert!(
        stderr
            .split(|c: char| !c.is_ascii_hexdigit())
            .all(|t| t.len() < 32),
        "{stderr}"
    );
}

#[test]
fn recovery_demo_verifies_and_leaves_no_trace_of_the_test_shares() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        &[
            "run",
            "ceremonies/demo-recovery.yaml",
            "--answers",
            "ceremonies/demo-recovery.answers.yaml",
            "--records",
            dir.path().to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let t = only_transcript(dir.path(), "demo-recovery");
    let (code, v) = verify_json(&t, Some("ceremonies/demo-recovery.yaml"));
    assert_eq!(code, 0, "{v:#}");
    let body = std::fs::read_to_string(&t).unwrap();
    assert!(body.contains(r#""event":"secret_verified","secret":"treasury","fingerprint":"0a5dccc7","expected":"0a5dccc7","matches":true"#));
    let head = keyrite::transcript::sha256_hex(body.lines().last().unwrap().as_bytes());
    let everything = format!(
        "{}{}{}",
        body,
        without_head_phrase(&text(&out.stdout), &head),
        text(&out.stderr)
    );
    assert!(
        !everything.contains("119ecc3f2cb64c7f"),
        "the demo secret leaked"
    );
    assert!(
        !everything.contains("execute morning academic"),
        "a demo share leaked"
    );
    assert!(longest_word_run(&everything) < 4);
}

fn recovery_with(
    answers_edit: impl Fn(String) -> String,
    script_edit: impl Fn(String) -> String,
) -> (std::process::Output, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("recovery.yaml");
    let answers = dir.path().join("recovery.answers.yaml");
    std::fs::write(
        &script,
        script_edit(
            std::fs::read_to_string(repo("tests/data/recovery-typed.yaml"))
                .unwrap()
                .replace(
                    "cert: ../../ceremonies/demo/keys/",
                    &format!("cert: {}/", repo("ceremonies/demo/keys").display()),
                ),
        ),
    )
    .unwrap();
    std::fs::write(
        &answers,
        answers_edit(
            std::fs::read_to_string(repo("tests/data/recovery-typed.answers.yaml")).unwrap(),
        ),
    )
    .unwrap();
    let records = dir.path().join("records");
    let out = run(
        &[
            "run",
            script.to_str().unwrap(),
            "--answers",
            answers.to_str().unwrap(),
            "--records",
            records.to_str().unwrap(),
        ],
        None,
    );
    let (_, v) = verify_json(&only_transcript(&records, "demo-recovery"), None);
    (out, v)
}

#[test]
fn a_wrong_fingerprint_fails_the_rehearsal_and_says_which_wallet_it_found() {
    let (out, v) = recovery_with(|a| a, |s| s.replace("0a5dccc7", "73c5da0a"));
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("`treasury` has master fingerprint 0a5dccc7, but 73c5da0a was expected"),
        "{err}"
    );
    assert_eq!(v["verdict"], "intact");
    assert_eq!(v["end"]["step"], "verify");
    assert!(v["steps_done"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s != "wipe"));
}

#[test]
fn a_share_with_a_typo_is_refused_with_the_word_number() {
    // Swap one word for another list word: the checksum catches it.
    let (out, v) = recovery_with(|a| a.replacen("avoid golden", "avoid garden", 1), |s| s);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("step `collect`") && err.contains("checksum"),
        "{err}"
    );
    assert!(
        !err.contains("execute morning"),
        "the share must not be quoted: {err}"
    );
    assert_eq!(v["end"]["outcome"], "aborted");
}

#[test]
fn a_word_not_in_the_list_is_named() {
    let (out, _) = recovery_with(|a| a.replacen("avoid golden", "avoid xylophone", 1), |s| s);
    let err = text(&out.stderr);
    assert!(
        err.contains("word 6 is not in the SLIP-39 word list"),
        "{err}"
    );
    // A typo could give a real word away, so what was typed is never quoted.
    assert!(!err.contains("xylophone"), "{err}");
}

#[test]
fn one_share_is_not_enough() {
    let (out, v) = recovery_with(
        |a| {
            let start = a.find("  custodian-2:").unwrap();
            let end = a[start..].find("\nsign-off").unwrap() + start;
            format!("{}{}", &a[..start], &a[end + 1..])
        },
        |s| {
            s.replace(
                "by: [custodian-1, custodian-2, custodian-3]",
                "by: [custodian-1]",
            )
        },
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("not enough to recover: group 1: 1 of 2"),
        "{err}"
    );
    assert_eq!(v["verdict"], "intact");
}
