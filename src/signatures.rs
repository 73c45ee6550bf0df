//! Transcript signatures: the `<transcript>.asc` file next to a transcript, adding a
//! signature to it, and checking it against the roles the transcript names.
//!
//! A closed transcript is signed as a whole, byte for byte, by detached ASCII-armoured
//! OpenPGP signatures; all of them live in one armour block in `<transcript>.asc`, so
//! `gpg --verify transcript.jsonl.asc transcript.jsonl` checks every one.
//!
//! Invariants:
//! - A signature is added only after it verifies, over the transcript's current bytes,
//!   against the certificate of the role it is for. The `.asc` file is replaced
//!   atomically (written beside it, synced, renamed), so a crash leaves the old or the
//!   new file, never a torn one, and an existing signature is never lost.
//! - [`check`] trusts only the certificates it is given (the script's or `--certs`):
//!   fingerprints in the transcript say which role a certificate is for, they never
//!   make a certificate trusted. A signature counts for a role only when it is good and
//!   made by the certificate whose fingerprint the first record gives that role.
//! - The transcript is signed only when every required signer (the first record's
//!   `signers`) has a good signature and no signature is bad.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::pgp::{merge_signatures, verify_detached, Certificate, PgpError, SignatureResult};
use crate::transcript::StartFacts;

