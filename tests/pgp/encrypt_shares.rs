//! Encrypted shares as a holder receives them: a headless demo run writes one file per
//! share, mode 0600, and GnuPG opens each with its custodian's secret key to the very share
//! whose digest the transcript recorded.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common::gnupg;
use crate::common::*;
use keyrite::slip39::Share;

#[test]
fn gpg_opens_each_share_file_to_the_recorded_share() {
    let Some(gpg) = gnupg::gpg() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (transcript, out, _) = demo_genesis(dir.path());
    let records = dir.path().join("records");
    let body = std::fs::read_to_string(transcript).unwrap();
    let encrypted: Vec<serde_json::Value> = body
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r["event"] == "share_encrypted" && r["set"] == "treasury-shares")
        .collect();
    assert_eq!(encrypted.len(), 3);
    for record in &encrypted {
        let holder = record["holder"].as_str().unwrap();
        let path = std::path::PathBuf::from(record["file"].as_str().unwrap());
        assert_eq!(
            path,
            out.join(format!(
                "treasury-shares/{holder}-1-{}.asc",
                record["member"]
            ))
        );
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(
            keyrite::transcript::sha256_hex(&bytes),
            record["file_sha256"]
        );
        let fingerprint =
            keyrite::pgp::Certificate::load(repo(&format!("ceremonies/demo/keys/{holder}.asc")))
                .unwrap()
                .fingerprint();
        assert_eq!(record["recipients"], serde_json::json!([fingerprint]));

        gpg.import_secret(
            &std::fs::read(repo(&format!("ceremonies/demo/keys/{holder}.secret.asc"))).unwrap(),
            "",
        );
        let plain = String::from_utf8(gpg.ok(&["--decrypt"], Some(&bytes))).unwrap();
        let words = plain.lines().find(|l| !l.starts_with('#')).unwrap();
        let share = Share::from_mnemonic(words).unwrap();
        assert_eq!(
            share.digest().to_string(),
            record["digest"].as_str().unwrap()
        );
        assert!(plain.contains("# holder: "), "{plain}");
        // The words never reach the transcript.
        assert!(!body.contains(words));
    }

    // Running again into the same folder never overwrites a share file: pre-flight
    // refuses before anything is recorded (before the dice, not at the encrypting step).
    let share_files = |dir: &Path| -> Vec<Vec<u8>> {
        let mut all = Vec::new();
        for set in std::fs::read_dir(dir).unwrap().flatten() {
            for f in std::fs::read_dir(set.path()).unwrap().flatten() {
                all.push(std::fs::read(f.path()).unwrap());
            }
        }
        all
    };
    let before = share_files(&out);
    let transcripts = std::fs::read_dir(records.join("demo-genesis"))
        .unwrap()
        .count();
    let again = run(
        &[
            "run",
            "ceremonies/demo.yaml",
            "--answers",
            "ceremonies/demo.answers.yaml",
            "--records",
            records.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(
        text(&again.stderr).contains("which exists already"),
        "{}",
        text(&again.stderr)
    );
    assert_eq!(share_files(&out), before, "the share files are untouched");
    assert_eq!(
        std::fs::read_dir(records.join("demo-genesis"))
            .unwrap()
            .count(),
        transcripts,
        "nothing was recorded"
    );
}
