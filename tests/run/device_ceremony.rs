//! The `device` step and `keyrite device` as a user runs them: the demo ceremony headless
//! and checked by `keyrite verify`; a simulator process (`keyrite device simulate`) on a
//! pty link for a wrong wallet, a hang-up with a retry, a garbage reply with a give-up,
//! a debug load; and `keyrite device list|probe`.

use crate::common::*;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

const SECRET: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

/// A `keyrite device simulate` child process, killed when dropped.
struct Sim {
    child: Child,
    link: PathBuf,
    fingerprint: Option<String>,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn simulate(dir: &Path, name: &str, extra: &[&str]) -> Sim {
    let link = dir.join(name);
    let mut child = keyrite()
        .args(["device", "simulate", "--link", link.to_str().unwrap()])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("keyrite starts");
    let mut out = BufReader::new(child.stdout.take().expect("piped"));
    let mut fingerprint = None;
    loop {
        let mut line = String::new();
        let n = out.read_line(&mut line).expect("stdout is readable");
        assert!(n > 0, "the simulator exited before it served");
        if let Some(fp) = line.trim().strip_prefix("fingerprint ") {
            fingerprint = Some(fp.to_string());
        }
        if line.starts_with("serving until stopped") {
            break;
        }
    }
    Sim {
        child,
        link,
        fingerprint,
    }
}

/// The master fingerprint of `SECRET` used as the BIP-32 seed.
fn secret_fingerprint() -> String {
    let id = keyrite::bip32::identity(
        &keyrite::slip39::MasterSecret::new(&hex::decode(SECRET).unwrap()).unwrap(),
        keyrite::bip32::Network::Bitcoin,
        &keyrite::bip32::parse_path("m").unwrap(),
    )
    .unwrap();
    id.master_fingerprint
}

/// Writes a one-officer ceremony whose steps are `steps` (YAML list items) and runs it.
fn ceremony(dir: &Path, steps: &str, answers: &str) -> (std::process::Output, PathBuf, String) {
    let script = dir.join("device-test.yaml");
    std::fs::write(
        &script,
        format!(
            "keyrite: 1\nid: device-test\ntitle: Device test\nroles:\n  officer: {{ name: Alice Example }}\nsteps:\n  - id: attendance\n    attend: [officer]\n{steps}"
        ),
    )
    .unwrap();
    let answers_file = dir.join("device-test.answers.yaml");
    std::fs::write(
        &answers_file,
        format!("attendance: {{ officer: AE }}\n{answers}"),
    )
    .unwrap();
    let records = dir.join("records");
    let out = run(
        &[
            "run",
            script.to_str().unwrap(),
            "--answers",
            answers_file.to_str().unwrap(),
            "--records",
            records.to_str().unwrap(),
        ],
        None,
    );
    let t = only_transcript(&records, "device-test");
    let body = std::fs::read_to_string(&t).unwrap();
    (out, script, body)
}

fn events(body: &str, event: &str) -> Vec<serde_json::Value> {
    body.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["event"] == event)
        .collect()
}

