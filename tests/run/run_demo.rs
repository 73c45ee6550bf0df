//! Headless runs of the demo as a user runs them, checked through `keyrite verify`.

use crate::common::{self, *};

#[test]
fn demo_runs_headless_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().to_str().unwrap();
    let out = run(
        &[
            "run",
            "ceremonies/demo.yaml",
            "--answers",
            "ceremonies/demo.answers.yaml",
            "--records",
            records,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert!(text(&out.stdout).contains("completed: "));
    let t = only_transcript(dir.path(), "demo-genesis");
    let (code, v) = verify_json(&t, Some("ceremonies/demo.yaml"));
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["verdict"], "intact");
    assert_eq!(v["end"]["outcome"], "completed");
    let steps: Vec<&str> = v["steps_done"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "attendance",
            "room",
            "check-seal",
            "offline",
            "generate",
            "split",
            "encrypt",
            "protect",
            "split-wallet-key",
            "encrypt-wallet-key",
            "fingerprint",
            "device",
            "show",
            "share-storage",
            "storage",
            "wipe",
            "closing",
            "sign"
        ]
    );
    let who: Vec<&str> = v["attended"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        who,
        [
            "officer",
            "witness-1",
            "witness-2",
            "custodian-1",
            "custodian-2",
            "custodian-3"
        ]
    );

    // The transcript holds what the room confirmed, with the recorded seal quoted.
    let body = std::fs::read_to_string(&t).unwrap();
    assert!(body.contains(r#""event":"confirmed","role":"witness-2","name":"Dana Example","initials":"DE","text":"The laptop bag seal reads TB-004217 and matches"#));
    assert!(body.contains(r#""item":"backup-drive","location":{"container":"Deposit box 17","holder":"Bob Example","seal":"TB-004219","site":"Branch office vault"}"#));

    // The same transcript against another script fails.
    let (code, v) = verify_json(&t, Some("ceremonies/demo.answers.yaml"));
    assert_eq!(code, 1);
    assert_eq!(v["findings"][0]["kind"], "script_mismatch");
}

#[test]
fn aborting_run_is_recorded_and_verifies_as_aborted() {
    let dir = tempfile::tempdir().unwrap();
    let answers = dir.path().join("abort.answers.yaml");
    let base = std::fs::read_to_string(repo("ceremonies/demo.answers.yaml")).unwrap();
    std::fs::write(
        &answers,
        base.replace(
            "offline: { officer: AE, witness-1: BE }",
            "offline: { abort: \"witness 1 was called away\" }",
        ),
    )
    .unwrap();
    let records = dir.path().join("records");
    let out = run(
        &[
            "run",
            "ceremonies/demo.yaml",
            "--answers",
            answers.to_str().unwrap(),
            "--records",
            records.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("aborted at step `offline`: witness 1 was called away"),
        "{}",
        text(&out.stderr)
    );
    let t = only_transcript(&records, "demo-genesis");
    let (code, v) = verify_json(&t, Some("ceremonies/demo.yaml"));
    assert_eq!(
        v["verdict"], "intact",
        "an aborted transcript is intact: {v:#}"
    );
    assert_eq!(v["end"]["outcome"], "aborted");
    assert_eq!(v["end"]["step"], "offline");
    assert_eq!(v["end"]["reason"], "witness 1 was called away");
    assert_eq!(v["steps_done"].as_array().unwrap().len(), 3);
    // Nobody signed the aborted record, so it is not valid yet...
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["valid"], false);
    assert_eq!(
        v["signatures"]["missing"],
        serde_json::json!(["officer", "witness-1"])
    );
    // ...until the required signers countersign it.
    for role in ["officer", "witness-1"] {
        let key = format!("ceremonies/demo/keys/{role}.secret.asc");
        let out = run(&["countersign", t.to_str().unwrap(), "--key", &key], None);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    let (code, v) = verify_json(&t, Some("ceremonies/demo.yaml"));
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["valid"], true);
}

#[test]
fn plain_prompts_run_a_ceremony_and_abort_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().to_str().unwrap();
    let script = "tests/data/room-check.yaml";
    let answers = [
        "AE", "BE", "DE", // attendance
        "Room 4", "TB-1", // room
        "A1", "BE", "DE", // check-seal: `A1` is refused and asked again
        "AE", "BE", // offline
        "HQ", "Safe 2", "TB-2", "Alice", "Branch", "Box 17", "TB-3", "Bob", // storage
        "",    // closing note
    ];
    let out = run(
        &["run", script, "--records", records],
        Some(&(answers.join("\n") + "\n")),
    );
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    assert!(stdout.contains("! `A1` are not initials"), "{stdout}");
    assert!(stdout.contains("The laptop bag seal reads TB-1 and matches"));
    let (code, _) = verify_json(&only_transcript(dir.path(), "room-check"), None);
    assert_eq!(code, 0);

    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().to_str().unwrap();
    let out = run(
        &["run", script, "--records", records],
        Some("AE\n:abort\n\nthe fire alarm went off\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("! a reason is required"));
    let (_, v) = verify_json(&only_transcript(dir.path(), "room-check"), None);
    assert_eq!(v["verdict"], "intact");
    assert_eq!(v["end"]["reason"], "the fire alarm went off");
    assert_eq!(v["attended"].as_array().unwrap().len(), 1);
}

#[test]
fn answers_file_problems_stop_before_anything_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let answers = dir.path().join("typo.answers.yaml");
    let base = std::fs::read_to_string(repo("ceremonies/demo.answers.yaml")).unwrap();
    std::fs::write(&answers, base.replace("check-seal:", "chek-seal:")).unwrap();
    let records = dir.path().join("records");
    let out = run(
        &[
            "run",
            "ceremonies/demo.yaml",
            "--answers",
            answers.to_str().unwrap(),
            "--records",
            records.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains(":8:1: error: `chek-seal` is not a step of ceremonies/demo.yaml"),
        "{err}"
    );
    assert!(err.contains("hint: did you mean `check-seal`?"), "{err}");
    assert!(
        !records.exists(),
        "nothing may be recorded for a run that never started"
    );
}

#[test]
fn a_missing_answer_fails_the_step_and_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let answers = dir.path().join("short.answers.yaml");
    let base = std::fs::read_to_string(repo("ceremonies/demo.answers.yaml")).unwrap();
    std::fs::write(&answers, base.replace(", witness-2: DE,", ",")).unwrap();
    let records = dir.path().join("records");
    let out = run(
        &[
            "run",
            "ceremonies/demo.yaml",
            "--answers",
            answers.to_str().unwrap(),
            "--records",
            records.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("step `attendance`") && err.contains("no answer for `witness-2`"),
        "{err}"
    );
    let (_, v) = verify_json(&only_transcript(&records, "demo-genesis"), None);
    assert_eq!(v["verdict"], "intact");
    assert_eq!(v["end"]["outcome"], "aborted");
    assert!(v["end"]["reason"].as_str().unwrap().starts_with("failed: "));
}

#[test]
fn plain_mode_refuses_to_show_a_share_into_a_pipe() {
    // `keyrite run demo.yaml > log.txt`: the prompts would go into the file and people
    // would type blind through twelve steps before the share screen refused. Pre-flight
    // refuses before anything exists: no transcript, no file under --out.
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records");
    let out_dir = dir.path().join("out");
    let out = run(
        &[
            "run",
            "ceremonies/demo.yaml",
            "--records",
            records.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
        ],
        Some("AE\nBE\n"),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains(
            "error: step `show` shows a share on the screen, but standard output is not a terminal"
        ),
        "{err}"
    );
    assert!(
        err.contains("nothing was run and nothing was recorded"),
        "{err}"
    );
    assert!(text(&out.stdout).is_empty(), "no prompt went into the pipe");
    assert!(!records.exists(), "no transcript");
    assert!(!out_dir.exists(), "no output file");
}

/// Every pre-flight refusal leaves nothing behind: an --out that already holds the
/// files the ceremony would write (the demo run twice), and a records folder that
/// cannot be written.
#[test]
fn preflight_refusals_record_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records");
    let out_dir = dir.path().join("out");
    let answers = ["--answers", "ceremonies/demo.answers.yaml"];
    let first = run(
        &[
            "run",
            "ceremonies/demo.yaml",
            answers[0],
            answers[1],
            "--records",
            records.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let transcripts = std::fs::read_dir(records.join("demo-genesis"))
        .unwrap()
        .count();
    // The same --out again: refused before the dice, not at step 7.
    let again = run(
        &[
            "run",
            "ceremonies/demo.yaml",
            answers[0],
            answers[1],
            "--records",
            records.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(again.status.code(), Some(2));
    let err = text(&again.stderr);
    assert!(
        err.contains("will create") && err.contains("which exists already"),
        "{err}"
    );
    assert!(err.contains("hint: give another --out folder"), "{err}");
    assert_eq!(
        std::fs::read_dir(records.join("demo-genesis"))
            .unwrap()
            .count(),
        transcripts,
        "no new transcript"
    );
    // A records folder that cannot be written.
    let refused = run(
        &[
            "run",
            "tests/data/room-check.yaml",
            "--answers",
            "tests/data/room-check.answers.yaml",
            "--records",
            "/proc/keyrite-records",
        ],
        None,
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr)
            .contains("the records folder /proc/keyrite-records cannot be written"),
        "{}",
        text(&refused.stderr)
    );
}

#[test]
fn typed_control_characters_are_refused_and_asked_again() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().to_str().unwrap();
    // An ESC sequence that would clear the screen, pasted into the room field; a
    // right-to-left override in the seal; then the abort reason with a BEL.
    let input = "AE\nBE\nDE\nRoom\u{1b}[2J 4\nRoom 4\nTB\u{202e}-1\nTB-1\n:abort\nfire\u{7} alarm\nfire alarm\n";
    let out = run(
        &["run", "tests/data/room-check.yaml", "--records", records],
        Some(input),
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("! character U+001B (ESC) at position 5 is a control character"),
        "{stdout}"
    );
    assert!(
        stdout.contains("! character U+202E (bidirectional control) at position 3"),
        "{stdout}"
    );
    assert!(
        stdout.contains("! character U+0007 (BEL) at position 5"),
        "{stdout}"
    );
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\u{202e}') && !stdout.contains('\u{7}'),
        "a typed control reached the terminal: {stdout:?}"
    );
    let (_, v) = verify_json(&only_transcript(dir.path(), "room-check"), None);
    assert_eq!(v["end"]["reason"], "fire alarm");
    let transcript = std::fs::read_to_string(only_transcript(dir.path(), "room-check")).unwrap();
    assert!(transcript.contains("\"Room 4\"") && transcript.contains("\"TB-1\""));
    assert!(!transcript.contains("\\u001b") && !transcript.contains('\u{202e}'));
}

#[test]
fn pipes_devices_and_folders_are_refused_at_once_where_a_file_is_expected() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("script.yaml");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let fifo = fifo.to_str().unwrap();
    let folder = dir.path().to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["check", fifo],
            "not a regular file: it is a named pipe (FIFO)",
        ),
        (
            &["check", "/dev/zero"],
            "not a regular file: it is a device",
        ),
        (&["check", folder], "not a regular file: it is a directory"),
        (
            &["print", "/dev/zero"],
            "not a regular file: it is a device",
        ),
        (
            &["report", fifo],
            "not a regular file: it is a named pipe (FIFO)",
        ),
        (
            &["run", "tests/data/room-check.yaml", "--answers", fifo],
            "not a regular file: it is a named pipe (FIFO)",
        ),
        (
            &[
                "run",
                "tests/data/room-check.yaml",
                "--answers",
                "/dev/zero",
            ],
            "not a regular file: it is a device",
        ),
    ];
    for (args, message) in cases {
        // A FIFO without a writer would block an ordinary open forever; the timeout
        // turns such a hang into a failure instead of a stuck test run.
        let out = run_with_timeout(args, std::time::Duration::from_secs(20));
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}

/// Runs keyrite with no input and kills it after `limit`, so a hang fails the test.
fn run_with_timeout(args: &[&str], limit: std::time::Duration) -> std::process::Output {
    let mut child = common::keyrite()
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("keyrite {args:?} still running after {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Plain prompts driven through pipes: a signal arrives while a person is asked.
/// Ctrl-C (SIGINT) asks for the reason and records it; SIGTERM and SIGHUP end the
/// ceremony at once with a record that names the signal. The vault is wiped and the
/// transcript is closed either way.
#[test]
fn signals_at_a_plain_prompt_end_the_ceremony_with_a_recorded_abort() {
    use std::io::{BufRead, BufReader, Write};
    for (signal, reply, reason) in [
        (
            "INT",
            Some("smoke in the room"),
            "interrupted (Ctrl-C): smoke in the room",
        ),
        (
            "TERM",
            None,
            "terminated by SIGTERM (keyrite was told to stop)",
        ),
        (
            "HUP",
            None,
            "terminated by SIGHUP (the terminal was closed)",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let records = dir.path().to_str().unwrap();
        let mut child = common::keyrite()
            .args([
                "run",
                "tests/data/room-check.yaml",
                "--plain",
                "--records",
                records,
            ])
            .args(["--out", dir.path().join("out").to_str().unwrap()])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        std::thread::spawn(move || {
            // Prompts end without a newline: read byte runs, not lines.
            let mut reader = BufReader::new(stdout);
            loop {
                let mut chunk = Vec::new();
                match reader.read_until(b'>', &mut chunk) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {
                        if tx
                            .send(String::from_utf8_lossy(&chunk).into_owned())
                            .is_err()
                        {
                            return;
                        }
                    }
                }
            }
        });
        let mut seen = String::new();
        let wait_for = |needle: &str, seen: &mut String| {
            while !seen.contains(needle) {
                let more = rx
                    .recv_timeout(std::time::Duration::from_secs(20))
                    .unwrap_or_else(|_| panic!("waited for {needle:?}; saw {seen}"));
                seen.push_str(&more);
            }
        };
        writeln!(stdin, "AE").unwrap();
        wait_for("Bob Example initials>", &mut seen);
        let killed = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        if let Some(reply) = reply {
            wait_for("reason for aborting the ceremony>", &mut seen);
            writeln!(stdin, "{reply}").unwrap();
        }
        let status = child.wait().unwrap();
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
        assert_eq!(status.code(), Some(1), "SIG{signal}: {seen}\n{err}");
        assert!(
            err.contains(&format!("aborted at step `attendance`: {reason}")),
            "{err}"
        );
        let (_, v) = verify_json(&only_transcript(dir.path(), "room-check"), None);
        assert_eq!(v["verdict"], "intact", "{v:#}");
        assert_eq!(v["end"]["outcome"], "aborted", "{v:#}");
        assert_eq!(v["end"]["reason"], reason, "{v:#}");
    }
}

/// Found by fuzzing: a name with a JSON escape (`Bob "Bobby" Example`) made a genuine
/// transcript fail verification as tampered. It verifies intact, with the name whole.
#[test]
fn a_name_with_quotes_and_backslashes_verifies_intact() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("room-check.yaml");
    let original = std::fs::read_to_string(repo("tests/data/room-check.yaml")).unwrap();
    std::fs::write(
        &script,
        original.replace(
            "{ name: Bob Example }",
            r#"{ name: "Bob \"Bobby\" \\ Example" }"#,
        ),
    )
    .unwrap();
    let records = dir.path().join("records");
    let out = run(
        &[
            "run",
            script.to_str().unwrap(),
            "--answers",
            repo("tests/data/room-check.answers.yaml").to_str().unwrap(),
            "--records",
            records.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let (code, v) = verify_json(&only_transcript(&records, "room-check"), None);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["verdict"], "intact", "{v:#}");
    let names: Vec<&str> = v["attended"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&r#"Bob "Bobby" \ Example"#), "{names:?}");
}

/// Two roles the script allows to be one person: the allowance and its reason are in
/// the first record, so the signed transcript says why one person held two roles.
#[test]
fn an_allowed_same_person_pair_is_recorded_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records");
    let answers = dir.path().join("a.yaml");
    std::fs::write(&answers, "attend-1: { officer: AE }\n").unwrap();
    let out = run(
        &[
            "run",
            "tests/check/same-person-allowed.yaml",
            "--answers",
            answers.to_str().unwrap(),
            "--records",
            records.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let transcript =
        std::fs::read_to_string(only_transcript(&records, "same-person-allowed")).unwrap();
    let first: serde_json::Value =
        serde_json::from_str(transcript.lines().next().unwrap()).unwrap();
    assert_eq!(
        first["same_person_allowed"],
        serde_json::json!([{
            "roles": ["officer", "escrow"],
            "reason": "The officer also keeps the escrow key in the company safe"
        }])
    );
    assert_eq!(first["tool"]["sha256"].as_str().map(str::len), Some(64));
}

/// A device the script names that is not connected now is a warning before the first
/// step, naming the step that needs it (it may be plugged in by then); the run goes on.
#[test]
fn a_device_not_connected_is_a_warning_naming_its_step() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("device.yaml");
    std::fs::write(
        &script,
        "keyrite: 1\nid: device-later\ntitle: A device plugged in later\nroles:\n  officer: { name: Alice Example }\nsteps:\n  - attend: [officer]\n  - id: wallet\n    device: { driver: jade, port: /dev/ttyKEYRITE-not-here, action: probe }\n",
    )
    .unwrap();
    let answers = dir.path().join("a.yaml");
    std::fs::write(&answers, "attend-1: { officer: AE }\n").unwrap();
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
    let err = text(&out.stderr);
    assert!(
        err.starts_with("warning: step `wallet` talks to a device on /dev/ttyKEYRITE-not-here, which is not connected now; connect it before that step"),
        "{err}"
    );
    // The ceremony ran (and the probe then failed at its step, recorded).
    let (_, v) = verify_json(&only_transcript(&records, "device-later"), None);
    assert_eq!(v["verdict"], "intact", "{v:#}");
    assert_eq!(v["attended"].as_array().unwrap().len(), 1);
}
