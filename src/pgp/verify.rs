//! Verifying detached signatures against a set of known certificates.
//!
//! Invariants:
//! - Every signature packet found gives exactly one [`SignatureCheck`], in file order,
//!   whether the file holds one armour block with several signatures, several
//!   concatenated armour blocks, or binary signatures. A signature packet that cannot
//!   be parsed gives a [`SignatureResult::Bad`] entry, not an error.
//! - A file holding anything other than signatures (a key, a message) is refused with
//!   [`PgpError::NoSignatures`], as is one with no signature at all.
//! - [`SignatureResult::Good`] means all of: the signature is a document signature
//!   (binary or text), it is cryptographically valid over `data`, its hash algorithm
//!   and keys are acceptable under sequoia's standard policy (no SHA-1), it is not
//!   expired and not made in the future, and the issuing key belonged to a certificate
//!   that was valid (not revoked, not expired) and allowed that key to sign at the
//!   signature's creation time. A hard revocation (key compromised, unspecified)
//!   invalidates signatures of any time.
//! - [`SignatureResult::UnknownKey`] means no given certificate holds the issuing key;
//!   nothing is said about the signature itself.
//! - `data` is hashed once per hash algorithm and mode, not once per signature.

use std::time::SystemTime;

use chrono::{DateTime, Utc};
use openpgp::crypto::hash::Context;
use openpgp::packet::key::{PublicParts, UnspecifiedRole};
use openpgp::packet::{Key, Signature, Tag};
use openpgp::parse::{PacketParser, PacketParserResult, Parse};
use openpgp::policy::{HashAlgoSecurity, Policy};
use openpgp::types::{HashAlgorithm, SignatureType};
use openpgp::{KeyID, Packet};
use sequoia_openpgp as openpgp;

use super::armor::blocks;
use super::cert::{describe_tag, to_utc, valid_for, Certificate, POLICY};
use super::error::{chain, PgpError, Purpose};

/// The outcome for one signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureResult {
    /// Valid, by the certificate in [`SignatureCheck::signer`].
    Good,
    /// Invalid, for the reason given (data changed, key revoked, weak hash, …).
    Bad(String),
    /// None of the given certificates holds the key that made it.
    UnknownKey,
}

/// The check of one signature packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureCheck {
    /// The issuer fingerprint the signature names (40 hex digits), if it names one.
    pub issuer_fingerprint: Option<String>,
    /// The issuer key ID (16 hex digits): named, or derived from the fingerprint.
    pub issuer_key_id: Option<String>,
    /// The fingerprint of the given certificate that holds the issuing key.
    pub signer: Option<String>,
    /// When the signature says it was made.
    pub created: Option<DateTime<Utc>>,
    /// The outcome.
    pub result: SignatureResult,
}

impl SignatureCheck {
    /// Whether the result is [`SignatureResult::Good`].
    pub fn is_good(&self) -> bool {
        self.result == SignatureResult::Good
    }
}

/// Checks every signature in `signatures` (armoured or binary, one or several) over
/// `data`, against `certs`.
pub fn verify_detached(
    signatures: &[u8],
    data: &[u8],
    certs: &[Certificate],
) -> Result<Vec<SignatureCheck>, PgpError> {
    let sigs = parse_signatures(signatures)?;
    let now = SystemTime::now();
    let mut hashes = Hashes::default();
    Ok(sigs
        .into_iter()
        .map(|sig| match sig {
            Ok(sig) => check(&sig, data, certs, now, &mut hashes),
            Err(detail) => SignatureCheck {
                issuer_fingerprint: None,
                issuer_key_id: None,
                signer: None,
                created: None,
                result: SignatureResult::Bad(format!("unreadable signature packet: {detail}")),
            },
        })
        .collect())
}

fn check(
    sig: &Signature,
    data: &[u8],
    certs: &[Certificate],
    now: SystemTime,
    hashes: &mut Hashes,
) -> SignatureCheck {
    let issuer_fingerprint = sig.issuer_fingerprints().next().map(|f| f.to_hex());
    let issuer_key_id = sig
        .issuers()
        .next()
        .cloned()
        .or_else(|| sig.issuer_fingerprints().next().map(KeyID::from))
        .map(|k| k.to_hex());
    let created = sig.signature_creation_time();
    let issuers = sig.get_issuers();
    let mut out = SignatureCheck {
        issuer_fingerprint,
        issuer_key_id,
        signer: None,
        created: created.map(to_utc),
        result: SignatureResult::UnknownKey,
    };
    for cert in certs {
        for ka in cert.inner().keys() {
            let key = ka.key();
            if !issuers.is_empty() && !issuers.iter().any(|h| h.aliases(key.key_handle())) {
                continue;
            }
            let result = match check_one(sig, data, cert, key, now, hashes) {
                Ok(()) => SignatureResult::Good,
                Err(reason) => SignatureResult::Bad(reason),
            };
            if out.signer.is_none() || result == SignatureResult::Good {
                out.signer = Some(cert.fingerprint());
                out.result = result;
            }
            if out.is_good() {
                return out;
            }
        }
    }
    out
}