#[test]
fn demo_device_runs_headless_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().to_str().unwrap();
    let out = run(
        &[
            "run",
            "ceremonies/demo-device.yaml",
            "--answers",
            "ceremonies/demo-device.answers.yaml",
            "--records",
            records,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let t = only_transcript(dir.path(), "demo-device");
    let (code, v) = verify_json(&t, Some("ceremonies/demo-device.yaml"));
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["verdict"], "intact");
    assert_eq!(v["end"]["outcome"], "completed");
    let body = std::fs::read_to_string(&t).unwrap();
    let fp = events(&body, "fingerprint")[0]["master_fingerprint"].clone();
    let xpub = events(&body, "fingerprint")[0]["xpub"].clone();
    let checked = events(&body, "device_checked");
    assert_eq!(checked.len(), 4);
    assert!(checked.iter().all(|c| c["matches"] == true));
    assert_eq!(checked[1]["action"], "check_fingerprint");
    assert_eq!(checked[1]["device_fingerprint"], fp);
    assert_eq!(checked[1]["expected"], fp);
    assert_eq!(checked[2]["device_xpub"], xpub);
    assert_eq!(checked[3]["signature_verified"], true);
    let ids = events(&body, "device_identity");
    assert!(ids
        .iter()
        .all(|i| i["board"] == "KEYRITE_SIMULATOR" && i["mac"] == "00005E005301"));
    let methods: Vec<String> = events(&body, "device_request")
        .iter()
        .filter(|r| r["step"] == "device-sign")
        .map(|r| r["method"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        methods,
        [
            "get_version_info",
            "add_entropy",
            "auth_user",
            "get_xpub",
            "sign_message",
            "get_xpub"
        ]
    );
    assert!(events(&body, "device_request")
        .iter()
        .all(|r| r["reply_sha256"].as_str().unwrap().len() == 64));
}

#[test]
fn a_device_with_another_wallet_fails_the_step() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulate(
        dir.path(),
        "jade",
        &["--secret-hex", SECRET, "--wrong-wallet"],
    );
    let wrong = sim.fingerprint.clone().unwrap();
    let want = secret_fingerprint();
    assert_ne!(wrong, want);
    let step = format!(
        "  - id: check\n    device: {{ driver: jade, port: \"{}\", action: check_fingerprint, fingerprint: \"{want}\" }}\n",
        sim.link.display()
    );
    let (out, script, body) = ceremony(dir.path(), &step, "");
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("holds the wallet with master fingerprint {wrong}, but it should hold the wallet with master fingerprint {want}")),
        "{err}"
    );
    let checked = &events(&body, "device_checked")[0];
    assert_eq!(checked["matches"], false);
    assert_eq!(checked["device_fingerprint"], wrong.as_str());
    let t = only_transcript(&dir.path().join("records"), "device-test");
    let (code, v) = verify_json(&t, Some(script.to_str().unwrap()));
    assert_eq!(code, 0, "a failed ceremony's transcript is intact: {v:#}");
    assert_eq!(v["end"]["outcome"], "aborted");
    assert!(
        v["end"]["reason"].as_str().unwrap().contains(&wrong),
        "{v:#}"
    );
}

#[test]
fn the_right_wallet_passes_on_a_specter_too() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulate(
        dir.path(),
        "specter",
        &["--secret-hex", SECRET, "--driver", "specter"],
    );
    let want = secret_fingerprint();
    let step = format!(
        "  - id: check\n    device: {{ driver: specter, port: \"{}\", action: check_fingerprint, fingerprint: \"{want}\" }}\n  - id: sign\n    device: {{ driver: specter, port: \"{}\", action: sign_test_message }}\n",
        sim.link.display(),
        sim.link.display()
    );
    let (out, _, body) = ceremony(dir.path(), &step, "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let checked = events(&body, "device_checked");
    assert_eq!(checked[0]["device_fingerprint"], want.as_str());
    assert_eq!(checked[1]["signature_verified"], true);
}

#[test]
fn a_hang_up_is_retried_and_the_retry_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulate(
        dir.path(),
        "jade",
        &["--secret-hex", SECRET, "--hangup-at", "1"],
    );
    let want = secret_fingerprint();
    let step = format!(
        "  - id: check\n    device: {{ driver: jade, port: \"{}\", action: check_fingerprint, fingerprint: \"{want}\" }}\n",
        sim.link.display()
    );
    let (out, _, body) = ceremony(dir.path(), &step, "check: { device_retry: retry }\n");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let errors = events(&body, "device_error");
    assert!(
        errors[0]["error"].as_str().unwrap().contains("hung up"),
        "{errors:?}"
    );
    assert_eq!(errors[0]["retry_offered"], true);
    let retries = events(&body, "device_retry");
    assert!(!retries.is_empty());
    assert!(retries.iter().all(|r| r["choice"] == "retry"));
    let checked = &events(&body, "device_checked")[0];
    assert_eq!(checked["matches"], true);
}

#[test]
fn a_garbage_reply_and_a_give_up_fail_the_step() {
    let dir = tempfile::tempdir().unwrap();
    let sim = simulate(
        dir.path(),
        "jade",
        &["--secret-hex", SECRET, "--garbage-reply"],
    );
    let step = format!(
        "  - id: check\n    device: {{ driver: jade, port: \"{}\", action: probe, timeout_seconds: 1 }}\n",
        sim.link.display()
    );
    let (out, script, body) = ceremony(dir.path(), &step, "check: { device_retry: give up }\n");
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("gave up on the device after attempt 1"),
        "{err}"
    );
    assert!(err.contains("device reply: garbage"), "{err}");
    assert_eq!(events(&body, "device_retry")[0]["choice"], "give up");
    let t = only_transcript(&dir.path().join("records"), "device-test");
    let (code, _) = verify_json(&t, Some(script.to_str().unwrap()));
    assert_eq!(code, 0);
}

