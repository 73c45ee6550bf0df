//! The head phrase: a transcript's head hash as SLIP-39 words, to read aloud.
//!
//! The head of a transcript (the hex SHA-256 of its last line's bytes) is read aloud on
//! the ceremony video and written on the paper record, so that the video, the paper and
//! the file can be tied together. Hex is error-prone to read and hear; words are not.
//!
//! Encoding: the 256 bits, most significant first, are cut into 10-bit pieces; each is
//! an index into the SLIP-39 word list (1024 words, each unique by its first four
//! letters). 256 bits make 25 whole words and 6 bits over, so the 26th word carries
//! those 6 bits followed by 4 zero bits.
//!
//! Invariants (tested below): [`decode`] inverts [`encode`] for every hash; decoding
//! accepts a word's first four letters (what a listener writes down) and refuses a
//! phrase whose padding bits are not zero, so a wrong last word is caught.

use crate::slip39::{complete_prefix, PrefixMatch, WORDS};

/// Bytes in a SHA-256 hash.
pub const HASH_BYTES: usize = 32;
/// Bits one word carries.
const BITS_PER_WORD: usize = 10;
/// Words in a head phrase: ceil(256 / 10).
pub const PHRASE_WORDS: usize = (HASH_BYTES * 8).div_ceil(BITS_PER_WORD);
/// Words per group when the phrase is shown for reading aloud.
pub const GROUP_WORDS: usize = 4;

/// Why a text is not a head hash or a head phrase.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhraseError {
    /// The head is not 64 hexadecimal digits.
    #[error("`{0}` is not a SHA-256 hash in hex (64 hex digits)")]
    NotHash(String),
    /// The phrase does not have [`PHRASE_WORDS`] words.
    #[error("a head phrase has {PHRASE_WORDS} words, not {0}")]
    WordCount(usize),
    /// A word is not (a unique prefix of) a SLIP-39 word.
    #[error("word {position}, `{word}`, is not a word of the list (the first four letters of a word are enough)")]
    UnknownWord {
        /// Position, from 1.
        position: usize,
        /// The word as given.
        word: String,
    },
    /// The last word's padding bits are not zero: a word was misheard or mistyped.
    #[error("the last word, `{0}`, cannot end a head phrase: a word was misheard or mistyped")]
    Padding(String),
}

/// The head phrase of a hex SHA-256 head hash: [`PHRASE_WORDS`] words.
pub fn encode_hex(head: &str) -> Result<Vec<&'static str>, PhraseError> {
    let bytes = hex::decode(head).map_err(|_| PhraseError::NotHash(clip(head)))?;
    let hash: [u8; HASH_BYTES] = bytes
        .try_into()
        .map_err(|_| PhraseError::NotHash(clip(head)))?;
    Ok(encode(&hash))
}

/// The head phrase of a hash.
pub fn encode(hash: &[u8; HASH_BYTES]) -> Vec<&'static str> {
    (0..PHRASE_WORDS)
        .map(|w| {
            let mut index = 0usize;
            for bit in w * BITS_PER_WORD..(w + 1) * BITS_PER_WORD {
                // Bits past the hash's end are the zero padding of the last word.
                let set = hash
                    .get(bit / 8)
                    .is_some_and(|byte| byte & (0x80 >> (bit % 8)) != 0);
                index = (index << 1) | usize::from(set);
            }
            // Invariant: index < 2^10 = WORDS.len().
            WORDS[index]
        })
        .collect()
}

/// The hash a head phrase stands for. Words are separated by white space; case does not
/// matter and a word's first four letters are enough.
pub fn decode(phrase: &str) -> Result<[u8; HASH_BYTES], PhraseError> {
    let words: Vec<&str> = phrase.split_whitespace().collect();
    if words.len() != PHRASE_WORDS {
        return Err(PhraseError::WordCount(words.len()));
    }
    let mut hash = [0u8; HASH_BYTES];
    for (w, word) in words.iter().enumerate() {
        let index = match complete_prefix(word) {
            PrefixMatch::Unique(i) => usize::from(i),
            _ => {
                return Err(PhraseError::UnknownWord {
                    position: w + 1,
                    word: clip(word),
                })
            }
        };
        for k in 0..BITS_PER_WORD {
            let bit = w * BITS_PER_WORD + k;
            let set = index & (1 << (BITS_PER_WORD - 1 - k)) != 0;
            match hash.get_mut(bit / 8) {
                Some(byte) if set => *byte |= 0x80 >> (bit % 8),
                Some(_) => {}
                None if set => return Err(PhraseError::Padding(clip(word))),
                None => {}
            }
        }
    }
    Ok(hash)
}

