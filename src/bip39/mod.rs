//! BIP-39 mnemonics, English: a wallet's entropy as words and back, and the wallet seed
//! the words make with a passphrase.
//!
//! The word list is the standard's own (`english.txt`, as the reference implementation,
//! the `mnemonic` package, ships it), embedded at compile time; its SHA-256 is checked by
//! a test. Conformance: the reference's English vectors (`tests/data/bip39-vectors.json`)
//! run entropy → words → entropy → seed → master xprv in one parameterised test.
//!
//! Invariants:
//! - Entropy, words and seeds are secrets: zeroizing types with a redacting `Debug`, no
//!   `Serialize`, no `Display`. Errors name a word by its number, never the word.
//! - Words are checked whole: every word in the list, a length of 12, 15, 18, 21 or 24
//!   words, and the checksum (the first ENT/32 bits of SHA-256 of the entropy).
//! - The seed is PBKDF2-HMAC-SHA512 of the words and `"mnemonic" + passphrase`, 2048
//!   rounds. The standard normalises both to NFKD first; the English words are ASCII and
//!   so their own NFKD form, and a passphrase that is not ASCII is refused rather than
//!   hashed without normalisation (which would make another wallet's seed).
//!
//! This is a leaf module (see `ARCHITECTURE.md`): it uses only `sha2`, `hmac`, `pbkdf2`
//! and `zeroize`.

use std::fmt;

use sha2::{Digest, Sha256, Sha512};
use zeroize::Zeroizing;

const RAW: &str = include_str!("english.txt");

/// Number of words in the list: one word encodes 11 bits.
pub const WORD_COUNT: usize = 2048;

/// PBKDF2 rounds of the seed, fixed by the standard.
const SEED_ROUNDS: u32 = 2048;

/// The 2048 BIP-39 English words, in list order (a word's position is its value).
pub static WORDS: &[&str; WORD_COUNT] = &LIST;

/// `include_str!` gives one string; splitting it in a `const` context keeps the list a
/// plain static array with no start-up cost and no fallible parsing at run time.
static LIST: [&str; WORD_COUNT] = crate::slip39::wordlist::split_lines(RAW);

/// The position of `word` in the list (the list is sorted).
pub fn word_index(word: &str) -> Option<u16> {
    WORDS
        .binary_search(&word)
        .ok()
        .and_then(|i| u16::try_from(i).ok())
}

/// Why words or entropy are not a BIP-39 mnemonic.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Bip39Error {
    /// Entropy must be 16 to 32 bytes, a multiple of 4.
    #[error("BIP-39 entropy is 16, 20, 24, 28 or 32 bytes, not {len}")]
    EntropyLength {
        /// The length given.
        len: usize,
    },
    /// A mnemonic has 12, 15, 18, 21 or 24 words.
    #[error("a BIP-39 mnemonic has 12, 15, 18, 21 or 24 words, not {count}")]
    WordCount {
        /// How many words were given.
        count: usize,
    },
    /// A word is not in the English list.
    #[error("word {number} is not in the BIP-39 English word list")]
    UnknownWord {
        /// The word's number, from 1.
        number: usize,
    },
    /// The words do not carry their checksum: one was miscopied, or they are in the wrong
    /// order.
    #[error("the BIP-39 checksum does not match: a word was miscopied or words are out of order")]
    Checksum,
    /// The passphrase holds characters other than ASCII.
    #[error("the passphrase holds characters other than ASCII; keyrite cannot normalise it as BIP-39 requires (NFKD), so it would make another wallet's seed")]
    PassphraseNotAscii,
}

/// A wallet's entropy: 16 to 32 bytes, a multiple of 4. Zeroized on drop.
pub struct Entropy(Zeroizing<Vec<u8>>);

impl fmt::Debug for Entropy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Entropy({} bytes, redacted)", self.0.len())
    }
}

impl Entropy {
    /// Copies `bytes` into new entropy.
    pub fn new(bytes: &[u8]) -> Result<Entropy, Bip39Error> {
        if !(16..=32).contains(&bytes.len()) || !bytes.len().is_multiple_of(4) {
            return Err(Bip39Error::EntropyLength { len: bytes.len() });
        }
        Ok(Entropy(Zeroizing::new(bytes.to_vec())))
    }

    /// The bytes, for the code that must use them.
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }

    /// The mnemonic of this entropy.
    pub fn to_mnemonic(&self) -> Mnemonic {
        let entropy = self.expose_secret();
        let checksum_bits = entropy.len() / 4;
        let digest = Sha256::digest(entropy);
        // Entropy bits then checksum bits, read 11 at a time.
        let mut bits = Zeroizing::new(Vec::with_capacity(entropy.len() * 8 + checksum_bits));
        for byte in entropy.iter().chain(std::iter::once(&digest[0])) {
            for i in (0..8).rev() {
                bits.push((byte >> i) & 1);
            }
        }
        bits.truncate(entropy.len() * 8 + checksum_bits);
        let indexes = bits
            .chunks(11)
            .map(|chunk| chunk.iter().fold(0u16, |n, b| (n << 1) | u16::from(*b)))
            .collect();
        Mnemonic(Zeroizing::new(indexes))
    }
}

/// A checked BIP-39 mnemonic: words of the list, carrying their checksum, kept as their
/// positions in the list. Zeroized on drop.
pub struct Mnemonic(Zeroizing<Vec<u16>>);

