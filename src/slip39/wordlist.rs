//! The SLIP-39 English word list and look-ups on it.
//!
//! The list is the standard's own (`wordlist.txt`, as shipped with the reference
//! implementation), embedded at compile time. Invariants, checked by the tests below:
//! exactly 1024 words, sorted, unique, lowercase ASCII, and every word unique in its
//! first four letters. Sortedness is what lets `word_index` and `complete_prefix`
//! binary-search; the four-letter rule is what makes prefixes a safe shorthand.

const RAW: &str = include_str!("wordlist.txt");

/// Number of words in the list: one word encodes 10 bits.
pub const WORD_COUNT: usize = 1024;

/// The 1024 SLIP-39 words, in list order (a word's position is the value it encodes).
pub static WORDS: &[&str; WORD_COUNT] = words();

/// `include_str!` gives one string; splitting it in a `const` context keeps the list a
/// plain static array with no start-up cost and no fallible parsing at run time.
const fn words() -> &'static [&'static str; WORD_COUNT] {
    const LIST: [&str; WORD_COUNT] = split_lines(RAW);
    &LIST
}

/// Splits `raw` into its `N` non-empty lines at compile time (a CRLF checkout is
/// tolerated). Shared with the BIP-39 list (`crate::bip39`).
pub(crate) const fn split_lines<const N: usize>(raw: &'static str) -> [&'static str; N] {
    let bytes = raw.as_bytes();
    let mut out = [""; N];
    let mut start = 0;
    let mut i = 0;
    let mut n = 0;
    while i <= bytes.len() {
        if i == bytes.len() || bytes[i] == b'\n' {
            let mut end = i;
            if end > start && bytes[end - 1] == b'\r' {
                end -= 1;
            }
            if end > start {
                // Compile-time invariant: the file has exactly N non-empty lines.
                assert!(n < N, "the word list has more words than expected");
                let (_, tail) = bytes.split_at(start);
                let (word, _) = tail.split_at(end - start);
                out[n] = match std::str::from_utf8(word) {
                    Ok(w) => w,
                    Err(_) => panic!("the word list is not UTF-8"),
                };
                n += 1;
            }
            start = i + 1;
        }
        i += 1;
    }
    assert!(n == N, "the word list has fewer words than expected");
    out
}

/// Result of completing a (possibly partial) word typed by a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrefixMatch {
    /// Exactly one list word is, or starts with, the input: its index.
    Unique(u16),
    /// Several list words start with the input: how many.
    Ambiguous(usize),
    /// No list word starts with the input.
    NoMatch,
}

/// Index of `word` in the list (exact match, case-insensitive).
pub fn word_index(word: &str) -> Option<u16> {
    if !word.is_ascii() {
        return None;
    }
    let lower = zeroize::Zeroizing::new(word.to_ascii_lowercase());
    WORDS
        .binary_search(&lower.as_str())
        .ok()
        // Invariant: indices are < 1024, so they fit in u16.
        .map(|i| i as u16)
}

/// Complete a typed prefix (case-insensitive). A full list word is always `Unique`,
/// even if it were a prefix of another word (no SLIP-39 word is, but the rule makes
/// the behaviour independent of that fact).
pub fn complete_prefix(prefix: &str) -> PrefixMatch {
    if prefix.is_empty() || !prefix.is_ascii() {
        return PrefixMatch::NoMatch;
    }
    let lower = zeroize::Zeroizing::new(prefix.to_ascii_lowercase());
    let p = lower.as_str();
    if let Ok(i) = WORDS.binary_search(&p) {
        return PrefixMatch::Unique(i as u16);
    }
    let (lo, hi) = prefix_range(p);
    match hi - lo {
        0 => PrefixMatch::NoMatch,
        1 => PrefixMatch::Unique(lo as u16),
        n => PrefixMatch::Ambiguous(n),
    }
}

/// Half-open index range of the words starting with `p`; relies on the list being sorted.
fn prefix_range(p: &str) -> (usize, usize) {
    let lo = WORDS.partition_point(|w| *w < p);
    let hi = lo + WORDS[lo..].partition_point(|w| w.starts_with(p));
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn list_has_1024_sorted_unique_words_unique_in_four_letters() {
        assert_eq!(WORDS.len(), 1024);
        assert!(WORDS.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
        let four: HashSet<&str> = WORDS.iter().map(|w| &w[..4]).collect();
        assert_eq!(four.len(), 1024, "unique in first four letters");
        assert!(WORDS
            .iter()
            .all(|w| (4..=8).contains(&w.len()) && w.bytes().all(|b| b.is_ascii_lowercase())));
        assert_eq!(WORDS[0], "academic");
        assert_eq!(WORDS[1023], "zero");
    }

    #[test]
    fn exact_lookup_is_case_insensitive() {
        assert_eq!(word_index("academic"), Some(0));
        assert_eq!(word_index("ZERO"), Some(1023));
        assert_eq!(word_index("Acid"), Some(1));
        assert_eq!(word_index("acade"), None);
        assert_eq!(word_index("académic"), None);
        assert_eq!(word_index(""), None);
    }

    #[test]
    fn prefix_completion() {
        assert_eq!(complete_prefix("acad"), PrefixMatch::Unique(0));
        assert_eq!(complete_prefix("ACADEMIC"), PrefixMatch::Unique(0));
        assert_eq!(complete_prefix("zer"), PrefixMatch::Unique(1023));
        // "ac" starts academic, acid, acne, acquire, acrobat, activity, actress.
        let n = WORDS.iter().filter(|w| w.starts_with("ac")).count();
        assert!(n > 1);
        assert_eq!(complete_prefix("ac"), PrefixMatch::Ambiguous(n));
        assert_eq!(
            complete_prefix("a"),
            PrefixMatch::Ambiguous(WORDS.iter().filter(|w| w.starts_with('a')).count())
        );
        assert_eq!(complete_prefix("xylophonx"), PrefixMatch::NoMatch);
        assert_eq!(complete_prefix("academics"), PrefixMatch::NoMatch);
        assert_eq!(complete_prefix(""), PrefixMatch::NoMatch);
        assert_eq!(complete_prefix("é"), PrefixMatch::NoMatch);
    }

    #[test]
    fn every_four_letter_prefix_completes_to_its_word() {
        for (i, w) in WORDS.iter().enumerate() {
            assert_eq!(
                complete_prefix(&w[..4]),
                PrefixMatch::Unique(i as u16),
                "{w}"
            );
            assert_eq!(word_index(w), Some(i as u16));
        }
    }
}
