//! `keyrite countersign`: a signer who was not at the keyboard signs a closed transcript
//! later, on their own machine; the signature joins the others in `<transcript>.asc`.
//!
//! Invariants: only an intact, closed transcript is signed (a tampered, torn or
//! unfinished one is refused); only a key whose certificate is one of the transcript's
//! roles signs; the new signature is verified before it is merged, and the merge never
//! drops an existing signature. The passphrase is read with echo off, or from a file
//! ([`super::secret_input`]), and is zeroized after use.

use std::path::Path;

use zeroize::Zeroizing;

use super::secret_input::{self, FileError, PromptError};
use super::{errln, print_error, EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::pgp::{sign_detached, verify_detached, Certificate, PgpError, SecretKey};
use crate::sanitize::line_for_terminal as safe;
use crate::signatures::{
    add_signature, is_transcript, load_cert_dir, read_signature_file, signature_path,
};
use crate::steps::sign_transcript::accept_signature;
use crate::transcript::{verify_reader_with, Verdict};

/// Largest transcript signed: countersigning holds it in memory to sign it. A ceremony's
/// transcript is some kilobytes; `keyrite verify` streams any size.
const MAX_TRANSCRIPT_BYTES: u64 = 256 << 20;

/// The key's passphrase: the first line of `file`, or typed (echo off at a terminal) or
/// piped on standard input.
fn passphrase(file: Option<&Path>, key: &Path) -> Result<Zeroizing<String>, i32> {
    if let Some(file) = file {
        let hint = "--passphrase-file names a file whose first line is the passphrase";
        return match secret_input::first_line_of_file(file) {
            Ok(p) => Ok(p),
            Err(FileError::NotUtf8) => {
                errln!("error: the passphrase file is not UTF-8 text");
                errln!("  hint: {hint}");
                Err(EXIT_USAGE)
            }
            Err(FileError::Read(e)) => {
                print_error(&e, Some(hint));
                Err(EXIT_USAGE)
            }
        };
    }
    let tty = std::io::IsTerminal::is_terminal(&std::io::stdin());
    let prompt = format!("passphrase of {}", safe(&key.display().to_string()));
    match secret_input::read_hidden(&mut std::io::stdin().lock(), &prompt, tty) {
        Ok(Some(p)) => Ok(p),
        Ok(None) => {
            errln!("error: no passphrase was given");
            Err(EXIT_USAGE)
        }
        Err(PromptError::Read(e) | PromptError::Write(e)) => {
            print_error(&e, None);
            Err(EXIT_USAGE)
        }
    }
}

/// How the new signature comes about.
pub(super) enum Signing<'a> {
    /// keyrite signs with this secret key file.
    Key {
        /// The key file.
        key: &'a Path,
        /// Where the passphrase is, instead of asking.
        passphrase_file: Option<&'a Path>,
    },
    /// A detached signature made elsewhere (a smartcard, another machine), checked
    /// against the certificates the auditor gives.
    Signature {
        /// The signature file.
        file: &'a Path,
        /// The ceremony script, for its roles' certificates.
        script: Option<&'a Path>,
        /// A folder of certificates named after roles.
        certs: Option<&'a Path>,
    },
}

