//! Detached signatures: making them, and merging several into one `.asc` file.
//!
//! Invariants:
//! - [`sign_detached`] writes one ASCII-armoured `PGP SIGNATURE` block holding one v4
//!   binary-document signature (type 0x00) by the key's valid signing key, with the
//!   issuer fingerprint and key ID subpackets, hash SHA-512.
//! - The signing certificate is checked first (not expired, not revoked, has a valid
//!   signing key whose secret is present); a problem fails the call.
//! - [`merge_signatures`] writes the union of the signatures of both inputs (existing
//!   order kept, exact duplicates dropped) as ONE armour block with several signature
//!   packets, the form `gpg --verify` reads. It refuses input holding anything other
//!   than signatures, so a wrong file is never merged in silently.

use std::collections::HashSet;
use std::io::Write;
use std::time::SystemTime;

use openpgp::armor;
use openpgp::serialize::stream::{Armorer, Message, Signer};
use openpgp::serialize::MarshalInto;
use openpgp::Packet;
use sequoia_openpgp as openpgp;

use super::armor::armor_packets;
use super::error::{PgpError, Purpose};
use super::secret::SecretKey;
use super::verify::parse_signatures;

/// Signs `data` with `key`'s signing key; returns an ASCII-armoured detached
/// signature (`gpg --verify sig.asc data` checks it).
pub fn sign_detached(key: &SecretKey, data: &[u8]) -> Result<String, PgpError> {
    let op = "signing";
    let now = SystemTime::now();
    let vc = key.certificate().require(Purpose::Sign, now)?;
    let secret = vc
        .keys()
        .supported()
        .alive()
        .revoked(false)
        .for_signing()
        .find_map(|ka| key.secret_for(&ka.key().fingerprint()))
        .ok_or_else(|| PgpError::NoUsableSecret {
            fingerprint: key.fingerprint(),
            purpose: Purpose::Sign,
            detail: "the file holds no secret for any of its valid signing keys".into(),
        })?;
    let pair = secret
        .clone()
        .into_keypair()
        .map_err(|e| PgpError::crypto(op, e))?;
    let mut sink = Vec::new();
    {
        let message = Message::new(&mut sink);
        let message = Armorer::new(message)
            .kind(armor::Kind::Signature)
            .build()
            .map_err(|e| PgpError::crypto(op, e))?;
        let mut signer = Signer::new(message, pair)
            .map_err(|e| PgpError::crypto(op, e))?
            .detached()
            .creation_time(now)
            .build()
            .map_err(|e| PgpError::crypto(op, e))?;
        signer
            .write_all(data)
            .map_err(|e| PgpError::crypto(op, e))?;
        signer.finalize().map_err(|e| PgpError::crypto(op, e))?;
    }
    String::from_utf8(sink).map_err(|e| PgpError::crypto(op, e))
}

/// Merges the signatures in `new` into those in `existing` (either may hold several,
/// armoured or binary; `existing` may be empty) and returns one armour block holding
/// them all.
pub fn merge_signatures(existing: &[u8], new: &[u8]) -> Result<String, PgpError> {
    let mut seen = HashSet::new();
    let mut all: Vec<Packet> = Vec::new();
    let inputs: [&[u8]; 2] = [existing, new];
    for (i, input) in inputs.into_iter().enumerate() {
        if i == 0 && input.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        for sig in parse_signatures(input)? {
            let sig = sig.map_err(|detail| PgpError::NoSignatures {
                detail: format!("a signature packet could not be read: {detail}"),
            })?;
            let bytes = sig
                .to_vec()
                .map_err(|e| PgpError::crypto("merging signatures", e))?;
            if seen.insert(bytes) {
                all.push(Packet::Signature(sig));
            }
        }
    }
    armor_packets(armor::Kind::Signature, &all)
}