impl fmt::Debug for Mnemonic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mnemonic({} words, redacted)", self.0.len())
    }
}

impl Mnemonic {
    /// Checks `words` (lowercase, as the list spells them) and returns the mnemonic.
    pub fn from_words<S: AsRef<str>>(words: &[S]) -> Result<Mnemonic, Bip39Error> {
        if ![12, 15, 18, 21, 24].contains(&words.len()) {
            return Err(Bip39Error::WordCount { count: words.len() });
        }
        let mut indexes = Zeroizing::new(Vec::with_capacity(words.len()));
        for (i, word) in words.iter().enumerate() {
            match word_index(word.as_ref()) {
                Some(index) => indexes.push(index),
                None => return Err(Bip39Error::UnknownWord { number: i + 1 }),
            }
        }
        let bits = bits_of(&indexes);
        let checksum_bits = words.len() / 3;
        let entropy_bits = bits.len() - checksum_bits;
        let entropy = bytes_of(&bits[..entropy_bits]);
        let digest = Sha256::digest(&*entropy);
        let expected = (0..checksum_bits).map(|i| (digest[0] >> (7 - i)) & 1);
        if !expected.eq(bits[entropy_bits..].iter().copied()) {
            return Err(Bip39Error::Checksum);
        }
        Ok(Mnemonic(indexes))
    }

    /// The words, in order, for the secret screen.
    pub fn words(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().map(|&i| WORDS[usize::from(i) % WORD_COUNT])
    }

    /// The entropy the words carry.
    pub fn entropy(&self) -> Entropy {
        let bits = bits_of(&self.0);
        Entropy(bytes_of(&bits[..bits.len() - self.0.len() / 3]))
    }

    /// The wallet seed of these words with `passphrase` (empty for none).
    pub fn seed(&self, passphrase: &str) -> Result<Seed, Bip39Error> {
        if !passphrase.is_ascii() {
            return Err(Bip39Error::PassphraseNotAscii);
        }
        let mut phrase = Zeroizing::new(String::with_capacity(self.0.len() * 9));
        for (i, word) in self.words().enumerate() {
            if i > 0 {
                phrase.push(' ');
            }
            phrase.push_str(word);
        }
        let salt = Zeroizing::new(format!("mnemonic{passphrase}"));
        let mut seed = Zeroizing::new([0u8; 64]);
        pbkdf2::pbkdf2_hmac::<Sha512>(
            phrase.as_bytes(),
            salt.as_bytes(),
            SEED_ROUNDS,
            &mut seed[..],
        );
        Ok(Seed(seed))
    }
}

/// The bits of 11-bit word positions, most significant first, one a byte.
fn bits_of(indexes: &[u16]) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(
        indexes
            .iter()
            .flat_map(|&index| (0..11).rev().map(move |i| u8::from((index >> i) & 1 == 1)))
            .collect(),
    )
}

/// Bits, one a byte, packed into bytes (the count is a multiple of 8).
fn bytes_of(bits: &[u8]) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(
        bits.chunks(8)
            .map(|byte| byte.iter().fold(0u8, |n, b| (n << 1) | b))
            .collect(),
    )
}

/// A wallet seed (64 bytes), the input of BIP-32's master key. Zeroized on drop.
pub struct Seed(Zeroizing<[u8; 64]>);

impl fmt::Debug for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Seed(redacted)")
    }
}

impl Seed {
    /// The bytes, for the code that must use them.
    pub fn expose_secret(&self) -> &[u8; 64] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_the_standards() {
        let digest = hex::encode(Sha256::digest(RAW.replace("\r\n", "\n").as_bytes()));
        assert_eq!(
            digest,
            "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda"
        );
        assert!(WORDS.windows(2).all(|w| w[0] < w[1]), "sorted, unique");
        assert_eq!(word_index("abandon"), Some(0));
        assert_eq!(word_index("zoo"), Some(2047));
    }

    #[test]
    fn mistakes_are_named_by_number_never_by_word() {
        let mut words: Vec<&str> = Entropy::new(&[7u8; 16])
            .unwrap()
            .to_mnemonic()
            .words()
            .collect();
        words.swap(0, 1);
        assert_eq!(
            Mnemonic::from_words(&words).unwrap_err(),
            Bip39Error::Checksum
        );
        words[4] = "keyrite";
        let e = Mnemonic::from_words(&words).unwrap_err();
        assert_eq!(e, Bip39Error::UnknownWord { number: 5 });
        assert!(!e.to_string().contains("keyrite"));
        assert_eq!(
            Mnemonic::from_words(&words[..11]).unwrap_err(),
            Bip39Error::WordCount { count: 11 }
        );
        assert_eq!(
            Entropy::new(&[0u8; 18]).unwrap_err(),
            Bip39Error::EntropyLength { len: 18 }
        );
        let m = Entropy::new(&[0u8; 16]).unwrap().to_mnemonic();
        assert_eq!(m.seed("café").unwrap_err(), Bip39Error::PassphraseNotAscii);
    }

    #[test]
    fn debug_shows_no_secret() {
        let e = Entropy::new(&[0x5a; 32]).unwrap();
        let m = e.to_mnemonic();
        let s = m.seed("").unwrap();
        let shown = format!("{e:?} {m:?} {s:?}");
        let first = m.words().next().unwrap();
        assert!(!shown.contains("5a") && !shown.contains(first), "{shown}");
    }
}
