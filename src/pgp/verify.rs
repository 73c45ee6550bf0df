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
//! - [`verify_detached`] is [`DetachedStream`] fed the data in one piece: there is one
//!   implementation of the hashing (binary and text mode) and of the checks, and how
//!   the data is cut into pieces does not change any result.
//! - Text mode hashes every line feed not preceded by a carriage return as CRLF; other
//!   bytes, a lone carriage return included, are hashed as they are.

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

/// What a check says when a signature is not over the data (the data, or the
/// signature, was changed). An audit tells this from other bad signatures by it.
pub const DATA_CHANGED: &str = "the signature does not match the data: the data was changed, or \
                                the signature is for another file";

/// Checks every signature in `signatures` (armoured or binary, one or several) over
/// `data`, against `certs`: [`DetachedStream`] fed `data` in one piece.
pub fn verify_detached(
    signatures: &[u8],
    data: &[u8],
    certs: &[Certificate],
) -> Result<Vec<SignatureCheck>, PgpError> {
    let mut stream = DetachedStream::new(signatures)?;
    stream.update(data);
    Ok(stream.finish(certs))
}

/// Detached signatures being checked over data fed in pieces, so data read from a
/// file need not be held in memory: the hash contexts every signature needs are set up
/// from the signatures first, fed each piece, and the signatures are checked against
/// them at the end. How the data is cut into pieces does not change any result.
pub struct DetachedStream {
    sigs: Vec<Result<Signature, String>>,
    hashes: Vec<StreamHash>,
}

impl DetachedStream {
    /// Reads every signature in `signatures` (armoured, several concatenated armour
    /// blocks, or binary). Refuses input that is not signatures, or has none.
    pub fn new(signatures: &[u8]) -> Result<Self, PgpError> {
        let sigs = parse_signatures(signatures)?;
        let mut hashes: Vec<StreamHash> = Vec::new();
        for sig in sigs.iter().flatten() {
            let Some(id) = hash_id(sig) else { continue };
            if !hashes.iter().any(|h| h.id == id) {
                hashes.push(StreamHash::new(sig, id));
            }
        }
        Ok(DetachedStream { sigs, hashes })
    }

    /// Feeds the next piece of the data.
    pub fn update(&mut self, piece: &[u8]) {
        for h in &mut self.hashes {
            h.update(piece);
        }
    }

    /// Checks every signature over the data fed, against `certs`, now: one result per
    /// signature packet, in file order.
    pub fn finish(self, certs: &[Certificate]) -> Vec<SignatureCheck> {
        let now = SystemTime::now();
        let hashes = self.hashes;
        self.sigs
            .into_iter()
            .map(|sig| match sig {
                Ok(sig) => check(&sig, certs, now, &hashes),
                Err(detail) => SignatureCheck {
                    issuer_fingerprint: None,
                    issuer_key_id: None,
                    signer: None,
                    created: None,
                    result: SignatureResult::Bad(format!("unreadable signature packet: {detail}")),
                },
            })
            .collect()
    }
}

