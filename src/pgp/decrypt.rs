//! Decrypting messages with a secret key (and, shared with [`super::password`], the
//! machinery that opens any encrypted message).
//!
//! Invariants:
//! - Only encrypted messages are accepted: plain (literal or signed-only) OpenPGP
//!   data is refused with [`PgpError::NotEncrypted`], so a caller never mistakes
//!   unprotected data for decrypted data.
//! - The plaintext is returned only after the whole message was read and its
//!   integrity check (MDC or AEAD tag) passed; a changed message fails with
//!   [`PgpError::Integrity`] and nothing of it is returned.
//! - The secret key's certificate is not checked for expiry or revocation: old
//!   messages stay readable with an expired or retired key.
//! - A message not encrypted to the given key fails with
//!   [`PgpError::NotForThisKey`], naming the key tried and the key IDs the message is
//!   for.
//! - Signatures inside the message are not checked (this is decryption only).
//! - The plaintext is returned in `Zeroizing` memory, grown without leaving copies
//!   behind ([`read_all`]).

use std::io::Read;

use openpgp::cert::Cert;
use openpgp::crypto::{Password, SessionKey};
use openpgp::packet::{PKESK, SKESK};
use openpgp::parse::stream::{
    DecryptionHelper, DecryptorBuilder, MessageLayer, MessageStructure, VerificationHelper,
};
use openpgp::parse::Parse;
use openpgp::types::SymmetricAlgorithm;
use openpgp::KeyHandle;
use sequoia_openpgp as openpgp;
use zeroize::Zeroizing;

use super::cert::POLICY;
use super::error::{chain, PgpError, Purpose};
use super::secret::SecretKey;

/// Decrypts an (armoured or binary) message encrypted to `key`.
pub fn decrypt(key: &SecretKey, armored: &[u8]) -> Result<Zeroizing<Vec<u8>>, PgpError> {
    if key.secrets().is_empty() {
        return Err(PgpError::NoUsableSecret {
            fingerprint: key.fingerprint(),
            purpose: Purpose::Encrypt,
            detail: "it holds no secret key".into(),
        });
    }
    open(armored, Unlock::Key(key))
}

/// What opens the message.
pub(crate) enum Unlock<'a> {
    /// Any of this key's secret (sub)keys.
    Key(&'a SecretKey),
    /// A password (SKESK).
    Password(&'a Password),
}

struct Helper<'a> {
    unlock: Unlock<'a>,
    /// A session key was recovered and accepted.
    decrypted: bool,
    /// The message had an encryption layer.
    encrypted: bool,
}

/// Key IDs (16 hex digits) a message's PKESKs name; "anonymous" for hidden ones.
fn recipients(pkesks: &[PKESK]) -> Vec<String> {
    pkesks
        .iter()
        .map(|p| match p.recipient() {
            Some(KeyHandle::KeyID(id)) => id.to_hex(),
            Some(KeyHandle::Fingerprint(fp)) => fp.to_hex(),
            None => "anonymous".into(),
        })
        .collect()
}

impl Helper<'_> {
    fn with_key(
        key: &SecretKey,
        pkesks: &[PKESK],
        sym_algo: Option<SymmetricAlgorithm>,
        decrypt: &mut dyn FnMut(Option<SymmetricAlgorithm>, &SessionKey) -> bool,
    ) -> Result<(), PgpError> {
        let mut failed = None;
        for pkesk in pkesks {
            for secret in key.secrets() {
                let named = match pkesk.recipient() {
                    None => true,
                    Some(h) => h.aliases(secret.key_handle()),
                };
                if !named || !secret.pk_algo().for_encryption() {
                    continue;
                }
                let mut pair = match secret.clone().into_keypair() {
                    Ok(p) => p,
                    Err(e) => {
                        failed = Some(chain(e));
                        continue;
                    }
                };
                match pkesk.decrypt(&mut pair, sym_algo) {
                    Some((algo, sk)) if decrypt(algo, &sk) => return Ok(()),
                    _ => {
                        failed = Some(format!(
                            "the session key for key {} could not be decrypted",
                            secret.keyid().to_hex()
                        ))
                    }
                }
            }
        }
        Err(match failed {
            Some(detail) => PgpError::Crypto {
                operation: "decrypting the session key (the message may be damaged)",
                detail,
            },
            None => PgpError::NotForThisKey {
                key: key.fingerprint(),
                recipients: recipients(pkesks),
            },
        })
    }

    fn with_password(
        password: &Password,
        pkesks: &[PKESK],
        skesks: &[SKESK],
        decrypt: &mut dyn FnMut(Option<SymmetricAlgorithm>, &SessionKey) -> bool,
    ) -> Result<(), PgpError> {
        if skesks.is_empty() {
            return Err(PgpError::NotPasswordEncrypted {
                recipients: recipients(pkesks),
            });
        }
        for skesk in skesks {
            if let Ok((algo, sk)) = skesk.decrypt(password) {
                if decrypt(algo, &sk) {
                    return Ok(());
                }
            }
        }
        Err(PgpError::WrongPassword)
    }
}

