//! One SLIP-39 share: its public metadata, its secret value, and the codec between a
//! share and its mnemonic words.
//!
//! Layout, in 10-bit words (most significant bit first):
//! identifier (15 bits) | extendable (1) | iteration exponent (4) | group index (4) |
//! group threshold - 1 (4) | group count - 1 (4) | member index (4) |
//! member threshold - 1 (4) | padded share value | RS1024 checksum (30 bits).
//! The value is left-padded with zero bits to a multiple of 10 bits.
//!
//! Invariants:
//! - A decoded share has passed the checksum, has zero padding of at most 8 bits, a value
//!   of 16..=64 bytes (an even number, since value bits = 10 * words - padding and a
//!   padding of at most 8 bits forces a multiple of 16), and group threshold <= group
//!   count. Encoding a `Share` and decoding the words gives the same share back.
//! - The value, word indices and mnemonic text are held in `Zeroizing` buffers sized
//!   up front, so no reallocation leaves a stray copy behind.
//! - `Debug` never shows the value or the words.

use std::fmt;

use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;
use zeroize::{Zeroize as _, Zeroizing};

use super::error::ShareError;
use super::rs1024;
use super::wordlist::{self, PrefixMatch};

/// Words taken by identifier, extendable flag and iteration exponent.
const ID_EXP_WORDS: usize = 2;
/// Words taken by the group and member parameters.
const PARAMS_WORDS: usize = 2;
/// Words of a share that are not the value.
pub(crate) const METADATA_WORDS: usize = ID_EXP_WORDS + PARAMS_WORDS + rs1024::CHECKSUM_WORDS;
/// The shortest share: a 128-bit value takes 13 words.
pub(crate) const MIN_WORDS: usize = METADATA_WORDS + 13;
/// Longest supported share value, in bytes (a 512-bit secret).
pub(crate) const MAX_VALUE_BYTES: usize = 64;

/// Public metadata of a share: everything in it except the share value.
///
/// Indices are 0-based as encoded; thresholds and counts are the real numbers (1..=16).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ShareInfo {
    /// Random 15-bit identifier common to all shares of one split.
    pub identifier: u16,
    /// Extendable-backup flag: the identifier is not part of the encryption salt.
    pub extendable: bool,
    /// PBKDF2 uses 10000 << `iteration_exponent` iterations in total.
    pub iteration_exponent: u8,
    /// 0-based index of this share's group.
    pub group_index: u8,
    /// Number of groups needed to recover the secret.
    pub group_threshold: u8,
    /// Number of groups in the split.
    pub group_count: u8,
    /// 0-based index of this share within its group.
    pub member_index: u8,
    /// Number of shares of this group needed to recover the group's secret.
    pub member_threshold: u8,
}

/// One share: metadata plus the secret share value. Zeroized on drop.
pub struct Share {
    info: ShareInfo,
    value: Zeroizing<Vec<u8>>,
}

/// The mnemonic of a share: lowercase words separated by single spaces. Zeroized on drop.
pub struct ShareWords(Zeroizing<String>);

/// SHA-256 of a share's canonical mnemonic: a public fingerprint for records.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ShareDigest(pub [u8; 32]);

impl ShareWords {
    /// The mnemonic text. Show it only to the person who receives the share.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Number of words.
    pub fn word_count(&self) -> usize {
        self.0.split(' ').count()
    }
}

impl fmt::Debug for ShareWords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ShareWords([REDACTED; {} words])", self.word_count())
    }
}

impl ShareDigest {
    /// The raw digest bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for ShareDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for ShareDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ShareDigest({self})")
    }
}

impl fmt::Debug for Share {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Share")
            .field("info", &self.info)
            .field(
                "value",
                &format_args!("[REDACTED; {} bytes]", self.value.len()),
            )
            .finish()
    }
}

impl Share {
    /// Build a share; `value` must have an even length of 16..=64 bytes (the splitter
    /// guarantees it, since it splits a validated secret).
    pub(crate) fn new(info: ShareInfo, value: Zeroizing<Vec<u8>>) -> Self {
        debug_assert!(
            value.len().is_multiple_of(2) && (16..=MAX_VALUE_BYTES).contains(&value.len())
        );
        Share { info, value }
    }

    /// A copy for internal bookkeeping; the copy is zeroized on drop like the original.
    /// Not `Clone`, so that copies of secret shares are never made by accident.
    pub(crate) fn duplicate(&self) -> Self {
        Share {
            info: self.info.clone(),
            value: self.value.clone(),
        }
    }

    /// The public metadata.
    pub fn info(&self) -> &ShareInfo {
        &self.info
    }