/// Why a signature could not be added.
#[derive(Debug, thiserror::Error)]
pub enum SignaturesError {
    /// The signature file could not be read or written.
    #[error("cannot update the signature file {path}")]
    Io {
        /// The `.asc` file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The existing signature file, or the new signature, is not OpenPGP signatures.
    #[error("the signature file {path} cannot be merged")]
    Merge {
        /// The `.asc` file.
        path: PathBuf,
        /// Why.
        #[source]
        source: PgpError,
    },
}

/// The signature file of a transcript: its path with `.asc` added.
pub fn signature_path(transcript: &Path) -> PathBuf {
    let mut name = transcript.as_os_str().to_owned();
    name.push(".asc");
    PathBuf::from(name)
}

/// Merges `signature` (armoured, already verified by the caller) into the transcript's
/// signature file, creating it if needed.
pub fn add_signature(transcript: &Path, signature: &str) -> Result<PathBuf, SignaturesError> {
    let path = signature_path(transcript);
    let io = |source| SignaturesError::Io {
        path: path.clone(),
        source,
    };
    let existing = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(io(e)),
    };
    let merged =
        merge_signatures(&existing, signature).map_err(|source| SignaturesError::Merge {
            path: path.clone(),
            source,
        })?;
    let mut temp = path.clone().into_os_string();
    temp.push(format!(".{}.tmp", std::process::id()));
    let temp = PathBuf::from(temp);
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .and_then(|mut f| {
            f.write_all(merged.as_bytes())?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&temp, &path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(io(e));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // The rename is durable only once the folder is synced.
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(path)
}

/// A good signature, and whose it is.
#[derive(Clone, Debug, Serialize)]
pub struct Signed {
    /// The role whose certificate made it, if the transcript names it.
    pub role: Option<String>,
    /// The person's name, if a role.
    pub name: Option<String>,
    /// The signing certificate's fingerprint.
    pub fingerprint: String,
    /// When the signature says it was made (RFC 3339).
    pub at: Option<String>,
}

/// A signature that does not count.
#[derive(Clone, Debug, Serialize)]
pub struct Unaccepted {
    /// The issuer the signature names (fingerprint or key ID), if any.
    pub issuer: Option<String>,
    /// Why it does not count.
    pub problem: String,
}

/// What the signature file says about a transcript.
#[derive(Clone, Debug, Serialize)]
pub struct SignatureReport {
    /// The `.asc` file.
    pub file: PathBuf,
    /// Whether it exists.
    pub present: bool,
    /// The roles that must sign (from the first record).
    pub required: Vec<String>,
    /// Good signatures by roles of the transcript.
    pub signed: Vec<Signed>,
    /// Required roles without a good signature.
    pub missing: Vec<String>,
    /// Signatures that do not verify: the transcript or the signature was changed, or
    /// the key was revoked or expired when it signed.
    pub bad: Vec<Unaccepted>,
    /// Signatures by keys that no given certificate holds, or whose certificate is not
    /// one of the transcript's roles.
    pub unknown: Vec<Unaccepted>,
    /// A problem reading the signature file as a whole.
    pub unreadable: Option<String>,
    /// Every required signer signed and no signature is bad or unreadable.
    pub valid: bool,
}

/// Checks the signatures in the transcript's `.asc` file over `transcript` (its exact
/// bytes) against `certs`, and maps them to the roles of `start`.
pub fn check(
    transcript_path: &Path,
    transcript: &[u8],
    start: &StartFacts,
    certs: &[Certificate],
) -> SignatureReport {
    let file = signature_path(transcript_path);
    let mut report = SignatureReport {
        file: file.clone(),
        present: false,
        required: start.signers.clone(),
        signed: Vec::new(),
        missing: Vec::new(),
        bad: Vec::new(),
        unknown: Vec::new(),
        unreadable: None,
        valid: false,
    };
    let bytes = match std::fs::read(&file) {
        Ok(b) => {
            report.present = true;
            Some(b)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            report.unreadable = Some(format!("cannot read {}: {e}", file.display()));
            None
        }
    };
    if let Some(bytes) = bytes {
        match verify_detached(&bytes, transcript, certs) {
            Err(e) => report.unreadable = Some(e.to_string()),
            Ok(checks) => {
                for c in checks {
                    let issuer = c.issuer_fingerprint.clone().or(c.issuer_key_id.clone());
                    match (&c.result, &c.signer) {
                        (SignatureResult::Good, Some(fpr)) => {
                            match start
                                .roles
                                .iter()
                                .find(|r| r.fingerprint.as_deref() == Some(fpr.as_str()))
                            {
                                Some(role) => report.signed.push(Signed {
                                    role: Some(role.id.clone()),
                                    name: Some(role.name.clone()),
                                    fingerprint: fpr.clone(),
                                    at: c.created.map(|t| t.to_rfc3339()),
                                }),
                                None => report.unknown.push(Unaccepted {
                                    issuer: Some(fpr.clone()),
                                    problem: "a good signature, but by a key that is not one of the transcript's roles".into(),
                                }),
                            }
                        }
                        (SignatureResult::Good, None) => report.unknown.push(Unaccepted {
                            issuer,
                            problem: "the signing certificate is unknown".into(),
                        }),
                        (SignatureResult::UnknownKey, _) => report.unknown.push(Unaccepted {
                            issuer,
                            problem: "no given certificate holds the key that made it".into(),
                        }),
                        (SignatureResult::Bad(why), _) => report.bad.push(Unaccepted {
                            issuer,
                            problem: why.clone(),
                        }),
                    }
                }
            }
        }
    }
    report.missing = report
        .required
        .iter()
        .filter(|r| !report.signed.iter().any(|s| s.role.as_deref() == Some(r)))
        .cloned()
        .collect();
    report.valid =
        report.missing.is_empty() && report.bad.is_empty() && report.unreadable.is_none();
    report
}

/// Loads every certificate file in `dir` (`.asc`, `.gpg`, `.pgp`, `.pub`, `.key`,
/// `.cert`). Files that do not hold a certificate are reported, not fatal.
pub fn load_cert_dir(dir: &Path) -> std::io::Result<(Vec<Certificate>, Vec<String>)> {
    let mut certs = Vec::new();
    let mut problems = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| ["asc", "gpg", "pgp", "pub", "key", "cert"].contains(&e))
        })
        .collect();
    entries.sort();
    for path in entries {
        match Certificate::load(&path) {
            Ok(c) => certs.push(c),
            Err(e) => problems.push(format!("{}: {e}", path.display())),
        }
    }
    Ok((certs, problems))
}