#[test]
fn a_debug_load_records_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let steps = "  - id: generate\n    generate_secret: { name: wallet, bits: 128 }\n  - id: fingerprint\n    fingerprint: { secret: wallet }\n  - id: load\n    device: { driver: jade, port: simulator, action: load, secret: wallet, allow_debug_load: true }\n";
    let (out, _, body) = ceremony(dir.path(), steps, "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let fp = events(&body, "fingerprint")[0]["master_fingerprint"].clone();
    let checked = &events(&body, "device_checked")[0];
    assert_eq!(checked["action"], "load");
    assert_eq!(checked["device_fingerprint"], fp);
    assert!(body.contains("\"method\":\"debug_set_mnemonic\""));
    assert!(!body.contains("\"seed\""), "no seed field is recorded");
    assert_eq!(
        events(&body, "device_identity")[0]["state"],
        "UNINIT",
        "the simulator starts empty for a load"
    );
}

#[test]
fn check_refuses_a_load_without_allow_debug_load() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("bad.yaml");
    std::fs::write(
        &script,
        "keyrite: 1\nid: bad\ntitle: Bad\nroles:\n  officer: { name: A }\nsteps:\n  - id: generate\n    generate_secret: { name: wallet, bits: 128 }\n  - id: load\n    device: { driver: jade, port: simulator, action: load, secret: wallet }\n  - id: check\n    device: { driver: jade, port: \"tcp:localhost\", action: check_fingerprint }\n",
    )
    .unwrap();
    let out = run(&["check", script.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("allow_debug_load: true"), "{err}");
    assert!(err.contains("`tcp:localhost` has no port number"), "{err}");
    assert!(
        err.contains("`check_fingerprint` needs what to compare with"),
        "{err}"
    );
}

#[test]
fn list_and_probe() {
    let out = run(&["device", "list"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(&["device", "list", "--json"], None);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.is_array());

    let dir = tempfile::tempdir().unwrap();
    let sim = simulate(dir.path(), "jade", &["--secret-hex", SECRET]);
    let out = run(
        &[
            "device",
            "probe",
            sim.link.to_str().unwrap(),
            "--driver",
            "jade",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let o = text(&out.stdout);
    assert!(o.contains("BOARD_TYPE"), "{o}");
    assert!(o.contains("JADE_VERSION"), "{o}");
    assert!(o.contains("JADE_STATE           READY"), "{o}");
    let out = run(
        &["device", "probe", sim.link.to_str().unwrap(), "--json"],
        None,
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["EFUSEMAC"], "00005E005301");

    let spec = simulate(
        dir.path(),
        "specter",
        &["--secret-hex", SECRET, "--driver", "specter"],
    );
    let out = run(
        &[
            "device",
            "probe",
            spec.link.to_str().unwrap(),
            "--driver",
            "specter",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&format!("fingerprint          {}", secret_fingerprint())));

    let out = run(&["device", "probe", "/dev/keyrite-nothing-here"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot open the serial port /dev/keyrite-nothing-here"));
    let out = run(&["device", "simulate", "--link", "/tmp/x"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--secret-hex or --mnemonic is required"));
}

#[test]
fn the_simulator_takes_its_wallet_as_slip39_shares() {
    let dir = tempfile::tempdir().unwrap();
    let answers = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/recovery-typed.answers.yaml"),
    )
    .unwrap();
    let shares: Vec<&str> = answers
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("custodian-1: ")
                .or_else(|| l.trim().strip_prefix("custodian-2: "))
        })
        .map(|s| s.trim_matches('"'))
        .collect();
    assert_eq!(shares.len(), 2);
    let sim = simulate(
        dir.path(),
        "jade",
        &["--mnemonic", shares[0], "--mnemonic", shares[1]],
    );
    // The demo recovery's recorded fingerprint: the same wallet as its two shares give.
    assert_eq!(sim.fingerprint.as_deref(), Some("0a5dccc7"));

    let out = run(
        &[
            "device",
            "simulate",
            "--link",
            "/tmp/never",
            "--mnemonic",
            shares[0],
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("the shares given with --mnemonic do not give a secret"),
        "{err}"
    );
    assert!(
        !err.contains(&shares[0][..30]),
        "a share must not be quoted: {err}"
    );
}
