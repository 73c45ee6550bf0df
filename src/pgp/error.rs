//! Errors of the OpenPGP layer.
//!
//! Every message says what is wrong and what the operator can do about it.
//!
//! Invariants:
//! - No variant carries a secret: no passphrase, password, session key, secret key
//!   material or plaintext ever appears in a message or in `Debug` output. Details taken
//!   from the OpenPGP library are its own error texts, which describe packets and
//!   algorithms, never key material.
//! - Fingerprints are 40 upper-case hex digits (v4); key IDs (which is all a v4
//!   encrypted message names) are 16.

use std::fmt;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

/// What a certificate is needed for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// Encrypting to it: needs a valid encryption-capable key.
    Encrypt,
    /// Signing (with its secret key) or verifying its signatures: needs a valid
    /// signing-capable key.
    Sign,
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Purpose::Encrypt => "encryption",
            Purpose::Sign => "signing",
        })
    }
}

/// Why a certificate cannot be used for a [`Purpose`] at a given time.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CertProblem {
    /// The primary key expired.
    #[error(
        "the certificate expired on {} UTC; ask its owner for one with an extended \
         expiry date",
        .at.format("%Y-%m-%d %H:%M:%S")
    )]
    Expired {
        /// When it expired.
        at: DateTime<Utc>,
    },
    /// The primary key's creation time lies after the time of the check.
    #[error(
        "the certificate is not valid before {} UTC (its creation time lies in the \
         future); check this machine's clock",
        .from.format("%Y-%m-%d %H:%M:%S")
    )]
    NotYetValid {
        /// When it becomes valid.
        from: DateTime<Utc>,
    },
    /// The certificate was revoked by its owner.
    #[error("the certificate was revoked ({}); ask its owner for their new one",
            .reason.as_deref().unwrap_or("no reason given"))]
    Revoked {
        /// The reason code and text of the revocation, if it gave any.
        reason: Option<String>,
    },
    /// No subkey (nor primary key) that may encrypt is valid now.
    #[error(
        "the certificate has no usable encryption key ({detail}); use a certificate with \
         a valid encryption subkey"
    )]
    NoEncryptionKey {
        /// What was found instead (e.g. only expired encryption subkeys).
        detail: String,
    },
    /// No key that may sign is valid now.
    #[error(
        "the certificate has no usable signing key ({detail}); use a certificate with a \
         valid signing key"
    )]
    NoSigningKey {
        /// What was found instead.
        detail: String,
    },
    /// A key the certificate needs uses a public-key algorithm or curve the OpenPGP
    /// backend does not support (secp256k1, ElGamal, ...).
    #[error(
        "{what} uses {algorithm}, an algorithm not supported by the OpenPGP backend; ask \
         its owner for a certificate with RSA, Ed25519/Cv25519 or NIST P-256 keys"
    )]
    UnsupportedAlgorithm {
        /// Which key: "its primary key", "its encryption key", "its signing key".
        what: String,
        /// The algorithm or curve, such as `secp256k1` or `ElGamal`.
        algorithm: String,
    },
    /// The certificate's self-signatures are not acceptable (e.g. made with SHA-1),
    /// or it is otherwise not valid under the standard policy.
    #[error(
        "the certificate is not valid under the standard OpenPGP policy ({detail}); ask \
         its owner to refresh it with a current OpenPGP implementation"
    )]
    Invalid {
        /// The library's explanation.
        detail: String,
    },
}

