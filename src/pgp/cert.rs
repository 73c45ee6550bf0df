//! Certificates (OpenPGP public keys): loading, identifying and checking them.
//!
//! A [`Certificate`] is exactly one v4 OpenPGP certificate, read from an ASCII-armoured
//! or binary file, with any secret key material removed.
//!
//! Invariants:
//! - Loading refuses, each with its own [`PgpError`]: an empty file, bytes that are not
//!   OpenPGP, OpenPGP data that is no key (a message, a signature), a file with several
//!   certificates (even in several concatenated armour blocks), and v6 or v3 keys
//!   (GnuPG 2.2, which the recipients use, reads only v4).
//! - A secret key file is accepted: only its public part is kept, so a `Certificate`
//!   never holds secret key material.
//! - Usability ([`Certificate::check`]) is judged under sequoia's standard policy at a
//!   given time: not revoked, not expired, not created in the future, and with at least
//!   one valid key for the purpose. Encryption and verification call it themselves.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use openpgp::cert::amalgamation::ValidAmalgamation;
use openpgp::cert::{CertParser, ValidCert};
use openpgp::packet::Tag;
use openpgp::parse::{PacketParser, PacketParserResult, Parse};
use openpgp::policy::StandardPolicy;
use openpgp::serialize::SerializeInto;
use openpgp::types::RevocationStatus;
use openpgp::Cert;
use sequoia_openpgp as openpgp;

use super::error::{CertProblem, PgpError, Purpose};

/// The policy every check uses (sequoia's standard policy: no SHA-1 signatures on
/// data, no weak keys).
pub(crate) static POLICY: StandardPolicy<'static> = StandardPolicy::new();

/// One OpenPGP certificate (public key), v4, without secret key material.
#[derive(Clone)]
pub struct Certificate {
    cert: Cert,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("fingerprint", &self.fingerprint())
            .field("user_ids", &self.user_ids())
            .finish()
    }
}

impl Certificate {
    /// Reads a certificate from an ASCII-armoured or binary file.
    ///
    /// A secret key file is accepted (its public part is used).
    pub fn load(path: impl AsRef<Path>) -> Result<Certificate, PgpError> {
        let path = path.as_ref();
        let bytes = read_file(path)?;
        Self::parse(&bytes, path)
    }

    /// Reads a certificate from bytes (armoured or binary), as [`Certificate::load`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Certificate, PgpError> {
        Self::parse(bytes, Path::new("<memory>"))
    }

    fn parse(bytes: &[u8], path: &Path) -> Result<Certificate, PgpError> {
        Ok(Self::from_cert(parse_one_cert(bytes, path)?))
    }

    /// Wraps a parsed certificate, dropping any secret key material.
    pub(crate) fn from_cert(cert: Cert) -> Certificate {
        Certificate {
            cert: cert.strip_secret_key_material(),
        }
    }

    /// The primary key's fingerprint: 40 upper-case hex digits.
    pub fn fingerprint(&self) -> String {
        self.cert.fingerprint().to_hex()
    }

    /// The user IDs, as written in the certificate (lossily decoded as UTF-8).
    pub fn user_ids(&self) -> Vec<String> {
        self.cert
            .userids()
            .map(|u| String::from_utf8_lossy(u.userid().value()).into_owned())
            .collect()
    }

    /// The fingerprint of the key that signs for this certificate at `now`: the newest
    /// valid signing-capable key, which is a subkey when the primary key only certifies
    /// (an offline primary, a smartcard). `gpg --local-user FPR!` needs this key's
    /// fingerprint: with the primary's, gpg refuses a certify-only primary.
    pub fn signing_key_fingerprint(&self, now: impl Into<SystemTime>) -> Option<String> {
        let vc = valid_for(&self.cert, Purpose::Sign, now.into()).ok()?;
        vc.keys()
            .for_signing()
            .supported()
            .alive()
            .revoked(false)
            .max_by_key(|ka| ka.key().creation_time())
            .map(|ka| ka.key().fingerprint().to_hex())
    }

    /// Whether the certificate can be used for `purpose` at time `now`.
    pub fn check(&self, purpose: Purpose, now: impl Into<SystemTime>) -> Result<(), CertProblem> {
        valid_for(&self.cert, purpose, now.into()).map(|_| ())
    }

    /// The certificate, ASCII-armoured (as `gpg --armor --export` writes it).
    pub fn to_armored(&self) -> Result<String, PgpError> {
        let bytes = self
            .cert
            .armored()
            .to_vec()
            .map_err(|e| PgpError::crypto("armouring a certificate", e))?;
        String::from_utf8(bytes).map_err(|e| PgpError::crypto("armouring a certificate", e))
    }

    /// The underlying sequoia certificate.
    pub(crate) fn inner(&self) -> &Cert {
        &self.cert
    }

    /// [`Certificate::check`], turned into a [`PgpError`] naming this certificate.
    pub(crate) fn require(
        &self,
        purpose: Purpose,
        now: SystemTime,
    ) -> Result<ValidCert<'_>, PgpError> {
        valid_for(&self.cert, purpose, now).map_err(|problem| PgpError::Unusable {
            fingerprint: self.fingerprint(),
            purpose,
            problem,
        })
    }
}

