//! The SLIP-39 passphrase encryption: a 4-round Feistel network whose round function
//! is PBKDF2-HMAC-SHA256.
//!
//! Round `i` (0..4) computes `F_i(R) = PBKDF2(password = [i] || passphrase,
//! salt = prefix || R, iterations = (10000 << e) / 4, dkLen = |R|)` where the prefix is
//! `"shamir" || identifier (2 bytes, big endian)` for ordinary shares and empty for
//! extendable ones. Leaving the identifier out of the salt is what makes an extendable
//! backup extendable: new share sets with fresh identifiers decrypt to the same secret.
//! Encryption maps (L, R) to (R, L ^ F_i(R)) per round and outputs R || L; decryption
//! runs the rounds in reverse order.
//!
//! Invariants: the input length is even (callers pass a validated master secret, or an
//! encrypted one rebuilt from share values whose length is a multiple of 2 bytes);
//! every buffer holding key material or a half of the secret is `Zeroizing`.
//! The cipher cannot detect a wrong passphrase: any passphrase yields some secret.

use sha2::Sha256;
use zeroize::Zeroizing;

/// The total PBKDF2 iteration count at exponent 0.
pub(crate) const BASE_ITERATION_COUNT: u32 = 10_000;
/// Number of Feistel rounds.
pub(crate) const ROUND_COUNT: u8 = 4;
/// Salt prefix for non-extendable shares (followed by the identifier).
const SALT_PREFIX: &[u8] = b"shamir";

/// PBKDF2 iterations performed in each round for exponent `e` (0..=15, so no overflow:
/// 10000 << 15 < 2^32).
pub(crate) fn iterations_per_round(e: u8) -> u32 {
    (BASE_ITERATION_COUNT << e) / u32::from(ROUND_COUNT)
}

fn salt_prefix(identifier: u16, extendable: bool) -> Vec<u8> {
    if extendable {
        Vec::new()
    } else {
        let mut s = SALT_PREFIX.to_vec();
        s.extend_from_slice(&identifier.to_be_bytes());
        s
    }
}

/// Parameters shared by all rounds of one encryption or decryption.
struct Rounds<'a> {
    passphrase: &'a [u8],
    iterations: u32,
    salt_prefix: Vec<u8>,
}

impl Rounds<'_> {
    /// `L ^= F_i(R)`.
    fn apply(&self, i: u8, r: &[u8], l: &mut [u8]) {
        let mut password = Zeroizing::new(Vec::with_capacity(1 + self.passphrase.len()));
        password.push(i);
        password.extend_from_slice(self.passphrase);
        let mut salt = Zeroizing::new(Vec::with_capacity(self.salt_prefix.len() + r.len()));
        salt.extend_from_slice(&self.salt_prefix);
        salt.extend_from_slice(r);
        let mut f = Zeroizing::new(vec![0u8; r.len()]);
        pbkdf2::pbkdf2_hmac::<Sha256>(&password, &salt, self.iterations, &mut f);
        for (a, b) in l.iter_mut().zip(f.iter()) {
            *a ^= b;
        }
    }
}

fn feistel(
    input: &[u8],
    passphrase: &[u8],
    e: u8,
    identifier: u16,
    extendable: bool,
    order: &mut dyn Iterator<Item = u8>,
) -> Zeroizing<Vec<u8>> {
    debug_assert!(
        input.len().is_multiple_of(2),
        "Feistel input must have even length"
    );
    let half = input.len() / 2;
    let mut l = Zeroizing::new(input[..half].to_vec());
    let mut r = Zeroizing::new(input[half..].to_vec());
    let rounds = Rounds {
        passphrase,
        iterations: iterations_per_round(e),
        salt_prefix: salt_prefix(identifier, extendable),
    };
    for i in order {
        rounds.apply(i, &r, &mut l);
        std::mem::swap(&mut l, &mut r);
    }
    let mut out = Zeroizing::new(Vec::with_capacity(input.len()));
    out.extend_from_slice(&r);
    out.extend_from_slice(&l);
    out
}

/// Encrypt a master secret into the encrypted master secret (EMS) that is shared.
pub(crate) fn encrypt(
    master_secret: &[u8],
    passphrase: &[u8],
    e: u8,
    identifier: u16,
    extendable: bool,
) -> Zeroizing<Vec<u8>> {
    feistel(
        master_secret,
        passphrase,
        e,
        identifier,
        extendable,
        &mut (0..ROUND_COUNT),
    )
}

/// Decrypt an EMS rebuilt from shares back into the master secret.
pub(crate) fn decrypt(
    ems: &[u8],
    passphrase: &[u8],
    e: u8,
    identifier: u16,
    extendable: bool,
) -> Zeroizing<Vec<u8>> {
    feistel(
        ems,
        passphrase,
        e,
        identifier,
        extendable,
        &mut (0..ROUND_COUNT).rev(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    #[test]
    fn iteration_counts() {
        assert_eq!(iterations_per_round(0), 2500);
        assert_eq!(iterations_per_round(1), 5000);
        assert_eq!(iterations_per_round(15), 81_920_000);
    }

    #[test]
    fn known_answers_from_reference() {
        // Computed with shamir-mnemonic 0.3.0's cipher.encrypt.
        let ms: Vec<u8> = (0..16).collect();
        assert_eq!(
            hex::encode(encrypt(&ms, b"", 0, 7, false)),
            "fffffeae2a6869d56108ab97a8fe9d80"
        );
        assert_eq!(
            hex::encode(encrypt(&ms, b"", 0, 7, true)),
            "353caf6ac5c9ec4ec2e7dfb581113ce7"
        );
        // Vector 1: a 1-of-1 share value is the EMS itself (id 7945, e = 0).
        let ems = unhex("11bc609d21747c49ba78c0701293e417");
        assert_eq!(
            hex::encode(decrypt(&ems, b"TREZOR", 0, 7945, false)),
            "bb54aac4b89dc868ba37d9cc21b2cece"
        );
    }

    #[test]
    fn known_answer_extendable_vector() {
        // Vector 42: extendable, id 29019, e = 3.
        let ems = unhex("9e8773c7313b11d3bfe219291976433b");
        assert_eq!(
            hex::encode(decrypt(&ems, b"TREZOR", 3, 29019, true)),
            "1679b4516e0ee5954351d288a838f45e"
        );
    }

    #[test]
    fn round_trip() {
        for len in [16usize, 18, 32, 64] {
            let ms: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            for ext in [false, true] {
                let c = encrypt(&ms, b"pass phrase", 0, 12345, ext);
                assert_ne!(&c[..], &ms[..]);
                assert_eq!(&decrypt(&c, b"pass phrase", 0, 12345, ext)[..], &ms[..]);
                assert_ne!(&decrypt(&c, b"pass phrasf", 0, 12345, ext)[..], &ms[..]);
            }
        }
    }

    #[test]
    fn identifier_is_in_the_salt_only_when_not_extendable() {
        let ms = [0x42u8; 16];
        assert_ne!(
            encrypt(&ms, b"", 0, 1, false),
            encrypt(&ms, b"", 0, 2, false)
        );
        assert_eq!(encrypt(&ms, b"", 0, 1, true), encrypt(&ms, b"", 0, 2, true));
        assert_ne!(
            encrypt(&ms, b"", 0, 1, true),
            encrypt(&ms, b"", 0, 1, false)
        );
        // The exponent always matters.
        assert_ne!(encrypt(&ms, b"", 0, 1, true), encrypt(&ms, b"", 1, 1, true));
    }
}
