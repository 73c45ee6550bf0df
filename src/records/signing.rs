//! Who signed a completed transcript, for `keyrite status`: the required signers (the
//! first record's `signers`) against the signatures in `<transcript>.asc`.
//!
//! Invariants:
//! - The signatures are hashed in the same pass that verifies the chain (the caller feeds
//!   a [`SignatureFile`] through a [`crate::signatures::Tee`]); nothing is read twice.
//! - Certificates are bound to roles only by the script the transcript names, found as
//!   recorded (relative to the current folder, or to the records folder's parent) and
//!   used only if its SHA-256 is the one the transcript recorded and each certificate's
//!   fingerprint is the one recorded for its role; the checks are `keyrite verify`'s
//!   ([`SignatureFile::report`]). A script's certificates are loaded once a scan (memory
//!   only: nothing is cached between runs).
//! - Without those certificates the signatures are not checked: a signature counts for
//!   the role whose recorded certificate fingerprint (or key ID) it names. A signature by
//!   a subkey names no role; then the roles it could be from are `undetermined`, which
//!   is a note, and only a shortfall (fewer signatures than roles left) needs attention.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use super::Signing;
use crate::pgp::Certificate;
use crate::signatures::{SignatureFile, TrustedCert};
use crate::transcript::{sha256_hex, StartFacts};

/// The largest script read to find certificates: scripts are kilobytes.
const MAX_SCRIPT_BYTES: u64 = 4 << 20;

/// A script's certificates, loaded.
pub(super) struct Certs {
    /// The script, as found.
    script: String,
    /// Its roles' certificates.
    certs: Vec<TrustedCert>,
    /// Roles whose certificate file could not be loaded.
    unloadable: Vec<String>,
}

/// (script path, recorded SHA-256) → its certificates, or `None` if it is not there or
/// not that script.
type Loaded = HashMap<(PathBuf, String), Option<Arc<Certs>>>;

/// Where scripts are looked for, and the certificates already loaded in this scan.
pub(super) struct Trust {
    /// The records folder's parent, where `keyrite run` usually ran.
    base: Option<PathBuf>,
    /// The scripts looked at in this scan.
    loaded: Mutex<Loaded>,
}

impl Trust {
    /// For a scan of `records`.
    pub(super) fn new(records: &Path) -> Trust {
        Trust {
            base: records
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map(Path::to_path_buf),
            loaded: Mutex::new(HashMap::new()),
        }
    }

    /// The certificates of the script the transcript names, if it is there unchanged.
    fn certs_for(&self, start: &StartFacts) -> Option<Arc<Certs>> {
        if start.script_path.is_empty() || start.script_sha256.is_empty() {
            return None;
        }
        let recorded = Path::new(&start.script_path);
        let mut candidates = vec![recorded.to_path_buf()];
        if let (false, Some(base)) = (recorded.is_absolute(), &self.base) {
            candidates.push(base.join(recorded));
        }
        candidates.dedup();
        candidates
            .into_iter()
            .find_map(|path| self.load(path, &start.script_sha256))
    }

    fn load(&self, path: PathBuf, sha256: &str) -> Option<Arc<Certs>> {
        let key = (path, sha256.to_string());
        if let Some(known) = self
            .loaded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
        {
            return known.clone();
        }
        // Two threads may load the same script at once; both get the same answer.
        let loaded = load_script(&key.0, sha256).map(Arc::new);
        self.loaded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, loaded.clone());
        loaded
    }
}

fn load_script(path: &Path, sha256: &str) -> Option<Certs> {
    let bytes = crate::fs::read_bounded(path, MAX_SCRIPT_BYTES).ok()?;
    if !sha256_hex(&bytes).eq_ignore_ascii_case(sha256) {
        return None;
    }
    let facts = crate::script::source::signing_facts(path).ok()?;
    let mut certs = Certs {
        script: path.display().to_string(),
        certs: Vec::new(),
        unloadable: Vec::new(),
    };
    for (role, file) in facts.cert_files {
        match Certificate::load(&file) {
            Ok(certificate) => certs.certs.push(TrustedCert {
                role: Some(role),
                certificate,
            }),
            Err(_) => certs.unloadable.push(role),
        }
    }
    Some(certs)
}

