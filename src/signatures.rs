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
//!   atomically (written beside it, synced, renamed) while a lock file is held, so a
//!   crash leaves the old or the new file, never a torn one, and two signers at once
//!   never lose each other's signature.
//! - [`check`] trusts only the certificates the auditor gives, each bound to a role by
//!   the auditor (the script's `roles`, or `<role>.asc` in `--certs DIR`). The
//!   transcript's own fingerprints are compared with them, never used to bind a
//!   certificate to a role: a forger who rewrites the transcript cannot make one
//!   person's signature count for another role.
//! - The transcript is signed only when every required signer has a good signature by
//!   their own role's certificate, no signature is bad, and the auditor's certificates
//!   agree with the fingerprints the transcript recorded.
//! - [`verify_and_audit`] reads the transcript once: each piece read feeds both the
//!   chain check and the signatures' hashes ([`Tee`]), so both checks saw the same bytes
//!   and memory does not grow with the transcript's size.
//! - A required signer whose signature is present but bad signed: it is reported in
//!   `bad_signers`, and when the signature is not over these bytes while the chain
//!   checks, the records were changed after signing and the chain recomputed
//!   ([`Audit::changed_after_signing`]).

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::pgp::{merge_signatures, Certificate, PgpError, SignatureResult};
use crate::transcript::StartFacts;

/// The signature checks over data fed in pieces, and what a check says when a signature
/// is not over the data: both from [`crate::pgp`], the one home of the checking rules.
pub use crate::pgp::{DetachedStream, DATA_CHANGED};

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
    /// Another signer holds the lock on the signature file.
    #[error("the signature file {path} is being updated by another signer (lock file {lock} exists); wait and try again, or remove the lock if no keyrite is running")]
    Locked {
        /// The `.asc` file.
        path: PathBuf,
        /// The lock file.
        lock: PathBuf,
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

/// Largest signature file read: a signature is a few hundred bytes.
pub const MAX_SIGNATURE_FILE: u64 = 16 << 20;

/// Reads a signature file: a regular file (not a pipe or a device) of at most
/// [`MAX_SIGNATURE_FILE`] bytes.
pub fn read_signature_file(path: &Path) -> std::io::Result<Vec<u8>> {
    crate::fs::read_bounded(path, MAX_SIGNATURE_FILE)
}

/// Whether `bytes` are the transcript whose last line hashes to `head` and that has
/// `records` lines: the bytes about to be signed or checked are the ones verified.
pub fn is_transcript(bytes: &[u8], records: u64, head: &str) -> bool {
    let Some(body) = bytes.strip_suffix(b"\n") else {
        return false;
    };
    let last = body.rsplit(|&b| b == b'\n').next().unwrap_or(body);
    bytes.iter().filter(|&&b| b == b'\n').count() as u64 == records
        && crate::transcript::sha256_hex(last) == head
}

/// Removes the lock file when dropped.
struct Lock(PathBuf);

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Merges `signature` (armoured or binary, already verified by the caller) into the
/// transcript's signature file, creating it if needed.
pub fn add_signature(transcript: &Path, signature: &[u8]) -> Result<PathBuf, SignaturesError> {
    let path = signature_path(transcript);
    let io = |source| SignaturesError::Io {
        path: path.clone(),
        source,
    };
    let mut lock = path.clone().into_os_string();
    lock.push(".lock");
    let lock = PathBuf::from(lock);
    let _held = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&lock)
    {
        Ok(_) => Lock(lock),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(SignaturesError::Locked { path, lock })
        }
        Err(e) => return Err(io(e)),
    };
    let existing = match read_signature_file(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(io(e)),
    };
    let merged =
        merge_signatures(&existing, signature).map_err(|source| SignaturesError::Merge {
            path: path.clone(),
            source,
        })?;
    crate::fs::replace(&path, merged.as_bytes(), 0o666).map_err(io)?;
    Ok(path)
}