/// Largest certificate or key file read: a key with thousands of third-party
/// signatures is a few megabytes.
pub const MAX_KEY_FILE: u64 = 16 << 20;

/// Reads a whole regular file within [`MAX_KEY_FILE`], mapping errors to [`PgpError::Io`].
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, PgpError> {
    crate::fs::read_bounded(path, MAX_KEY_FILE).map_err(|source| PgpError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// [`read_file`] for a file that may hold unprotected secret keys: wiped on drop.
pub(crate) fn read_secret_file(path: &Path) -> Result<zeroize::Zeroizing<Vec<u8>>, PgpError> {
    crate::fs::read_secret_bounded(path, MAX_KEY_FILE).map_err(|source| PgpError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Parses exactly one v4 certificate or secret key (with its secrets, if any).
pub(crate) fn parse_one_cert(bytes: &[u8], path: &Path) -> Result<Cert, PgpError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(PgpError::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    let mut certs = Vec::new();
    for block in super::armor::blocks(bytes) {
        let found = sniff(block, path)?;
        if !matches!(found, Tag::PublicKey | Tag::SecretKey) {
            return Err(PgpError::NotAKey {
                path: path.to_path_buf(),
                found: describe_tag(found),
            });
        }
        let parser = CertParser::from_bytes(block).map_err(|e| not_openpgp(path, e))?;
        for cert in parser {
            certs.push(cert.map_err(|e| not_openpgp(path, e))?);
        }
    }
    let count = certs.len();
    let cert = match certs.pop() {
        None => {
            return Err(PgpError::NotOpenPgp {
                path: path.to_path_buf(),
                detail: "no certificate found".into(),
            })
        }
        Some(_) if count > 1 => {
            return Err(PgpError::SeveralCertificates {
                path: path.to_path_buf(),
                count,
            })
        }
        Some(c) => c,
    };
    match cert.primary_key().key().version() {
        4 => Ok(cert),
        6 => Err(PgpError::V6Key {
            fingerprint: cert.fingerprint().to_hex(),
        }),
        version => Err(PgpError::UnsupportedKeyVersion {
            fingerprint: cert.fingerprint().to_hex(),
            version,
        }),
    }
}

fn not_openpgp(path: &Path, e: impl fmt::Display) -> PgpError {
    PgpError::NotOpenPgp {
        path: path.to_path_buf(),
        detail: super::error::chain(e),
    }
}

/// The tag of the first packet in `block`.
fn sniff(block: &[u8], path: &Path) -> Result<Tag, PgpError> {
    match PacketParser::from_bytes(block).map_err(|e| not_openpgp(path, e))? {
        PacketParserResult::Some(pp) => Ok(pp.packet.tag()),
        PacketParserResult::EOF(_) => Err(PgpError::EmptyFile {
            path: PathBuf::from(path),
        }),
    }
}

/// "a signature", "an encrypted message", … for [`PgpError::NotAKey`].
pub(crate) fn describe_tag(tag: Tag) -> String {
    match tag {
        Tag::Signature | Tag::OnePassSig => "a signature".into(),
        Tag::PKESK | Tag::SKESK | Tag::SEIP | Tag::SED | Tag::AED => "an encrypted message".into(),
        Tag::Literal | Tag::CompressedData => "a message".into(),
        Tag::PublicSubkey | Tag::SecretSubkey => "a lone subkey".into(),
        Tag::UserID => "a lone user ID".into(),
        other => format!("a {other} packet"),
    }
}

pub(crate) fn to_utc(t: SystemTime) -> DateTime<Utc> {
    DateTime::<Utc>::from(t)
}

/// The certificate's revocation reason, "code: text", if it is revoked at `t`.
fn revocation(cert: &Cert, t: SystemTime) -> Option<Option<String>> {
    match cert.revocation_status(&POLICY, t) {
        RevocationStatus::Revoked(sigs) => Some(sigs.iter().find_map(|s| {
            s.reason_for_revocation().map(|(code, text)| {
                let text = String::from_utf8_lossy(text);
                let text = text.trim();
                if text.is_empty() {
                    code.to_string()
                } else {
                    format!("{code}: {text}")
                }
            })
        })),
        _ => None,
    }
}

/// The algorithm or curve of `key` if the OpenPGP backend cannot use it.
fn unsupported_algorithm<P, R>(key: &openpgp::packet::Key<P, R>) -> Option<String>
where
    P: openpgp::packet::key::KeyParts,
    R: openpgp::packet::key::KeyRole,
{
    use openpgp::crypto::mpi::PublicKey as Mpi;
    use openpgp::types::Curve;
    let algo = key.pk_algo();
    if !algo.is_supported() {
        return Some(algo.to_string());
    }
    let curve = match key.mpis() {
        Mpi::ECDSA { curve, .. } | Mpi::ECDH { curve, .. } | Mpi::EdDSA { curve, .. } => curve,
        _ => return None,
    };
    if curve.is_supported() {
        return None;
    }
    // secp256k1 (OID 1.3.132.0.10), which GnuPG makes and sequoia does not name.
    Some(match curve {
        Curve::Unknown(oid) if oid.as_ref() == [0x2B, 0x81, 0x04, 0x00, 0x0A] => {
            "secp256k1".to_string()
        }
        Curve::Unknown(_) => format!("the elliptic curve {curve}"),
        _ => format!("{curve:#}"),
    })
}

/// The certificate validated for `purpose` at `t`, or why it cannot be used.
pub(crate) fn valid_for(
    cert: &Cert,
    purpose: Purpose,
    t: SystemTime,
) -> Result<ValidCert<'_>, CertProblem> {
    if let Some(reason) = revocation(cert, t) {
        return Err(CertProblem::Revoked { reason });
    }
    let created = cert.primary_key().key().creation_time();
    if created > t {
        return Err(CertProblem::NotYetValid {
            from: to_utc(created),
        });
    }
    let vc = cert.with_policy(&POLICY, t).map_err(|e| {
        // A binding signature made by a key the backend cannot use cannot be verified:
        // say so, rather than that the certificate has no valid binding signature.
        match unsupported_algorithm(cert.primary_key().key()) {
            Some(algorithm) => CertProblem::UnsupportedAlgorithm {
                what: "its primary key".into(),
                algorithm,
            },
            None => CertProblem::Invalid {
                detail: super::error::chain(e),
            },
        }
    })?;
    if vc.alive().is_err() {
        return Err(match vc.primary_key().key_expiration_time() {
            Some(at) => CertProblem::Expired { at: to_utc(at) },
            None => CertProblem::Invalid {
                detail: "the primary key is not alive".into(),
            },
        });
    }
    let capable = || {
        let keys = vc.keys();
        match purpose {
            Purpose::Encrypt => keys.for_transport_encryption().for_storage_encryption(),
            Purpose::Sign => keys.for_signing(),
        }
    };
    if capable()
        .supported()
        .alive()
        .revoked(false)
        .next()
        .is_some()
    {
        return Ok(vc);
    }
    // Explain what is there instead. A key the backend cannot use is not valid under the
    // policy at all, so look for one among all the keys, validated or not.
    let unusable = cert.keys().find_map(|ka| {
        let key = ka.key();
        let could = match purpose {
            Purpose::Encrypt => key.pk_algo().for_encryption(),
            Purpose::Sign => key.pk_algo().for_signing(),
        };
        could.then(|| unsupported_algorithm(key)).flatten()
    });
    if let Some(algorithm) = unusable {
        return Err(CertProblem::UnsupportedAlgorithm {
            what: format!("its {purpose} key"),
            algorithm,
        });
    }
    let all: Vec<_> = capable().collect();
    let detail = if all.is_empty() {
        match purpose {
            Purpose::Encrypt => "it has no key marked for encryption (a sign-only key?)".into(),
            Purpose::Sign => "it has no key marked for signing".into(),
        }
    } else if let Some(at) = all
        .iter()
        .filter(|ka| ka.alive().is_err())
        .filter_map(|ka| ka.key_expiration_time())
        .max()
    {
        format!(
            "its {purpose} keys expired, the last on {} UTC",
            to_utc(at).format("%Y-%m-%d %H:%M:%S")
        )
    } else if all
        .iter()
        .all(|ka| !matches!(ka.revocation_status(), RevocationStatus::NotAsFarAsWeKnow))
    {
        format!("its {purpose} keys are revoked")
    } else {
        format!("its {purpose} keys use algorithms this build does not support")
    };
    Err(match purpose {
        Purpose::Encrypt => CertProblem::NoEncryptionKey { detail },
        Purpose::Sign => CertProblem::NoSigningKey { detail },
    })
}