/// Whether `certs` can judge this transcript's signers: each required signer has a
/// certificate, and every certificate is the one the transcript recorded for its role.
fn usable(certs: &Certs, start: &StartFacts) -> bool {
    let has_cert = |role: &String| certs.certs.iter().any(|c| c.role.as_ref() == Some(role));
    let recorded_matches = certs.certs.iter().all(|c| {
        let Some(role) = &c.role else { return true };
        match start.roles.iter().find(|r| &r.id == role) {
            Some(r) => r
                .fingerprint
                .as_deref()
                .is_some_and(|f| f.eq_ignore_ascii_case(&c.certificate.fingerprint())),
            None => true,
        }
    });
    start
        .signers
        .iter()
        .all(|s| has_cert(s) && !certs.unloadable.contains(s))
        && recorded_matches
}

/// The role whose recorded certificate fingerprint is `issuer` (a fingerprint, or a key
/// ID that is its last 16 hex digits).
fn role_named<'a>(start: &'a StartFacts, issuer: &str) -> Option<&'a str> {
    start.roles.iter().find_map(|r| {
        let fp = r.fingerprint.as_deref()?;
        let named = fp.eq_ignore_ascii_case(issuer)
            || (issuer.len() == 16
                // The fingerprint comes from a file: sliced only where it is a boundary.
                && fp
                    .get(fp.len().saturating_sub(16)..)
                    .is_some_and(|tail| fp.len() > 16 && tail.eq_ignore_ascii_case(issuer)));
        named.then_some(r.id.as_str())
    })
}

/// Who signed the transcript whose first record is `start`, from its signature file fed
/// the transcript's bytes. `None` when it requires no signatures.
pub(super) fn signing(file: SignatureFile, start: &StartFacts, trust: &Trust) -> Option<Signing> {
    if start.signers.is_empty() {
        return None;
    }
    let required = start.signers.clone();
    let mut out = Signing {
        required: required.clone(),
        ..Signing::default()
    };
    if !file.present() {
        out.not_signed = required;
        return Some(out);
    }
    let certs = trust.certs_for(start).filter(|c| usable(c, start));
    let given: &[TrustedCert] = certs.as_deref().map_or(&[], |c| c.certs.as_slice());
    let report = file.report(start, given, None);
    if let Some(why) = report.unreadable {
        out.problem = Some(why);
        out.not_signed = required;
        return Some(out);
    }
    let good: BTreeSet<(&str, Option<&str>)> = report
        .signed
        .iter()
        .map(|s| (s.fingerprint.as_str(), s.at.as_deref()))
        .collect();
    out.signatures = good.len() + report.bad.len() + report.unknown.len();
    match certs {
        Some(certs) => {
            out.checked = true;
            out.script = Some(certs.script.clone());
            out.signed = required
                .iter()
                .filter(|r| !report.missing.contains(r))
                .cloned()
                .collect();
            out.bad = report.bad_signers.clone();
            out.not_signed = report
                .missing
                .iter()
                .filter(|r| !report.bad_signers.contains(r))
                .cloned()
                .collect();
            out.unidentified = report.unknown.len();
        }
        None => {
            let mut named: HashMap<&str, usize> = HashMap::new();
            for u in &report.unknown {
                match u.issuer.as_deref().and_then(|i| role_named(start, i)) {
                    Some(role) => *named.entry(role).or_default() += 1,
                    None => out.unidentified += 1,
                }
            }
            let (signed, missing): (Vec<String>, Vec<String>) = required
                .into_iter()
                .partition(|r| named.contains_key(r.as_str()));
            out.signed = signed;
            if out.unidentified == 0 {
                out.not_signed = missing;
            } else {
                out.undetermined = missing;
            }
        }
    }
    Some(out)
}
