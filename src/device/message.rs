//! Bitcoin signed messages (the `signmessage` format Jade and Specter-DIY return): a
//! 65-byte compact recoverable ECDSA signature over the double SHA-256 of
//! `"\x18Bitcoin Signed Message:\n" || varint(len) || message`, in base64.
//!
//! The `bitcoin` crate is built without its `secp-recovery` feature here, so the recovery
//! id is computed from the public key instead: `R = (z·G + r·P) / s`, whose x coordinate
//! must equal `r` and whose y parity is the recovery id. The scalar inverse is a modular
//! exponentiation by `n - 2` using secp256k1's own scalar multiplication.
//!
//! Invariants: verification never trusts the header byte alone (the signature must verify
//! against the given key, and the header's recovery id must match `R`); malformed input
//! of any kind is an `Err`, never a panic.

use bitcoin::hashes::Hash as _;
use bitcoin::secp256k1::{ecdsa::Signature, Message, PublicKey, Scalar, Secp256k1, SecretKey};

/// The secp256k1 group order minus two, big-endian (the exponent of the inverse).
const N_MINUS_2: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x3f,
];

/// The digest a Bitcoin signed message signs.
pub fn message_digest(message: &str) -> [u8; 32] {
    bitcoin::sign_message::signed_msg_hash(message).to_byte_array()
}

fn scalar(bytes: [u8; 32]) -> Result<Scalar, String> {
    Scalar::from_be_bytes(bytes).map_err(|_| "a value is not below the curve order".to_string())
}

/// `a^(n-2) mod n`, the inverse of a non-zero scalar.
fn invert(a: &SecretKey) -> Result<SecretKey, String> {
    let base = scalar(a.secret_bytes())?;
    let mut acc: Option<SecretKey> = None;
    for byte in N_MINUS_2 {
        for bit in (0..8).rev() {
            if let Some(x) = acc {
                let sq = scalar(x.secret_bytes())?;
                acc = Some(x.mul_tweak(&sq).map_err(|e| e.to_string())?);
            }
            if byte >> bit & 1 == 1 {
                acc = Some(match acc {
                    None => *a,
                    Some(x) => x.mul_tweak(&base).map_err(|e| e.to_string())?,
                });
            }
        }
    }
    acc.ok_or_else(|| "the exponent is zero".to_string())
}

/// Whether `R` of the signature over `digest` by `key` has an odd y coordinate; `Err` if
/// the signature is not valid for that key and digest.
fn r_is_odd(sig: &Signature, digest: [u8; 32], key: &PublicKey) -> Result<bool, String> {
    let secp = Secp256k1::new();
    let compact = sig.serialize_compact();
    let mut r = [0u8; 32];
    let mut s = [0u8; 32];
    r.copy_from_slice(&compact[..32]);
    s.copy_from_slice(&compact[32..]);
    let s = SecretKey::from_slice(&s).map_err(|_| "s is zero or too large".to_string())?;
    let s_inv = invert(&s)?;
    let u2 = s_inv.mul_tweak(&scalar(r)?).map_err(|e| e.to_string())?;
    let r_part = key
        .mul_tweak(&secp, &scalar(u2.secret_bytes())?)
        .map_err(|e| e.to_string())?;
    let point = if digest == [0u8; 32] {
        r_part
    } else {
        let z = scalar(digest)?;
        let u1 = s_inv.mul_tweak(&z).map_err(|e| e.to_string())?;
        PublicKey::from_secret_key(&secp, &u1)
            .combine(&r_part)
            .map_err(|e| e.to_string())?
    };
    let ser = point.serialize();
    if ser[1..] != r {
        return Err("the signature does not match the key".to_string());
    }
    Ok(ser[0] == 0x03)
}

/// Signs `message` with `key` (compressed-key header, as Jade does); base64.
pub fn sign(key: &SecretKey, message: &str) -> Result<String, String> {
    let secp = Secp256k1::new();
    let digest = message_digest(message);
    let sig = secp.sign_ecdsa(&Message::from_digest(digest), key);
    let odd = r_is_odd(&sig, digest, &PublicKey::from_secret_key(&secp, key))?;
    let mut out = Vec::with_capacity(65);
    out.push(31 + u8::from(odd));
    out.extend_from_slice(&sig.serialize_compact());
    Ok(base64_encode(&out))
}

/// Checks a base64 signed-message signature of `message` against `key`.
pub fn verify(key: &PublicKey, message: &str, signature: &str) -> Result<(), String> {
    let bytes =
        base64_decode(signature.trim()).ok_or_else(|| "the signature is not base64".to_string())?;
    if bytes.len() != 65 {
        return Err(format!(
            "the signature is {} bytes, not 65 (a Bitcoin signed-message signature)",
            bytes.len()
        ));
    }
    let header = bytes[0];
    if !(27..=42).contains(&header) {
        return Err(format!(
            "the signature's header byte is {header}, not 27 to 42"
        ));
    }
    let recid = (header - 27) & 3;
    let sig = Signature::from_compact(&bytes[1..])
        .map_err(|_| "the signature's r and s are not valid".to_string())?;
    let mut low = sig;
    low.normalize_s();
    let digest = message_digest(message);
    Secp256k1::verification_only()
        .verify_ecdsa(&Message::from_digest(digest), &low, key)
        .map_err(|_| "the signature does not verify against the device's key".to_string())?;
    let odd = r_is_odd(&sig, digest, key)?;
    if recid & 2 != 0 || (recid & 1 == 1) != odd {
        return Err("the signature's recovery id does not match its key".to_string());
    }
    Ok(())
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(B64[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64 with padding; `None` if malformed.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for (i, quad) in bytes.chunks(4).enumerate() {
        let last = i + 1 == bytes.len() / 4;
        let mut n = 0u32;
        let mut pad = 0;
        for (j, &c) in quad.iter().enumerate() {
            let v = match c {
                b'=' if last && j >= 2 => {
                    pad += 1;
                    0
                }
                _ if pad > 0 => return None,
                _ => B64.iter().position(|&x| x == c)? as u32,
            };
            n = (n << 6) | v;
        }
        let three = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&three[..3 - pad]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for len in 0..70 {
            let data: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let text = base64_encode(&data);
            assert_eq!(base64_decode(&text), Some(data));
        }
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert_eq!(base64_decode("Zm8"), None);
        assert_eq!(base64_decode("Z=8="), None);
        assert_eq!(base64_decode("Zm9v!mFy"), None);
    }

    #[test]
    fn signatures_verify_and_tampering_fails() {
        let secp = Secp256k1::new();
        for i in 1u8..20 {
            let key = SecretKey::from_slice(&[i; 32]).unwrap();
            let public = PublicKey::from_secret_key(&secp, &key);
            let msg = format!("keyrite test message {i}");
            let sig = sign(&key, &msg).unwrap();
            verify(&public, &msg, &sig).unwrap();
            assert!(verify(&public, "another message", &sig).is_err());
            // Flip the recovery id.
            let mut raw = base64_decode(&sig).unwrap();
            raw[0] ^= 1;
            assert!(verify(&public, &msg, &base64_encode(&raw)).is_err());
            let other =
                PublicKey::from_secret_key(&secp, &SecretKey::from_slice(&[i + 100; 32]).unwrap());
            assert!(verify(&other, &msg, &sig).is_err());
        }
        assert!(verify(
            &PublicKey::from_secret_key(&secp, &SecretKey::from_slice(&[1; 32]).unwrap()),
            "x",
            "not base64!"
        )
        .is_err());
    }
}
