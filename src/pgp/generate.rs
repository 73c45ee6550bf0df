//! Generating demo keys that GnuPG 2.2 reads and encrypts to with SEIPDv1.
//!
//! Invariants:
//! - The key is v4 (RFC 4880 profile): an Ed25519 (EdDSA "legacy" encoding)
//!   certification-only primary key, an Ed25519 signing subkey and a Cv25519 (ECDH)
//!   encryption subkey for transport and storage; GnuPG 2.2 reads all three.
//! - No expiry (sequoia's default of three years is switched off).
//! - The Features subpacket says SEIPDv1 only, so GnuPG (and sequoia) encrypt to it
//!   with SEIPDv1 (MDC), never SEIPDv2/AEAD.
//! - With a passphrase, every secret key is protected with iterated+salted S2K
//!   (SHA-256), AES-256 and a SHA-1 integrity check, which GnuPG 2.2 imports.
//! - Meant for demo and test ceremonies: real keys are made on the owner's own
//!   machine or token.

use openpgp::cert::{CertBuilder, CipherSuite};
use openpgp::crypto::Password;
use openpgp::serialize::SerializeInto;
use openpgp::types::{Features, KeyFlags};
use openpgp::Profile;
use sequoia_openpgp as openpgp;

use super::error::PgpError;

/// Generates a key for `user_id`; returns `(secret key, certificate)`, both
/// ASCII-armoured.
pub fn generate(user_id: &str, passphrase: Option<&str>) -> Result<(String, String), PgpError> {
    let op = "generating a key";
    let err = |e: openpgp::anyhow::Error| PgpError::crypto(op, e);
    if user_id.trim().is_empty() {
        return Err(PgpError::Crypto {
            operation: op,
            detail: "the user ID is empty; give a name and e-mail address".into(),
        });
    }
    let (cert, _revocation) = CertBuilder::new()
        .set_profile(Profile::RFC4880)
        .map_err(err)?
        .set_cipher_suite(CipherSuite::Cv25519)
        .set_features(Features::empty().set_seipdv1())
        .map_err(err)?
        .set_validity_period(None)
        .add_userid(user_id)
        .add_signing_subkey()
        .add_subkey(
            KeyFlags::empty()
                .set_transport_encryption()
                .set_storage_encryption(),
            None,
            None,
        )
        .set_password(passphrase.map(Password::from))
        .generate()
        .map_err(err)?;
    let armored = |bytes: openpgp::Result<Vec<u8>>| {
        bytes
            .map_err(err)
            .and_then(|b| String::from_utf8(b).map_err(|e| PgpError::crypto(op, e)))
    };
    let secret = armored(cert.as_tsk().armored().to_vec())?;
    let public = armored(cert.armored().to_vec())?;
    Ok((secret, public))
}