/// A certificate the auditor holds, and the role it is for (if the auditor says).
#[derive(Clone, Debug)]
pub struct TrustedCert {
    /// The role, as the script or the file's name says.
    pub role: Option<String>,
    /// The certificate.
    pub certificate: Certificate,
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
    /// For a bad signature by a certificate the auditor gave for a role: that role. The
    /// role did sign, but the signature does not verify.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Whether the signature fails because it is not over these bytes (as opposed to a
    /// revoked or expired key): the content is not what was signed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub data_changed: bool,
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
    /// Required roles without a good signature (including those in `bad_signers`).
    pub missing: Vec<String>,
    /// Required roles that signed, but whose signature is bad: present, by their
    /// certificate, and not valid over these bytes (or made with an unusable key).
    pub bad_signers: Vec<String>,
    /// Whether a required signer's signature does not match these bytes: the records
    /// were changed after they were signed (and, if the chain is intact, the chain was
    /// recomputed).
    pub signed_bytes_differ: bool,
    /// Signatures that do not verify: the transcript or the signature was changed, or
    /// the key was revoked or expired when it signed.
    pub bad: Vec<Unaccepted>,
    /// Signatures by keys that no given certificate holds, or whose certificate is not
    /// one of the transcript's roles.
    pub unknown: Vec<Unaccepted>,
    /// A problem reading the signature file as a whole.
    pub unreadable: Option<String>,
    /// Disagreements between the auditor's certificates or signers and what the
    /// transcript recorded (a rewritten first record).
    pub mismatches: Vec<String>,
    /// Where the required signers came from: `script` or `transcript`.
    pub required_from: &'static str,
    /// Every required signer signed and no signature is bad or unreadable.
    pub valid: bool,
}

/// Checks the signatures in the transcript's `.asc` file over `transcript` (its exact
/// bytes) against the auditor's `certs`. `required` is who must sign: from the script
/// when the auditor has it (`Some`), else from the transcript's first record.
pub fn check(
    transcript_path: &Path,
    transcript: &[u8],
    start: &StartFacts,
    certs: &[TrustedCert],
    required: Option<&[String]>,
) -> SignatureReport {
    let mut file = SignatureFile::read(transcript_path);
    file.update(transcript);
    file.report(start, certs, required)
}

/// A transcript's signature file, read and ready to check over the transcript's bytes as
/// they are fed (see [`verify_and_audit`]).
pub struct SignatureFile {
    path: PathBuf,
    state: FileState,
}

enum FileState {
    Absent,
    Unreadable(String),
    Checking(DetachedStream),
}

impl SignatureFile {
    /// Reads `<transcript>.asc`: absent, unreadable (said why), or its signatures.
    pub fn read(transcript: &Path) -> Self {
        let path = signature_path(transcript);
        let state = match read_signature_file(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => FileState::Absent,
            Err(e) => FileState::Unreadable(format!("cannot read {}: {e}", path.display())),
            Ok(bytes) => match DetachedStream::new(&bytes) {
                Ok(stream) => FileState::Checking(stream),
                Err(e) => FileState::Unreadable(e.to_string()),
            },
        };
        SignatureFile { path, state }
    }

    /// Whether the file exists.
    pub fn present(&self) -> bool {
        !matches!(self.state, FileState::Absent)
    }

    /// Feeds the next piece of the transcript's bytes.
    pub fn update(&mut self, piece: &[u8]) {
        if let FileState::Checking(stream) = &mut self.state {
            stream.update(piece);
        }
    }

