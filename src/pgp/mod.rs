//! The OpenPGP layer: certificates and secret keys, encryption to keys and to
//! passwords, detached signatures, and demo key generation, all in forms that
//! GnuPG 2.2 reads and writes.
//!
//! Built on sequoia-openpgp 2.3 with its OpenSSL backend (OpenSSL built from source,
//! so no system library is needed).
//!
//! Invariants (each module states its own too):
//! - Only v4 keys. Messages are v3 PKESK / v4 SKESK + SEIPDv1, signatures v4: what
//!   GnuPG 2.2 reads. Nothing here emits SEIPDv2, AEAD, Argon2 or v6 packets.
//! - Output is ASCII-armoured; input may be armoured (even several concatenated
//!   blocks) or binary.
//! - Every check uses sequoia's standard policy.
//! - No secret (passphrase, password, key material, plaintext) appears in an error or
//!   in `Debug` output; decrypted plaintext is returned in `Zeroizing` memory.

mod armor;
mod cert;
mod decrypt;
mod encrypt;
mod error;
mod generate;
mod password;
mod secret;
mod sign;
mod verify;

pub use cert::Certificate;
pub use decrypt::decrypt;
pub use encrypt::encrypt;
pub use error::{CertProblem, PgpError, Purpose};
pub use generate::generate;
pub use password::{decrypt_with_password, encrypt_with_password};
pub use secret::SecretKey;
pub use sign::{merge_signatures, sign_detached};
pub use verify::{verify_detached, DetachedStream, SignatureCheck, SignatureResult, DATA_CHANGED};