fn check(
    sig: &Signature,
    certs: &[Certificate],
    now: SystemTime,
    hashes: &[StreamHash],
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
            let result = match check_one(sig, cert, key, now, hashes) {
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
    cert: &Certificate,
    key: &Key<PublicParts, UnspecifiedRole>,
    now: SystemTime,
    hashes: &[StreamHash],
) -> Result<(), String> {
    let Some(id) = hash_id(sig) else {
        return Err(format!(
            "this is a {} signature, not a signature over a document",
            sig.typ()
        ));
    };
    let ctx = match hashes.iter().find(|h| h.id == id).map(|h| &h.ctx) {
        Some(Ok(ctx)) => ctx.clone(),
        Some(Err(why)) => return Err(why.clone()),
        // `DetachedStream::new` sets up the hash of every document signature.
        None => return Err("cannot check it: its hash was not computed".into()),
    };
    sig.verify_hash(key, ctx)
        .map_err(|_| DATA_CHANGED.to_string())?;
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

/// Which hash of the data `sig` needs; `None` for a signature that is not over a
/// document (binary or text), which is reported as such when checked.
fn hash_id(sig: &Signature) -> Option<HashId> {
    let text = match sig.typ() {
        SignatureType::Binary => false,
        SignatureType::Text => true,
        _ => return None,
    };
    let salt = sig.salt().unwrap_or_default().to_vec();
    Some((sig.hash_algo(), sig.version(), salt, text))
}

/// One hash of the data, fed as it streams.
struct StreamHash {
    id: HashId,
    /// The context, or why the algorithm cannot be used.
    ctx: Result<Context, String>,
    /// The last byte fed, for text mode's line endings across pieces.
    last: Option<u8>,
}

impl StreamHash {
    /// The hash `sig` needs, as identified by `id`, over no data yet.
    fn new(sig: &Signature, id: HashId) -> Self {
        let ctx = sig
            .hash_algo()
            .context()
            .map(|c| {
                let mut c = c.for_signature(sig.version());
                c.update(&id.2);
                c
            })
            .map_err(|e| format!("cannot check it: {}", chain(e)));
        StreamHash {
            id,
            ctx,
            last: None,
        }
    }

    /// Feeds `piece`; in text mode with every line feed not preceded by a carriage
    /// return (in this piece or the one before) made CRLF.
    fn update(&mut self, piece: &[u8]) {
        let Ok(ctx) = &mut self.ctx else { return };
        if !self.id.3 {
            ctx.update(piece);
            return;
        }
        let mut start = 0;
        for (i, b) in piece.iter().enumerate() {
            let before = if i == 0 {
                self.last
            } else {
                Some(piece[i - 1])
            };
            if *b == b'\n' && before != Some(b'\r') {
                ctx.update(&piece[start..i]);
                ctx.update(b"\r\n");
                start = i + 1;
            }
        }
        ctx.update(&piece[start..]);
        if let Some(b) = piece.last() {
            self.last = Some(*b);
        }
    }
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

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::process::{Command, Stdio};

    use openpgp::armor;
    use openpgp::packet::signature::SignatureBuilder;
    use openpgp::serialize::stream::{Armorer, Message, Signer};

    use super::*;
    use crate::pgp::{generate, SecretKey};

    /// Lines ending in LF, one in CRLF, an empty one, none with trailing blanks (which
    /// GnuPG may strip from text-mode input).
    const DATA: &[u8] = b"{\"seq\":0,\"event\":\"start\"}\n\
                          {\"seq\":1,\"event\":\"note\"}\r\n\
                          \n\
                          {\"seq\":2,\"event\":\"end\"}\n";

    /// A text-mode (type 0x01) detached signature by sequoia's signer.
    fn sequoia_text_signature(key: &SecretKey, data: &[u8]) -> Vec<u8> {
        let vc = key
            .certificate()
            .require(Purpose::Sign, SystemTime::now())
            .unwrap();
        let pair = vc
            .keys()
            .for_signing()
            .find_map(|ka| key.secret_for(&ka.key().fingerprint()))
            .unwrap()
            .clone()
            .into_keypair()
            .unwrap();
        let mut sink = Vec::new();
        {
            let message = Armorer::new(Message::new(&mut sink))
                .kind(armor::Kind::Signature)
                .build()
                .unwrap();
            let template = SignatureBuilder::new(SignatureType::Text);
            let mut signer = Signer::with_template(message, pair, template)
                .unwrap()
                .detached()
                .build()
                .unwrap();
            signer.write_all(data).unwrap();
            signer.finalize().unwrap();
        }
        sink
    }

    /// A detached signature by `gpg --textmode --detach-sign` with the armoured secret
    /// key `secret`, or `None` when gpg is not installed.
    fn gpg_text_signature(secret: &str, fingerprint: &str, data: &[u8]) -> Option<Vec<u8>> {
        let gpg_works = Command::new("gpg")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !gpg_works {
            eprintln!("SKIPPED: gpg is not installed; only sequoia's text signature is checked");
            return None;
        }
        let home = tempfile::Builder::new()
            .prefix("kr-gpg")
            .tempdir_in("/tmp")
            .unwrap();
        let mut perms = std::fs::metadata(home.path()).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o700);
        std::fs::set_permissions(home.path(), perms).unwrap();
        let gpg = |args: &[&str]| {
            Command::new("gpg")
                .arg("--homedir")
                .arg(home.path())
                .args(["--batch", "--no-tty", "--pinentry-mode", "loopback"])
                .args(["--passphrase", ""])
                .args(args)
                .output()
                .unwrap()
        };
        let secret_file = home.path().join("key.asc");
        let data_file = home.path().join("data.jsonl");
        let sig_file = home.path().join("data.jsonl.asc");
        std::fs::write(&secret_file, secret).unwrap();
        std::fs::write(&data_file, data).unwrap();
        let imported = gpg(&["--import", secret_file.to_str().unwrap()]);
        let signed = gpg(&[
            "--textmode",
            "--armor",
            "--detach-sign",
            "--local-user",
            fingerprint,
            "--output",
            sig_file.to_str().unwrap(),
            data_file.to_str().unwrap(),
        ]);
        let _ = Command::new("gpgconf")
            .arg("--homedir")
            .arg(home.path())
            .args(["--kill", "all"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        for out in [&imported, &signed] {
            assert!(
                out.status.success(),
                "gpg: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Some(std::fs::read(&sig_file).unwrap())
    }

    /// The checks of `sig` over `data` fed in pieces of `piece` bytes.
    fn streamed(
        sig: &[u8],
        data: &[u8],
        piece: usize,
        certs: &[Certificate],
    ) -> Vec<SignatureCheck> {
        let mut stream = DetachedStream::new(sig).unwrap();
        for chunk in data.chunks(piece.max(1)) {
            stream.update(chunk);
        }
        stream.finish(certs)
    }

    #[test]
    fn text_signatures_verify_however_the_data_is_cut_and_fail_on_changed_data() {
        let (secret, _) = generate("Text Signer <text@example.org>", None).unwrap();
        let key = SecretKey::from_bytes(secret.as_bytes(), None).unwrap();
        let certs = [key.certificate().clone()];
        let mut sigs = vec![("sequoia", sequoia_text_signature(&key, DATA))];
        if let Some(sig) = gpg_text_signature(&secret, &key.fingerprint(), DATA) {
            sigs.push(("gpg --textmode", sig));
        }
        // Text mode: the same lines with CRLF endings are the same text.
        let crlf = String::from_utf8(DATA.to_vec())
            .unwrap()
            .replace("\r\n", "\n")
            .replace('\n', "\r\n");
        let mut changed = DATA.to_vec();
        changed[9] ^= 1;
        let mut line_added = DATA.to_vec();
        line_added.extend_from_slice(b"\n");
        for (made_by, sig) in &sigs {
            let parsed = parse_signatures(sig).unwrap();
            assert_eq!(parsed.len(), 1, "{made_by}");
            assert_eq!(
                parsed[0].as_ref().unwrap().typ(),
                SignatureType::Text,
                "{made_by}"
            );
            for data in [DATA, crlf.as_bytes()] {
                for piece in [1, 7, data.len()] {
                    let checks = streamed(sig, data, piece, &certs);
                    assert_eq!(checks.len(), 1);
                    assert_eq!(
                        checks[0].result,
                        SignatureResult::Good,
                        "{made_by}, pieces of {piece}"
                    );
                    assert_eq!(checks[0].signer, Some(key.fingerprint()));
                }
                assert!(verify_detached(sig, data, &certs).unwrap()[0].is_good());
            }
            for data in [&changed, &line_added] {
                for piece in [1, 7, data.len()] {
                    let checks = streamed(sig, data, piece, &certs);
                    assert_eq!(
                        checks[0].result,
                        SignatureResult::Bad(DATA_CHANGED.into()),
                        "{made_by}, pieces of {piece}"
                    );
                }
                assert_eq!(
                    verify_detached(sig, data, &certs).unwrap()[0].result,
                    SignatureResult::Bad(DATA_CHANGED.into())
                );
            }
        }
    }
}