fn check_one(
    sig: &Signature,
    data: &[u8],
    cert: &Certificate,
    key: &Key<PublicParts, UnspecifiedRole>,
    now: SystemTime,
    hashes: &mut Hashes,
) -> Result<(), String> {
    let text = match sig.typ() {
        SignatureType::Binary => false,
        SignatureType::Text => true,
        other => {
            return Err(format!(
                "this is a {other} signature, not a signature over a document"
            ))
        }
    };
    let ctx = hashes.get(sig, text, data)?;
    sig.verify_hash(key, ctx).map_err(|_| {
        "the signature does not match the data: the data was changed, or the signature is \
         for another file"
            .to_string()
    })?;
    POLICY
        .signature(sig, HashAlgoSecurity::CollisionResistance)
        .map_err(|e| format!("the signature is not acceptable: {}", chain(e)))?;
    sig.signature_alive(now, std::time::Duration::from_secs(60))
        .map_err(|e| format!("the signature is not valid now: {}", chain(e)))?;
    let at = sig.signature_creation_time().unwrap_or(now);
    let vc = valid_for(cert.inner(), Purpose::Sign, at).map_err(|problem| {
        format!(
            "certificate {} was not usable for signing when the signature was made \
             ({} UTC): {problem}",
            cert.fingerprint(),
            to_utc(at).format("%Y-%m-%d %H:%M:%S")
        )
    })?;
    let signing_key_ok = vc
        .keys()
        .key_handle(key.fingerprint())
        .for_signing()
        .alive()
        .revoked(false)
        .next()
        .is_some();
    if !signing_key_ok {
        return Err(format!(
            "key {} was not a valid signing key of certificate {} when the signature was \
             made",
            key.fingerprint().to_hex(),
            cert.fingerprint()
        ));
    }
    Ok(())
}

/// What makes two signatures' hashes of the data equal: algorithm, signature
/// version, salt (v6 only), text mode.
type HashId = (HashAlgorithm, u8, Vec<u8>, bool);

/// Hash contexts over `data`, one per [`HashId`].
#[derive(Default)]
struct Hashes {
    done: Vec<(HashId, Context)>,
}

impl Hashes {
    fn get(&mut self, sig: &Signature, text: bool, data: &[u8]) -> Result<Context, String> {
        let salt = sig.salt().unwrap_or_default().to_vec();
        let id = (sig.hash_algo(), sig.version(), salt, text);
        if let Some((_, ctx)) = self.done.iter().find(|(k, _)| *k == id) {
            return Ok(ctx.clone());
        }
        let mut ctx = sig
            .hash_algo()
            .context()
            .map_err(|e| format!("cannot check it: {}", chain(e)))?
            .for_signature(sig.version());
        ctx.update(&id.2);
        if text {
            update_text(&mut ctx, data);
        } else {
            ctx.update(data);
        }
        self.done.push((id, ctx.clone()));
        Ok(ctx)
    }
}

/// Hashes `data` with line endings made CRLF (text-mode signatures).
fn update_text(ctx: &mut Context, data: &[u8]) {
    let mut start = 0;
    for (i, b) in data.iter().enumerate() {
        if *b == b'\n' && (i == 0 || data[i - 1] != b'\r') {
            ctx.update(&data[start..i]);
            ctx.update(b"\r\n");
            start = i + 1;
        }
    }
    ctx.update(&data[start..]);
}

/// Every signature packet in `data` (armoured, several concatenated armour blocks,
/// or binary); unparseable signature packets as `Err(reason)`.
pub(crate) fn parse_signatures(data: &[u8]) -> Result<Vec<Result<Signature, String>>, PgpError> {
    let none = |detail: String| PgpError::NoSignatures { detail };
    if data.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(none("the input is empty".into()));
    }
    let mut out = Vec::new();
    for block in blocks(data) {
        let mut ppr = PacketParser::from_bytes(block).map_err(|e| none(chain(e)))?;
        while let PacketParserResult::Some(pp) = ppr {
            let (packet, next) = pp.next().map_err(|e| none(chain(e)))?;
            match packet {
                Packet::Signature(s) => out.push(Ok(s)),
                Packet::Unknown(u) if u.tag() == Tag::Signature => out.push(Err(chain(u.error()))),
                Packet::Marker(_) => {}
                other => {
                    return Err(none(format!(
                        "the input holds {}, so it is not a detached signature",
                        describe_tag(other.tag())
                    )))
                }
            }
            ppr = next;
        }
    }
    if out.is_empty() {
        return Err(none("no signature packet in the input".into()));
    }
    Ok(out)
}
