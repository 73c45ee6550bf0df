//! Secret keys: loading (and unlocking) an OpenPGP secret key file.
//!
//! A [`SecretKey`] is one v4 secret key (a "TSK": the certificate plus secret key
//! material), unlocked: every secret it holds has been decrypted with the passphrase
//! at load time, so signing and decrypting never prompt.
//!
//! Invariants:
//! - Loading a certificate without secret key material fails with
//!   [`PgpError::NoSecretKey`] ("this file holds no secret key material").
//! - A passphrase-protected key without a passphrase fails with
//!   [`PgpError::PassphraseRequired`]; a wrong one with [`PgpError::WrongPassphrase`].
//!   [`SecretKey::needs_passphrase`] lets the caller prompt only when needed.
//! - GnuPG stubs (`gnu-dummy` S2K: the secret lives on a smartcard or was not
//!   exported) are skipped; a file holding only stubs fails with
//!   [`PgpError::SecretKeyStubs`].
//! - Secret material stays inside sequoia's `SecretKeyMaterial`, which keeps it
//!   encrypted in memory and zeroes it on drop. `Debug` shows only the fingerprint;
//!   there is no `Serialize`, no `Display`, and no way to get the material out.

use std::fmt;
use std::path::Path;

use openpgp::crypto::{Password, S2K};
use openpgp::packet::key::{SecretKeyMaterial, SecretParts, UnspecifiedRole};
use openpgp::packet::Key;
use openpgp::Cert;
use sequoia_openpgp as openpgp;

use super::cert::{parse_one_cert, read_secret_file, Certificate};
use super::error::PgpError;

/// An unlocked OpenPGP secret key (v4).
pub struct SecretKey {
    /// The public part.
    certificate: Certificate,
    /// The keys whose secrets are present, decrypted (sequoia still keeps them
    /// encrypted in memory).
    secrets: Vec<Key<SecretParts, UnspecifiedRole>>,
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKey")
            .field("fingerprint", &self.fingerprint())
            .field("secret_keys", &self.secrets.len())
            .field("material", &"<redacted>")
            .finish()
    }
}

impl SecretKey {
    /// Reads a secret key file (armoured or binary) and unlocks it with `passphrase`
    /// if it is protected.
    pub fn load(path: impl AsRef<Path>, passphrase: Option<&str>) -> Result<SecretKey, PgpError> {
        let path = path.as_ref();
        // An unprotected secret key file is secret material itself.
        let bytes = read_secret_file(path)?;
        Self::parse(&bytes, path, passphrase)
    }

    /// As [`SecretKey::load`], from bytes.
    pub fn from_bytes(bytes: &[u8], passphrase: Option<&str>) -> Result<SecretKey, PgpError> {
        Self::parse(bytes, Path::new("<memory>"), passphrase)
    }

    /// Whether the secret key file at `path` is protected by a passphrase, so the
    /// caller can prompt before [`SecretKey::load`]. Unreadable or invalid files give
    /// `false`: `load` then reports what is wrong.
    pub fn needs_passphrase(path: impl AsRef<Path>) -> bool {
        let Ok(bytes) = read_secret_file(path.as_ref()) else {
            return false;
        };
        let Ok(cert) = parse_one_cert(&bytes, path.as_ref()) else {
            return false;
        };
        cert.keys().secret().any(
            |ka| matches!(ka.key().secret(), SecretKeyMaterial::Encrypted(e) if !is_stub(e.s2k())),
        )
    }

    fn parse(bytes: &[u8], path: &Path, passphrase: Option<&str>) -> Result<SecretKey, PgpError> {
        let cert: Cert = parse_one_cert(bytes, path)?;
        if !cert.is_tsk() {
            return Err(PgpError::NoSecretKey {
                path: path.to_path_buf(),
            });
        }
        let fingerprint = cert.fingerprint().to_hex();
        let password = passphrase.map(Password::from);
        let mut secrets = Vec::new();
        for ka in cert.keys().secret() {
            let key = ka.key().clone();
            let key = match key.secret() {
                SecretKeyMaterial::Unencrypted(_) => key,
                SecretKeyMaterial::Encrypted(e) if is_stub(e.s2k()) => continue,
                SecretKeyMaterial::Encrypted(_) => {
                    let Some(password) = password.as_ref() else {
                        return Err(PgpError::PassphraseRequired { fingerprint });
                    };
                    key.decrypt_secret(password)
                        .map_err(|_| PgpError::WrongPassphrase {
                            fingerprint: fingerprint.clone(),
                        })?
                }
            };
            secrets.push(key);
        }
        if secrets.is_empty() {
            return Err(PgpError::SecretKeyStubs { fingerprint });
        }
        Ok(SecretKey {
            certificate: Certificate::from_cert(cert),
            secrets,
        })
    }

    /// The primary key's fingerprint: 40 upper-case hex digits.
    pub fn fingerprint(&self) -> String {
        self.certificate.fingerprint()
    }

    /// The public part.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The unlocked secret key with this fingerprint, if present.
    pub(crate) fn secret_for(
        &self,
        fingerprint: &openpgp::Fingerprint,
    ) -> Option<&Key<SecretParts, UnspecifiedRole>> {
        self.secrets
            .iter()
            .find(|k| &k.fingerprint() == fingerprint)
    }

    /// All unlocked secret keys.
    pub(crate) fn secrets(&self) -> &[Key<SecretParts, UnspecifiedRole>] {
        &self.secrets
    }
}

/// GnuPG's "gnu-dummy" (101) and other private S2K modes mean: no secret here.
fn is_stub(s2k: &S2K) -> bool {
    matches!(s2k, S2K::Private { .. } | S2K::Unknown { .. })
}
