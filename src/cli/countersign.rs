//! `keyrite countersign`: a signer who was not at the keyboard signs a closed transcript
//! later, on their own machine; the signature joins the others in `<transcript>.asc`.
//!
//! Invariants: only an intact, closed transcript is signed (a tampered, torn or
//! unfinished one is refused); only a key whose certificate is one of the transcript's
//! roles signs; the new signature is verified before it is merged, and the merge never
//! drops an existing signature. The passphrase is read with echo off, or from a file,
//! and is zeroized after use.

use std::io::Write;
use std::path::Path;

use zeroize::Zeroizing;

use super::slip39::read_secret_line;
use super::{report, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::hygiene::EchoOff;
use crate::pgp::{sign_detached, PgpError, SecretKey};
use crate::sanitize::line_for_terminal as safe;
use crate::signatures::{add_signature, is_transcript};
use crate::steps::sign_transcript::accept_signature;
use crate::transcript::{verify_reader_with, Verdict};

/// Largest transcript signed: countersigning holds it in memory to sign it. A ceremony's
/// transcript is some kilobytes; `keyrite verify` streams any size.
const MAX_TRANSCRIPT_BYTES: u64 = 256 << 20;

/// Largest passphrase file read: a passphrase is a line.
const MAX_PASSPHRASE_FILE: u64 = 64 << 10;

fn passphrase(file: Option<&Path>, key: &Path) -> Result<Zeroizing<String>, i32> {
    if let Some(file) = file {
        let hint = "--passphrase-file names a file whose first line is the passphrase";
        let bytes = crate::fs::read_secret_bounded(file, MAX_PASSPHRASE_FILE).map_err(|e| {
            report(&e, Some(hint));
            EXIT_USAGE
        })?;
        let Ok(text) = std::str::from_utf8(&bytes) else {
            eprintln!("error: the passphrase file is not UTF-8 text");
            eprintln!("  hint: {hint}");
            return Err(EXIT_USAGE);
        };
        return Ok(Zeroizing::new(
            text.lines().next().unwrap_or("").to_string(),
        ));
    }
    let tty = std::io::IsTerminal::is_terminal(&std::io::stdin());
    let echo = tty.then(EchoOff::stdin);
    eprint!("passphrase of {}: ", safe(&key.display().to_string()));
    let _ = std::io::stderr().flush();
    let line = read_secret_line(&mut std::io::stdin().lock());
    drop(echo);
    eprintln!();
    match line {
        Ok(Some(p)) => Ok(p),
        Ok(None) => {
            eprintln!("error: no passphrase was given");
            Err(EXIT_USAGE)
        }
        Err(e) => {
            report(&e, None);
            Err(EXIT_USAGE)
        }
    }
}

pub(super) fn countersign(
    transcript: &Path,
    key_file: &Path,
    passphrase_file: Option<&Path>,
) -> i32 {
    // Read once: the bytes signed are the bytes whose chain is checked below. A pipe or
    // a device is refused at once, and the size is bounded.
    let data = match crate::fs::read_bounded(transcript, MAX_TRANSCRIPT_BYTES) {
        Ok(d) => d,
        Err(e) => {
            report(&e, Some("check the transcript's path"));
            return EXIT_USAGE;
        }
    };
    let v = match verify_reader_with(transcript, &data[..], None, |_| {}) {
        Ok(v) => v,
        Err(e) => {
            report(&e, Some("check the transcript's path"));
            return EXIT_USAGE;
        }
    };
    // Holds by construction (one read); kept as a guard on the verifier's head.
    let same = v
        .head
        .as_deref()
        .is_some_and(|h| is_transcript(&data, v.records, h));
    let shown = safe(&transcript.display().to_string()).into_owned();
    if v.verdict != Verdict::Intact || !same {
        eprintln!(
            "error: {shown} is not an intact, closed transcript ({:?}); it is not signed",
            v.verdict
        );
        eprintln!("  hint: `keyrite verify {shown}` says what is wrong");
        return EXIT_FAILED;
    }
    let key = match SecretKey::load(key_file, None) {
        Ok(k) => k,
        Err(PgpError::PassphraseRequired { .. }) => {
            let pass = match passphrase(passphrase_file, key_file) {
                Ok(p) => p,
                Err(code) => return code,
            };
            match SecretKey::load(key_file, Some(&pass)) {
                Ok(k) => k,
                Err(e) => {
                    report(&e, Some("check the passphrase and the key file"));
                    return EXIT_FAILED;
                }
            }
        }
        Err(e) => {
            report(&e, Some("give your OpenPGP secret key file (`gpg --armor --export-secret-keys FINGERPRINT`)"));
            return EXIT_USAGE;
        }
    };
    let fingerprint = key.fingerprint();
    let start = v.start.clone().unwrap_or_default();
    let Some(role) = start
        .roles
        .iter()
        .find(|r| r.fingerprint.as_deref() == Some(fingerprint.as_str()))
    else {
        eprintln!(
            "error: key {fingerprint} is not the certificate of any role of {shown}; it is not signed"
        );
        eprintln!(
            "  hint: sign with the key whose certificate the ceremony script names for your role"
        );
        return EXIT_FAILED;
    };
    let signature = match sign_detached(&key, &data) {
        Ok(s) => s,
        Err(e) => {
            report(
                &e,
                Some("the key must be able to sign (not expired, not revoked)"),
            );
            return EXIT_FAILED;
        }
    };
    if let Err(why) = accept_signature(signature.as_bytes(), &data, key.certificate()) {
        eprintln!("error: the new signature does not verify: {}", safe(&why));
        return EXIT_FAILED;
    }
    match add_signature(transcript, signature.as_bytes()) {
        Ok(file) => {
            println!(
                "signed by {} ({}) into {}",
                safe(&role.name),
                safe(&role.id),
                safe(&file.display().to_string())
            );
            if !start.signers.contains(&role.id) {
                println!(
                    "note: {} is not one of the signers the ceremony requires",
                    safe(&role.id)
                );
            }
            println!("verify with: keyrite verify {shown} --script SCRIPT");
            EXIT_OK
        }
        Err(e) => {
            report(&e, Some("the transcript's folder must be writable"));
            EXIT_FAILED
        }
    }
}