    pub(crate) fn value(&self) -> &[u8] {
        &self.value
    }

    /// Number of words in this share's mnemonic.
    pub fn word_count(&self) -> usize {
        METADATA_WORDS + value_words(self.value.len())
    }

    /// Whether two shares are the same share (metadata and value); the value is
    /// compared in constant time.
    pub(crate) fn same_as(&self, other: &Share) -> bool {
        self.info == other.info && bool::from(self.value.as_slice().ct_eq(other.value.as_slice()))
    }

    /// SHA-256 of the canonical mnemonic (lowercase words, single spaces).
    pub fn digest(&self) -> ShareDigest {
        let words = self.to_words();
        ShareDigest(Sha256::digest(words.expose_secret().as_bytes()).into())
    }

    /// Encode as mnemonic words.
    pub fn to_words(&self) -> ShareWords {
        let indices = self.to_indices();
        let len = indices
            .iter()
            .map(|&i| wordlist::WORDS[usize::from(i)].len())
            .sum::<usize>()
            + indices.len().saturating_sub(1);
        let mut text = Zeroizing::new(String::with_capacity(len));
        for (n, &i) in indices.iter().enumerate() {
            if n > 0 {
                text.push(' ');
            }
            text.push_str(wordlist::WORDS[usize::from(i)]);
        }
        ShareWords(text)
    }

    /// Word indices of the mnemonic, checksum included.
    fn to_indices(&self) -> Zeroizing<Vec<u16>> {
        let total = self.word_count();
        let mut out = Zeroizing::new(Vec::with_capacity(total));
        let i = &self.info;
        // 20 bits: identifier (15) | extendable (1) | exponent (4).
        let id_exp = (u32::from(i.identifier) << 5)
            | (u32::from(i.extendable) << 4)
            | u32::from(i.iteration_exponent);
        push_u20(&mut out, id_exp);
        let params = (u32::from(i.group_index) << 16)
            | (u32::from(i.group_threshold.saturating_sub(1)) << 12)
            | (u32::from(i.group_count.saturating_sub(1)) << 8)
            | (u32::from(i.member_index) << 4)
            | u32::from(i.member_threshold.saturating_sub(1));
        push_u20(&mut out, params);
        encode_value(&self.value, &mut out);
        let checksum = rs1024::create_checksum(&out, i.extendable);
        out.extend_from_slice(&checksum);
        out
    }

    /// Decode a mnemonic. Words are separated by any whitespace, compared without regard
    /// to case, and may be abbreviated to any prefix that only one list word starts with.
    pub fn from_mnemonic(mnemonic: &str) -> Result<Share, ShareError> {
        let count = mnemonic.split_whitespace().count();
        let mut indices = Zeroizing::new(Vec::with_capacity(count));
        for (n, token) in mnemonic.split_whitespace().enumerate() {
            match wordlist::complete_prefix(token) {
                PrefixMatch::Unique(i) => indices.push(i),
                PrefixMatch::Ambiguous(candidates) => {
                    return Err(ShareError::AmbiguousWord {
                        position: n + 1,
                        candidates,
                    })
                }
                PrefixMatch::NoMatch => return Err(ShareError::UnknownWord { position: n + 1 }),
            }
        }
        Self::from_indices(&indices)
    }

    fn from_indices(idx: &[u16]) -> Result<Share, ShareError> {
        let words = idx.len();
        if words < MIN_WORDS {
            return Err(ShareError::TooShort { words });
        }
        let value_word_count = words - METADATA_WORDS;
        let padding = (10 * value_word_count) % 16;
        if padding > 8 {
            return Err(ShareError::InvalidLength { words });
        }
        let value_bytes = (10 * value_word_count - padding) / 8;
        if value_bytes > MAX_VALUE_BYTES {
            return Err(ShareError::TooLong { words });
        }

        let id_exp = read_u20(&idx[0..2]);
        let extendable = (id_exp >> 4) & 1 == 1;
        if !rs1024::verify_checksum(idx, extendable) {
            return Err(ShareError::Checksum);
        }
        // Every field below is masked to its width, so the narrowing casts are exact.
        let identifier = (id_exp >> 5) as u16;
        let iteration_exponent = (id_exp & 0xF) as u8;
        let params = read_u20(&idx[2..4]);
        let nibble = |shift: u32| ((params >> shift) & 0xF) as u8;
        let info = ShareInfo {
            identifier,
            extendable,
            iteration_exponent,
            group_index: nibble(16),
            group_threshold: nibble(12) + 1,
            group_count: nibble(8) + 1,
            member_index: nibble(4),
            member_threshold: nibble(0) + 1,
        };
        if info.group_threshold > info.group_count {
            return Err(ShareError::GroupThresholdExceedsCount {
                threshold: info.group_threshold,
                count: info.group_count,
            });
        }
        let value_idx = &idx[ID_EXP_WORDS + PARAMS_WORDS..words - rs1024::CHECKSUM_WORDS];
        let value = decode_value(value_idx, padding, value_bytes)?;
        Ok(Share { info, value })
    }
}