/// An error of the OpenPGP layer.
#[derive(Debug, thiserror::Error)]
pub enum PgpError {
    /// A file could not be read.
    #[error("cannot read {}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A key or certificate file is empty.
    #[error("{} is empty; export the key again (e.g. `gpg --armor --export FINGERPRINT`)",
            .path.display())]
    EmptyFile {
        /// The file ("<memory>" for bytes given directly).
        path: PathBuf,
    },
    /// The bytes are not OpenPGP data at all.
    #[error(
        "{} does not hold OpenPGP data ({detail}); check that you picked the right file",
        .path.display()
    )]
    NotOpenPgp {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        detail: String,
    },
    /// The file holds OpenPGP data, but no key or certificate (e.g. a message or a
    /// signature).
    #[error("{} holds {found}, not a key or certificate; check that you picked the right \
             file", .path.display())]
    NotAKey {
        /// The file.
        path: PathBuf,
        /// What it holds instead.
        found: String,
    },
    /// The file holds more than one certificate where exactly one is expected.
    #[error("{} holds {count} certificates, but exactly one is expected; export each key \
             to a file of its own", .path.display())]
    SeveralCertificates {
        /// The file.
        path: PathBuf,
        /// How many it holds.
        count: usize,
    },
    /// A v6 (RFC 9580) key was given.
    #[error("key {fingerprint} is a v6 key: GnuPG 2.2 cannot read v6 keys; export a v4 key")]
    V6Key {
        /// Its fingerprint (64 hex digits).
        fingerprint: String,
    },
    /// A key of a version other than 4 (or 6) was given.
    #[error(
        "key {fingerprint} is a v{version} key; only v4 keys are supported, export a \
             v4 key"
    )]
    UnsupportedKeyVersion {
        /// Its fingerprint.
        fingerprint: String,
        /// Its version.
        version: u8,
    },
    /// The certificate cannot be used for what was asked.
    #[error("certificate {fingerprint} cannot be used for {purpose}: {problem}")]
    Unusable {
        /// The certificate's fingerprint.
        fingerprint: String,
        /// What it was needed for.
        purpose: Purpose,
        /// Why not.
        problem: CertProblem,
    },
    /// A certificate (public key only) was given where a secret key is needed.
    #[error("{}: this file holds no secret key material; give the secret key export \
             (e.g. `gpg --armor --export-secret-keys FINGERPRINT`)", .path.display())]
    NoSecretKey {
        /// The file.
        path: PathBuf,
    },
    /// The secret keys in the file are only stubs (e.g. the keys live on a smartcard
    /// or were exported with `--export-secret-subkeys` without the needed key).
    #[error(
        "key {fingerprint}: the secret key file holds only stubs (the secret keys \
             live elsewhere, e.g. on a smartcard); export the real secret keys"
    )]
    SecretKeyStubs {
        /// The key's fingerprint.
        fingerprint: String,
    },
    /// The secret key is protected by a passphrase and none was given.
    #[error("secret key {fingerprint} is protected by a passphrase; give the passphrase")]
    PassphraseRequired {
        /// The key's fingerprint.
        fingerprint: String,
    },
    /// The passphrase given does not unlock the secret key.
    #[error(
        "the passphrase does not unlock secret key {fingerprint}; check it and try \
             again"
    )]
    WrongPassphrase {
        /// The key's fingerprint.
        fingerprint: String,
    },
    /// The secret key has no secret for what was asked (e.g. no encryption subkey
    /// secret when decrypting).
    #[error("secret key {fingerprint} has no usable secret key for {purpose}: {detail}")]
    NoUsableSecret {
        /// The key's fingerprint.
        fingerprint: String,
        /// What it was needed for.
        purpose: Purpose,
        /// What is missing.
        detail: String,
    },
    /// `encrypt` was called with no recipient.
    #[error("no recipient given; name at least one certificate to encrypt to")]
    NoRecipients,
    /// The message is encrypted, but not to the given key.
    #[error("this message is not encrypted to key {key}; it is for {}",
            if .recipients.is_empty() { "no key (password only)".to_string() }
            else { .recipients.join(", ") })]
    NotForThisKey {
        /// The fingerprint of the key tried.
        key: String,
        /// The key IDs the message is encrypted to (`anonymous` for hidden
        /// recipients).
        recipients: Vec<String>,
    },
    /// The message is encrypted to keys, not to a password.
    #[error("this message is encrypted to keys ({}), not with a password; decrypt it with \
             one of those secret keys", .recipients.join(", "))]
    NotPasswordEncrypted {
        /// The key IDs the message is encrypted to.
        recipients: Vec<String>,
    },
    /// An empty password was given to encrypt with.
    #[error("the password is empty; choose a real password")]
    EmptyPassword,
    /// The password does not open the message.
    #[error("the password does not open this message; check it and try again")]
    WrongPassword,
    /// The data is not an encrypted OpenPGP message.
    #[error(
        "this is not an encrypted OpenPGP message ({detail}); check that you picked \
             the right file"
    )]
    NotEncrypted {
        /// What it is instead, or what the parser said.
        detail: String,
    },
    /// The message was decrypted but failed its integrity check: it was changed or
    /// damaged after it was made.
    #[error(
        "the message failed its integrity check: it was changed or damaged after it \
             was encrypted ({detail}); do not trust it, get a fresh copy"
    )]
    Integrity {
        /// What the library said.
        detail: String,
    },
    /// The data holds no signature packets.
    #[error(
        "no OpenPGP signature found ({detail}); check that you picked the signature \
             file (.asc)"
    )]
    NoSignatures {
        /// What was found instead, or what the parser said.
        detail: String,
    },
    /// Any other failure of the OpenPGP library while doing `operation`.
    #[error("OpenPGP operation failed while {operation}: {detail}")]
    Crypto {
        /// What was being done.
        operation: &'static str,
        /// What the library said.
        detail: String,
    },
}

impl PgpError {
    /// Wraps a library error that has no better classification.
    pub(crate) fn crypto(operation: &'static str, err: impl fmt::Display) -> Self {
        PgpError::Crypto {
            operation,
            detail: chain(err),
        }
    }
}

/// The library's error with its causes, on one line (`anyhow`'s alternate form).
pub(crate) fn chain(err: impl fmt::Display) -> String {
    format!("{err:#}")
}