/// The phrase as numbered groups (`1. word word word word`), as screens show it to be
/// read aloud.
pub fn numbered(words: &[&str]) -> Vec<String> {
    groups(words)
        .iter()
        .enumerate()
        .map(|(i, g)| format!("{}. {}", i + 1, g.join(" ")))
        .collect()
}

/// The phrase in groups of [`GROUP_WORDS`] words, for reading aloud.
pub fn groups(words: &[&str]) -> Vec<Vec<String>> {
    words
        .chunks(GROUP_WORDS)
        .map(|g| g.iter().map(|w| (*w).to_string()).collect())
        .collect()
}

/// At most 40 characters of untrusted text, for an error message.
fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn twenty_six_words() {
        assert_eq!(PHRASE_WORDS, 26);
        assert_eq!(encode(&[0u8; 32]), vec!["academic"; 26]);
    }

    /// SHA-256 of the empty string, e3b0c442 98fc1c14 ..., worked by hand:
    /// e3 b0 c4 42 98 = 11100011 10110000 11000100 01000010 10011000, cut in tens:
    /// 1110001110 = 910, 1100001100 = 780, 0100010000 = 272, 1010011000 = 664.
    /// The last byte is 0x55: bits 250..256 are 010101, padded to 0101010000 = 336.
    #[test]
    fn hand_computed() {
        let head = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let words = encode_hex(head).unwrap();
        assert_eq!(words[0], WORDS[910]);
        assert_eq!(words[1], WORDS[780]);
        assert_eq!(words[2], WORDS[272]);
        assert_eq!(words[3], WORDS[664]);
        assert_eq!(words[25], WORDS[336]);
        assert_eq!(words[25], "favorite");
        assert_eq!(
            &words[..4],
            &["theater", "satisfy", "else", "pharmacy"],
            "indices 910, 780, 272, 664 of the SLIP-39 list"
        );
        assert_eq!(hex::encode(decode(&words.join(" ")).unwrap()), head);
    }

    #[test]
    fn all_ones_pads_the_last_word_with_zeros() {
        let words = encode(&[0xff; 32]);
        assert!(words[..25].iter().all(|w| *w == WORDS[1023]));
        assert_eq!(words[25], WORDS[0b11_1111_0000]);
    }

    #[test]
    fn four_letters_and_any_case_are_enough() {
        let head = [0x5au8; 32];
        let words = encode(&head);
        let short: Vec<String> = words
            .iter()
            .map(|w| w.chars().take(4).collect::<String>().to_uppercase())
            .collect();
        assert_eq!(decode(&short.join("  ")).unwrap(), head);
    }

    #[test]
    fn bad_phrases_are_refused() {
        let words = encode(&[7u8; 32]);
        assert_eq!(
            decode(&words[..25].join(" ")),
            Err(PhraseError::WordCount(25))
        );
        let mut wrong = words.clone();
        wrong[3] = "zzzz";
        assert!(matches!(
            decode(&wrong.join(" ")),
            Err(PhraseError::UnknownWord { position: 4, .. })
        ));
        let mut padded = words.clone();
        padded[25] = WORDS[1];
        assert!(matches!(
            decode(&padded.join(" ")),
            Err(PhraseError::Padding(_))
        ));
        assert!(encode_hex("abc").is_err());
        assert!(encode_hex(&"g".repeat(64)).is_err());
    }

    #[test]
    fn groups_of_four() {
        let words = encode(&[1u8; 32]);
        let g = groups(&words);
        assert_eq!(g.len(), 7);
        assert_eq!(g[6].len(), 2);
        assert_eq!(g.concat(), words);
    }

    proptest! {
        #[test]
        fn round_trip(hash in any::<[u8; 32]>()) {
            let words = encode(&hash);
            prop_assert_eq!(words.len(), PHRASE_WORDS);
            prop_assert_eq!(decode(&words.join(" ")).unwrap(), hash);
            prop_assert_eq!(encode_hex(&hex::encode(hash)).unwrap(), words);
        }
    }
}
