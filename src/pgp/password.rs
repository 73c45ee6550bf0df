//! Encrypting to a password (symmetric encryption), in a form GnuPG 2.2 reads:
//! `gpg --batch --passphrase PASSWORD --decrypt` opens what [`encrypt_with_password`]
//! writes.
//!
//! Invariants:
//! - The output is one ASCII-armoured `PGP MESSAGE`: an SKESK **v4** packet (iterated
//!   and salted S2K with SHA-256, the session key encrypted under the derived key),
//!   then SEIPD **v1** (AES-256, MDC) around one literal data packet. No SKESK v6,
//!   no AEAD, no Argon2: GnuPG 2.2 reads none of them.
//! - An empty password is refused: it protects nothing.
//! - The password never appears in an error.

use openpgp::crypto::Password;
use sequoia_openpgp as openpgp;
use zeroize::Zeroizing;

use super::decrypt::{open, Unlock};
use super::encrypt::seal;
use super::error::PgpError;

/// Encrypts `plaintext` with `password`; returns an ASCII-armoured message.
pub fn encrypt_with_password(password: &str, plaintext: &[u8]) -> Result<String, PgpError> {
    if password.is_empty() {
        return Err(PgpError::EmptyPassword);
    }
    seal(Vec::new(), Some(Password::from(password)), plaintext)
}

/// Decrypts an (armoured or binary) message encrypted with `password`.
pub fn decrypt_with_password(
    password: &str,
    message: &[u8],
) -> Result<Zeroizing<Vec<u8>>, PgpError> {
    let password = Password::from(password);
    open(message, Unlock::Password(&password))
}