impl DecryptionHelper for Helper<'_> {
    fn decrypt(
        &mut self,
        pkesks: &[PKESK],
        skesks: &[SKESK],
        sym_algo: Option<SymmetricAlgorithm>,
        decrypt: &mut dyn FnMut(Option<SymmetricAlgorithm>, &SessionKey) -> bool,
    ) -> openpgp::Result<Option<Cert>> {
        self.encrypted = true;
        match self.unlock {
            Unlock::Key(key) => Self::with_key(key, pkesks, sym_algo, decrypt)?,
            Unlock::Password(pw) => Self::with_password(pw, pkesks, skesks, decrypt)?,
        }
        self.decrypted = true;
        Ok(None)
    }
}

impl VerificationHelper for Helper<'_> {
    fn get_certs(&mut self, _ids: &[KeyHandle]) -> openpgp::Result<Vec<Cert>> {
        Ok(Vec::new())
    }

    fn check(&mut self, structure: MessageStructure) -> openpgp::Result<()> {
        if structure
            .iter()
            .any(|layer| matches!(layer, MessageLayer::Encryption { .. }))
        {
            self.encrypted = true;
        }
        Ok(())
    }
}

/// Maps a library error from opening a message to a [`PgpError`].
fn classify(e: openpgp::anyhow::Error) -> PgpError {
    let e = match e.downcast::<PgpError>() {
        Ok(pe) => return pe,
        Err(e) => e,
    };
    if let Some(openpgp::Error::ManipulatedMessage) = e.downcast_ref::<openpgp::Error>() {
        return PgpError::Integrity { detail: chain(&e) };
    }
    PgpError::NotEncrypted { detail: chain(&e) }
}

/// Opens an encrypted message with `unlock`; see the module invariants.
///
/// sequoia-openpgp 2.3.0 panics on some damaged messages (an encrypted-data packet cut
/// off right after its prefix, found by fuzzing); such a panic is contained here and
/// reported as a damaged message, never as a crash of the ceremony.
pub(crate) fn open(message: &[u8], unlock: Unlock<'_>) -> Result<Zeroizing<Vec<u8>>, PgpError> {
    super::contain("reading the encrypted message", || {
        open_unguarded(message, unlock)
    })
}

fn open_unguarded(message: &[u8], unlock: Unlock<'_>) -> Result<Zeroizing<Vec<u8>>, PgpError> {
    if message.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(PgpError::NotEncrypted {
            detail: "the input is empty".into(),
        });
    }
    let helper = Helper {
        unlock,
        decrypted: false,
        encrypted: false,
    };
    let mut decryptor = DecryptorBuilder::from_bytes(message)
        .map_err(classify)?
        .with_policy(&POLICY, None, helper)
        .map_err(classify)?;
    if !decryptor.helper_ref().decrypted {
        return Err(PgpError::NotEncrypted {
            detail: "it is plain OpenPGP data, not encrypted".into(),
        });
    }
    let plaintext = read_all(&mut decryptor).map_err(|e| {
        let detail = chain(&e);
        if e.get_ref()
            .and_then(|inner| inner.downcast_ref::<openpgp::Error>())
            .is_some_and(|oe| matches!(oe, openpgp::Error::ManipulatedMessage))
            || detail.contains("anipulated")
        {
            PgpError::Integrity { detail }
        } else {
            PgpError::Crypto {
                operation: "reading the decrypted message",
                detail,
            }
        }
    })?;
    if !decryptor.helper_ref().encrypted {
        return Err(PgpError::NotEncrypted {
            detail: "it has no encryption layer".into(),
        });
    }
    Ok(plaintext)
}

/// Reads `r` to its end into zeroizing memory; when the buffer must grow, the old one
/// is zeroed (it is dropped as `Zeroizing`), so no copy of the plaintext is left.
pub(crate) fn read_all(r: &mut impl Read) -> std::io::Result<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(Vec::with_capacity(4096));
    let mut chunk = Zeroizing::new([0u8; 4096]);
    loop {
        let n = match r.read(&mut chunk[..]) {
            Ok(0) => return Ok(buf),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.len() + n > buf.capacity() {
            let mut bigger = Zeroizing::new(Vec::with_capacity((buf.len() + n) * 2));
            bigger.extend_from_slice(&buf);
            buf = bigger;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}
