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

thread_local! {
    /// Set while [`contain`] runs a library call that may panic on damaged input.
    static CONTAINED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether the current thread is inside [`contain`]: panic hooks stay quiet then (the
/// panic is caught and reported as an error, and the terminal UI must not be torn down).
pub fn panic_is_contained() -> bool {
    CONTAINED.with(std::cell::Cell::get)
}

/// Runs `f`, turning a panic inside the OpenPGP library into an error about damaged
/// input. The library is used only on byte buffers here, so nothing it half-changed
/// outlives the call.
pub(crate) fn contain<T>(
    operation: &'static str,
    f: impl FnOnce() -> Result<T, PgpError>,
) -> Result<T, PgpError> {
    let before = CONTAINED.with(|c| c.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    CONTAINED.with(|c| c.set(before));
    result.unwrap_or_else(|_| {
        Err(PgpError::Crypto {
            operation,
            detail: "the data is damaged or cut off (the OpenPGP library could not read it)".into(),
        })
    })
}