    /// The signature check over the bytes fed, as [`check`] describes.
    pub fn report(
        self,
        start: &StartFacts,
        certs: &[TrustedCert],
        required: Option<&[String]>,
    ) -> SignatureReport {
        let mut report = SignatureReport {
            file: self.path,
            present: !matches!(self.state, FileState::Absent),
            required: required.map_or_else(|| start.signers.clone(), <[String]>::to_vec),
            signed: Vec::new(),
            missing: Vec::new(),
            bad_signers: Vec::new(),
            signed_bytes_differ: false,
            bad: Vec::new(),
            unknown: Vec::new(),
            unreadable: None,
            mismatches: Vec::new(),
            required_from: if required.is_some() {
                "script"
            } else {
                "transcript"
            },
            valid: false,
        };
        if let Some(required) = required {
            if required != start.signers.as_slice() {
                report.mismatches.push(format!(
                    "the script requires signatures by [{}], but the transcript records [{}]",
                    required.join(", "),
                    start.signers.join(", ")
                ));
            }
        }
        for trusted in certs {
            let Some(role) = &trusted.role else { continue };
            let recorded = start.roles.iter().find(|r| &r.id == role);
            let theirs = recorded.and_then(|r| r.fingerprint.as_deref());
            let ours = trusted.certificate.fingerprint();
            if recorded.is_some() && theirs != Some(ours.as_str()) {
                report.mismatches.push(format!(
                    "role `{role}`: the transcript records certificate {}, but the one given for it is {ours}",
                    theirs.unwrap_or("none")
                ));
            }
        }
        match self.state {
            FileState::Absent => {}
            FileState::Unreadable(why) => report.unreadable = Some(why),
            FileState::Checking(stream) => {
                let plain: Vec<Certificate> = certs.iter().map(|t| t.certificate.clone()).collect();
                classify(&mut report, stream.finish(&plain), start, certs);
            }
        }
        report.missing = report
            .required
            .iter()
            .filter(|r| !report.signed.iter().any(|s| s.role.as_deref() == Some(r)))
            .cloned()
            .collect();
        report.bad_signers = report
            .missing
            .iter()
            .filter(|r| report.bad.iter().any(|b| b.role.as_deref() == Some(r)))
            .cloned()
            .collect();
        report.signed_bytes_differ = report.bad.iter().any(|b| {
            b.data_changed && b.role.as_ref().is_some_and(|r| report.required.contains(r))
        });
        report.valid = report.missing.is_empty()
            && report.bad.is_empty()
            && report.unreadable.is_none()
            && report.mismatches.is_empty();
        report
    }
}

/// The roles the auditor gave certificate `fingerprint` for.
fn roles_of<'a>(certs: &'a [TrustedCert], fingerprint: &str) -> Vec<&'a String> {
    certs
        .iter()
        .filter(|t| t.certificate.fingerprint() == fingerprint)
        .filter_map(|t| t.role.as_ref())
        .collect()
}

/// Sorts the signature checks into the report's good, bad and unknown signatures.
fn classify(
    report: &mut SignatureReport,
    checks: Vec<crate::pgp::SignatureCheck>,
    start: &StartFacts,
    certs: &[TrustedCert],
) {
    for c in checks {
        let issuer = c.issuer_fingerprint.clone().or(c.issuer_key_id.clone());
        match (&c.result, &c.signer) {
            (SignatureResult::Good, Some(fpr)) => {
                let roles = roles_of(certs, fpr);
                if roles.is_empty() {
                    report.unknown.push(Unaccepted {
                        issuer: Some(fpr.clone()),
                        problem:
                            "a good signature, but by a certificate that is not given for any role"
                                .into(),
                        role: None,
                        data_changed: false,
                    });
                }
                for role in roles {
                    report.signed.push(Signed {
                        role: Some(role.clone()),
                        name: start
                            .roles
                            .iter()
                            .find(|r| &r.id == role)
                            .map(|r| r.name.clone()),
                        fingerprint: fpr.clone(),
                        at: c.created.map(|t| t.to_rfc3339()),
                    });
                }
            }
            (SignatureResult::Good, None) => report.unknown.push(Unaccepted {
                issuer,
                problem: "the signing certificate is unknown".into(),
                role: None,
                data_changed: false,
            }),
            (SignatureResult::UnknownKey, _) => report.unknown.push(Unaccepted {
                issuer,
                problem: "no given certificate holds the key that made it".into(),
                role: None,
                data_changed: false,
            }),
            (SignatureResult::Bad(why), signer) => {
                // A certificate given for several roles names the first; the signature
                // is bad for all of them alike.
                let role = signer
                    .as_deref()
                    .and_then(|fpr| roles_of(certs, fpr).first().map(|r| (*r).clone()));
                report.bad.push(Unaccepted {
                    issuer,
                    problem: why.clone(),
                    role,
                    data_changed: why == DATA_CHANGED,
                });
            }
        }
    }
}

/// Loads every certificate file in `dir` (`.asc`, `.gpg`, `.pgp`, `.pub`, `.key`,
/// `.cert`). A file named after a role (`officer.asc`) is that role's certificate; other
/// files are trusted certificates without a role. Files that do not hold a certificate
/// are reported, not fatal.
pub fn load_cert_dir(dir: &Path) -> std::io::Result<(Vec<TrustedCert>, Vec<String>)> {
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
        let role = path
            .file_stem()
            .and_then(|s| s.to_str())
            .filter(|s| crate::script::types::RoleId::parse(s).is_ok())
            .map(str::to_string);
        match Certificate::load(&path) {
            Ok(certificate) => certs.push(TrustedCert { role, certificate }),
            Err(e) => problems.push(format!("{}: {e}", path.display())),
        }
    }
    Ok((certs, problems))
}