/// Words needed for a value of `bytes` bytes.
fn value_words(bytes: usize) -> usize {
    (bytes * 8).div_ceil(10)
}

fn push_u20(out: &mut Vec<u16>, v: u32) {
    out.push(((v >> 10) & 0x3FF) as u16);
    out.push((v & 0x3FF) as u16);
}

fn read_u20(words: &[u16]) -> u32 {
    words
        .iter()
        .fold(0u32, |acc, &w| (acc << 10) | u32::from(w & 0x3FF))
}

/// Append the value as 10-bit words, with leading zero padding.
fn encode_value(value: &[u8], out: &mut Vec<u16>) {
    let words = value_words(value.len());
    let padding = words * 10 - value.len() * 8;
    // The accumulator holds at most 17 bits: fewer than 10 left over plus one byte.
    let mut acc: u32 = 0;
    // The padding zeros are already "in" the accumulator: they are leading zeros.
    let mut bits = padding as u32;
    for &b in value {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 10 {
            bits -= 10;
            out.push(((acc >> bits) & 0x3FF) as u16);
        }
        acc &= (1 << bits) - 1;
    }
    acc.zeroize();
}

/// Inverse of `encode_value`; the padding bits (all in the first word, as padding is at
/// most 8 bits) must be zero.
fn decode_value(
    idx: &[u16],
    padding: usize,
    bytes: usize,
) -> Result<Zeroizing<Vec<u8>>, ShareError> {
    let (&first, rest) = idx.split_first().ok_or(ShareError::TooShort { words: 0 })?;
    // `padding` <= 8, so the shift is in range.
    if u32::from(first) >> (10 - padding) != 0 {
        return Err(ShareError::Padding);
    }
    let mut out = Zeroizing::new(Vec::with_capacity(bytes));
    let mut bits = (10 - padding) as u32;
    let mut acc = u32::from(first) & ((1 << bits) - 1);
    for &w in rest {
        while bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
        acc = (acc << 10) | u32::from(w);
        bits += 10;
    }
    while bits >= 8 {
        bits -= 8;
        out.push((acc >> bits) as u8);
        acc &= (1 << bits) - 1;
    }
    acc.zeroize();
    if out.len() != bytes || bits != 0 {
        // Unreachable when padding = (10 * words) % 16; kept as a cheap guard.
        return Err(ShareError::InvalidLength {
            words: idx.len() + METADATA_WORDS,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTOR_1: &str = "duckling enlarge academic academic agency result length solution fridge kidney coal piece deal husband erode duke ajar critical decision keyboard";

    fn info() -> ShareInfo {
        ShareInfo {
            identifier: 0x7FFF,
            extendable: true,
            iteration_exponent: 15,
            group_index: 15,
            group_threshold: 16,
            group_count: 16,
            member_index: 15,
            member_threshold: 16,
        }
    }

    #[test]
    fn decodes_vector_1_metadata() {
        let s = Share::from_mnemonic(VECTOR_1).unwrap();
        assert_eq!(
            s.info(),
            &ShareInfo {
                identifier: 7945,
                extendable: false,
                iteration_exponent: 0,
                group_index: 0,
                group_threshold: 1,
                group_count: 1,
                member_index: 0,
                member_threshold: 1,
            }
        );
        assert_eq!(hex::encode(s.value()), "11bc609d21747c49ba78c0701293e417");
        assert_eq!(s.to_words().expose_secret(), VECTOR_1);
        assert_eq!(s.word_count(), 20);
    }

    #[test]
    fn round_trips_every_even_length_and_extreme_metadata() {
        for len in (16..=MAX_VALUE_BYTES).step_by(2) {
            let value: Vec<u8> = (0..len)
                .map(|i| (i as u8).wrapping_mul(151) ^ 0xA5)
                .collect();
            for ff in [false, true] {
                let v = if ff { vec![0xFF; len] } else { value.clone() };
                let s = Share::new(info(), Zeroizing::new(v.clone()));
                let words = s.to_words();
                assert_eq!(words.word_count(), s.word_count());
                let back = Share::from_mnemonic(words.expose_secret()).unwrap();
                assert_eq!(back.info(), &info());
                assert_eq!(back.value(), &v[..]);
            }
        }
    }

    #[test]
    fn word_counts() {
        let s16 = Share::new(info(), Zeroizing::new(vec![1; 16]));
        let s32 = Share::new(info(), Zeroizing::new(vec![1; 32]));
        let s64 = Share::new(info(), Zeroizing::new(vec![1; 64]));
        assert_eq!(
            (s16.word_count(), s32.word_count(), s64.word_count()),
            (20, 33, 59)
        );
    }

    #[test]
    fn accepts_prefixes_case_and_any_whitespace() {
        let abbreviated: Vec<String> = VECTOR_1.split(' ').map(|w| w[..4].to_uppercase()).collect();
        let messy = format!("  {}\n", abbreviated.join(" \t\n "));
        let s = Share::from_mnemonic(&messy).unwrap();
        assert_eq!(s.to_words().expose_secret(), VECTOR_1);
    }

    #[test]
    fn word_errors_say_which_word() {
        let mut words: Vec<&str> = VECTOR_1.split(' ').collect();
        words[6] = "xylophonx";
        let e = Share::from_mnemonic(&words.join(" ")).unwrap_err();
        assert_eq!(e, ShareError::UnknownWord { position: 7 });
        assert_eq!(
            e.to_string(),
            "word 7 is not in the SLIP-39 word list (nor the start of one): check its spelling"
        );
        words[6] = "ac";
        match Share::from_mnemonic(&words.join(" ")).unwrap_err() {
            ShareError::AmbiguousWord {
                position: 7,
                candidates,
            } => assert!(candidates > 1),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn length_rules() {
        let words: Vec<&str> = VECTOR_1.split(' ').collect();
        assert_eq!(
            Share::from_mnemonic(&words[..19].join(" ")).unwrap_err(),
            ShareError::TooShort { words: 19 }
        );
        assert_eq!(
            Share::from_mnemonic("").unwrap_err(),
            ShareError::TooShort { words: 0 }
        );
        // 21 words: 14 value words = 140 bits, padding 12 > 8.
        let mut long = words.clone();
        long.push("academic");
        assert_eq!(
            Share::from_mnemonic(&long.join(" ")).unwrap_err(),
            ShareError::InvalidLength { words: 21 }
        );
        // 60 words would be a 66-byte value.
        let sixty = vec!["academic"; 60].join(" ");
        assert_eq!(
            Share::from_mnemonic(&sixty).unwrap_err(),
            ShareError::TooLong { words: 60 }
        );
    }

    #[test]
    fn checksum_and_padding_are_enforced() {
        let mut words: Vec<&str> = VECTOR_1.split(' ').collect();
        words.swap(8, 9);
        assert_eq!(
            Share::from_mnemonic(&words.join(" ")).unwrap_err(),
            ShareError::Checksum
        );

        // Build a share whose first value word has a padding bit set, with a valid checksum.
        let s = Share::from_mnemonic(VECTOR_1).unwrap();
        let mut idx = s.to_indices();
        let data_len = idx.len() - 3;
        idx.truncate(data_len);
        idx[4] |= 0x200;
        let check = rs1024::create_checksum(&idx, false);
        idx.extend_from_slice(&check);
        assert_eq!(Share::from_indices(&idx).unwrap_err(), ShareError::Padding);
    }

    #[test]
    fn group_threshold_above_count_is_rejected() {
        let mut i = info();
        i.group_threshold = 3;
        i.group_count = 2;
        let s = Share::new(i, Zeroizing::new(vec![7; 16]));
        assert_eq!(
            Share::from_mnemonic(s.to_words().expose_secret()).unwrap_err(),
            ShareError::GroupThresholdExceedsCount {
                threshold: 3,
                count: 2
            }
        );
    }

    #[test]
    fn digest_is_sha256_of_canonical_mnemonic() {
        let s = Share::from_mnemonic(&VECTOR_1.to_uppercase()).unwrap();
        let d = s.digest();
        assert_eq!(
            d.as_bytes(),
            &<[u8; 32]>::from(Sha256::digest(VECTOR_1.as_bytes()))
        );
        assert_eq!(d.to_string().len(), 64);
        assert_eq!(format!("{d:?}"), format!("ShareDigest({d})"));
    }

    #[test]
    fn debug_is_redacted() {
        let s = Share::from_mnemonic(VECTOR_1).unwrap();
        let dbg = format!("{s:?}");
        assert!(dbg.contains("[REDACTED; 16 bytes]"), "{dbg}");
        assert!(!dbg.contains("11bc609d"));
        assert!(!dbg.contains("duckling"));
        let w = format!("{:?}", s.to_words());
        assert_eq!(w, "ShareWords([REDACTED; 20 words])");
    }
}