pub(super) fn countersign(transcript: &Path, signing: &Signing<'_>, extra_witness: bool) -> i32 {
    // Read once: the bytes signed are the bytes whose chain is checked below. A pipe or
    // a device is refused at once, and the size is bounded.
    let data = match crate::fs::read_bounded(transcript, MAX_TRANSCRIPT_BYTES) {
        Ok(d) => d,
        Err(e) => {
            print_error(&e, Some("check the transcript's path"));
            return EXIT_USAGE;
        }
    };
    let v = match verify_reader_with(transcript, &data[..], None, |_| {}) {
        Ok(v) => v,
        Err(e) => {
            print_error(&e, Some("check the transcript's path"));
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
        errln!(
            "error: {shown} is not an intact, closed transcript ({:?}); it is not signed",
            v.verdict
        );
        errln!("  hint: `keyrite verify {shown}` says what is wrong");
        return EXIT_FAILED;
    }
    let start = v.start.clone().unwrap_or_default();
    let (signature, certificate) = match signing {
        Signing::Key {
            key,
            passphrase_file,
        } => match sign_with_key(&data, key, *passphrase_file) {
            Ok(made) => made,
            Err(code) => return code,
        },
        Signing::Signature {
            file,
            script,
            certs,
        } => match signature_made_elsewhere(&data, file, *script, *certs) {
            Ok(found) => found,
            Err(code) => return code,
        },
    };
    let fingerprint = certificate.fingerprint();
    let Some(role) = start
        .roles
        .iter()
        .find(|r| r.fingerprint.as_deref() == Some(fingerprint.as_str()))
    else {
        errln!(
            "error: key {fingerprint} is not the certificate of any role of {shown}; it is not signed"
        );
        errln!(
            "  hint: sign with the key whose certificate the ceremony script names for your role"
        );
        return EXIT_FAILED;
    };
    let who = format!("{} ({})", safe(&role.name), safe(&role.id));
    if let Some(at) = already_signed(transcript, &data, &certificate) {
        errln!("error: {who} has already signed {shown} (at {at}); nothing was added");
        errln!("  hint: `keyrite verify {shown}` lists who signed and who has not");
        return EXIT_FAILED;
    }
    let required = start.signers.contains(&role.id);
    if !required && !extra_witness {
        errln!(
            "error: {who} is not one of the signers the ceremony requires ({}); nothing was added",
            safe(&start.signers.join(", "))
        );
        errln!("  hint: to add this signature as an extra witness's, give --extra-witness");
        return EXIT_FAILED;
    }
    match add_signature(transcript, &signature) {
        Ok(file) => {
            println!("signed by {who} into {}", safe(&file.display().to_string()));
            if !required {
                println!("note: added as an extra witness; the ceremony does not require it");
            }
            println!("verify with: keyrite verify {shown} --script SCRIPT");
            EXIT_OK
        }
        Err(e) => {
            print_error(&e, Some("the transcript's folder must be writable"));
            EXIT_FAILED
        }
    }
}

/// Signs `data` with the key file, unlocking it; the signature is checked before use.
fn sign_with_key(
    data: &[u8],
    key_file: &Path,
    passphrase_file: Option<&Path>,
) -> Result<(Vec<u8>, Certificate), i32> {
    let key = match SecretKey::load(key_file, None) {
        Ok(k) => k,
        Err(PgpError::PassphraseRequired { .. }) => {
            let pass = passphrase(passphrase_file, key_file)?;
            match SecretKey::load(key_file, Some(&pass)) {
                Ok(k) => k,
                Err(e) => {
                    print_error(&e, Some("check the passphrase and the key file"));
                    return Err(EXIT_FAILED);
                }
            }
        }
        Err(e) => {
            print_error(&e, Some("give your OpenPGP secret key file (`gpg --armor --export-secret-keys FINGERPRINT`), or a signature made elsewhere with --signature"));
            return Err(EXIT_USAGE);
        }
    };
    let signature = match sign_detached(&key, data) {
        Ok(s) => s,
        Err(e) => {
            print_error(
                &e,
                Some("the key must be able to sign (not expired, not revoked)"),
            );
            return Err(EXIT_FAILED);
        }
    };
    if let Err(why) = accept_signature(signature.as_bytes(), data, key.certificate()) {
        errln!("error: the new signature does not verify: {}", safe(&why));
        return Err(EXIT_FAILED);
    }
    Ok((signature.into_bytes(), key.certificate().clone()))
}

/// Finds whose good signature over `data` the file `file` holds, among the roles'
/// certificates of `script` or in `certs`: the auditor's certificates, never the
/// signature's own claim.
fn signature_made_elsewhere(
    data: &[u8],
    file: &Path,
    script: Option<&Path>,
    certs: Option<&Path>,
) -> Result<(Vec<u8>, Certificate), i32> {
    let signature = read_signature_file(file).map_err(|e| {
        print_error(
            &e,
            Some("--signature names the detached signature file (`gpg --armor --detach-sign`)"),
        );
        EXIT_USAGE
    })?;
    let mut candidates: Vec<Certificate> = Vec::new();
    if let Some(script) = script {
        let facts = crate::script::signing_facts(script).map_err(|e| {
            print_error(&e, Some("check the path given with --script"));
            EXIT_USAGE
        })?;
        for (role, path) in &facts.cert_files {
            match Certificate::load(path) {
                Ok(c) => candidates.push(c),
                Err(e) => errln!(
                    "warning: the certificate of `{}` cannot be read: {}",
                    safe(role),
                    safe(&e.to_string())
                ),
            }
        }
    }
    if let Some(dir) = certs {
        let (found, problems) = load_cert_dir(dir).map_err(|e| {
            print_error(&e, Some("--certs names a folder of certificate files"));
            EXIT_USAGE
        })?;
        for p in problems {
            errln!("warning: {}", safe(&p));
        }
        candidates.extend(found.into_iter().map(|t| t.certificate));
    }
    if script.is_none() && certs.is_none() {
        errln!("error: a signature made elsewhere is checked against the signer's certificate; none was given");
        errln!("  hint: give --script (the ceremony script names each role's certificate) or --certs DIR");
        return Err(EXIT_USAGE);
    }
    let mut reasons = Vec::new();
    for cert in candidates {
        match accept_signature(&signature, data, &cert) {
            Ok(()) => return Ok((signature, cert)),
            Err(why) => reasons.push(why),
        }
    }
    errln!(
        "error: {} is not a good signature over this transcript by any of the certificates given",
        safe(&file.display().to_string())
    );
    if let Some(why) = reasons.iter().find(|r| r.contains("does not verify")) {
        errln!("  caused by: {}", safe(why));
    }
    errln!("  hint: sign the exact transcript file (`gpg --armor --detach-sign`), with the key of your role's certificate");
    Err(EXIT_FAILED)
}

/// When `cert` already has a good signature over `data` in the transcript's `.asc`.
fn already_signed(transcript: &Path, data: &[u8], cert: &Certificate) -> Option<String> {
    let existing = read_signature_file(&signature_path(transcript)).ok()?;
    let checks = verify_detached(&existing, data, std::slice::from_ref(cert)).ok()?;
    checks.iter().find(|c| c.is_good()).map(|c| {
        c.created.map_or_else(
            || "an unrecorded time".to_string(),
            |t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        )
    })
}