/// The certificates an auditor trusts, bound to roles; problems loading them; and the
/// required signers when the auditor's script says.
struct Trust {
    certs: Vec<TrustedCert>,
    problems: Vec<String>,
    required: Option<Vec<String>>,
}

/// Why a transcript's signatures could not be audited at all.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The auditor's script could not be read for its signers and certificates.
    #[error(transparent)]
    Script(#[from] crate::script::source::ScriptError),
    /// The `--certs` folder could not be read.
    #[error("cannot read the certificate folder {path}")]
    CertFolder {
        /// The folder.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The transcript could not be read (or is not a regular file).
    #[error("cannot read the transcript {path}")]
    Read {
        /// The transcript.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The transcript's bytes are not the ones just verified.
    #[error("{} changed while it was being verified; verify it again", path.display())]
    Changed {
        /// The transcript.
        path: PathBuf,
    },
}

/// What an auditor learns about a verified transcript's signatures.
#[derive(Clone, Debug)]
pub struct Audit {
    /// The signature check, when the transcript, the `.asc` file or the script calls
    /// for signatures (`None`: nothing to check).
    pub signatures: Option<SignatureReport>,
    /// Certificates given that could not be read.
    pub certificate_problems: Vec<String>,
    /// Whether no certificate at all was given to check against.
    pub no_certs: bool,
}

impl Audit {
    /// Whether the chain is intact but a required signer's signature does not match the
    /// bytes: a forger who edits records can recompute the chain, not the signatures.
    pub fn changed_after_signing(&self, verification: &crate::transcript::Verification) -> bool {
        verification.verdict == crate::transcript::Verdict::Intact
            && self
                .signatures
                .as_ref()
                .is_some_and(|s| s.signed_bytes_differ)
    }

    /// The transcript is intact and closed, and every required signer signed.
    pub fn valid(&self, verification: &crate::transcript::Verification) -> bool {
        verification.verdict == crate::transcript::Verdict::Intact
            && self.signatures.as_ref().is_none_or(|s| s.valid)
    }
}

/// What `keyrite verify` prints when the chain checks but the signatures do not match.
pub const CHANGED_AFTER_SIGNING: &str = "CHANGED AFTER SIGNING: the records are consistent \
     and in order (their hash chain checks), but they are not the bytes the required signers \
     signed: the content was changed after signing and the chain recomputed; do not trust it";

/// Verifies the transcript at `transcript` and checks its signatures in one pass over
/// its bytes, in memory that does not grow with its size: every piece read feeds both
/// the chain check and the signatures' hashes. Certificates and required signers are
/// bound as [`audit`] says. The transcript must be a regular file: a named pipe or a
/// device is refused at once.
pub fn verify_and_audit(
    transcript: &Path,
    script_sha256: Option<&str>,
    script: Option<&Path>,
    certs: Option<&Path>,
) -> Result<(crate::transcript::Verification, Audit), AuditError> {
    // The script is read once, for its signers and its roles' certificates.
    let facts = script
        .map(crate::script::source::signing_facts)
        .transpose()?;
    let mut signatures = SignatureFile::read(transcript);
    let v = verify_teed(transcript, script_sha256, &mut signatures)?;
    let audit = conclude(&v, facts, certs, signatures)?;
    Ok((v, audit))
}

/// One pass over the transcript, feeding `signatures`.
fn verify_teed(
    transcript: &Path,
    script_sha256: Option<&str>,
    signatures: &mut SignatureFile,
) -> Result<crate::transcript::Verification, AuditError> {
    let read = |source| AuditError::Read {
        path: transcript.to_path_buf(),
        source,
    };
    let file = crate::fs::open_regular(transcript).map_err(read)?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, Tee::new(file, signatures));
    let v = crate::transcript::verify_reader_with(transcript, &mut reader, script_sha256, |_| {})
        .map_err(read)?;
    // The verifier reads to the end; this makes sure the signatures saw every byte.
    std::io::copy(&mut reader, &mut std::io::sink()).map_err(read)?;
    Ok(v)
}

/// Checks the signatures of the transcript that `verification` describes, as `keyrite
/// verify` does: certificates are bound to roles by the auditor's `script` (its roles'
/// `cert` files) or by `certs` (`<role>.asc` in that folder), never by the transcript;
/// the required signers come from the script when given, else from the transcript.
///
/// `bytes` are the transcript's bytes the caller verified; without them the file is
/// read again, streamed, and must verify the same ([`AuditError::Changed`] if not).
pub fn audit(
    transcript: &Path,
    verification: &crate::transcript::Verification,
    bytes: Option<&[u8]>,
    script: Option<&Path>,
    certs: Option<&Path>,
) -> Result<Audit, AuditError> {
    let v = verification;
    let facts = script
        .map(crate::script::source::signing_facts)
        .transpose()?;
    let mut signatures = SignatureFile::read(transcript);
    match bytes {
        // The bytes checked must be the ones whose chain was verified.
        Some(bytes) => {
            if v.head
                .as_deref()
                .is_some_and(|h| is_transcript(bytes, v.records, h))
            {
                signatures.update(bytes);
            } else if v.verdict == crate::transcript::Verdict::Intact {
                return Err(AuditError::Changed {
                    path: transcript.to_path_buf(),
                });
            }
            // Otherwise (a torn or tampered file) the signatures are checked over no
            // bytes: they fail, as they must.
        }
        None => {
            let again = verify_teed(transcript, None, &mut signatures)?;
            if again.head != v.head || again.records != v.records {
                return Err(AuditError::Changed {
                    path: transcript.to_path_buf(),
                });
            }
        }
    }
    conclude(v, facts, certs, signatures)
}

/// The audit once the signatures have seen the transcript's bytes.
fn conclude(
    v: &crate::transcript::Verification,
    facts: Option<crate::script::source::SigningFacts>,
    certs: Option<&Path>,
    signatures: SignatureFile,
) -> Result<Audit, AuditError> {
    let needs_signatures = v.start.as_ref().is_some_and(|s| !s.signers.is_empty())
        || signatures.present()
        || facts.as_ref().is_some_and(|f| !f.signers.is_empty());
    if !needs_signatures {
        return Ok(Audit {
            signatures: None,
            certificate_problems: Vec::new(),
            no_certs: true,
        });
    }
    let trust = trust(facts, certs)?;
    let mut audit = Audit {
        signatures: None,
        no_certs: trust.certs.is_empty(),
        certificate_problems: trust.problems,
    };
    let Some(start) = &v.start else {
        return Ok(audit);
    };
    audit.signatures = Some(signatures.report(start, &trust.certs, trust.required.as_deref()));
    Ok(audit)
}

fn trust(
    facts: Option<crate::script::source::SigningFacts>,
    certs: Option<&Path>,
) -> Result<Trust, AuditError> {
    let required = facts.as_ref().map(|f| f.signers.clone());
    if let Some(dir) = certs {
        let (certs, problems) = load_cert_dir(dir).map_err(|source| AuditError::CertFolder {
            path: dir.to_path_buf(),
            source,
        })?;
        return Ok(Trust {
            certs,
            problems,
            required,
        });
    }
    let mut trust = Trust {
        certs: Vec::new(),
        problems: Vec::new(),
        required,
    };
    for (role, file) in facts.map(|f| f.cert_files).unwrap_or_default() {
        match Certificate::load(&file) {
            Ok(certificate) => trust.certs.push(TrustedCert {
                role: Some(role),
                certificate,
            }),
            Err(e) => trust
                .problems
                .push(format!("role `{role}`: {}: {e}", file.display())),
        }
    }
    Ok(trust)
}

/// Reads from `inner` and feeds every byte read to a [`SignatureFile`]'s check, so one
/// pass over a file serves the chain check and the signature check, which then saw the
/// same bytes by construction.
pub struct Tee<'a, R> {
    inner: R,
    signatures: &'a mut SignatureFile,
}

impl<'a, R: std::io::Read> Tee<'a, R> {
    /// Reads `inner`, feeding `signatures`.
    pub fn new(inner: R, signatures: &'a mut SignatureFile) -> Self {
        Tee { inner, signatures }
    }
}

impl<R: std::io::Read> std::io::Read for Tee<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.signatures.update(&buf[..n]);
        Ok(n)
    }
}
