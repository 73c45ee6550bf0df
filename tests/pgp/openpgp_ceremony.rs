//! OpenPGP in whole ceremonies, checked against GnuPG: signed transcripts (by keyrite and
//! by gpg), countersigning, tampering after signing, signatures by strangers, protected
//! files, and rehearsals that decrypt shares from files.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use crate::common::{self, gnupg, *};
use keyrite::slip39::{combine, Share};
use serde_json::Value;

fn records_of(transcript: &Path) -> Vec<Value> {
    std::fs::read_to_string(transcript)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn demo_key(role: &str) -> PathBuf {
    repo(&format!("ceremonies/demo/keys/{role}.secret.asc"))
}

fn fingerprint(role: &str) -> String {
    keyrite::pgp::Certificate::load(repo(&format!("ceremonies/demo/keys/{role}.asc")))
        .unwrap()
        .fingerprint()
}

/// Runs the demo genesis into `dir` and checks both signers signed.
fn demo_genesis(dir: &Path) -> (PathBuf, PathBuf) {
    let (transcript, out, stdout) = common::demo_genesis(dir);
    assert!(stdout.contains("signed by officer into "), "{stdout}");
    assert!(stdout.contains("signed by witness-1 into "), "{stdout}");
    (transcript, out)
}

fn sig_path(transcript: &Path) -> PathBuf {
    PathBuf::from(format!("{}.asc", transcript.display()))
}

fn signed_roles(v: &Value) -> Vec<String> {
    v["signatures"]["signed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["role"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn demo_signatures_verify_in_gpg_and_keyrite_and_fail_both_after_a_change() {
    let gpg = gnupg::gpg();
    let dir = tempfile::tempdir().unwrap();
    let (transcript, _) = demo_genesis(dir.path());
    let records = records_of(&transcript);
    // The first record names who must sign; the step before the end record says where.
    assert_eq!(
        records[0]["signers"],
        serde_json::json!(["officer", "witness-1"])
    );
    let requested = records
        .iter()
        .find(|r| r["event"] == "signing_requested")
        .unwrap();
    assert_eq!(
        requested["signature_file"],
        sig_path(&transcript).display().to_string()
    );
    assert_eq!(records.last().unwrap()["event"], "completed");

    let (code, v) = verify_json(&transcript, Some("ceremonies/demo.yaml"));
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["valid"], true);
    assert_eq!(signed_roles(&v), ["officer", "witness-1"]);
    assert_eq!(
        v["signatures"]["signed"][0]["fingerprint"],
        fingerprint("officer")
    );
    assert!(v["signatures"]["signed"][0]["at"]
        .as_str()
        .unwrap()
        .starts_with("20"));

    // The same check with the certificates in a folder instead of the script.
    let (code, v2) = {
        let out = run(
            &[
                "verify",
                transcript.to_str().unwrap(),
                "--json",
                "--certs",
                repo("ceremonies/demo/keys").to_str().unwrap(),
            ],
            None,
        );
        (
            out.status.code().unwrap(),
            serde_json::from_slice::<Value>(&out.stdout).unwrap(),
        )
    };
    assert_eq!(code, 0, "{v2:#}");
    assert_eq!(signed_roles(&v2), ["officer", "witness-1"]);

    if let Some(gpg) = &gpg {
        for role in ["officer", "witness-1"] {
            gpg.import(&std::fs::read(repo(&format!("ceremonies/demo/keys/{role}.asc"))).unwrap());
        }
        let (ok, status) = gpg.verify(&sig_path(&transcript), &transcript);
        assert!(ok, "{status}");
        for role in ["officer", "witness-1"] {
            // VALIDSIG names the signing subkey, then the primary key last.
            let primary = fingerprint(role);
            assert!(
                status
                    .lines()
                    .any(|l| l.starts_with("[GNUPG:] VALIDSIG") && l.ends_with(&primary)),
                "{status}"
            );
        }
    }

    // One changed byte after signing: the chain and every signature fail, in both tools.
    let mut bytes = std::fs::read(&transcript).unwrap();
    let at = String::from_utf8_lossy(&bytes)
        .find("Safe room 4.12")
        .unwrap();
    bytes[at] = b's';
    std::fs::write(&transcript, &bytes).unwrap();
    let (code, v) = verify_json(&transcript, Some("ceremonies/demo.yaml"));
    assert_eq!(code, 1);
    assert_eq!(v["verdict"], "tampered");
    assert_eq!(v["valid"], false);
    assert_eq!(v["signatures"]["bad"].as_array().unwrap().len(), 2, "{v:#}");
    assert_eq!(
        v["signatures"]["missing"],
        serde_json::json!(["officer", "witness-1"])
    );
    if let Some(gpg) = &gpg {
        let (ok, status) = gpg.verify(&sig_path(&transcript), &transcript);
        assert!(!ok, "{status}");
        assert!(status.contains("BADSIG"), "{status}");
    }
}

#[test]
fn missing_signers_fail_verify_until_they_countersign_and_strangers_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (transcript, _) = demo_genesis(dir.path());
    let t = transcript.to_str().unwrap();
    std::fs::remove_file(sig_path(&transcript)).unwrap();

    let (code, v) = verify_json(&transcript, Some("ceremonies/demo.yaml"));
    assert_eq!(code, 1);
    assert_eq!(v["verdict"], "intact");
    assert_eq!(v["signatures"]["present"], false);
    assert_eq!(
        v["signatures"]["missing"],
        serde_json::json!(["officer", "witness-1"])
    );
    let human = run(&["verify", t, "--script", "ceremonies/demo.yaml"], None);
    assert_eq!(human.status.code(), Some(1));
    let says = text(&human.stdout);
    assert!(
        says.contains("missing     Bob Example (witness-1) has not signed"),
        "{says}"
    );
    assert!(says.contains("keyrite countersign"), "{says}");

    // The officer countersigns: still one signer missing.
    let out = run(
        &[
            "countersign",
            t,
            "--key",
            demo_key("officer").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("signed by Alice Example (officer)"));
    let (code, v) = verify_json(&transcript, Some("ceremonies/demo.yaml"));
    assert_eq!(code, 1);
    assert_eq!(v["signatures"]["missing"], serde_json::json!(["witness-1"]));

    // Someone who is not a role cannot countersign...
    let (secret, _) = keyrite::pgp::generate("Mallory <m@example.org>", None).unwrap();
    let mallory = dir.path().join("mallory.secret.asc");
    std::fs::write(&mallory, secret.as_bytes()).unwrap();
    let out = run(
        &["countersign", t, "--key", mallory.to_str().unwrap()],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("is not the certificate of any role"),
        "{}",
        text(&out.stderr)
    );

    // ...and a signature slipped in by hand is reported as unknown, not counted.
    let key = keyrite::pgp::SecretKey::load(&mallory, None).unwrap();
    let foreign = keyrite::pgp::sign_detached(&key, &std::fs::read(&transcript).unwrap()).unwrap();
    let mut asc = std::fs::OpenOptions::new()
        .append(true)
        .open(sig_path(&transcript))
        .unwrap();
    asc.write_all(foreign.as_bytes()).unwrap();
    drop(asc);
    let out = run(
        &[
            "countersign",
            t,
            "--key",
            demo_key("witness-1").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let (code, v) = verify_json(&transcript, Some("ceremonies/demo.yaml"));
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(signed_roles(&v), ["officer", "witness-1"]);
    let unknown = v["signatures"]["unknown"].as_array().unwrap();
    assert_eq!(unknown.len(), 1, "{v:#}");
    assert!(unknown[0]["issuer"].as_str().unwrap().len() == 40, "{v:#}");
    assert!(unknown[0]["problem"]
        .as_str()
        .unwrap()
        .contains("no given certificate holds the key"));

    // A transcript that is not closed is never signed.
    let body = std::fs::read_to_string(&transcript).unwrap();
    let lines: Vec<&str> = body.lines().collect();
    let open = dir.path().join("open.jsonl");
    std::fs::write(&open, lines[..lines.len() - 1].join("\n") + "\n").unwrap();
    let out = run(
        &[
            "countersign",
            open.to_str().unwrap(),
            "--key",
            demo_key("officer").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("not an intact, closed transcript"));
    assert!(!sig_path(&open).exists());
}

#[test]
fn countersign_asks_for_a_protected_keys_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let (secret, public) =
        keyrite::pgp::generate("Wendy <w@example.org>", Some("correct horse")).unwrap();
    let key = dir.path().join("wendy.secret.asc");
    let cert = dir.path().join("wendy.asc");
    std::fs::write(&key, secret.as_bytes()).unwrap();
    std::fs::write(&cert, public.as_bytes()).unwrap();
    let script = dir.path().join("sign.yaml");
    std::fs::write(
        &script,
        "keyrite: 1\nid: sign-test\ntitle: Sign test\nroles:\n  witness: { name: Wendy Example, cert: wendy.asc }\nsteps:\n  - note: Nothing happens here.\n  - id: sign\n    sign_transcript: { by: [witness] }\n",
    )
    .unwrap();
    let answers = dir.path().join("sign.answers.yaml");
    // A wrong passphrase three times: the transcript is complete, but not signed.
    std::fs::write(
        &answers,
        format!(
            "note-1: ack\nsign:\n  witness: {{ key_file: {}, passphrase: wrong }}\n",
            key.display()
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
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("not signed by witness"), "{err}");
    assert!(err.contains("keyrite countersign"), "{err}");
    assert!(!err.contains("wrong\n"), "{err}");
    let transcript = only_transcript(&records, "sign-test");
    assert!(!sig_path(&transcript).exists());

    // A certificate where the secret key is needed is refused, saying so.
    let t = transcript.to_str().unwrap();
    let out = run(&["countersign", t, "--key", cert.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("this file holds no secret key material"),
        "{}",
        text(&out.stderr)
    );

    // Countersigning with the passphrase from a file.
    let pass = dir.path().join("pass.txt");

    std::fs::write(&pass, "not it\n").unwrap();

    let out = run(
        &[
            "countersign",
            t,
            "--key",
            key.to_str().unwrap(),
            "--passphrase-file",
            pass.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("passphrase does not unlock"),
        "{}",
        text(&out.stderr)
    );
    std::fs::write(&pass, "correct horse\n").unwrap();
    let out = run(
        &[
            "countersign",
            t,
            "--key",
            key.to_str().unwrap(),
            "--passphrase-file",
            pass.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // From standard input when there is no file.
    std::fs::remove_file(sig_path(&transcript)).unwrap();
    let out = run(
        &["countersign", t, "--key", key.to_str().unwrap()],
        Some("correct horse\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let (code, v) = verify_json(&transcript, Some(script.to_str().unwrap()));
    assert_eq!(code, 0, "{v:#}");
}

/// A signer signs outside keyrite with gpg and a gpg-made key, as the step's command
/// says; keyrite verifies the signature before accepting it. Shares encrypted to that
/// gpg-made certificate open in gpg.
#[test]
fn a_signer_signs_with_gpg_outside_keyrite_and_gpg_opens_shares_encrypted_to_its_key() {
    let Some(gpg) = gnupg::gpg() else {
        return;
    };
    // gpg's default key: the primary key certifies and signs.
    let fpr = gpg.gen_full("Gil Gpg <gil@example.org>", "default");
    sign_outside_with_the_printed_command(&gpg, &fpr, &fpr);
}

/// The smartcard / offline-primary shape: a certify-only primary key with signing and
/// encryption subkeys. gpg refuses `--local-user PRIMARY!` for it; the printed command
/// names the signing subkey, and gpg accepts it.
#[test]
fn the_printed_outside_command_works_for_a_certify_only_primary_with_subkeys() {
    let Some(gpg) = gnupg::gpg() else {
        return;
    };
    let fpr = gpg.gen_key("Gil Gpg <gil@example.org>", "ed25519", "cert", "never");
    for (algo, usage) in [("ed25519", "sign"), ("cv25519", "encr")] {
        gpg.ok(
            &[
                "--passphrase",
                "",
                "--quick-add-key",
                &fpr,
                algo,
                usage,
                "never",
            ],
            None,
        );
    }
    let listing = String::from_utf8(gpg.ok(&["--with-colons", "--list-keys", &fpr], None)).unwrap();
    // The fingerprint line that follows the `sub` line whose capabilities are `s`.
    let mut lines = listing.lines();
    let mut signing = None;
    while let Some(line) = lines.next() {
        let fields: Vec<&str> = line.split(':').collect();
        if fields[0] == "sub" && fields[11].contains('s') {
            signing = lines
                .next()
                .map(|l| l.split(':').nth(9).unwrap().to_string());
        }
    }
    let signing = signing.expect("a signing subkey");
    assert_ne!(signing, fpr);
    // What keyrite printed before this issue fails in gpg for this shape.
    let data = gpg.write("data.txt", b"x");
    let refused = gpg.run(
        &[
            "--passphrase",
            "",
            "--local-user",
            &format!("{fpr}!"),
            "--armor",
            "--detach-sign",
            "--output",
            gpg.path("x.asc").to_str().unwrap(),
            data.to_str().unwrap(),
        ],
        None,
    );
    assert!(
        !refused.status.success(),
        "gpg signs with a certify-only primary?"
    );
    sign_outside_with_the_printed_command(&gpg, &fpr, &signing);
}

/// Runs a one-signer ceremony whose witness signs `outside`, runs the gpg command
/// keyrite prints exactly as printed (it must name `signing_key!`), and checks that
/// keyrite and gpg accept the signature by `fpr`'s certificate.
fn sign_outside_with_the_printed_command(gpg: &gnupg::Gpg, fpr: &str, signing_key: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("gil.asc"), gpg.export(fpr)).unwrap();
    let script = dir.path().join("outside.yaml");
    std::fs::write(
        &script,
        "keyrite: 1\nid: outside\ntitle: Signed outside\nroles:\n  witness: { name: Gil Gpg, cert: gil.asc }\nsteps:\n  - generate_secret: { name: s, bits: 128 }\n  - split: { secret: s, into: shares, groups: [ { threshold: 1, holders: [witness] } ] }\n  - encrypt_shares: { shares: shares }\n  - wipe: [s, shares]\n  - id: sign\n    sign_transcript: { by: [witness] }\n",
    )
    .unwrap();
    let (records, out) = (dir.path().join("records"), dir.path().join("out"));
    let mut child = keyrite()
        .args([
            "run",
            script.to_str().unwrap(),
            "--plain",
            "--records",
            records.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    stdin.write_all(b"outside\n").unwrap();
    let command = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the signing command is shown");
        if let Some(at) = line.find("gpg --local-user") {
            break line[at..].to_string();
        }
    };
    // The exact command, run as shown (in the test's own gpg home).
    let args: Vec<&str> = command.split_whitespace().skip(1).collect();
    assert_eq!(
        args[..4],
        [
            "--local-user",
            &format!("{signing_key}!"),
            "--armor",
            "--detach-sign"
        ]
    );
    let mut with_pass = vec!["--passphrase", ""];
    with_pass.extend(&args);
    gpg.ok(&with_pass, None);
    stdin.write_all(b"\n").unwrap();
    drop(stdin);
    let rest: Vec<String> = rx.iter().collect();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{rest:#?}");
    assert!(
        rest.iter().any(|l| l.contains("signed by witness into")),
        "{rest:#?}"
    );

    let transcript = only_transcript(&records, "outside");
    let (ok, gpg_status) = gpg.verify(&sig_path(&transcript), &transcript);
    assert!(ok, "{gpg_status}");
    let (code, v) = verify_json(&transcript, Some(script.to_str().unwrap()));
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(signed_roles(&v), ["witness"]);
    assert_eq!(v["signatures"]["signed"][0]["fingerprint"], fpr);

    // The share encrypted to the gpg-made certificate opens in gpg.
    let record = records_of(&transcript)
        .into_iter()
        .find(|r| r["event"] == "share_encrypted")
        .unwrap();
    let plain = gpg.ok(&["--decrypt", record["file"].as_str().unwrap()], None);
    let words = String::from_utf8(plain).unwrap();
    let words = words.lines().find(|l| !l.starts_with('#')).unwrap();
    assert_eq!(
        Share::from_mnemonic(words).unwrap().digest().to_string(),
        record["digest"]
    );
}

/// Decrypts the share files of `set` written by the demo with gpg, as the custodians
/// would; returns the words by holder.
fn gpg_decrypt_shares(gpg: &gnupg::Gpg, transcript: &Path, set: &str) -> Vec<(String, String)> {
    let mut words = Vec::new();
    for r in records_of(transcript) {
        if r["event"] == "share_encrypted" && r["set"] == set {
            let holder = r["holder"].as_str().unwrap().to_string();
            gpg.import_secret(&std::fs::read(demo_key(&holder)).unwrap(), "");
            let plain =
                String::from_utf8(gpg.ok(&["--decrypt", r["file"].as_str().unwrap()], None))
                    .unwrap();
            let w = plain
                .lines()
                .find(|l| !l.starts_with('#'))
                .unwrap()
                .to_string();
            words.push((holder, w));
        }
    }
    words
}

/// Every file keyrite wrote that is not encrypted holds no share word run and not the
/// protected file's key; every file under --out is an encrypted OpenPGP message.
#[test]
fn the_protected_file_opens_in_gpg_with_the_key_from_the_shares_and_nothing_secret_is_left_in_the_clear(
) {
    let Some(gpg) = gnupg::gpg() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (transcript, out) = demo_genesis(dir.path());
    let records = records_of(&transcript);
    let protected = records
        .iter()
        .find(|r| r["event"] == "file_protected")
        .unwrap();
    let sample = std::fs::read(repo("ceremonies/demo/sample-wallet.json")).unwrap();
    assert_eq!(
        protected["file_sha256"],
        keyrite::transcript::sha256_hex(&sample)
    );
    assert_eq!(protected["key"], "wallet-key");
    assert_eq!(protected["key_bits"], 256);
    let output = PathBuf::from(protected["output"].as_str().unwrap());
    assert_eq!(output, out.join("protected/sample-wallet.json.asc"));
    let armored = std::fs::read(&output).unwrap();
    assert_eq!(
        protected["output_sha256"],
        keyrite::transcript::sha256_hex(&armored)
    );
    let packets = gpg.list_packets(&armored);
    assert!(
        packets.contains("symkey enc packet: version 4"),
        "{packets}"
    );
    assert!(packets.contains("encrypted data packet"), "{packets}");

    // Two custodians' shares of the key, decrypted by gpg, give the key.
    let shares = gpg_decrypt_shares(&gpg, &transcript, "wallet-key-shares");
    assert_eq!(shares.len(), 3);
    let parsed: Vec<Share> = shares[..2]
        .iter()
        .map(|(_, w)| Share::from_mnemonic(w).unwrap())
        .collect();
    let key = combine(&parsed, &keyrite::slip39::Passphrase::empty()).unwrap();
    let key_hex = hex::encode(key.expose_secret());
    let opened = gpg.ok(
        &[
            "--passphrase",
            &key_hex,
            "--decrypt",
            output.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(opened, sample);

    // Nothing secret in the clear.
    let treasury = gpg_decrypt_shares(&gpg, &transcript, "treasury-shares");
    let mut secrets: Vec<String> = vec![key_hex.clone(), key_hex.to_uppercase()];
    for (_, w) in shares.iter().chain(&treasury) {
        let words: Vec<&str> = w.split_whitespace().collect();
        // Shares of one set share their first words; a run from the middle is unique.
        for run in words[4..].windows(3) {
            secrets.push(run.join(" "));
        }
    }
    let mut files = Vec::new();
    for root in [dir.path().join("records"), out.clone()] {
        let mut stack = vec![root];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    files.push(p);
                }
            }
        }
    }
    assert_eq!(files.len(), 9, "{files:?}");
    for f in &files {
        let body = std::fs::read_to_string(f).unwrap();
        if f.starts_with(&out) {
            assert!(
                body.starts_with("-----BEGIN PGP MESSAGE-----"),
                "{}",
                f.display()
            );
        } else {
            for s in &secrets {
                assert!(!body.contains(s.as_str()), "{} holds a secret", f.display());
            }
        }
    }
}

/// A rehearsal: two custodians bring their encrypted shares of the keystore's key (one
/// decrypts in keyrite with their key file, one outside and types the words); the key
/// is recovered and opens the protected file, whose SHA-256 matches. A wrong hash, and
/// someone else's key, fail.
#[test]
fn a_rehearsal_recovers_the_key_from_encrypted_files_and_opens_the_protected_file() {
    let Some(gpg) = gnupg::gpg() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (transcript, out) = demo_genesis(dir.path());
    let records = records_of(&transcript);
    let protected = records
        .iter()
        .find(|r| r["event"] == "file_protected")
        .unwrap();
    let sha256 = protected["file_sha256"].as_str().unwrap();
    let file = |holder: &str| {
        records
            .iter()
            .find(|r| {
                r["event"] == "share_encrypted"
                    && r["set"] == "wallet-key-shares"
                    && r["holder"] == holder
            })
            .unwrap()["file"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let words_3 = gpg_decrypt_shares(&gpg, &transcript, "wallet-key-shares")
        .into_iter()
        .find(|(h, _)| h == "custodian-3")
        .unwrap()
        .1;
    let keys = repo("ceremonies/demo/keys");
    let script_text = |sha: &str| {
        format!(
            "keyrite: 1\nid: rehearsal\ntitle: Rehearsal\nroles:\n  custodian-1: {{ name: Carol Example, cert: {k}/custodian-1.asc }}\n  custodian-3: {{ name: Frank Example, cert: {k}/custodian-3.asc }}\nsteps:\n  - id: collect\n    collect_shares: {{ into: c, by: [custodian-1, custodian-3], from: encrypted_files }}\n  - recover: {{ shares: c, into: wallet-key }}\n  - unprotect_file: {{ file: {p}, key: wallet-key, sha256: \"{sha}\" }}\n  - wipe: [wallet-key]\n",
            k = keys.display(),
            p = out.join("protected/sample-wallet.json.asc").display(),
        )
    };
    let answers_text = |key_1: &str| {
        format!(
            "collect:\n  custodian-1: {{ share_file: {}, key_file: {} }}\n  custodian-3: {{ share_file: {}, key_file: outside, words: \"{words_3}\" }}\n",
            file("custodian-1"),
            demo_key(key_1).display(),
            file("custodian-3"),
        )
    };
    let rehearse = |name: &str, sha: &str, key_1: &str| {
        let d = dir.path().join(name);
        std::fs::create_dir_all(&d).unwrap();
        let (s, a) = (d.join("r.yaml"), d.join("r.answers.yaml"));
        std::fs::write(&s, script_text(sha)).unwrap();
        std::fs::write(&a, answers_text(key_1)).unwrap();
        let records = d.join("records");
        let out = run(
            &[
                "run",
                s.to_str().unwrap(),
                "--answers",
                a.to_str().unwrap(),
                "--records",
                records.to_str().unwrap(),
            ],
            None,
        );
        (out, only_transcript(&records, "rehearsal"))
    };

    let (result, t) = rehearse("good", sha256, "custodian-1");
    assert_eq!(result.status.code(), Some(0), "{}", text(&result.stderr));
    let r = records_of(&t);
    let entered: Vec<&Value> = r.iter().filter(|r| r["event"] == "share_entered").collect();
    assert_eq!(entered.len(), 2);
    assert_eq!(entered[0]["file"], file("custodian-1"));
    assert_eq!(entered[0]["decrypted_by"], fingerprint("custodian-1"));
    assert_eq!(
        entered[0]["file_sha256"],
        keyrite::transcript::sha256_hex(&std::fs::read(file("custodian-1")).unwrap())
    );
    assert_eq!(
        entered[1]["decrypted_by"], "outside",
        "typed after decrypting outside"
    );
    assert_eq!(entered[1]["file"], file("custodian-3"));
    let opened = r.iter().find(|r| r["event"] == "file_unprotected").unwrap();
    assert_eq!(opened["matches"], true);
    assert_eq!(opened["plaintext_sha256"], sha256);
    let body = std::fs::read_to_string(&t).unwrap();
    assert!(!body.contains(&words_3[words_3.len() - 30..]));

    let wrong = "0".repeat(64);
    let (result, t) = rehearse("wrong-hash", &wrong, "custodian-1");
    assert_eq!(result.status.code(), Some(1));
    assert!(
        text(&result.stderr).contains("is not the file that was protected"),
        "{}",
        text(&result.stderr)
    );
    let opened = records_of(&t)
        .into_iter()
        .find(|r| r["event"] == "file_unprotected")
        .unwrap();
    assert_eq!(opened["matches"], false);

    let (result, _) = rehearse("wrong-key", sha256, "custodian-2");
    assert_eq!(result.status.code(), Some(1));
    let err = text(&result.stderr);
    assert!(
        err.contains(&format!(
            "is {}, but Carol Example's certificate",
            fingerprint("custodian-2")
        )),
        "{err}"
    );
}

/// Recomputes a transcript's chain and seal after its records were changed, as a forger
/// who knows the format would.
fn rechain(records: &[Value]) -> String {
    let mut out = String::new();
    let mut prev = records[0]["prev"].as_str().unwrap().to_string();
    for (i, r) in records.iter().enumerate() {
        let mut r = r.clone();
        r["prev"] = Value::String(prev.clone());
        let map = r.as_object_mut().unwrap();
        map.remove("seal");
        let mut line = serde_json::to_string(&r).unwrap();
        if i + 1 == records.len() {
            line.pop();
            let seal = keyrite::transcript::sha256_hex(line.as_bytes());
            line.push_str(&format!(",\"seal\":\"{seal}\"}}"));
        }
        prev = keyrite::transcript::sha256_hex(line.as_bytes());
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// A forger rewrites the first record so that the officer's role names the witness's
/// certificate, recomputes every hash, and signs as "officer" with the witness's key.
/// The auditor's certificates come from the script, so the signature counts for the
/// witness only, and the disagreement is reported.
#[test]
fn a_rewritten_first_record_cannot_move_a_signature_to_another_role() {
    let dir = tempfile::tempdir().unwrap();
    let (transcript, _) = demo_genesis(dir.path());
    let mut records = records_of(&transcript);
    for role in records[0]["roles"].as_array_mut().unwrap() {
        if role["id"] == "officer" {
            role["fingerprint"] = Value::String(fingerprint("witness-1"));
        }
    }
    let forged = dir.path().join("forged.jsonl");
    std::fs::write(&forged, rechain(&records)).unwrap();
    let witness = keyrite::pgp::SecretKey::load(demo_key("witness-1"), None).unwrap();
    let sig = keyrite::pgp::sign_detached(&witness, &std::fs::read(&forged).unwrap()).unwrap();
    keyrite::signatures::add_signature(&forged, sig.as_bytes()).unwrap();

    // The chain alone cannot tell: the forger recomputed it.
    let (code, v) = verify_json(&forged, Some("ceremonies/demo.yaml"));
    assert_eq!(v["verdict"], "intact", "{v:#}");
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["valid"], false);
    assert_eq!(signed_roles(&v), ["witness-1"]);
    assert_eq!(v["signatures"]["missing"], serde_json::json!(["officer"]));
    let mismatches = v["signatures"]["mismatches"].as_array().unwrap();
    assert_eq!(mismatches.len(), 1, "{v:#}");
    assert!(mismatches[0].as_str().unwrap().contains("role `officer`"));

    // Dropping the required signers from the first record does not help either: the
    // script says who must sign.
    let mut records = records_of(&transcript);
    records[0].as_object_mut().unwrap().remove("signers");
    let unsigned = dir.path().join("unsigned.jsonl");
    std::fs::write(&unsigned, rechain(&records)).unwrap();
    let (code, v) = verify_json(&unsigned, Some("ceremonies/demo.yaml"));
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["signatures"]["required_from"], "script");
    assert_eq!(
        v["signatures"]["missing"],
        serde_json::json!(["officer", "witness-1"])
    );
}

/// A forger edits a record after signing and recomputes the chain: the chain checks, so
/// the result must not say the records are unchanged; the signers did sign, so they must
/// not be listed as not having signed. Their signatures are bad over these bytes.
#[test]
fn a_rechained_edit_is_changed_after_signing_and_its_signers_signed_badly() {
    let dir = tempfile::tempdir().unwrap();
    let (transcript, _) = demo_genesis(dir.path());
    let edited: Vec<Value> = records_of(&transcript)
        .into_iter()
        .map(|r| {
            let line = serde_json::to_string(&r)
                .unwrap()
                .replace("Safe room 4.12", "Safe room 9.99");
            serde_json::from_str(&line).unwrap()
        })
        .collect();
    let forged = rechain(&edited);
    assert!(forged.contains("Safe room 9.99"));
    std::fs::write(&transcript, forged).unwrap();

    let (code, v) = verify_json(&transcript, Some("ceremonies/demo.yaml"));
    assert_eq!(code, 1, "{v:#}");
    // Backward compatible: the chain's verdict and the missing list are as before...
    assert_eq!(v["verdict"], "intact", "{v:#}");
    assert_eq!(v["valid"], false);
    assert_eq!(
        v["signatures"]["missing"],
        serde_json::json!(["officer", "witness-1"])
    );
    // ...and the new fields say what happened.
    assert_eq!(v["conclusion"], "changed_after_signing", "{v:#}");
    assert_eq!(v["signatures"]["signed_bytes_differ"], true);
    assert_eq!(
        v["signatures"]["bad_signers"],
        serde_json::json!(["officer", "witness-1"])
    );
    let bad = v["signatures"]["bad"].as_array().unwrap();
    assert_eq!(bad.len(), 2, "{v:#}");
    assert!(bad.iter().all(|b| b["data_changed"] == true), "{v:#}");

    let human = run(
        &[
            "verify",
            transcript.to_str().unwrap(),
            "--script",
            "ceremonies/demo.yaml",
        ],
        None,
    );
    assert_eq!(human.status.code(), Some(1));
    let says = text(&human.stdout);
    assert!(
        says.contains("result      CHANGED AFTER SIGNING: "),
        "{says}"
    );
    assert!(!says.contains("INTACT"), "{says}");
    for who in ["Alice Example (officer)", "Bob Example (witness-1)"] {
        assert!(
            says.contains(&format!(
                "BAD         {who} signed, but the signature does not match these records"
            )),
            "{says}"
        );
    }
    assert!(!says.contains("has not signed"), "{says}");
    assert!(!says.contains("keyrite countersign"), "{says}");

    // An untouched transcript still reads as before.
    let dir2 = tempfile::tempdir().unwrap();
    let (clean, _) = demo_genesis(dir2.path());
    let (code, v) = verify_json(&clean, Some("ceremonies/demo.yaml"));
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["conclusion"], "valid");
    assert_eq!(v["signatures"]["signed_bytes_differ"], false);
}

/// A hostile transcript can put terminal escape sequences in any text it carries: the
/// verifier shows them as visible escapes, never raw.
#[test]
fn escape_sequences_in_a_transcript_are_shown_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let (transcript, _) = demo_genesis(dir.path());
    let mut records = records_of(&transcript);
    for role in records[0]["roles"].as_array_mut().unwrap() {
        if role["id"] == "officer" {
            role["name"] = Value::String("Alice \u{1b}[2J\u{1b}]0;owned\u{7} Example".into());
        }
    }
    records[0]["ceremony"]["title"] = Value::String("Genesis \u{1b}[31mred\u{202e}".into());
    std::fs::write(&transcript, rechain(&records)).unwrap();
    let out = run(
        &[
            "verify",
            transcript.to_str().unwrap(),
            "--script",
            "ceremonies/demo.yaml",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let says = text(&out.stdout);
    assert!(!says.contains('\u{1b}'), "{says:?}");
    assert!(!says.contains('\u{7}'), "{says:?}");
    assert!(!says.contains('\u{202e}'), "{says:?}");
    assert!(
        says.contains("BAD         Alice \\x1b[2J\\x1b]0;owned\\x07 Example (officer) signed"),
        "{says}"
    );
    assert!(
        says.contains("ceremony    Genesis \\x1b[31mred\\u{202e} (demo-genesis)"),
        "{says}"
    );
}

/// The signature check that streams the transcript gives the same results as the one
/// over the bytes in memory, however the bytes are cut into pieces.
#[test]
fn streamed_signature_checks_agree_with_checks_over_the_whole_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (transcript, _) = demo_genesis(dir.path());
    let sigs = std::fs::read(sig_path(&transcript)).unwrap();
    let certs: Vec<keyrite::pgp::Certificate> = ["officer", "witness-1", "custodian-1"]
        .iter()
        .map(|r| {
            keyrite::pgp::Certificate::load(repo(&format!("ceremonies/demo/keys/{r}.asc"))).unwrap()
        })
        .collect();
    let good = std::fs::read(&transcript).unwrap();
    let mut changed = good.clone();
    changed[10] ^= 1;
    for data in [&good, &changed] {
        let whole = keyrite::pgp::verify_detached(&sigs, data, &certs).unwrap();
        assert_eq!(whole.len(), 2);
        for piece in [1, 7, 4096, data.len()] {
            let mut stream = keyrite::signatures::DetachedStream::new(&sigs).unwrap();
            for chunk in data.chunks(piece) {
                stream.update(chunk);
            }
            assert_eq!(stream.finish(&certs), whole, "pieces of {piece}");
        }
    }
    assert!(keyrite::pgp::verify_detached(&sigs, &good, &certs)
        .unwrap()
        .iter()
        .all(|c| c.is_good()));
    // Something that is not a signature file is refused alike.
    assert!(keyrite::signatures::DetachedStream::new(b"   ").is_err());
}

/// A signer who gives the wrong key file (another person's key, then a certificate
/// without secrets) is told why and asked again, and signs with the right one.
#[test]
fn a_wrong_key_file_at_signing_costs_a_try_not_the_turn() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("sign.yaml");
    std::fs::write(
        &script,
        format!(
            "keyrite: 1\nid: sign-retry\ntitle: Sign after a wrong key file\nroles:\n  officer: {{ name: Alice Example, cert: {} }}\nsteps:\n  - note: Nothing to do but sign.\n  - sign_transcript: {{ by: [officer] }}\n",
            repo("ceremonies/demo/keys/officer.asc").display()
        ),
    )
    .unwrap();
    let records = dir.path().join("records");
    let input = format!(
        "\n{}\n{}\n{}\n",
        demo_key("witness-1").display(),
        repo("ceremonies/demo/keys/officer.asc").display(),
        demo_key("officer").display()
    );
    let out = run(
        &[
            "run",
            script.to_str().unwrap(),
            "--plain",
            "--records",
            records.to_str().unwrap(),
        ],
        Some(&input),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!(
            "is {}, but Alice Example's certificate in the script is {}; that is not Alice Example's key. Alice Example, give your key file again, `outside` or `later` (try 2 of 3)",
            fingerprint("witness-1"),
            fingerprint("officer")
        )),
        "{stdout}"
    );
    assert!(stdout.contains("(try 3 of 3)"), "{stdout}");
    assert!(stdout.contains("signed by officer into"), "{stdout}");
    let transcript = only_transcript(&records, "sign-retry");
    let (code, v) = verify_json(&transcript, Some(script.to_str().unwrap()));
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(signed_roles(&v), ["officer"]);
}

/// `countersign --signature`: a signature made with gpg elsewhere joins the others after
/// it verifies against the role's certificate from the script or --certs; a second
/// signature by the same signer, a stranger's, a signature over other bytes and an
/// unrequired role's (without --extra-witness) are refused.
#[test]
fn countersign_adds_a_signature_made_elsewhere_once() {
    let Some(gpg) = gnupg::gpg() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (transcript, _) = demo_genesis(dir.path());
    let t = transcript.to_str().unwrap();
    std::fs::remove_file(sig_path(&transcript)).unwrap();

    // The officer signs on "another machine" with gpg, with the printed command's form.
    gpg.import_secret(&std::fs::read(demo_key("officer")).unwrap(), "");
    let officer_cert =
        keyrite::pgp::Certificate::load(repo("ceremonies/demo/keys/officer.asc")).unwrap();
    let signing = officer_cert
        .signing_key_fingerprint(std::time::SystemTime::now())
        .unwrap();
    let made = dir.path().join("officer-elsewhere.asc");
    gpg.ok(
        &[
            "--passphrase",
            "",
            "--local-user",
            &format!("{signing}!"),
            "--armor",
            "--detach-sign",
            "--output",
            made.to_str().unwrap(),
            t,
        ],
        None,
    );
    let made = made.to_str().unwrap();

    let without_certs = run(&["countersign", t, "--signature", made], None);
    assert_eq!(without_certs.status.code(), Some(2));
    assert!(text(&without_certs.stderr).contains("give --script"));

    let out = run(
        &[
            "countersign",
            t,
            "--signature",
            made,
            "--script",
            "ceremonies/demo.yaml",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("signed by Alice Example (officer)"));

    // Once is enough, whichever way the second one comes.
    let again = run(
        &[
            "countersign",
            t,
            "--signature",
            made,
            "--script",
            "ceremonies/demo.yaml",
        ],
        None,
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).contains("Alice Example (officer) has already signed"),
        "{}",
        text(&again.stderr)
    );
    let again = run(
        &[
            "countersign",
            t,
            "--key",
            demo_key("officer").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains("has already signed"));

    // A signature over other bytes is not added.
    let other = keyrite::pgp::sign_detached(
        &keyrite::pgp::SecretKey::load(demo_key("witness-1"), None).unwrap(),
        b"another transcript",
    )
    .unwrap();
    let other_file = dir.path().join("other.asc");
    std::fs::write(&other_file, other.as_bytes()).unwrap();
    let certs = dir.path().join("certs");
    std::fs::create_dir(&certs).unwrap();
    for role in ["officer", "witness-1", "witness-2"] {
        std::fs::copy(
            repo(&format!("ceremonies/demo/keys/{role}.asc")),
            certs.join(format!("{role}.asc")),
        )
        .unwrap();
    }
    let certs = certs.to_str().unwrap();
    let out = run(
        &[
            "countersign",
            t,
            "--signature",
            other_file.to_str().unwrap(),
            "--certs",
            certs,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("is not a good signature over this transcript"),
        "{}",
        text(&out.stderr)
    );

    // witness-2 is a role but not a required signer: only as an extra witness.
    let w2 = keyrite::pgp::sign_detached(
        &keyrite::pgp::SecretKey::load(demo_key("witness-2"), None).unwrap(),
        &std::fs::read(&transcript).unwrap(),
    )
    .unwrap();
    let w2_file = dir.path().join("w2.asc");
    std::fs::write(&w2_file, w2.as_bytes()).unwrap();
    let w2_file = w2_file.to_str().unwrap();
    let out = run(
        &["countersign", t, "--signature", w2_file, "--certs", certs],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("is not one of the signers the ceremony requires")
            && text(&out.stderr).contains("--extra-witness"),
        "{}",
        text(&out.stderr)
    );
    let out = run(
        &[
            "countersign",
            t,
            "--signature",
            w2_file,
            "--certs",
            certs,
            "--extra-witness",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("extra witness"));

    let (code, v) = verify_json(&transcript, Some("ceremonies/demo.yaml"));
    assert_eq!(code, 1, "witness-1 has not signed yet: {v:#}");
    assert_eq!(v["signatures"]["missing"], serde_json::json!(["witness-1"]));
    let out = run(
        &[
            "countersign",
            t,
            "--key",
            demo_key("witness-1").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let (code, v) = verify_json(&transcript, Some("ceremonies/demo.yaml"));
    assert_eq!(code, 0, "{v:#}");
    for role in ["witness-1", "witness-2"] {
        gpg.import(&std::fs::read(repo(&format!("ceremonies/demo/keys/{role}.asc"))).unwrap());
    }
    let (ok, status) = gpg.verify(&sig_path(&transcript), &transcript);
    assert!(ok, "{status}");
}
